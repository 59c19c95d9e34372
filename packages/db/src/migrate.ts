import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { applyJournal } from "./migrate-apply.ts";
import { sessionLockUrl } from "./pooler.ts";

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
 * Both on the direct URL when given (see pooler.ts). Answers the applied migrations' journal `when`.
 */
export async function migrateDatabase(url: string, opts: { directUrl?: string } = {}): Promise<number[]> {
  // A session lock: on a direct connection (DATABASE_DIRECT_URL), never through a transaction pooler.
  const sql = postgres(sessionLockUrl(url, opts.directUrl), { max: 1, onnotice: () => undefined });
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
