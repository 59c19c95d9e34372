/**
 * Migrations as a step of their own. `holdfast migrate` applies them;
 * servers, workers and the CLI's other commands start with
 * HOLDFAST_MIGRATE=auto (apply what is pending) or off (apply nothing, refuse
 * to start when something is pending). Whether anything is pending is read
 * from `drizzle.__drizzle_migrations` with data rights only (USAGE on the
 * schema, SELECT on the table), so a runtime role without CREATE can start
 * with either mode once the schema is current: the migrator (migrate-apply.ts)
 * takes the migration lock and is only called when something is pending.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { MIGRATIONS_DIR, migrateDatabase } from "./migrate.ts";
import { explainMigrationError, type MigrationStep } from "./migrate-errors.ts";
import { connectionSettings } from "./pooler.ts";

export type MigrateMode = "auto" | "off";
export const MIGRATE_MODES = ["auto", "off"] as const;

/** A committed migration, as packages/db/migrations/meta/_journal.json lists it. */
export interface CommittedMigration {
  tag: string;
  /** drizzle's `folderMillis`: what `created_at` in `__drizzle_migrations` records. */
  when: number;
}

export function committedMigrations(dir = MIGRATIONS_DIR): CommittedMigration[] {
  const journal = JSON.parse(readFileSync(path.join(dir, "meta", "_journal.json"), "utf8")) as {
    entries: CommittedMigration[];
  };
  return journal.entries.map(({ tag, when }) => ({ tag, when }));
}

/** A migration step that failed for a reason the operator can fix; `message` is the one line to print. */
export class MigrationStepError extends Error {
  override name = "MigrationStepError";
}

/** The schema is behind and HOLDFAST_MIGRATE=off forbids applying migrations. */
export class SchemaBehindError extends MigrationStepError {
  constructor(readonly pending: string[]) {
    super(
      `holdfast: the database schema is behind (${pending.length} pending migration${pending.length === 1 ? "" : "s"}: ${pending.join(", ")}); run: npm run holdfast -- migrate`,
    );
  }
}

/** The role and database a URL connects as (postgres-js' defaults when the URL leaves them out). */
function whoOf(url: string) {
  const u = new URL(url);
  const role = decodeURIComponent(u.username) || process.env.PGUSER || os.userInfo().username;
  return { role, database: decodeURIComponent(u.pathname.slice(1)) || process.env.PGDATABASE || role };
}

/** Runs a step; a PostgreSQL error becomes a MigrationStepError with its one line. */
async function step<T>(url: string, which: MigrationStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const line = explainMigrationError(e, { step: which, ...whoOf(url) });
    if (line) throw new MigrationStepError(line, { cause: e });
    throw e;
  }
}

/**
 * The committed migrations the database has not applied, oldest first. Reads
 * like drizzle's migrator: everything after the latest `created_at` is
 * pending; without the table, everything is.
 */
export async function pendingMigrations(url: string, committed = committedMigrations()): Promise<string[]> {
  return step(url, "check", async () => {
    // Unprepared: the check may go through a transaction-mode pooler (DATABASE_URL), where named statements break.
    const sql = postgres(connectionSettings(url).url, {
      max: 1,
      prepare: false,
      onnotice: () => undefined,
      connection: { application_name: "holdfast-migrate" },
    });
    try {
      const [table] = await sql`
        select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'drizzle' and c.relname = '__drizzle_migrations'`;
      if (!table) return committed.map((m) => m.tag);
      const [last] = await sql`select max(created_at)::text as at from drizzle.__drizzle_migrations`;
      const at = last?.at == null ? -Infinity : Number(last.at);
      return committed.filter((m) => m.when > at).map((m) => m.tag);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
}

/** Where migrateDatabase takes its lock: DATABASE_DIRECT_URL behind a pooler (see pooler.ts). */
export type MigrateOptions = { directUrl?: string };

/** Applies what is pending; answers what was applied (empty: the schema was current). */
export async function applyPendingMigrations(
  url: string,
  opts: MigrateOptions = {},
): Promise<{ applied: string[]; committed: CommittedMigration[] }> {
  const committed = committedMigrations();
  const before = await pendingMigrations(url, committed);
  if (before.length === 0) return { applied: [], committed };
  // Only what this process applied: another may have applied some while this one waited for the migration lock.
  const done = await step(url, "migrate", () => migrateDatabase(url, opts));
  return { applied: committed.filter((m) => done.includes(m.when)).map((m) => m.tag), committed };
}

/**
 * What a server, worker or CLI command does with the schema at boot.
 * `auto`: applies pending migrations (owner rights needed only then).
 * `off`: applies nothing; throws SchemaBehindError when something is pending.
 * Either throws MigrationStepError (its message the one line) for a missing right or extension.
 */
export async function prepareSchema(
  url: string,
  mode: MigrateMode,
  log: (msg: string) => void,
  opts: MigrateOptions = {},
): Promise<void> {
  if (mode === "off") {
    const pending = await pendingMigrations(url);
    if (pending.length) throw new SchemaBehindError(pending);
    return;
  }
  const { applied } = await applyPendingMigrations(url, opts);
  if (applied.length) log(`applied ${applied.length} migration(s): ${applied.join(", ")}`);
}

/** prepareSchema for an entry point: a MigrationStepError ends the process with its one line and exit code 1. */
export async function prepareSchemaOrExit(
  url: string,
  mode: MigrateMode,
  log: (msg: string) => void,
  opts: MigrateOptions = {},
): Promise<void> {
  try {
    await prepareSchema(url, mode, log, opts);
  } catch (e) {
    if (!(e instanceof MigrationStepError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
