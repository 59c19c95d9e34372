import path from "node:path";
import postgres from "postgres";
import { migrateDatabase } from "@holdfast/db";
import { startEmbeddedPostgres } from "@holdfast/db/embedded";
import type { Env } from "./env.ts";

/** The external DATABASE_URL, or the embedded PostgreSQL under .data/ (started here). */
export async function openDatabase(env: Env, log: (msg: string) => void) {
  if (env.DATABASE_URL) {
    await migrateDatabase(env.DATABASE_URL);
    return { url: env.DATABASE_URL, stop: async () => undefined, embedded: false };
  }
  log(`starting embedded PostgreSQL (data in ${env.HOLDFAST_DATA_DIR})`);
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(env.HOLDFAST_DATA_DIR, "pg"),
    port: env.HOLDFAST_PG_PORT,
  });
  const admin = postgres(pg.url("postgres"), { max: 1, onnotice: () => undefined });
  const [exists] = await admin`select 1 from pg_database where datname = 'holdfast'`;
  if (!exists) await admin.unsafe("create database holdfast");
  await admin.end();
  const url = pg.url("holdfast");
  await migrateDatabase(url);
  return { url, stop: pg.stop, embedded: true };
}
