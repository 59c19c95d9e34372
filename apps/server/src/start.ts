/**
 * The whole product on one machine: the embedded PostgreSQL (or DATABASE_URL),
 * demo data on first start, the HTTP server with the dashboard, and a worker
 * as a separate process. Ctrl-C stops everything cleanly.
 */
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ownShutdownSignals } from "@holdfast/db/embedded";
import { clockFromEnv, seedDemo } from "@holdfast/services";
import { openDatabase } from "./database.ts";
import { REPO_ROOT, readEnv } from "./env.ts";
import { createHttpServer } from "./http.ts";
import { createLogger, requestLogsWanted } from "./logger.ts";
import { dataDirSecretKey } from "./secret-key.ts";
import { openServerDeps } from "./server-deps.ts";
import { forkServers, isServerProcess, runServerProcess, serverProcesses } from "./server-processes.ts";
import { startBanner, workerSettled } from "./start-banner.ts";
import { failStart, guardStart, portInUse, refuse } from "./start-guard.ts";
import { surviveStrayPoolRejections } from "./stray-rejections.ts";
import { workerArgs } from "./worker-command.ts";
import { superviseWorker, type WorkerSupervisor } from "./worker-supervisor.ts";

const readOnce = readEnv();
const env = {
  ...readOnce,
  HOLDFAST_SECRET_KEY: readOnce.HOLDFAST_SECRET_KEY ?? dataDirSecretKey(readOnce.HOLDFAST_DATA_DIR),
};
if (isServerProcess()) {
  // A forked HTTP server process (HOLDFAST_SERVER_PROCESSES): it serves until stopped, and the rest of this file,
  // the primary's part, never runs here (the module's evaluation waits on this promise for good).
  runServerProcess(env, env.HOLDFAST_LOG_REQUESTS === "1");
  await new Promise<never>(() => undefined);
}
const logger = createLogger("holdfast", env.LOG_LEVEL);
surviveStrayPoolRejections(logger);
await guardStart(env);
const clock = clockFromEnv(env.HOLDFAST_NOW);
const database = await openDatabase(env, (m) => logger.info(m)).catch(failStart);
const urlFile = path.join(env.HOLDFAST_DATA_DIR, "database-url");
if (database.embedded) writeFileSync(urlFile, database.url, { mode: 0o600 });
const logRequests = requestLogsWanted(env.HOLDFAST_LOG_REQUESTS);
const { deps, close } = openServerDeps(env, database.url, clock, logger, { logRequests });

const demo = env.HOLDFAST_NO_DEMO === "1" ? null : await seedDemo(deps.db, clock);
const processes = serverProcesses(env);
let stopServing: () => Promise<void>;
if (processes > 1) {
  const servers = forkServers(
    processes,
    { DATABASE_URL: database.url, HOLDFAST_MIGRATE: "off", HOLDFAST_LOG_REQUESTS: logRequests ? "1" : "0" },
    logger,
  );
  await servers.ready.catch(failStart);
  stopServing = servers.stop;
} else {
  const server = createHttpServer(deps);
  server.once("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EADDRINUSE") refuse(portInUse(env.PORT, "PORT", "HTTP"));
    failStart(e);
  });
  await new Promise<void>((resolve) => server.listen(env.PORT, env.HOST, resolve));
  stopServing = async () => {
    server.close();
    server.closeAllConnections();
  };
}
const base = `http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${env.PORT}`;

let worker: WorkerSupervisor | null = null;
if (env.HOLDFAST_NO_WORKER !== "1") {
  // A worker that dies is started again, with backoff (worker-supervisor.ts).
  worker = superviseWorker(
    () =>
      spawn(process.execPath, workerArgs(), {
        cwd: path.join(REPO_ROOT, "apps/worker"),
        env: { ...process.env, DATABASE_URL: database.url, HOLDFAST_SECRET_KEY: env.HOLDFAST_SECRET_KEY },
        stdio: ["inherit", "inherit", "inherit", "ipc"],
      }),
    logger,
  );
}

void workerSettled(worker?.current() ?? null).then(() => console.log(startBanner(base, demo, logRequests)));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping");
  const workerExited = worker?.stop(10_000);
  await stopServing();
  await workerExited;
  await close();
  if (database.embedded) rmSync(urlFile, { force: true });
  await database.stop();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// From here on these handlers stop the embedded PostgreSQL themselves, last.
ownShutdownSignals();
