/**
 * Migrations as a step of their own (issue 14): Holdfast's migrator writes
 * exactly the `drizzle.__drizzle_migrations` rows drizzle's own migrator
 * writes (so a database migrated by an earlier version is current), two
 * `holdfast migrate` processes at once apply each migration once between
 * them, and HOLDFAST_MIGRATE=off names exactly the migrations still pending.
 */
import { randomBytes } from "node:crypto";
import {
  applyPendingMigrations,
  committedMigrations,
  MIGRATIONS_DIR,
  migrateDatabase,
  pendingMigrations,
  prepareSchema,
  SchemaBehindError,
} from "@holdfast/db";
import { runCli } from "@holdfast/testing/cli-process";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, expect, inject, it } from "vitest";

const adminUrl = inject("holdfastAdminUrl");
const made: string[] = [];

async function freshDatabase(): Promise<string> {
  const name = `hf_migrations_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  made.push(name);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function journalRows(url: string) {
  const sql = postgres(url, { max: 1 });
  try {
    return await sql`select hash, created_at::text from drizzle.__drizzle_migrations order by created_at`;
  } finally {
    await sql.end();
  }
}

const migrateProcess = (url: string) => runCli(["migrate"], { env: { DATABASE_URL: url } });

afterAll(async () => {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    for (const name of made) await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
});

it("a database migrated by drizzle's own migrator is current, with the same journal rows as Holdfast's migrator writes", async () => {
  const byDrizzle = await freshDatabase();
  const sql = postgres(byDrizzle, { max: 1, onnotice: () => undefined });
  await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_DIR });
  await sql.end();
  expect(await pendingMigrations(byDrizzle)).toEqual([]);
  expect((await applyPendingMigrations(byDrizzle)).applied).toEqual([]);

  const byHoldfast = await freshDatabase();
  const applied = await migrateDatabase(byHoldfast);
  expect(applied).toEqual(committedMigrations().map((m) => m.when));
  expect(await journalRows(byHoldfast)).toEqual(await journalRows(byDrizzle));
  expect(await migrateDatabase(byHoldfast)).toEqual([]);
});

it("two holdfast migrate processes at once apply each migration once between them", async () => {
  const url = await freshDatabase();
  const runs = await Promise.all([migrateProcess(url), migrateProcess(url)]);
  const applied: string[] = [];
  for (const run of runs) {
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout.trim();
    const match = line.match(/^applied \d+ migration\(s\): (.+)$/);
    if (match?.[1]) applied.push(...match[1].split(", "));
    else expect(line).toMatch(/^the schema is current/);
  }
  expect(applied.sort()).toEqual(committedMigrations().map((m) => m.tag));
  expect(await journalRows(url)).toHaveLength(committedMigrations().length);
});

it("HOLDFAST_MIGRATE=off names exactly the pending migrations, and auto with nothing pending changes nothing", async () => {
  const url = await freshDatabase();
  await migrateDatabase(url);
  const last = committedMigrations().at(-1);
  const sql = postgres(url, { max: 1 });
  await sql`delete from drizzle.__drizzle_migrations where created_at = ${last?.when ?? 0}`;
  await sql.end();
  expect(await pendingMigrations(url)).toEqual([last?.tag]);
  const refused = await prepareSchema(url, "off", () => undefined).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(SchemaBehindError);
  expect((refused as SchemaBehindError).pending).toEqual([last?.tag]);

  const fresh = await freshDatabase();
  await migrateDatabase(fresh);
  const logged: string[] = [];
  const before = await journalRows(fresh);
  await prepareSchema(fresh, "auto", (m) => logged.push(m));
  await prepareSchema(fresh, "off", (m) => logged.push(m));
  expect(logged).toEqual([]);
  expect(await journalRows(fresh)).toEqual(before);
});
