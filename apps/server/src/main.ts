/**
 * One stateless server replica: DATABASE_URL (or the embedded database),
 * migrations under an advisory lock, then HTTP. Run as many as you like.
 */
import { ownShutdownSignals } from "@holdfast/db/embedded";
import { clockFromEnv } from "@holdfast/services";
import { openDatabase } from "./database.ts";
import { readEnv } from "./env.ts";
import { createHttpServer } from "./http.ts";
import { createLogger } from "./logger.ts";
import { openServerDeps } from "./server-deps.ts";

const env = readEnv();
const logger = createLogger("holdfast-server", env.LOG_LEVEL);
const database = await openDatabase(env, (m) => logger.info(m));
const { deps, close } = openServerDeps(env, database.url, clockFromEnv(env.HOLDFAST_NOW), logger);
const server = createHttpServer(deps);
server.listen(env.PORT, env.HOST, () => logger.info(`listening on http://${env.HOST}:${env.PORT}`));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  server.close();
  server.closeAllConnections();
  await close();
  await database.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// From here on these handlers stop the embedded PostgreSQL themselves, last.
ownShutdownSignals();
