/**
 * The whole product on one machine: the embedded PostgreSQL (or DATABASE_URL),
 * demo data on first start, the HTTP server with the dashboard, and a worker
 * as a separate process. Ctrl-C stops everything cleanly.
 */
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { closeDb } from "@holdfast/db";
import { ownShutdownSignals } from "@holdfast/db/embedded";
import { clockFromEnv, seedDemo } from "@holdfast/services";
import { openDatabase, serverPool, supervisePool } from "./database.ts";
import { edgeOptions, REPO_ROOT, readEnv } from "./env.ts";
import { createHttpServer } from "./http.ts";
import { createLogger, requestLogsWanted } from "./logger.ts";
import { openReadReplica } from "./read-replica.ts";
import { startBanner, workerSettled } from "./start-banner.ts";
import { failStart, guardStart, portInUse, refuse } from "./start-guard.ts";
import { workerArgs } from "./worker-command.ts";
import { superviseWorker, type WorkerSupervisor } from "./worker-supervisor.ts";

const env = readEnv();
const logger = createLogger("holdfast", env.LOG_LEVEL);
await guardStart(env);
const clock = clockFromEnv(env.HOLDFAST_NOW);
const database = await openDatabase(env, (m) => logger.info(m)).catch(failStart);
const urlFile = path.join(env.HOLDFAST_DATA_DIR, "database-url");
if (database.embedded) writeFileSync(urlFile, database.url, { mode: 0o600 });
const newPool = () => serverPool(env, database.url);
const replica = openReadReplica(env, () => deps.db, logger);
// The handlers read deps.db on every request, so the supervisor can swap in a fresh pool after a database outage.
const deps = {
  db: newPool(),
  clock,
  logger,
  webDist: env.WEB_DIST,
  publicUrl: env.HOLDFAST_PUBLIC_URL,
  sessionIdleMs: env.HOLDFAST_SESSION_IDLE_MINUTES * 60_000,
  readReplica: replica.readReplica,
  edge: edgeOptions(env),
  logRequests: requestLogsWanted(env.HOLDFAST_LOG_REQUESTS),
};
const pool = supervisePool(deps, newPool, database.url, logger);

const demo = env.HOLDFAST_NO_DEMO === "1" ? null : await seedDemo(deps.db, clock);
const server = createHttpServer(deps);
server.once("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EADDRINUSE") refuse(portInUse(env.PORT, "PORT", "HTTP"));
  failStart(e);
});
await new Promise<void>((resolve) => server.listen(env.PORT, env.HOST, resolve));
const base = `http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${env.PORT}`;

let worker: WorkerSupervisor | null = null;
if (env.HOLDFAST_NO_WORKER !== "1") {
  // A worker that dies is started again, with backoff (worker-supervisor.ts).
  worker = superviseWorker(
    () =>
      spawn(process.execPath, workerArgs(), {
        cwd: path.join(REPO_ROOT, "apps/worker"),
        env: { ...process.env, DATABASE_URL: database.url },
        stdio: ["inherit", "inherit", "inherit", "ipc"],
      }),
    logger,
  );
}

void workerSettled(worker?.current() ?? null).then(() => console.log(startBanner(base, demo, deps.logRequests)));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping");
  const workerExited = worker?.stop(10_000);
  server.close();
  server.closeAllConnections();
  await workerExited;
  pool.stop();
  await replica.stop();
  await closeDb(deps.db);
  if (database.embedded) rmSync(urlFile, { force: true });
  await database.stop();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// From here on these handlers stop the embedded PostgreSQL themselves, last.
ownShutdownSignals();
