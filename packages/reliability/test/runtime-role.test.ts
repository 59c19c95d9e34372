/**
 * Least privilege (issue 14): the README's SQL for an owner role and a runtime
 * role with data rights only, run as written on the test PostgreSQL in a fresh
 * database. `holdfast migrate` runs as the owner; a real server process, a
 * real worker process (`--once`) and the CLI then run as the runtime role,
 * with HOLDFAST_MIGRATE=off and with auto. The runtime role cannot create a
 * table, and where a role lacks a right or an extension, the CLI and the
 * worker stop with one line naming the SQL an administrator must run.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { committedMigrations } from "@holdfast/db";
import { runCli } from "@holdfast/testing/cli-process";
import { killStartedWorkers, startWorker, type WorkerExit } from "@holdfast/worker/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT, type RunningServer, startServer } from "./catalog/server.ts";

const NOW = "2027-03-10T12:00:00Z";
const suffix = randomBytes(4).toString("hex");
const DB = `hf_role_${suffix}`;
const OWNER = `hf_owner_${suffix}`;
const APP = `hf_app_${suffix}`;
/** A role that may create in `public` and `drizzle` but not extensions (no CREATE on its database). */
const WEAK = `hf_weak_${suffix}`;
const WEAK_DB = `hf_weak_${suffix}`;
/** A database without the `drizzle` schema, where WEAK may connect and nothing more. */
const BARE_DB = `hf_bare_${suffix}`;
/** A role that may connect to DB and nothing more. */
const STRANGER = `hf_stranger_${suffix}`;
const PASSWORD = "role-test-password";

const adminUrl = inject("holdfastAdminUrl");
function urlAs(role: string, database: string): string {
  const u = new URL(adminUrl);
  u.username = role;
  u.password = PASSWORD;
  u.pathname = `/${database}`;
  return u.toString();
}
/** The test server's superuser, connected to another database. */
function adminIn(database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}
const ownerUrl = urlAs(OWNER, DB);
const appUrl = urlAs(APP, DB);

/** The README's SQL blocks under "Migrations and the runtime role", with this test's names and password. */
function readmeSql(): string[][] {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.split("### Migrations and the runtime role")[1]?.split(/\n##+ /)[0] ?? "";
  const blocks = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) =>
    (m[1] ?? "")
      .replaceAll("holdfast_owner", OWNER)
      .replaceAll("holdfast_app", APP)
      .replace(/\bholdfast\b/g, DB)
      .replace(/PASSWORD '[^']*'/g, `PASSWORD '${PASSWORD}'`),
  );
  return blocks.map((b) =>
    b
      .split(/;\s*\n/)
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

async function runAll(url: string, statements: string[]) {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    for (const s of statements) await sql.unsafe(s);
  } finally {
    await sql.end();
  }
}

/** `holdfast <args>` as its own process (what `npm run holdfast --` runs). */
const cli = (args: string[], env: Record<string, string>, stdin = "") =>
  runCli(args, { env: { HOLDFAST_NOW: NOW, ...env }, stdin });

/** `worker --once` as its own process; its exit and the id it records its tick under. */
async function worker(url: string, mode: string): Promise<WorkerExit & { workerId: string }> {
  const started = startWorker(url, ["--once", "--now", NOW], 120_000, { HOLDFAST_MIGRATE: mode });
  return { ...(await started.exited), workerId: started.workerId };
}

/** Exactly one line on stderr, that line, and no stack. */
function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/DrizzleQueryError|\n\s+at /);
}

const servers: RunningServer[] = [];
beforeAll(async () => {
  const [serverWide, inDatabase] = readmeSql();
  expect(serverWide?.length, "the README's first SQL block").toBeGreaterThan(0);
  expect(inDatabase?.length, "the README's second SQL block").toBeGreaterThan(0);
  await runAll(adminUrl, serverWide ?? []);
  await runAll(adminIn(DB), inDatabase ?? []);
  // The under-privileged migrator: CREATE on the schemas, none on its database (so no trusted extension either).
  await runAll(adminUrl, [
    `create role ${WEAK} login password '${PASSWORD}'`,
    `create database ${WEAK_DB}`,
    `revoke all on database ${WEAK_DB} from public`,
    `grant connect on database ${WEAK_DB} to ${WEAK}`,
    `create database ${BARE_DB}`,
    `revoke all on database ${BARE_DB} from public`,
    `grant connect on database ${BARE_DB} to ${WEAK}`,
    `create role ${STRANGER} login password '${PASSWORD}'`,
    `grant connect on database ${DB} to ${STRANGER}`,
  ]);
  await runAll(adminIn(WEAK_DB), [
    `grant usage, create on schema public to ${WEAK}`,
    `create schema drizzle authorization ${WEAK}`,
  ]);
}, 120_000);

afterAll(async () => {
  killStartedWorkers();
  await Promise.all(servers.map((s) => s.stop()));
  const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    for (const db of [DB, WEAK_DB, BARE_DB]) await sql.unsafe(`drop database if exists ${db} with (force)`);
    for (const role of [APP, OWNER, WEAK, STRANGER]) await sql.unsafe(`drop role if exists ${role}`);
  } finally {
    await sql.end();
  }
});

