import path from "node:path";
import {
  connectionSettings,
  createDb,
  type Database,
  prepareSchemaOrExit,
  prepareSetting,
  refuseToStart,
  sessionLockUrl,
} from "@holdfast/db";
import { startEmbeddedPostgres } from "@holdfast/db/embedded";
import postgres from "postgres";
import type { Env } from "./env.ts";

/** A new pool of the API server's connections (with the API's statement timeout). */
export function serverPool(env: Env, url: string): Database {
  return createDb(url, {
    name: "holdfast-server",
    max: env.HOLDFAST_DB_POOL_MAX,
    statementTimeoutMs: env.HOLDFAST_STATEMENT_TIMEOUT_MS,
    prepare: prepareSetting(env.HOLDFAST_DB_PREPARE),
  });
}

/**
 * The external DATABASE_URL, or the embedded PostgreSQL under .data/ (started here),
 * with its schema prepared as HOLDFAST_MIGRATE says (`migrate: false`: left as it is, for `holdfast migrate`).
 * Behind a pooler without DATABASE_DIRECT_URL it refuses to start (the migration lock needs a direct connection).
 */
export async function openDatabase(env: Env, log: (msg: string) => void, opts: { migrate?: boolean } = {}) {
  const migrate = (url: string) =>
    opts.migrate === false
      ? Promise.resolve()
      : prepareSchemaOrExit(url, env.HOLDFAST_MIGRATE, log, { directUrl: env.DATABASE_DIRECT_URL });
  if (env.DATABASE_URL) {
    try {
      sessionLockUrl(env.DATABASE_URL, env.DATABASE_DIRECT_URL);
    } catch (e) {
      refuseToStart("holdfast")(e);
    }
    await migrate(env.DATABASE_URL);
    return { url: env.DATABASE_URL, stop: async () => undefined, embedded: false };
  }
  log(`starting embedded PostgreSQL (data in ${env.HOLDFAST_DATA_DIR})`);
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(env.HOLDFAST_DATA_DIR, "pg"),
    port: env.HOLDFAST_PG_PORT,
  });
  for (const note of pg.notes) log(note);
  const admin = postgres(pg.url("postgres"), { max: 1, onnotice: () => undefined });
  const [exists] = await admin`select 1 from pg_database where datname = 'holdfast'`;
  if (!exists) await admin.unsafe("create database holdfast");
  await admin.end();
  const url = pg.url("holdfast");
  await migrate(url);
  return { url, stop: pg.stop, embedded: true };
}

interface PoolLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

/** Does the database answer `select 1` on this client within `ms`? */
async function answers(sql: postgres.Sql, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      sql`select 1`.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Keeps the server's connection pool usable across database outages, without
 * a restart. The pool lives in `holder.db` (the object the HTTP handlers read
 * it from on every request) and is replaced by a fresh one from `create`:
 * - during an outage: every `intervalMs` the pool is asked `select 1`; once it
 *   fails, a fresh connection outside the pool is tried each round instead. While
 *   that fails too, the pool is renewed each round: the driver's reconnect
 *   backoff grows to 10-20 s per connection, and requests would wait that long
 *   for their error instead of failing fast (a 5xx within a few seconds).
 * - after an outage: the round whose probe finds the database back replaces the
 *   pool once more, so no connection object torn down during the outage (nor
 *   its backoff) is ever used again.
 */
export function supervisePool(
  holder: { db: Database },
  create: () => Database,
  url: string,
  logger: PoolLogger,
  intervalMs = 2000,
) {
  let down = false;
  let checking = false;

  const replace = (why: string, quietly = false) => {
    const old = holder.db;
    holder.db = create();
    if (!quietly) logger.warn({ why }, "database connection pool replaced");
    // In-flight queries get 5 s to finish; anything still waiting then is rejected.
    void old.$client.end({ timeout: 5 }).catch(() => undefined);
  };

  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      if (!down) {
        if (await answers(holder.db.$client, 5000)) return;
        down = true;
        logger.warn("the database does not answer; the pool is renewed until it does");
      }
      const probe = postgres(connectionSettings(url).url, {
        max: 1,
        prepare: false,
        connect_timeout: 5,
        onnotice: () => undefined,
        connection: { application_name: "holdfast-server-probe" },
      });
      const back = await answers(probe, 5000);
      await probe.end({ timeout: 1 }).catch(() => undefined);
      if (back) {
        down = false;
        replace("the database answers again after an outage");
      } else {
        replace("renewed while the database is down", true);
      }
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();

  return {
    stop() {
      clearInterval(timer);
    },
  };
}
