import type { PgTransaction } from "drizzle-orm/pg-core";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { connectionSettings, sessionLockUrl } from "./pooler.ts";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
export type Database = PostgresJsDatabase<Schema> & { $client: postgres.Sql };
// biome-ignore lint/suspicious/noExplicitAny: drizzle's transaction type is generic over its driver
export type Transaction = PgTransaction<any, Schema, any>;
/** Query functions take either the pool or an open transaction. */
export type DatabaseOrTransaction = Database | Transaction;

export interface CreateDbOptions {
  max?: number;
  /** Application name shown in pg_stat_activity. */
  name?: string;
  /**
   * PostgreSQL `statement_timeout` of every connection, in milliseconds: a
   * statement running longer is cancelled (SQLSTATE 57014). For the API
   * server's pool; the worker and migrations run without one.
   */
  statementTimeoutMs?: number;
  /**
   * HOLDFAST_DB_PREPARE: use named prepared statements (default: yes, unless
   * the URL goes through a pooler; see pooler.ts).
   */
  prepare?: boolean;
  /** DATABASE_DIRECT_URL: where session advisory locks are taken (default: the URL itself). */
  directUrl?: string;
  /**
   * The process takes session locks (a worker): refuse at once, with a
   * DatabaseConfigError, when the URL goes through a pooler and there is no
   * direct URL.
   */
  sessionLocks?: boolean;
}

export function createDb(url: string, opts: CreateDbOptions = {}): Database {
  const settings = connectionSettings(url, opts.prepare);
  if (opts.sessionLocks) sessionLockUrl(url, opts.directUrl);
  const sql = postgres(settings.url, {
    max: opts.max ?? 10,
    prepare: settings.prepare,
    onnotice: () => undefined,
    connection: {
      application_name: opts.name ?? "holdfast",
      // A pooler refuses unknown startup parameters: behind one the timeout is set by the pooler (README).
      ...(opts.statementTimeoutMs && !settings.pooled ? { statement_timeout: opts.statementTimeoutMs } : {}),
    },
    // Dates stay strings (business dates are 'YYYY-MM-DD').
    types: { date: { to: 1082, from: [1082], serialize: (v: string) => v, parse: (v: string) => v } },
  });
  const db = drizzle(sql, { schema }) as Database;
  lockTargets.set(db, { url, directUrl: opts.directUrl, name: opts.name ?? "holdfast" });
  return db;
}

/** Where each pool's session locks go, and the direct client once one was opened. */
const lockTargets = new WeakMap<Database, { url: string; directUrl?: string; name: string; client?: postgres.Sql }>();

/**
 * The client to take session advisory locks on (reserve a connection from
 * it): a direct connection to PostgreSQL when `directUrl` was given (opened
 * on first use, closed by closeDb), else the pool itself. A lock held on it
 * ends at the latest with the process, as its connection does. Throws a
 * DatabaseConfigError when the pool goes through a pooler without a direct URL.
 */
export function sessionLockClient(db: Database): postgres.Sql {
  const target = lockTargets.get(db);
  if (!target) return db.$client;
  const lockUrl = sessionLockUrl(target.url, target.directUrl);
  if (!target.directUrl) return db.$client;
  target.client ??= postgres(lockUrl, {
    max: 2,
    onnotice: () => undefined,
    connection: { application_name: `${target.name}-locks` },
  });
  return target.client;
}

export async function closeDb(db: Database): Promise<void> {
  await db.$client.end({ timeout: 5 });
  await lockTargets.get(db)?.client?.end({ timeout: 5 });
}
