import type { PgTransaction } from "drizzle-orm/pg-core";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
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
}

export function createDb(url: string, opts: CreateDbOptions = {}): Database {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => undefined,
    connection: {
      application_name: opts.name ?? "holdfast",
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    },
    // Dates stay strings (business dates are 'YYYY-MM-DD').
    types: { date: { to: 1082, from: [1082], serialize: (v: string) => v, parse: (v: string) => v } },
  });
  return drizzle(sql, { schema }) as Database;
}

export async function closeDb(db: Database): Promise<void> {
  await db.$client.end({ timeout: 5 });
}