describe("before the schema exists", () => {
  it("the runtime role cannot migrate: one line naming the GRANT an administrator must run", async () => {
    const run = await cli(["migrate"], { DATABASE_URL: appUrl });
    expect(run.code).toBe(1);
    expectOneLine(
      run.stderr,
      new RegExp(
        `^holdfast: cannot migrate: permission denied for schema drizzle; an administrator must run: GRANT USAGE, CREATE ON SCHEMA drizzle TO ${APP}; in database "${DB}"$`,
      ),
    );
  });

  it("a server with HOLDFAST_MIGRATE=off refuses to start: the schema is behind, run holdfast migrate", async () => {
    const run = await startServer({ databaseUrl: appUrl, now: NOW, env: { HOLDFAST_MIGRATE: "off" } }).then(
      (s) => {
        servers.push(s);
        return "started";
      },
      (e: Error) => e.message,
    );
    const pending = committedMigrations().length;
    expect(run).toContain(`holdfast: the database schema is behind (${pending} pending migrations: 0000_init,`);
    expect(run).toContain("; run: npm run holdfast -- migrate");
    expect(run).not.toMatch(/\n\s+at /);
  });
});

describe("migrated by the owner, run by the runtime role", () => {
  let token = "";

  it("holdfast migrate as the owner applies every migration, then finds the schema current", async () => {
    const first = await cli(["migrate"], { DATABASE_URL: ownerUrl });
    expect(first.code, first.stderr).toBe(0);
    const tags = committedMigrations().map((m) => m.tag);
    expect(first.stdout.trim()).toBe(`applied ${tags.length} migration(s): ${tags.join(", ")}`);
    const again = await cli(["migrate"], { DATABASE_URL: ownerUrl });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`the schema is current (${tags.length} migrations, the last ${tags.at(-1)})`);
  });

  it("the CLI as the runtime role (off) creates a tenant and its token", async () => {
    const run = await cli(
      ["create-tenant", "--name", "Least Privilege", "--email", "ops@role.test"],
      { DATABASE_URL: appUrl, HOLDFAST_MIGRATE: "off" },
      "a long role password\n",
    );
    expect(run.code, run.stderr).toBe(0);
    token = (JSON.parse(run.stdout) as { apiToken: string }).apiToken;
  });

  for (const mode of ["off", "auto"]) {
    it(`a server as the runtime role (${mode}) is ready and takes a tRPC write`, async () => {
      const server = await startServer({ databaseUrl: appUrl, now: NOW, env: { HOLDFAST_MIGRATE: mode } });
      servers.push(server);
      const ready = await fetch(`${server.baseUrl}/readyz`);
      expect(ready.status, await ready.clone().text()).toBe(200);
      const res = await fetch(`${server.baseUrl}/trpc/accounts.create`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: `Written by the runtime role (${mode})` }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      await server.stop();
      const sql = postgres(ownerUrl, { max: 1 });
      const [row] =
        await sql`select count(*)::int as n from accounts where name = ${`Written by the runtime role (${mode})`}`;
      await sql.end();
      expect(row?.n).toBe(1);
    });

    it(`a worker tick as the runtime role (${mode}) succeeds`, async () => {
      const exit = await worker(appUrl, mode);
      expect(exit.code, `${exit.stdout}\n${exit.stderr}`).toBe(0);
      const sql = postgres(ownerUrl, { max: 1 });
      const ticks = await sql`select status from worker_ticks where worker_id = ${exit.workerId}`;
      await sql.end();
      expect(ticks.map((t) => t.status)).toEqual(["succeeded"]);
    });
  }

  it("a role that may not read the applied migrations gets one line naming the GRANT, with off and with auto", async () => {
    for (const mode of ["off", "auto"]) {
      const run = await cli(["revoke-token", "hft_abcdef"], {
        DATABASE_URL: urlAs(STRANGER, DB),
        HOLDFAST_MIGRATE: mode,
      });
      expect(run.code).toBe(1);
      expectOneLine(
        run.stderr,
        new RegExp(
          `^holdfast: cannot read the applied migrations: permission denied for schema drizzle; an administrator must run: GRANT USAGE ON SCHEMA drizzle TO ${STRANGER}; in database "${DB}"$`,
        ),
      );
    }
  });

  it("the runtime role cannot create a table, in public, in drizzle or as a temporary table", async () => {
    const sql = postgres(appUrl, { max: 1, onnotice: () => undefined });
    try {
      for (const ddl of [
        "create table public.intruder (id int)",
        "create table drizzle.intruder (id int)",
        "create temporary table intruder (id int)",
        "create schema intruder",
      ]) {
        await expect(sql.unsafe(ddl), ddl).rejects.toMatchObject({ code: "42501" });
      }
    } finally {
      await sql.end();
    }
  });
});

describe("a migrator without the right to create extensions", () => {
  const line = new RegExp(
    `^holdfast: cannot migrate: permission denied to create extension "btree_gist"; an administrator must run: CREATE EXTENSION IF NOT EXISTS btree_gist; in database "${WEAK_DB}"$`,
  );

  it("holdfast migrate stops with one line naming CREATE EXTENSION", async () => {
    const run = await cli(["migrate"], { DATABASE_URL: urlAs(WEAK, WEAK_DB) });
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, line);
  });

  it("where the drizzle schema is still to be created, holdfast migrate names GRANT CREATE ON DATABASE", async () => {
    const run = await cli(["migrate"], { DATABASE_URL: urlAs(WEAK, BARE_DB) });
    expect(run.code).toBe(1);
    expectOneLine(
      run.stderr,
      new RegExp(
        `^holdfast: cannot migrate: permission denied for database ${BARE_DB}; an administrator must run: GRANT CREATE ON DATABASE ${BARE_DB} TO ${WEAK};$`,
      ),
    );
  });

  it("a worker starting with auto stops with the same line, and nothing was applied", async () => {
    const exit = await worker(urlAs(WEAK, WEAK_DB), "auto");
    expect(exit.code).toBe(1);
    expectOneLine(exit.stderr, line);
    const sql = postgres(urlAs(WEAK, WEAK_DB), { max: 1 });
    const [applied] = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    await sql.end();
    expect(applied?.n).toBe(0);
  });
});
