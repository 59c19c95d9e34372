import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { applyJournal } from "./migrate-apply.ts";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations");

/** Arbitrary constant: the advisory lock every Holdfast process takes to migrate. */
const MIGRATION_LOCK_ID = 724_611_001;

/**
 * Applies the committed SQL migrations on a single connection, under a
 * session advisory lock, so several servers and workers can start at once.
 * Answers the applied migrations' journal `when`.
 */
export async function migrateDatabase(url: string): Promise<number[]> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      return await applyJournal(sql, MIGRATIONS_DIR);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
