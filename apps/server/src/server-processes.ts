/**
 * HOLDFAST_SERVER_PROCESSES: the HTTP server as several Node processes
 * (node:cluster) sharing one port, so one machine's cores all serve requests.
 * The primary prepares the database (embedded PostgreSQL, migrations), forks
 * the processes, and on SIGTERM stops them all; each process runs the HTTP
 * server with its own database pool (HOLDFAST_DB_POOL_MAX connections each).
 * Per-process state stays per process: rate limits, and the read-your-writes
 * memory of the read replica routing.
 */
import cluster, { type Worker } from "node:cluster";
import os from "node:os";
import { clockFromEnv } from "@holdfast/services";
import type { Logger } from "pino";
import type { Env } from "./env.ts";
import { createHttpServer } from "./http.ts";
import { createLogger } from "./logger.ts";
import { openServerDeps } from "./server-deps.ts";
import { surviveStrayPoolRejections } from "./stray-rejections.ts";

/** How many server processes: HOLDFAST_SERVER_PROCESSES, else one per core; 1 runs no cluster. */
export function serverProcesses(env: Env): number {
  return env.HOLDFAST_SERVER_PROCESSES ?? os.availableParallelism();
}

/** In a forked server process (see forkServers)? */
export const isServerProcess = () => cluster.isWorker;

/**
 * The primary: forks `count` server processes with `env` added to theirs
 * (the database's URL), answers once all listen (rejects if one exits
 * first); a process that dies later is replaced after a second. `stop` sends
 * SIGTERM to each and waits for all to exit (SIGKILL after 10 s).
 */
export function forkServers(count: number, env: Record<string, string>, logger: Logger) {
  let stopping = false;
  const live = new Set<Worker>();
  const fork = () => {
    const w = cluster.fork(env);
    live.add(w);
    w.once("exit", (code, signal) => {
      live.delete(w);
      if (stopping) return;
      logger.error({ pid: w.process.pid, code, signal }, "a server process exited; starting another");
      setTimeout(() => !stopping && fork(), 1000).unref();
    });
    return w;
  };
  const ready = Promise.all(
    Array.from({ length: count }, () => {
      const w = fork();
      return new Promise<void>((resolve, reject) => {
        w.once("listening", () => resolve());
        w.once("exit", (code) => reject(new Error(`a server process exited with ${code} before it listened`)));
      });
    }),
  );
  return {
    ready,
    pids: () => [...live].map((w) => w.process.pid),
    async stop() {
      stopping = true;
      await Promise.all(
        [...live].map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const timer = setTimeout(() => w.process.kill("SIGKILL"), 10_000);
              w.once("exit", () => {
                clearTimeout(timer);
                resolve();
              });
              w.process.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}

/**
 * One forked server process: the HTTP server on DATABASE_URL (the primary
 * prepared it) until SIGTERM, SIGINT, or the primary going away.
 */
export function runServerProcess(env: Env, logRequests?: boolean) {
  const logger: Logger = createLogger("holdfast-server", env.LOG_LEVEL);
  surviveStrayPoolRejections(logger);
  const url = env.DATABASE_URL;
  if (!url) throw new Error("a server process needs DATABASE_URL (set by the primary)");
  const extra = logRequests === undefined ? {} : { logRequests };
  const { deps, close } = openServerDeps(env, url, clockFromEnv(env.HOLDFAST_NOW), logger, extra);
  const server = createHttpServer(deps);
  server.listen(env.PORT, env.HOST);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    await close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
  process.on("disconnect", () => void shutdown());
}
