/**
 * Child processes for benchmarks: a Node server (tsx) started as its own
 * process, waited for until an HTTP URL answers, and stopped by its PID
 * (SIGTERM, then SIGKILL) however the benchmark ends.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@holdfast/db/embedded";

export { freePort };

/** The repository root (bench/src/shared → ../../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface SpawnedServer {
  pid: number;
  port: number;
  /** http://127.0.0.1:port */
  base: string;
  /** The last lines the process wrote (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  /** The script to run with `node --import tsx`, absolute or relative to the repo root. */
  script: string;
  /** Environment on top of process.env; PORT is set to a free port unless given. */
  env?: Record<string, string>;
  cwd?: string;
  /** Extra node flags, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"]. */
  nodeArgs?: string[];
  /** The path polled until it answers 2xx (default /healthz). */
  readyPath?: string;
  readyTimeoutMs?: number;
}

/** Starts a Node server process and waits until it answers. */
export async function spawnServer(opts: SpawnServerOptions): Promise<SpawnedServer> {
  const port = opts.env?.PORT ? Number(opts.env.PORT) : await freePort();
  const script = path.isAbsolute(opts.script) ? opts.script : path.join(REPO_ROOT, opts.script);
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", script], {
    cwd: opts.cwd ?? path.dirname(script),
    env: { ...process.env, ...opts.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const pid = child.pid;
  let tail = "";
  const keep = (b: Buffer) => {
    tail = (tail + b.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  // BENCH_SERVER_LOG=file keeps the servers' whole output (to find the cause of an unexpected answer).
  if (process.env.BENCH_SERVER_LOG) {
    const log = createWriteStream(process.env.BENCH_SERVER_LOG, { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${tail}`);
      const status = await getStatus(`${base}${opts.readyPath ?? "/healthz"}`);
      if (status >= 200 && status < 300) break;
      if (Date.now() > deadline) throw new Error(`${script} did not answer within the time limit:\n${tail}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { pid, port, base, output: () => tail, stop };
}

function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}
