import type { ChildProcess } from "node:child_process";
import type { Logger } from "pino";

export interface BackoffOptions {
  /** The pause before the first restart (1 s). */
  initialMs: number;
  /** The longest pause (30 s). */
  maxMs: number;
  /** A worker that ran this long before it died starts the backoff over (1 min). */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

/**
 * The pause before starting a worker again: the first after a death (or after
 * a worker that had run `resetAfterMs`) waits `initialMs`, each following one
 * twice the last, up to `maxMs`.
 */
export function restartDelay(previousMs: number | null, ranMs: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  if (previousMs === null || ranMs >= opts.resetAfterMs) return opts.initialMs;
  return Math.min(previousMs * 2, opts.maxMs);
}

export interface WorkerSupervisor {
  /** The worker process running now (null while waiting to restart it). */
  current(): ChildProcess | null;
  /** How many times the worker was started again. */
  restarts(): number;
  /** SIGTERM to the worker, no more restarts; resolves when it has exited (or after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs the worker process that `start` spawns and starts it again whenever
 * it exits without being asked to, after the `restartDelay` backoff. Each
 * death and each restart is logged.
 */
export function superviseWorker(
  start: () => ChildProcess,
  logger: Pick<Logger, "info" | "error">,
  opts: BackoffOptions = DEFAULT_BACKOFF,
): WorkerSupervisor {
  let child: ChildProcess | null = null;
  let stopping = false;
  let delay: number | null = null;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;

  const run = () => {
    const startedAt = Date.now();
    const proc = start();
    child = proc;
    proc.on("exit", (code, signal) => {
      if (child === proc) child = null;
      if (stopping) return;
      delay = restartDelay(delay, Date.now() - startedAt, opts);
      logger.error({ code, signal, workerPid: proc.pid, restartInMs: delay }, "worker exited; starting it again");
      timer = setTimeout(() => {
        if (stopping) return;
        restarts++;
        run();
        logger.info({ workerPid: child?.pid, restarts }, "worker restarted");
      }, delay);
    });
  };
  run();

  return {
    current: () => child,
    restarts: () => restarts,
    async stop(graceMs = 10_000) {
      stopping = true;
      clearTimeout(timer);
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      proc.kill("SIGTERM");
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => (grace = setTimeout(r, graceMs)))]);
      clearTimeout(grace);
    },
  };
}
