import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { sessionLockUrl } from "./pooler.ts";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations");

/** Arbitrary constant: the advisory lock every Holdfast process takes to migrate. */
const MIGRATION_LOCK_ID = 724_611_001;

/**
 * Applies the committed SQL migrations on a single connection, under a
 * session advisory lock, so several servers and workers can start at once.
 * Both on the direct URL when given (see pooler.ts).
 */
export async function migrateDatabase(url: string, opts: { directUrl?: string } = {}): Promise<void> {
  // A session lock: on a direct connection (DATABASE_DIRECT_URL), never through a transaction pooler.
  const sql = postgres(sessionLockUrl(url, opts.directUrl), { max: 1, onnotice: () => undefined });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
