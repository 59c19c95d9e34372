import { type AppRouter, createCaller } from "@holdfast/api";
import type { Database } from "@holdfast/db";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { ALL_PERMISSIONS, type Permission } from "@holdfast/domain";
import {
  authenticate,
  createAccount,
  createApiToken,
  fixedClock,
  newTenantLocator,
  type ServiceContext,
} from "@holdfast/services";
import { schema } from "@holdfast/db";
import { TRPCError } from "@trpc/server";
import { expect } from "vitest";

export type Caller = ReturnType<typeof createCaller>;
export type { AppRouter };

/**
 * A test world on a fresh real database: an injected clock, and helpers that
 * make tenants, accounts and callers that go through the real router with a
 * real bearer token (hashed, looked up like any request's).
 */
export async function createWorld(opts: { now?: string } = {}) {
  const testDb: TestDatabase = await createTestDatabase({ max: 30 });
  const db: Database = testDb.db;
  const clock = fixedClock(opts.now ?? "2027-03-10T12:00:00Z");
  const system: ServiceContext = { db, clock, actor: { type: "system", id: "test", name: "test" } };

  async function tenant(name = "Tenant", timeZone = "UTC") {
    const id = newTenantLocator();
    await db.insert(schema.tenants).values({ id, name, timeZone });
    return id;
  }

  async function account(tenantId: string, name = "Account", externalId?: string) {
    return createAccount(system, { tenantId, name, externalId: externalId ?? null });
  }

  /** A caller authenticated by a real token with these grants (default: every permission in one tenant). */
  async function caller(grants: string | { tenantId: string; permissions: Permission[] }[]) {
    const list = typeof grants === "string" ? [{ tenantId: grants, permissions: ALL_PERMISSIONS }] : grants;
    const token = await createApiToken(db, { name: "test token", grants: list });
    const principal = await authenticate(db, token.secret, clock.now());
    return createCaller({ db, clock, principal, requestId: "test" });
  }

  const anonymous = createCaller({ db, clock, principal: null, requestId: "test" });

  return { db, clock, system, tenant, account, caller, anonymous, url: testDb.url, close: testDb.close };
}

export type World = Awaited<ReturnType<typeof createWorld>>;

/** Asserts a call fails with this tRPC code, and returns the error for more checks. */
export async function expectTrpcError(promise: Promise<unknown>, code: TRPCError["code"]): Promise<TRPCError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(TRPCError);
    const err = e as TRPCError;
    expect(err.code, err.message).toBe(code);
    return err;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** A table's full contents as a checksum, to prove a refused call changed nothing. */
export async function tableChecksum(db: Database, table: string): Promise<string> {
  const rows = await db.$client.unsafe(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as sum from ${table} t`);
  return String(rows[0]?.sum);
}

export async function databaseChecksum(db: Database): Promise<string> {
  const tables = ["holds", "hold_targets", "hold_characteristics", "hold_claims", "audit_events", "idempotency_keys", "accounts"];
  const sums = await Promise.all(tables.map((t) => tableChecksum(db, t)));
  return sums.join(":");
}
