/**
 * Never acknowledge a write that did not commit. PostgreSQL answers the
 * COMMIT of a transaction in which a statement failed with the command tag
 * ROLLBACK, not an error; a failure whose error was swallowed (here: a
 * statement still running when the transaction's callback returned, its
 * rejection caught and ignored) would otherwise pass for a commit. The
 * patched postgres.js `begin` raises COMMIT_ROLLED_BACK; the API answers
 * NOT_COMMITTED (tRPC SERVICE_UNAVAILABLE, HTTP 503) with no SQL or stack.
 *
 * Also: the pooler rule (which URLs go through a pooler, what is prepared,
 * where session locks go) of packages/db/src/pooler.ts.
 */
import { createCaller, createContext, errorData } from "@holdfast/api";
import {
  closeDb,
  connectionSettings,
  createDb,
  type Database,
  DatabaseConfigError,
  prepareSetting,
  schema,
  sessionLockUrl,
  type Transaction,
} from "@holdfast/db";
import { newTenantLocator } from "@holdfast/services";
import { appErrorOf } from "@holdfast/testing";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { expectTrpcError, setupWorld, tableChecksum } from "./harness.ts";

const w = setupWorld({ tenantName: "Commit tenant" });

/**
 * Starts a statement that fails after 300 ms inside the transaction and
 * swallows its error, then lets the callback return: the COMMIT is queued
 * behind the failing statement, so the database answers it with ROLLBACK.
 */
async function swallowFailureThenReturn(tx: Transaction) {
  tx.execute(sql`do $$ begin perform pg_sleep(0.3); raise exception 'swallowed failure'; end $$`).catch(
    () => undefined,
  );
  // Let the statement be sent before the callback returns.
  await new Promise((resolve) => setImmediate(resolve));
}

/** The test's database, with every transaction ending in swallowFailureThenReturn after its own work. */
function withSwallowedFailure(db: Database): Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== "transaction") return Reflect.get(target, prop, target);
      return (fn: (tx: Transaction) => Promise<unknown>, config?: unknown) =>
        target.transaction(async (tx) => {
          const result = await fn(tx);
          await swallowFailureThenReturn(tx);
          return result;
        }, config as never);
    },
  });
}

describe("a COMMIT the database answers with ROLLBACK", () => {
  it("rejects db.transaction with COMMIT_ROLLED_BACK, and nothing of it exists", async () => {
    const id = newTenantLocator();
    const done = w.db.transaction(async (tx) => {
      await tx.insert(schema.tenants).values({ id, name: "never committed", timeZone: "UTC" });
      await swallowFailureThenReturn(tx);
      return "acknowledged";
    });
    const err = await done.then(
      () => null,
      (e: unknown) => e as Error & { code?: string; cause?: { message?: string } },
    );
    expect(err, "the transaction was acknowledged").not.toBeNull();
    expect(err?.code).toBe("COMMIT_ROLLED_BACK");
    expect(err?.message).toMatch(/rolled back/);
    // The swallowed error is kept as the cause, for the logs.
    expect(err?.cause?.message).toMatch(/swallowed failure/);
    expect(await w.db.select().from(schema.tenants).where(eq(schema.tenants.id, id))).toEqual([]);
  });

  it("still commits a transaction whose failure was caught in a savepoint", async () => {
    const id = newTenantLocator();
    await w.db.transaction(async (tx) => {
      await tx.insert(schema.tenants).values({ id, name: "committed", timeZone: "UTC" });
      await tx.transaction(async (sp) => sp.execute(sql`select 1/0`)).catch(() => undefined);
    });
    expect(await w.db.select().from(schema.tenants).where(eq(schema.tenants.id, id))).toHaveLength(1);
  });

  it("accounts.create through the router answers SERVICE_UNAVAILABLE (NOT_COMMITTED), never a success; no account, no audit", async () => {
    const { secret } = await w.api.tokens.create({ name: "commit check", permissions: ["admin"] });
    const db = withSwallowedFailure(w.db);
    const api = createCaller(
      await createContext({ db, clock: w.clock }, { authorization: `Bearer ${secret}`, requestId: "commit-check" }),
    );
    const accountsBefore = await tableChecksum(w.db, "accounts");
    const auditBefore = await tableChecksum(w.db, "audit_events");

    const err = await expectTrpcError(api.accounts.create({ name: "Lost write" }), "SERVICE_UNAVAILABLE");
    expect(appErrorOf(err).code).toBe("NOT_COMMITTED");
    const shown = errorData(err);
    expect(shown.data.appCode).toBe("NOT_COMMITTED");
    expect(shown.message).toMatch(/try again/);
    expect(JSON.stringify(shown)).not.toMatch(/swallowed|pg_sleep|raise|select|insert|at .*\.ts/i);

    expect(await tableChecksum(w.db, "accounts")).toBe(accountsBefore);
    expect(await tableChecksum(w.db, "audit_events")).toBe(auditBefore);
    // The same call on the real pool commits.
    const made = await w.api.accounts.create({ name: "Lost write" });
    expect(made.name).toBe("Lost write");
  });
});

