import { type AppRouter, createCaller } from "@holdfast/api";
import type { Database } from "@holdfast/db";
import { schema } from "@holdfast/db";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { ALL_PERMISSIONS, type AppError, type FieldIssue, isAppError, type Permission } from "@holdfast/domain";
import {
  type ActingContext,
  authenticate,
  createAccount,
  createApiToken,
  fixedClock,
  forTenant,
  newTenantLocator,
} from "@holdfast/services";
import { TRPCError } from "@trpc/server";
import { afterAll, afterEach, beforeAll, expect } from "vitest";

export type Caller = ReturnType<typeof createCaller>;
export type { AppRouter };

/** The instant a test world's clock starts at, unless told otherwise, and that instant's date (in UTC). */
export const NOW = "2027-03-10T12:00:00Z";
export const TODAY = "2027-03-10";

/**
 * A test world on a fresh real database: an injected clock, and helpers that
 * make tenants, accounts and callers that go through the real router with a
 * real bearer token (hashed, looked up like any request's).
 */
export async function createWorld(opts: { now?: string } = {}) {
  const testDb: TestDatabase = await createTestDatabase({ max: 30 });
  const db: Database = testDb.db;
  const clock = fixedClock(opts.now ?? NOW);
  const system: ActingContext = { db, clock, actor: { type: "system", id: "test", name: "test" } };

  async function tenant(name = "Tenant", timeZone = "UTC") {
    const id = newTenantLocator();
    await db.insert(schema.tenants).values({ id, name, timeZone });
    return id;
  }

  async function account(tenantId: string, name = "Account", externalId?: string) {
    return createAccount(forTenant(system, tenantId), { name, externalId: externalId ?? null });
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

/** A world with one tenant made for the test file, and a caller with every permission in it. */
export interface TenantWorld extends World {
  readonly tenantId: string;
  readonly api: Caller;
  /** A fresh account of the tenant; its locator. */
  newAccount(name?: string): Promise<string>;
}

/**
 * Registers the vitest hooks of a test file (or describe block) that works in
 * one world: create it before all tests, put the clock back to where it
 * started after each test, close it after all. With a tenantName, also makes
 * that tenant and a caller with every permission in it.
 *
 * The answer stands for the world: read its members inside tests and hooks,
 * not at the top level (they are only there once beforeAll has run).
 */
export function setupWorld(opts?: { now?: string }): World;
export function setupWorld(opts: { now?: string; tenantName: string }): TenantWorld;
export function setupWorld(opts: { now?: string; tenantName?: string } = {}): TenantWorld {
  let world: World | undefined;
  let start: Date | undefined;
  let tenant: { id: string; api: Caller } | undefined;

  beforeAll(async () => {
    world = await createWorld({ now: opts.now });
    start = world.clock.now();
    if (opts.tenantName !== undefined) {
      const id = await world.tenant(opts.tenantName);
      tenant = { id, api: await world.caller(id) };
    }
  });
  afterEach(() => {
    if (world && start) world.clock.set(start);
  });
  afterAll(async () => {
    await world?.close();
  });

  const ready = (): World => {
    if (!world) throw new Error("the test world is only there inside tests and hooks (after beforeAll)");
    return world;
  };
  const readyTenant = () => {
    if (!tenant) throw new Error("this world has no tenant of its own: pass tenantName to setupWorld");
    return tenant;
  };

  return {
    get db() {
      return ready().db;
    },
    get clock() {
      return ready().clock;
    },
    get system() {
      return ready().system;
    },
    get anonymous() {
      return ready().anonymous;
    },
    get url() {
      return ready().url;
    },
    tenant: (...args) => ready().tenant(...args),
    account: (...args) => ready().account(...args),
    caller: (...args) => ready().caller(...args),
    close: () => ready().close(),
    get tenantId() {
      return readyTenant().id;
    },
    get api() {
      return readyTenant().api;
    },
    newAccount: async (name = "Account") => (await ready().account(readyTenant().id, name)).locator,
  };
}

type CreateInput = Parameters<Caller["holds"]["create"]>[0];
/** What a hold is created with, but the account. */
export type HoldFields = Omit<CreateInput, "accountLocator">;
/** A hold as the router answers it. */
export type Hold = Awaited<ReturnType<Caller["holds"]["get"]>>;
export type HoldState = Hold["holdState"];

/** A hold brought to the given state through the router (it must pass validation on the way). */
export async function holdInState(
  api: Caller,
  accountLocator: string,
  state: HoldState,
  fields: HoldFields,
): Promise<Hold> {
  const draft = await api.holds.create({ accountLocator, ...fields });
  if (state === "draft") return draft;
  if (state === "discarded") return api.holds.discard({ locator: draft.locator });
  const validated = await api.holds.validate({ locator: draft.locator });
  expect(validated.holdState, JSON.stringify(validated.validationResult)).toBe("validated");
  if (state === "validated") return validated;
  const active = await api.holds.activate({ locator: draft.locator });
  if (state === "active") return active;
  return api.holds.release({ locator: draft.locator });
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

/** The AppError behind a tRPC error. */
export function appErrorOf(err: TRPCError): AppError {
  const cause = err.cause;
  if (!isAppError(cause)) throw new Error(`expected an AppError cause, got ${String(cause)}`);
  return cause;
}

/** Path and rule only, sorted, so a list of problems compares as a set. */
export function pathsAndRules(issues: readonly FieldIssue[]) {
  return issues
    .map(({ path, rule }) => ({ path, rule }))
    .sort((a, b) => `${a.path} ${a.rule}`.localeCompare(`${b.path} ${b.rule}`));
}

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
  const rows = await db.$client.unsafe(
    `select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as sum from ${table} t`,
  );
  return String(rows[0]?.sum);
}

export async function databaseChecksum(db: Database): Promise<string> {
  const tables = [
    "holds",
    "hold_targets",
    "hold_characteristics",
    "hold_claims",
    "audit_events",
    "idempotency_keys",
    "accounts",
  ];
  const sums = await Promise.all(tables.map((t) => tableChecksum(db, t)));
  return sums.join(":");
}
