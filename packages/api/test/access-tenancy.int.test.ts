/**
 * Tenancy and access through the real router with real hashed tokens: a
 * foreign tenant's data answers NOT_FOUND exactly like an unknown locator and
 * stays unchanged; portfolio tokens must name their tenant; permissions per
 * procedure; anonymous, revoked and expired credentials; dashboard sign-in.
 */
import { createCaller, createContext } from "@holdfast/api";
import { ALL_PERMISSIONS, hasPermission, isAppError, PERMISSIONS, type Permission } from "@holdfast/domain";
import { authenticate, createApiToken, provisionTenant, revokeCredentials } from "@holdfast/services";
import type { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { type Caller, databaseChecksum, expectTrpcError, type Hold, setupWorld } from "./harness.ts";

const w = setupWorld();

const UNKNOWN_HOLD = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const UNKNOWN_ACCOUNT = "01BX5ZZKBKACTAV9WEVGEMMVRZ";
const UNKNOWN_TENANT = "7d1f3c2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f";

interface TenantFixture {
  tenantId: string;
  accountLocator: string;
  draft: Hold;
  validated: Hold;
  active: Hold;
}

/** A tenant with one account and a hold in each movable state (each on its own process, so none clash). */
async function tenantFixture(name: string): Promise<TenantFixture> {
  const tenantId = await w.tenant(name);
  const accountLocator = (await w.account(tenantId, `${name} account`)).locator;
  const api = await w.caller(tenantId);
  const draft = await api.holds.create({
    accountLocator,
    targets: [{ process: "invoicing" }],
    comments: `${name} draft`,
  });
  const v = await api.holds.create({
    accountLocator,
    targets: [{ process: "funding" }],
    comments: `${name} validated`,
  });
  const validated = await api.holds.validate({ locator: v.locator });
  const a = await api.holds.create({ accountLocator, targets: [{ process: "autopay" }], endDate: "2027-12-31" });
  await api.holds.validate({ locator: a.locator });
  const active = await api.holds.activate({ locator: a.locator });
  return { tenantId, accountLocator, draft, validated, active };
}

/**
 * Every tenant-scoped hold procedure, called on a fixture's data with an
 * input that would otherwise be valid and allowed.
 */
type Call = (api: Caller, f: TenantFixture, extra?: { tenantLocator?: string }) => Promise<unknown>;
type Procedure = { name: string; permission: Permission; mutation: boolean; call: Call };

/** A move that names one of the fixture's holds and nothing else. */
const moveOf = (
  move: "validate" | "activate" | "reset" | "discard" | "release",
  hold: "draft" | "validated" | "active",
): Procedure => ({
  name: `holds.${move}`,
  permission: "holds:write",
  mutation: true,
  call: (api, f, x) => api.holds[move]({ ...x, locator: f[hold].locator }),
});

const HOLD_PROCEDURES: Procedure[] = [
  {
    name: "holds.get",
    permission: "holds:read",
    mutation: false,
    call: (api, f, x) => api.holds.get({ ...x, locator: f.draft.locator }),
  },
  {
    name: "holds.effect",
    permission: "holds:read",
    mutation: false,
    call: (api, f, x) => api.holds.effect({ ...x, accountLocator: f.accountLocator, process: "autopay" }),
  },
  {
    name: "holds.listByAccount",
    permission: "holds:list",
    mutation: false,
    call: (api, f, x) => api.holds.listByAccount({ ...x, accountLocator: f.accountLocator }),
  },
  { name: "holds.list", permission: "holds:list", mutation: false, call: (api, _f, x) => api.holds.list({ ...x }) },
  {
    name: "audit.history",
    permission: "holds:read",
    mutation: false,
    call: (api, f, x) => api.audit.history({ ...x, entityType: "hold", entityId: f.active.locator }),
  },
  {
    name: "holds.create",
    permission: "holds:write",
    mutation: true,
    call: (api, f, x) => api.holds.create({ ...x, accountLocator: f.accountLocator, targets: [{ process: "refund" }] }),
  },
  {
    name: "holds.update",
    permission: "holds:write",
    mutation: true,
    call: (api, f, x) => api.holds.update({ ...x, locator: f.draft.locator, comments: "changed" }),
  },
  moveOf("validate", "draft"),
  moveOf("activate", "validated"),
  moveOf("reset", "validated"),
  moveOf("discard", "draft"),
  moveOf("release", "active"),
  {
    name: "holds.amend",
    permission: "holds:write",
    mutation: true,
    call: (api, f, x) => api.holds.amend({ ...x, locator: f.active.locator, comments: "amended" }),
  },
];

/** Calls that name another tenant's hold or account (list is not here: it names nothing, see below). */
const FOREIGN_CALLS = HOLD_PROCEDURES.filter(
  (p) => p.name !== "holds.list" && p.name !== "holds.create" && p.name !== "audit.history",
);

/** The same call on locators that exist nowhere. */
const unknownFixture = (f: TenantFixture): TenantFixture => {
  const ghost = (h: Hold) => ({ ...h, locator: UNKNOWN_HOLD });
  return {
    ...f,
    accountLocator: UNKNOWN_ACCOUNT,
    draft: ghost(f.draft),
    validated: ghost(f.validated),
    active: ghost(f.active),
  };
};

/** A caller authenticated by this bearer secret (an API token's or a session's), as of this instant. */
const callerFor = async (secret: string, at = w.clock.now()) =>
  createCaller({ db: w.db, clock: w.clock, principal: await authenticate(w.db, secret, at), requestId: "t" });

describe("tenant isolation", () => {
  let A: TenantFixture;
  let B: TenantFixture;
  let apiA: Caller;
  beforeAll(async () => {
    A = await tenantFixture("Tenant A");
    B = await tenantFixture("Tenant B");
    apiA = await w.caller(A.tenantId);
  });

  for (const proc of FOREIGN_CALLS) {
    it(`${proc.name}: tenant A's token gets NOT_FOUND for tenant B's data, worded like an unknown locator, and B is unchanged`, async () => {
      const before = await databaseChecksum(w.db);
      const foreign = await expectTrpcError(proc.call(apiA, B), "NOT_FOUND");
      const unknown = await expectTrpcError(proc.call(apiA, unknownFixture(B)), "NOT_FOUND");
      // Same answer shape: nothing tells a foreign locator from one that does not exist.
      const scrub = (e: TRPCError) => e.message.replace(/[0-9A-HJKMNP-TV-Z]{26}/g, "<locator>");
      expect(scrub(foreign)).toBe(scrub(unknown));
      expect(foreign.message).not.toContain("Tenant B");
      expect(foreign.message).not.toContain(B.tenantId);
      expect(await databaseChecksum(w.db)).toBe(before);
    });

    it(`${proc.name}: naming tenant B's tenantLocator explicitly also gives NOT_FOUND, like an unknown tenant`, async () => {
      const before = await databaseChecksum(w.db);
      const foreign = await expectTrpcError(proc.call(apiA, B, { tenantLocator: B.tenantId }), "NOT_FOUND");
      const unknown = await expectTrpcError(proc.call(apiA, B, { tenantLocator: UNKNOWN_TENANT }), "NOT_FOUND");
      expect(foreign.message.replace(B.tenantId, "<t>")).toBe(unknown.message.replace(UNKNOWN_TENANT, "<t>"));
      expect(await databaseChecksum(w.db)).toBe(before);
    });
  }

  it("audit.history of tenant B's hold never shows B's events to tenant A", async () => {
    const err = await apiA.audit.history({ entityType: "hold", entityId: B.active.locator }).then(
      (events) => {
        expect(events).toEqual([]);
        return null;
      },
      (e: unknown) => e,
    );
    if (err) expect((err as TRPCError).code).toBe("NOT_FOUND");
    await expectTrpcError(
      apiA.audit.history({ tenantLocator: B.tenantId, entityType: "hold", entityId: B.active.locator }),
      "NOT_FOUND",
    );
  });

  it("audit.history answers NOT_FOUND for tenant B's hold and account, the same as for an unknown entity", async () => {
    // SPEC (Tenancy and access): "an unknown and a foreign locator answer the same NOT_FOUND".
    const foreign = await expectTrpcError(
      apiA.audit.history({ entityType: "hold", entityId: B.active.locator }),
      "NOT_FOUND",
    );
    const unknown = await expectTrpcError(
      apiA.audit.history({ entityType: "hold", entityId: UNKNOWN_HOLD }),
      "NOT_FOUND",
    );
    expect(foreign.message.replace(B.active.locator, "<id>")).toBe(unknown.message.replace(UNKNOWN_HOLD, "<id>"));
    await expectTrpcError(apiA.audit.history({ entityType: "account", entityId: B.accountLocator }), "NOT_FOUND");
  });

  it("holds.list and listByAccount never include another tenant's holds", async () => {
    const all = await apiA.holds.list({ limit: 500 });
    expect(all.items.length).toBeGreaterThan(0);
    expect(all.items.every((h) => h.tenantLocator === A.tenantId)).toBe(true);
    const filtered = await apiA.holds.list({ accountLocator: B.accountLocator });
    expect(filtered.items).toEqual([]);
    const byAccount = await apiA.holds.listByAccount({ accountLocator: A.accountLocator });
    expect(byAccount.items.map((h) => h.tenantLocator)).toEqual(byAccount.items.map(() => A.tenantId));
  });

  it("creating a hold on tenant B's account is refused exactly like an unknown account, and creates nothing", async () => {
    const before = await databaseChecksum(w.db);
    const foreign = await expectTrpcError(
      apiA.holds.create({ accountLocator: B.accountLocator, targets: [{ process: "invoicing" }] }),
      "BAD_REQUEST",
    );
    const unknown = await expectTrpcError(
      apiA.holds.create({ accountLocator: UNKNOWN_ACCOUNT, targets: [{ process: "invoicing" }] }),
      "BAD_REQUEST",
    );
    expect(foreign.message.replace(B.accountLocator, "<a>")).toBe(unknown.message.replace(UNKNOWN_ACCOUNT, "<a>"));
    // Moving A's own draft onto B's account is refused the same way.
    await expectTrpcError(
      apiA.holds.update({ locator: A.draft.locator, accountLocator: B.accountLocator }),
      "BAD_REQUEST",
    );
    expect(await databaseChecksum(w.db)).toBe(before);
  });

  it("tenant B's own token still sees its data unchanged after all of A's attempts", async () => {
    const apiB = await w.caller(B.tenantId);
    expect(await apiB.holds.get({ locator: B.draft.locator })).toEqual(B.draft);
    expect(await apiB.holds.get({ locator: B.validated.locator })).toEqual(B.validated);
    expect(await apiB.holds.get({ locator: B.active.locator })).toEqual(B.active);
  });
});

describe("portfolio tokens (several tenants)", () => {
  let A: TenantFixture;
  let B: TenantFixture;
  let portfolio: Caller;
  beforeAll(async () => {
    A = await tenantFixture("Portfolio A");
    B = await tenantFixture("Portfolio B");
    portfolio = await w.caller([
      { tenantId: A.tenantId, permissions: ALL_PERMISSIONS },
      { tenantId: B.tenantId, permissions: ALL_PERMISSIONS },
    ]);
  });

  for (const proc of HOLD_PROCEDURES) {
    it(`${proc.name}: without tenantLocator is BAD_REQUEST naming tenantLocator, and changes nothing`, async () => {
      const before = await databaseChecksum(w.db);
      const err = await expectTrpcError(proc.call(portfolio, A), "BAD_REQUEST");
      expect(err.message).toContain("tenantLocator");
      expect(isAppError(err.cause) && err.cause.issues.map((i) => i.path)).toEqual(["tenantLocator"]);
      expect(await databaseChecksum(w.db)).toBe(before);
    });
  }

  it("reaches both tenants when it names them, and only the named one", async () => {
    expect(await portfolio.holds.get({ tenantLocator: A.tenantId, locator: A.draft.locator })).toEqual(A.draft);
    expect(await portfolio.holds.get({ tenantLocator: B.tenantId, locator: B.draft.locator })).toEqual(B.draft);
    // A's hold looked up in B: NOT_FOUND.
    await expectTrpcError(portfolio.holds.get({ tenantLocator: B.tenantId, locator: A.draft.locator }), "NOT_FOUND");
    await expectTrpcError(
      portfolio.holds.release({ tenantLocator: A.tenantId, locator: B.active.locator }),
      "NOT_FOUND",
    );

    const createdInB = await portfolio.holds.create({
      tenantLocator: B.tenantId,
      accountLocator: B.accountLocator,
      targets: [{ process: "refund" }],
    });
    expect(createdInB.tenantLocator).toBe(B.tenantId);
    const released = await portfolio.holds.release({ tenantLocator: A.tenantId, locator: A.active.locator });
    expect(released.holdState).toBe("released");
    const listA = await portfolio.holds.list({ tenantLocator: A.tenantId });
    expect(listA.items.every((h) => h.tenantLocator === A.tenantId)).toBe(true);
    const history = await portfolio.audit.history({
      tenantLocator: B.tenantId,
      entityType: "hold",
      entityId: createdInB.locator,
    });
    expect(history.map((e) => e.action)).toEqual(["create"]);
  });

  it("a malformed tenantLocator is BAD_REQUEST naming tenantLocator; an unknown one is NOT_FOUND", async () => {
    for (const bad of ["not-a-uuid", "", 42, null, { id: A.tenantId }]) {
      const err = await expectTrpcError(portfolio.holds.list({ tenantLocator: bad } as never), "BAD_REQUEST");
      expect(err.message).toContain("tenantLocator");
    }
    await expectTrpcError(portfolio.holds.list({ tenantLocator: UNKNOWN_TENANT }), "NOT_FOUND");
  });

  it("uses each tenant's own permissions", async () => {
    const mixed = await w.caller([
      { tenantId: A.tenantId, permissions: ["holds:write"] },
      { tenantId: B.tenantId, permissions: ["holds:read"] },
    ]);
    await expectTrpcError(mixed.holds.get({ tenantLocator: A.tenantId, locator: A.draft.locator }), "FORBIDDEN");
    expect((await mixed.holds.get({ tenantLocator: B.tenantId, locator: B.draft.locator })).locator).toBe(
      B.draft.locator,
    );
    const before = await databaseChecksum(w.db);
    await expectTrpcError(mixed.holds.discard({ tenantLocator: B.tenantId, locator: B.draft.locator }), "FORBIDDEN");
    expect(await databaseChecksum(w.db)).toBe(before);
    expect((await mixed.holds.discard({ tenantLocator: A.tenantId, locator: A.draft.locator })).holdState).toBe(
      "discarded",
    );
  });

  it("auth.me lists both tenants with their names and permissions", async () => {
    const me = await portfolio.auth.me();
    expect(me.kind).toBe("api_token");
    expect(me.tenants).toHaveLength(2);
    expect(me.tenants).toEqual(
      expect.arrayContaining([
        { tenantLocator: A.tenantId, name: "Portfolio A", permissions: ALL_PERMISSIONS },
        { tenantLocator: B.tenantId, name: "Portfolio B", permissions: ALL_PERMISSIONS },
      ]),
    );
  });
});

describe("permissions", () => {
  let A: TenantFixture;
  beforeAll(async () => {
    A = await tenantFixture("Permission tenant");
  });

  const GRANT_SETS: { label: string; permissions: Permission[] }[] = [
    { label: "no permissions", permissions: [] },
    ...PERMISSIONS.map((p) => ({ label: p, permissions: [p] })),
    { label: "holds:read + holds:list", permissions: ["holds:read", "holds:list"] },
    {
      label: "everything but holds:*",
      permissions: ["automations:read", "automations:write", "subscriptions:read", "subscriptions:write"],
    },
  ];

  for (const grants of GRANT_SETS) {
    const denied = HOLD_PROCEDURES.filter((p) => !hasPermission(grants.permissions, p.permission));
    if (denied.length === 0) continue;
    it(`${grants.label}: FORBIDDEN on ${denied.map((p) => p.name).join(", ")}, naming the permission; nothing changes`, async () => {
      const api = await w.caller([{ tenantId: A.tenantId, permissions: grants.permissions }]);
      const before = await databaseChecksum(w.db);
      for (const proc of denied) {
        const err = await expectTrpcError(proc.call(api, A), "FORBIDDEN");
        expect(err.message, proc.name).toContain(proc.permission);
        // Refused before the input is even looked at.
        await expectTrpcError(proc.call(api, unknownFixture(A)), "FORBIDDEN");
      }
      expect(await databaseChecksum(w.db)).toBe(before);
    });
  }

  it("holds:read alone can get, see effects and read history, but not list", async () => {
    const api = await w.caller([{ tenantId: A.tenantId, permissions: ["holds:read"] }]);
    expect((await api.holds.get({ locator: A.active.locator })).locator).toBe(A.active.locator);
    expect(await api.holds.effect({ accountLocator: A.accountLocator, process: "autopay" })).toMatchObject({
      held: true,
    });
    expect((await api.audit.history({ entityType: "hold", entityId: A.active.locator })).length).toBeGreaterThan(0);
    await expectTrpcError(api.holds.list({}), "FORBIDDEN");
  });

  it("holds:list alone can list, but not get", async () => {
    const api = await w.caller([{ tenantId: A.tenantId, permissions: ["holds:list"] }]);
    expect((await api.holds.list({})).items.length).toBeGreaterThan(0);
    expect((await api.holds.listByAccount({ accountLocator: A.accountLocator })).items.length).toBeGreaterThan(0);
    await expectTrpcError(api.holds.get({ locator: A.draft.locator }), "FORBIDDEN");
  });

  it("reading the history of a token, user or tenant needs admin, even with holds:read", async () => {
    const reader = await w.caller([{ tenantId: A.tenantId, permissions: ["holds:read"] }]);
    for (const entityType of ["token", "user", "tenant"] as const) {
      await expectTrpcError(reader.audit.history({ entityType, entityId: "anything" }), "FORBIDDEN");
    }
  });

  it("holds:write alone can make every move", async () => {
    const api = await w.caller([{ tenantId: A.tenantId, permissions: ["holds:write"] }]);
    const account = await w.account(A.tenantId, "writer's account");
    const h = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "invoicing" }] });
    await api.holds.update({ locator: h.locator, comments: "edited" });
    await api.holds.validate({ locator: h.locator });
    await api.holds.reset({ locator: h.locator });
    await api.holds.validate({ locator: h.locator });
    await api.holds.activate({ locator: h.locator });
    await api.holds.amend({ locator: h.locator, endDate: "2027-09-30" });
    expect((await api.holds.release({ locator: h.locator })).holdState).toBe("released");
    const d = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "refund" }] });
    expect((await api.holds.discard({ locator: d.locator })).holdState).toBe("discarded");
  });

  it("admin alone implies every hold permission and reading any history", async () => {
    const admin = await w.caller([{ tenantId: A.tenantId, permissions: ["admin"] }]);
    for (const proc of HOLD_PROCEDURES) {
      try {
        await proc.call(admin, A);
      } catch (e) {
        expect((e as TRPCError).code, `${proc.name}: ${(e as Error).message}`).not.toMatch(
          /FORBIDDEN|UNAUTHORIZED|NOT_FOUND/,
        );
      }
    }
    // Past the admin-only permission check: an unknown token's history is simply not found.
    await expectTrpcError(admin.audit.history({ entityType: "token", entityId: "anything" }), "NOT_FOUND");
  });
});

