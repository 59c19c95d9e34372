/**
 * The real server as its own process (`node --import tsx apps/server/src/main.ts`),
 * on a free port, serving a given dashboard build; stopped by its pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { REPO_ROOT } from "./first-load.ts";

const SERVER_DIR = path.join(REPO_ROOT, "apps/server");

export interface RunningServer {
  baseUrl: string;
  pid: number;
  /** What it printed, for a report when it misbehaves. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

export async function startServer(opts: { databaseUrl: string; webDist: string; now: string }): Promise<RunningServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: opts.databaseUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    HOLDFAST_NO_WORKER: "1",
    HOLDFAST_NO_DEMO: "1",
    HOLDFAST_NOW: opts.now,
    WEB_DIST: opts.webDist,
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
  };
  // tsx resolves from apps/server's own dependencies.
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: SERVER_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error("the server process did not start");
  const pid = child.pid;
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (output = (output + d).slice(-20_000)));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (output = (output + d).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let exitCode: number | null = null;
  child.once("exit", (code) => (exitCode = code));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (exitCode !== null || child.signalCode !== null)
        throw new Error(`the server exited (${exitCode}):\n${output}`);
      const ok = await fetch(`${baseUrl}/readyz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the server was not ready within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { baseUrl, pid, output: () => output, stop };
}
