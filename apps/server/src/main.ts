/**
 * One stateless server replica: DATABASE_URL (or the embedded database),
 * migrations under an advisory lock, then HTTP. Run as many as you like.
 * With HOLDFAST_SERVER_PROCESSES above 1 (default: one per core) this process
 * prepares the database and forks that many server processes sharing the port.
 */
import { ownShutdownSignals } from "@holdfast/db/embedded";
import { clockFromEnv } from "@holdfast/services";
import { openDatabase } from "./database.ts";
import { readEnv } from "./env.ts";
import { createHttpServer } from "./http.ts";
import { createLogger } from "./logger.ts";
import { openServerDeps } from "./server-deps.ts";
import { forkServers, isServerProcess, runServerProcess, serverProcesses } from "./server-processes.ts";
import { surviveStrayPoolRejections } from "./stray-rejections.ts";

const env = readEnv();
if (isServerProcess()) {
  runServerProcess(env);
} else {
  const logger = createLogger("holdfast-server", env.LOG_LEVEL);
  surviveStrayPoolRejections(logger);
  const database = await openDatabase(env, (m) => logger.info(m));
  const processes = serverProcesses(env);
  let stopServing: () => Promise<void>;
  if (processes > 1) {
    const servers = forkServers(processes, { DATABASE_URL: database.url, HOLDFAST_MIGRATE: "off" }, logger);
    await servers.ready;
    logger.info(`listening on http://${env.HOST}:${env.PORT} (${processes} processes: ${servers.pids().join(", ")})`);
    stopServing = servers.stop;
  } else {
    const { deps, close } = openServerDeps(env, database.url, clockFromEnv(env.HOLDFAST_NOW), logger);
    const server = createHttpServer(deps);
    server.listen(env.PORT, env.HOST, () => logger.info(`listening on http://${env.HOST}:${env.PORT}`));
    stopServing = async () => {
      server.close();
      server.closeAllConnections();
      await close();
    };
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await stopServing();
    await database.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  // From here on these handlers stop the embedded PostgreSQL themselves, last.
  ownShutdownSignals();
}