describe("credentials", () => {
  let A: TenantFixture;
  beforeAll(async () => {
    A = await tenantFixture("Credential tenant");
  });

  for (const proc of HOLD_PROCEDURES) {
    it(`${proc.name}: the anonymous caller gets UNAUTHORIZED and changes nothing`, async () => {
      const before = await databaseChecksum(w.db);
      await expectTrpcError(proc.call(w.anonymous, A), "UNAUTHORIZED");
      await expectTrpcError(proc.call(w.anonymous, A, { tenantLocator: A.tenantId }), "UNAUTHORIZED");
      expect(await databaseChecksum(w.db)).toBe(before);
    });
  }

  it("the anonymous caller gets UNAUTHORIZED on auth.me, auth.signOut, accounts and worker status too", async () => {
    await expectTrpcError(w.anonymous.auth.me(), "UNAUTHORIZED");
    await expectTrpcError(w.anonymous.auth.signOut(), "UNAUTHORIZED");
    await expectTrpcError(w.anonymous.accounts.list({}), "UNAUTHORIZED");
    await expectTrpcError(w.anonymous.worker.status({}), "UNAUTHORIZED");
  });

  it("a revoked token is UNAUTHORIZED", async () => {
    const token = await createApiToken(w.db, {
      name: "to revoke",
      grants: [{ tenantId: A.tenantId, permissions: ALL_PERMISSIONS }],
    });
    expect((await (await callerFor(token.secret)).holds.get({ locator: A.draft.locator })).locator).toBe(
      A.draft.locator,
    );
    await revokeCredentials(w.db, [token.id], w.clock.now());
    expect(await authenticate(w.db, token.secret, w.clock.now())).toBeNull();
    await expectTrpcError((await callerFor(token.secret)).holds.get({ locator: A.draft.locator }), "UNAUTHORIZED");
    await expectTrpcError((await callerFor(token.secret)).holds.release({ locator: A.active.locator }), "UNAUTHORIZED");
  });

  it("an expired token is UNAUTHORIZED from its expiry instant on", async () => {
    const now = w.clock.now();
    const expiresAt = new Date(now.getTime() + 60_000);
    const token = await createApiToken(w.db, {
      name: "expiring",
      grants: [{ tenantId: A.tenantId, permissions: ALL_PERMISSIONS }],
      expiresAt,
    });
    expect(await authenticate(w.db, token.secret, new Date(expiresAt.getTime() - 1))).not.toBeNull();
    await expectTrpcError(
      (await callerFor(token.secret, expiresAt)).holds.get({ locator: A.draft.locator }),
      "UNAUTHORIZED",
    );
    await expectTrpcError(
      (await callerFor(token.secret, new Date(expiresAt.getTime() + 86_400_000))).holds.list({}),
      "UNAUTHORIZED",
    );
    const already = await createApiToken(w.db, {
      name: "born expired",
      grants: [{ tenantId: A.tenantId, permissions: ALL_PERMISSIONS }],
      expiresAt: now,
    });
    await expectTrpcError((await callerFor(already.secret)).holds.list({}), "UNAUTHORIZED");
  });

  it("unknown, tampered, empty and oversized secrets are UNAUTHORIZED", async () => {
    const token = await createApiToken(w.db, {
      name: "real",
      grants: [{ tenantId: A.tenantId, permissions: ALL_PERMISSIONS }],
    });
    const tampered = `${token.secret.slice(0, -1)}${token.secret.endsWith("A") ? "B" : "A"}`;
    for (const secret of [tampered, "hft_unknown_secret_value", "", "x", "hft_".padEnd(5000, "a"), token.id]) {
      await expectTrpcError((await callerFor(secret)).holds.list({}), "UNAUTHORIZED");
    }
  });

  it("reads the bearer token only from a well-formed Authorization header", async () => {
    const token = await createApiToken(w.db, {
      name: "header",
      grants: [{ tenantId: A.tenantId, permissions: ALL_PERMISSIONS }],
    });
    const deps = { db: w.db, clock: w.clock };
    const ok = await createContext(deps, { authorization: `Bearer ${token.secret}`, requestId: "h" });
    expect(ok.principal?.credentialId).toBe(token.id);
    expect(
      (await createContext(deps, { authorization: `bearer ${token.secret}`, requestId: "h" })).principal?.credentialId,
    ).toBe(token.id);
    for (const authorization of [
      token.secret,
      `Basic ${token.secret}`,
      `Bearer`,
      `Bearer ${token.secret} extra`,
      "",
      null,
      undefined,
    ]) {
      const ctx = await createContext(deps, { authorization, requestId: "h" });
      expect(ctx.principal, String(authorization)).toBeNull();
      await expectTrpcError(createCaller(ctx).holds.list({}), "UNAUTHORIZED");
    }
  });
});