describe("the pooler rule", () => {
  it("a URL goes through a pooler with ?pgbouncer=true or port 6432; Holdfast's parameter is removed", () => {
    expect(connectionSettings("postgres://u:p@db:5432/h")).toEqual({
      url: "postgres://u:p@db:5432/h",
      pooled: false,
      prepare: true,
    });
    expect(connectionSettings("postgres://u:p@db:5432/h?pgbouncer=true&sslmode=require")).toEqual({
      url: "postgres://u:p@db:5432/h?sslmode=require",
      pooled: true,
      prepare: false,
    });
    expect(connectionSettings("postgres://u:p@pool:6432/h")).toMatchObject({ pooled: true, prepare: false });
    expect(connectionSettings("postgres://u:p@a:5432,b:6432/h")).toMatchObject({ pooled: true });
    expect(connectionSettings("postgres://u:p@pool:6432/h?pgbouncer=false")).toEqual({
      url: "postgres://u:p@pool:6432/h",
      pooled: false,
      prepare: true,
    });
  });

  it("HOLDFAST_DB_PREPARE decides preparation when set; ?prepare=false turns it off", () => {
    expect(connectionSettings("postgres://db/h", prepareSetting("false")).prepare).toBe(false);
    expect(connectionSettings("postgres://pool:6432/h", prepareSetting("true")).prepare).toBe(true);
    expect(connectionSettings("postgres://db/h?prepare=false").prepare).toBe(false);
    expect(prepareSetting(undefined)).toBeUndefined();
    expect(() => prepareSetting("maybe")).toThrow(/HOLDFAST_DB_PREPARE must be true or false/);
  });

  it("session locks go to DATABASE_DIRECT_URL; behind a pooler without one, a one-line refusal", () => {
    expect(sessionLockUrl("postgres://db:5432/h", undefined)).toBe("postgres://db:5432/h");
    expect(sessionLockUrl("postgres://pool:6432/h", "postgres://db:5432/h")).toBe("postgres://db:5432/h");
    expect(() => sessionLockUrl("postgres://pool:6432/h", undefined)).toThrow(DatabaseConfigError);
    expect(() => sessionLockUrl("postgres://db/h?pgbouncer=true", undefined)).toThrow(
      /^DATABASE_URL goes through a connection pooler .*set DATABASE_DIRECT_URL[^\n]*$/,
    );
    expect(() => createDb("postgres://pool:6432/h", { sessionLocks: true })).toThrow(DatabaseConfigError);
  });
});

describe("prepare off", () => {
  let db: Database;
  beforeAll(async () => {
    db = createDb(w.url, { prepare: false, max: 1 });
    return () => closeDb(db);
  });

  it("an unprepared statement run again (its parameter types described once per connection) answers the same", async () => {
    const run = (sqlClient: typeof db.$client) =>
      sqlClient.unsafe(
        "select $1::text as t, $2::int as i, $3::timestamptz as at, $4::date as d, $5::jsonb as j, $6::text[] as a, $7::int as n",
        ["x", 42, "2027-03-10T12:00:00Z", "2027-03-10", JSON.stringify({ k: [1, "v"] }), ["a", "b"], null] as never[],
      );
    const prepared = await run(w.db.$client);
    for (let i = 0; i < 3; i++) expect(await run(db.$client)).toEqual(prepared);
    // Other values (another null, another type inferred) under the same text.
    const other = await db.$client.unsafe("select $1::int + 1 as n", [1] as never[]);
    expect(await db.$client.unsafe("select $1::int + 1 as n", [null] as never[])).toEqual([{ n: null }]);
    expect(other).toEqual([{ n: 2 }]);
    expect(await db.$client.unsafe("select $1::int + 1 as n", [5] as never[])).toEqual([{ n: 6 }]);
  });

  it("a failing unprepared statement rejects with the database's own error, and the connection answers the next one", async () => {
    const fail = () => db.$client.unsafe("select 1 / $1::int as n", [0] as never[]);
    for (let i = 0; i < 2; i++) {
      // Once described and once from the per-connection cache of parameter types.
      await expect(fail()).rejects.toMatchObject({ code: "22012" });
      expect(await db.$client.unsafe("select 1 / $1::int as n", [1] as never[])).toEqual([{ n: 1 }]);
    }
  });

  it("the named hot statements (prepared-query.ts) run unprepared: no statement is left prepared", async () => {
    const { secret } = await w.api.tokens.create({ name: "prepare off", permissions: ["admin"] });
    const api = createCaller(
      await createContext({ db, clock: w.clock }, { authorization: `Bearer ${secret}`, requestId: "prepare-off" }),
    );
    const made = await api.accounts.create({ name: "Unprepared" });
    expect((await api.accounts.get({ account: made.locator })).account.name).toBe("Unprepared");
    const [row] = await db.$client.reserve().then(async (conn) => {
      try {
        return await conn`select count(*)::int as n from pg_prepared_statements`;
      } finally {
        conn.release();
      }
    });
    expect(row?.n).toBe(0);
  });
});
