/** Real worker processes for P2: `node --import tsx apps/worker/src/main.ts --once --now ISO`, one per slot. */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../apps/worker");
const MAIN = path.join(WORKER_DIR, "src", "main.ts");

export interface WorkerRun {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Seconds from spawn to exit. */
  seconds: number;
  stdout: string;
  stderr: string;
}

/** Every worker process this module started and that has not exited yet: killed on the way out, whatever happens. */
const live = new Set<ChildProcess>();
function killLive() {
  for (const c of live) c.kill("SIGKILL");
}
process.once("exit", killLive);

export interface StartedWorkers {
  pids: number[];
  done: Promise<WorkerRun[]>;
}

/** Starts `count` workers at once against `databaseUrl` with the clock frozen at `now`; each is killed after `timeoutMs`. */
export function startWorkers(
  databaseUrl: string,
  count: number,
  now: string,
  timeoutMs: number,
  extraArgs: string[] = [],
  /** The worker's own arguments before `--now`: one tick by default; P2 at rollover runs the loop (`--interval-ms`). */
  mode: string[] = ["--once"],
): StartedWorkers {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "info" };
  delete env.HOLDFAST_NOW;
  delete env.WORKER_INTERVAL_MS;
  const runs: Promise<WorkerRun>[] = [];
  const pids: number[] = [];
  for (let k = 0; k < count; k++) {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...extraArgs, "--import", "tsx", MAIN, ...mode, "--now", now], {
      cwd: WORKER_DIR,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid === undefined) throw new Error("the worker process did not start");
    live.add(child);
    pids.push(child.pid);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    runs.push(
      new Promise<WorkerRun>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code, signal) => {
          clearTimeout(guard);
          live.delete(child);
          resolve({
            pid: child.pid as number,
            code,
            signal,
            seconds: (performance.now() - t0) / 1000,
            stdout,
            stderr,
          });
        });
      }),
    );
  }
  return { pids, done: Promise.all(runs).finally(killLive) };
}
