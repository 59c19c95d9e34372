/**
 * The test world the api, compat and reliability tests share: a fresh real
 * database (cloned from the migrated template that
 * `@holdfast/db/testing/global-setup` prepares on the embedded PostgreSQL),
 * an injected clock, a system service context, and helpers that provision
 * tenants, accounts and real API tokens. Each package's own test harness
 * builds its way in on top (a tRPC caller, an HTTP app).
 */
import type { Database } from "@holdfast/db";
import { schema } from "@holdfast/db";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { ALL_PERMISSIONS, type Permission } from "@holdfast/domain";
import {
  type ActingContext,
  authenticate,
  type Clock,
  createAccount,
  createApiToken,
  fixedClock,
  forTenant,
  newTenantLocator,
  secretBox,
} from "@holdfast/services";
import { afterAll, afterEach, beforeAll } from "vitest";

/** The instant a test world's clock starts at, unless told otherwise, and that instant's date (in UTC). */
export const NOW = "2027-03-10T12:00:00Z";
export const TODAY = "2027-03-10";

/** A token's grants: a tenant id for every permission in that tenant, or the grants written out. */
export type Grants = string | { tenantId: string; permissions: Permission[] }[];

export type TestClock = ReturnType<typeof fixedClock>;

/** The HOLDFAST_SECRET_KEY of every test world (64 hex characters), and the box it makes: webhook secrets are sealed with it. */
export const TEST_SECRET_KEY = "7e".repeat(32);
export const testSecrets = secretBox(Buffer.from(TEST_SECRET_KEY, "hex"));

/** The system actor (`name` as its id and name), for setting up data; `forTenant` binds it to a tenant. */
export function systemContext(db: Database, clock: Clock, name = "test"): ActingContext {
  return { db, clock, actor: { type: "system", id: name, name }, secrets: testSecrets, allowPrivateWebhooks: true };
}

/**
 * A test world on a fresh real database: an injected clock, a system service
 * context, and helpers that make tenants, accounts and real bearer tokens
 * (hashed, looked up like any request's).
 */
export async function createTestWorld(opts: { now?: string; max?: number; tokenName?: string } = {}) {
  const testDb: TestDatabase = await createTestDatabase({ max: opts.max ?? 30 });
  const db: Database = testDb.db;
  const clock = fixedClock(opts.now ?? NOW);
  const system = systemContext(db, clock);

  async function tenant(name = "Tenant", timeZone = "UTC") {
    const id = newTenantLocator();
    await db.insert(schema.tenants).values({ id, name, timeZone });
    return id;
  }

  async function account(tenantId: string, name = "Account", externalId?: string) {
    return createAccount(forTenant(system, tenantId), { name, externalId: externalId ?? null });
  }

  /** The secret of a real token with these grants (default: every permission in one tenant). */
  async function token(grants: Grants) {
    const list = typeof grants === "string" ? [{ tenantId: grants, permissions: ALL_PERMISSIONS }] : grants;
    return (await createApiToken(db, { name: opts.tokenName ?? "test token", grants: list })).secret;
  }

  /** The principal a request with this token's secret is made by, or null for an unknown secret. */
  async function principal(secret: string) {
    return authenticate(db, secret, clock.now());
  }

  return { db, clock, system, tenant, account, token, principal, url: testDb.url, close: testDb.close };
}

export type TestWorld = Awaited<ReturnType<typeof createTestWorld>>;

/**
 * Registers the vitest hooks of a test file (or describe block) that works in
 * one world: make it before all tests, put its clock back to where it started
 * after each test, close it after all. The answer gives the world inside tests
 * and hooks (it is only there once beforeAll has run).
 */
export function worldHooks<W extends { clock: TestClock; close(): Promise<void> }>(create: () => Promise<W>): () => W {
  let world: W | undefined;
  let start: Date | undefined;
  beforeAll(async () => {
    world = await create();
    start = world.clock.now();
  });
  afterEach(() => {
    if (world && start) world.clock.set(start);
  });
  afterAll(async () => {
    await world?.close();
  });
  return () => {
    if (!world) throw new Error("the test world is only there inside tests and hooks (after beforeAll)");
    return world;
  };
}

/** Waits for calls started at once: the answers of those that succeeded and the errors of those that failed. */
export async function settle<T>(calls: readonly Promise<T>[]) {
  const results = await Promise.allSettled(calls);
  const ok = results
    .filter((r): r is PromiseFulfilledResult<Awaited<T>> => r.status === "fulfilled")
    .map((r) => r.value);
  const failed = results
    .filter((r): r is PromiseRejectedResult => r.status === "rejected")
    .map((r) => r.reason as unknown);
  return { ok, failed };
}

/** A table's full contents as a checksum, to prove a refused call changed nothing. */
export async function tableChecksum(db: Database, table: string): Promise<string> {
  const rows = await db.$client.unsafe(
    `select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as sum from ${table} t`,
  );
  return String(rows[0]?.sum);
}

/** The checksums of several tables, joined: one value that changes when any of them does. */
export async function tablesChecksum(db: Database, tables: readonly string[]): Promise<string> {
  const sums = await Promise.all(tables.map((t) => tableChecksum(db, t)));
  return sums.join(":");
}

/** The holds' tables, the audit trail, the idempotency keys and the accounts, as one checksum. */
export async function databaseChecksum(db: Database): Promise<string> {
  return tablesChecksum(db, [
    "holds",
    "hold_targets",
    "hold_characteristics",
    "hold_claims",
    "audit_events",
    "idempotency_keys",
    "accounts",
  ]);
}
