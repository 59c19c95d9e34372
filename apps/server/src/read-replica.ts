import { closeDb, type Database, ReadReplica } from "@holdfast/db";
import { serverPool, supervisePool } from "./database.ts";
import type { Env } from "./env.ts";

interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

/**
 * The read replica of DATABASE_READ_URL, when set: its own pool (the server's
 * size and statement timeout, renewed after an outage like the primary's) and
 * the routing of reads (`ReadReplica`). Without DATABASE_READ_URL, nothing:
 * every read goes to the primary.
 */
export function openReadReplica(env: Env, primary: () => Database, logger: Logger) {
  const url = env.DATABASE_READ_URL;
  if (!url) return { readReplica: undefined, stop: async () => undefined };
  const newPool = () => serverPool(env, url);
  const holder = { db: newPool() };
  const pool = supervisePool(holder, newPool, url, logger);
  const readReplica = new ReadReplica(primary, () => holder.db, { maxLagMs: env.HOLDFAST_READ_MAX_LAG_MS });
  logger.info(
    { maxLagMs: env.HOLDFAST_READ_MAX_LAG_MS },
    "lists, search, audit history and status read from the read replica",
  );
  return {
    readReplica,
    async stop() {
      pool.stop();
      await closeDb(holder.db);
    },
  };
}
