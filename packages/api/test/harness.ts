import { type AppRouter, createCaller, createContext } from "@holdfast/api";
import { createTestWorld, type Grants, testSecrets, worldHooks } from "@holdfast/testing/harness";
import { TRPCError } from "@trpc/server";
import { expect } from "vitest";

export {
  databaseChecksum,
  NOW,
  settle,
  TODAY,
  tableChecksum,
} from "@holdfast/testing/harness";

export type Caller = ReturnType<typeof createCaller>;
export type { AppRouter };

/**
 * The shared test world (`@holdfast/testing/harness`) with callers that go
 * through the real router with a real bearer token.
 */
export async function createWorld(opts: { now?: string } = {}) {
  const world = await createTestWorld(opts);
  const { db, clock } = world;
  /** As the server has them with HOLDFAST_SECRET_KEY and HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1 set. */
  const webhookDeps = { secrets: testSecrets, allowPrivateWebhooks: true };

  /** A caller authenticated by a real token with these grants (default: every permission in one tenant). */
  async function caller(grants: Grants) {
    const principal = await world.principal(await world.token(grants));
    return createCaller({ db, clock, principal, requestId: "test", ...webhookDeps });
  }

  const anonymous = createCaller({ db, clock, principal: null, requestId: "test" });

  return {
    db,
    clock,
    system: world.system,
    tenant: world.tenant,
    account: world.account,
    caller,
    anonymous,
    url: world.url,
    close: world.close,
  };
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
 * one world (see worldHooks). With a tenantName, also makes that tenant and a
 * caller with every permission in it.
 *
 * The answer stands for the world: read its members inside tests and hooks,
 * not at the top level (they are only there once beforeAll has run).
 */
export function setupWorld(opts?: { now?: string }): World;
export function setupWorld(opts: { now?: string; tenantName: string }): TenantWorld;
export function setupWorld(opts: { now?: string; tenantName?: string } = {}): TenantWorld {
  const ready = worldHooks(async () => {
    const world = await createWorld({ now: opts.now });
    if (opts.tenantName === undefined) return { ...world, own: undefined };
    const id = await world.tenant(opts.tenantName);
    return { ...world, own: { id, api: await world.caller(id) } };
  });
  const readyTenant = () => {
    const own = ready().own;
    if (!own) throw new Error("this world has no tenant of its own: pass tenantName to setupWorld");
    return own;
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

/** Where a request comes from: its client address and user agent. */
export interface Client {
  clientIp?: string | null;
  userAgent?: string | null;
}

/**
 * A caller as the HTTP server builds it: the bearer secret (a session's or a
 * token's, or none; `auth.signIn`'s `token` is typed optional because a
 * cookie sign-in leaves it out), the client's address and user agent, authenticated at
 * the world clock's current instant.
 */
export async function clientCaller(
  w: { db: World["db"]; clock: World["clock"] },
  secret: string | null | undefined,
  client: Client = {},
  opts: { sessionIdleMs?: number } = {},
): Promise<Caller> {
  const ctx = await createContext(
    { db: w.db, clock: w.clock, ...opts },
    { authorization: secret ? `Bearer ${secret}` : null, requestId: "test", ...client },
  );
  return createCaller(ctx);
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
