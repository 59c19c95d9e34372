/**
 * One stateless server replica: DATABASE_URL (or the embedded database),
 * migrations under an advisory lock, then HTTP. Run as many as you like.
 */
import { closeDb } from "@holdfast/db";
import { ownShutdownSignals } from "@holdfast/db/embedded";
import { clockFromEnv } from "@holdfast/services";
import { openDatabase, serverPool, supervisePool } from "./database.ts";
import { edgeOptions, readEnv } from "./env.ts";
import { createHttpServer } from "./http.ts";
import { createLogger } from "./logger.ts";
import { openReadReplica } from "./read-replica.ts";

const env = readEnv();
const logger = createLogger("holdfast-server", env.LOG_LEVEL);
const database = await openDatabase(env, (m) => logger.info(m));
const newPool = () => serverPool(env, database.url);
const replica = openReadReplica(env, () => deps.db, logger);
// The handlers read deps.db on every request, so the supervisor can swap in a fresh pool after a database outage.
const deps = {
  db: newPool(),
  clock: clockFromEnv(env.HOLDFAST_NOW),
  logger,
  webDist: env.WEB_DIST,
  publicUrl: env.HOLDFAST_PUBLIC_URL,
  sessionIdleMs: env.HOLDFAST_SESSION_IDLE_MINUTES * 60_000,
  readReplica: replica.readReplica,
  edge: edgeOptions(env),
};
const pool = supervisePool(deps, newPool, database.url, logger);
const server = createHttpServer(deps);
server.listen(env.PORT, env.HOST, () => logger.info(`listening on http://${env.HOST}:${env.PORT}`));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  server.close();
  server.closeAllConnections();
  pool.stop();
  await replica.stop();
  await closeDb(deps.db);
  await database.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// From here on these handlers stop the embedded PostgreSQL themselves, last.
ownShutdownSignals();
