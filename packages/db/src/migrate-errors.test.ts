/**
 * The translation of a failed migration step into one line: PostgreSQL's
 * errors (as drizzle wraps them) name the SQL an administrator must run;
 * other errors are left to surface with their stack.
 */
import { describe, expect, it } from "vitest";
import { explainMigrationError, type MigrationErrorContext, pgErrorOf, sqlIdent } from "./migrate-errors.ts";
import { committedMigrations, SchemaBehindError } from "./migrate-gate.ts";

const migrate: MigrationErrorContext = { step: "migrate", database: "holdfast", role: "holdfast_owner" };
const check: MigrationErrorContext = { step: "check", database: "holdfast", role: "holdfast_app" };

/** A PostgresError as postgres-js raises it, wrapped as drizzle's DrizzleQueryError wraps it. */
function drizzleError(code: string, message: string, hint?: string) {
  const pg = Object.assign(new Error(message), { name: "PostgresError", code, severity: "ERROR", hint });
  return Object.assign(new Error(`Failed query: CREATE EXTENSION …\nparams: `), {
    name: "DrizzleQueryError",
    cause: pg,
  });
}

describe("explainMigrationError", () => {
  it("names CREATE EXTENSION for an extension the role may not create", () => {
    const e = drizzleError(
      "42501",
      'permission denied to create extension "btree_gist"',
      "Must have CREATE privilege on current database to create this extension.",
    );
    expect(explainMigrationError(e, migrate)).toBe(
      'holdfast: cannot migrate: permission denied to create extension "btree_gist"; an administrator must run: CREATE EXTENSION IF NOT EXISTS btree_gist; in database "holdfast"',
    );
  });

  it("names the contrib package and CREATE EXTENSION for an extension the server does not have", () => {
    const missing = explainMigrationError(drizzleError("0A000", 'extension "pg_trgm" is not available'), migrate);
    expect(missing).toContain("an administrator must run: CREATE EXTENSION IF NOT EXISTS pg_trgm;");
    expect(missing).toContain("contrib package");
    const controlFile = explainMigrationError(
      drizzleError(
        "58P01",
        'could not open extension control file "/usr/share/postgresql/15/extension/btree_gist.control": No such file or directory',
      ),
      migrate,
    );
    expect(controlFile).toContain("CREATE EXTENSION IF NOT EXISTS btree_gist;");
  });

  it("names GRANT CREATE ON DATABASE when the role may not create schemas", () => {
    expect(explainMigrationError(drizzleError("42501", "permission denied for database holdfast"), migrate)).toBe(
      "holdfast: cannot migrate: permission denied for database holdfast; an administrator must run: GRANT CREATE ON DATABASE holdfast TO holdfast_owner;",
    );
  });

  it("names CREATE on a schema for migrating, and USAGE on it for reading the applied migrations", () => {
    const denied = drizzleError("42501", "permission denied for schema public");
    expect(explainMigrationError(denied, migrate)).toContain(
      'an administrator must run: GRANT USAGE, CREATE ON SCHEMA public TO holdfast_owner; in database "holdfast"',
    );
    expect(explainMigrationError(denied, check)).toMatch(
      /^holdfast: cannot read the applied migrations: .*GRANT USAGE ON SCHEMA public TO holdfast_app;/,
    );
  });

  it("names SELECT on the migrations table for a runtime role that cannot read it", () => {
    const denied = drizzleError("42501", "permission denied for table __drizzle_migrations");
    expect(explainMigrationError(denied, check)).toContain(
      "an administrator must run: GRANT SELECT ON drizzle.__drizzle_migrations TO holdfast_app;",
    );
  });

  it("names the owner change for a table another role owns", () => {
    expect(explainMigrationError(drizzleError("42501", "must be owner of table holds"), migrate)).toContain(
      "an administrator must run: ALTER TABLE holds OWNER TO holdfast_owner;",
    );
  });

  it("quotes identifiers PostgreSQL would not read unchanged", () => {
    expect(sqlIdent("holdfast_app")).toBe("holdfast_app");
    expect(sqlIdent("Holdfast-App")).toBe('"Holdfast-App"');
    const line = explainMigrationError(drizzleError("42501", "permission denied for database Prod DB"), {
      ...migrate,
      database: "Prod DB",
      role: 'we"ird',
    });
    expect(line).toContain('GRANT CREATE ON DATABASE "Prod DB" TO "we""ird";');
  });

  it("gives any other PostgreSQL error as one line with its hint and SQLSTATE", () => {
    const line = explainMigrationError(
      drizzleError("55P03", "could not obtain lock on relation holds", "Try again\n later."),
      migrate,
    );
    expect(line).toBe(
      "holdfast: cannot migrate: could not obtain lock on relation holds (Try again later.) [SQLSTATE 55P03]",
    );
    expect(line).not.toContain("\n");
  });

  it("leaves errors that are not PostgreSQL's alone", () => {
    expect(explainMigrationError(new Error("Can't find meta/_journal.json file"), migrate)).toBeUndefined();
    expect(explainMigrationError(Object.assign(new Error("x"), { code: "ECONNREFUSED" }), migrate)).toBeUndefined();
    expect(pgErrorOf(undefined)).toBeUndefined();
  });
});

describe("SchemaBehindError", () => {
  it("is one line naming the pending migrations and the command to run", () => {
    const e = new SchemaBehindError(["0008_worker_heartbeats", "0009_audit_partitions"]);
    expect(e.message).toBe(
      "holdfast: the database schema is behind (2 pending migrations: 0008_worker_heartbeats, 0009_audit_partitions); run: npm run holdfast -- migrate",
    );
  });
});

describe("committedMigrations", () => {
  it("lists the journal's migrations in order", () => {
    const tags = committedMigrations().map((m) => m.tag);
    expect(tags[0]).toBe("0000_init");
    expect(tags).toContain("0001_hold_claims_exclusion");
    expect([...tags].sort()).toEqual(tags);
  });
});