describe("dashboard sign-in", () => {
  /** Signs in without the cookie, as scripts do: the answer carries the session's bearer token. */
  const signInForToken = async (input: { email: string; password: string }) => {
    const { token, expiresAt } = await w.anonymous.auth.signIn(input);
    if (!token) throw new Error("a sign-in without `cookie` answers with the token");
    return { token, expiresAt };
  };
  let provisioned: Awaited<ReturnType<typeof provisionTenant>>;
  const email = "ops@example.test";
  const password = "correct horse battery staple";
  beforeAll(async () => {
    provisioned = await provisionTenant(w.db, {
      name: "Signed-in tenant",
      timeZone: "Europe/Prague",
      email,
      password,
      userName: "Ops",
    });
  });

  it("the right password gives a session token that works as a bearer token", async () => {
    const session = await signInForToken({ email, password });
    expect(session.token).toMatch(/^hfs_/);
    expect(new Date(session.expiresAt).getTime()).toBeGreaterThan(w.clock.now().getTime());
    const api = await callerFor(session.token);

    const me = await api.auth.me();
    expect(me).toEqual({
      actor: { type: "user", id: provisioned.userId, name: email },
      kind: "session",
      tenants: [{ tenantLocator: provisioned.tenantId, name: "Signed-in tenant", permissions: ALL_PERMISSIONS }],
    });

    const account = await w.account(provisioned.tenantId);
    const hold = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "invoicing" }] });
    expect(hold).toMatchObject({ tenantLocator: provisioned.tenantId, createdBy: `user:${provisioned.userId}` });
    const history = await api.audit.history({ entityType: "hold", entityId: hold.locator });
    expect(history[0]).toMatchObject({
      action: "create",
      actorType: "user",
      actorId: provisioned.userId,
      actorName: email,
    });
  });

  it("the email is matched case-insensitively", async () => {
    const session = await signInForToken({ email: email.toUpperCase(), password });
    expect((await (await callerFor(session.token)).auth.me()).kind).toBe("session");
  });

  it("a wrong password and an unknown email get the same UNAUTHORIZED, and open no session", async () => {
    const count = async () =>
      Number((await w.db.$client.unsafe("select count(*)::int as n from credentials where kind = 'session'"))[0]?.n);
    const before = await count();
    const wrong = await expectTrpcError(w.anonymous.auth.signIn({ email, password: "wrong password" }), "UNAUTHORIZED");
    const unknown = await expectTrpcError(
      w.anonymous.auth.signIn({ email: "nobody@example.test", password }),
      "UNAUTHORIZED",
    );
    expect(wrong.message).toBe(unknown.message);
    await expectTrpcError(w.anonymous.auth.signIn({ email, password: password.toUpperCase() }), "UNAUTHORIZED");
    expect(await count()).toBe(before);
  });

  it("a session ends at sign-out and after it expires", async () => {
    const session = await signInForToken({ email, password });
    const expiresAt = new Date(session.expiresAt);
    // An idle timeout longer than the session's life: only the absolute end counts here.
    const noIdle = { sessionIdleMs: 13 * 60 * 60 * 1000 };
    expect(await authenticate(w.db, session.token, new Date(expiresAt.getTime() - 1000), noIdle)).not.toBeNull();
    expect(await authenticate(w.db, session.token, expiresAt, noIdle)).toBeNull();
    await expectTrpcError((await callerFor(session.token, expiresAt)).auth.me(), "UNAUTHORIZED");

    const api = await callerFor(session.token);
    expect(await api.auth.signOut()).toEqual({ ok: true });
    await expectTrpcError((await callerFor(session.token)).auth.me(), "UNAUTHORIZED");
    await expectTrpcError((await callerFor(session.token)).holds.list({}), "UNAUTHORIZED");
  });

  it("a session reaches only its user's tenants", async () => {
    const other = await w.tenant("Not the user's tenant");
    const otherAccount = await w.account(other);
    const session = await signInForToken({ email, password });
    const api = await callerFor(session.token);
    await expectTrpcError(api.holds.list({ tenantLocator: other }), "NOT_FOUND");
    await expectTrpcError(api.holds.listByAccount({ accountLocator: otherAccount.locator }), "NOT_FOUND");
  });
});
