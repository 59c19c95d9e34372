import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

const here = path.dirname(fileURLToPath(import.meta.url));
/** packages/db/migrations; a bundle from `pnpm build` (apps/…/dist/*.js) carries its copy in dist/migrations. */
export const MIGRATIONS_DIR = existsSync(path.join(here, "migrations"))
  ? path.join(here, "migrations")
  : path.resolve(here, "../migrations");

/** Arbitrary constant: the advisory lock every Holdfast process takes to migrate. */
const MIGRATION_LOCK_ID = 724_611_001;

/**
 * Applies the committed SQL migrations on a single connection, under a
 * session advisory lock, so several servers and workers can start at once.
 */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
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
