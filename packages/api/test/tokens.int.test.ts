/**
 * API tokens through the real router, with every call authenticated from its
 * bearer secret as a request is (so revocation, expiry and rolls show at
 * once): the secret is shown once and works; listings never show a secret or
 * hash and show the last use, written at most once a minute on the injected
 * clock; a token never grants more than its creator holds; read-only tokens
 * cannot write; revoke and roll; audit events for every operation; another
 * tenant's token is NOT_FOUND.
 */
import { createCaller, createContext } from "@holdfast/api";
import { schema } from "@holdfast/db";
import { appErrorOf, issuesOfTrpcError, rulesOf, tableChecksum } from "@holdfast/testing";
import { and, asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { expectTrpcError, NOW, setupWorld } from "./harness.ts";

const w = setupWorld({ tenantName: "Tokens tenant" });

const UNKNOWN_TOKEN = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const at = (offsetMs: number) => new Date(new Date(NOW).getTime() + offsetMs).toISOString();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A caller for this secret, authenticated now, exactly as a request with it would be. */
async function as(secret: string) {
  return createCaller(
    await createContext({ db: w.db, clock: w.clock }, { authorization: `Bearer ${secret}`, requestId: "test" }),
  );
}

/** A secret with every permission in the test's tenant (an admin's token). */
let adminSecret: string;
let otherTenant: string;
beforeAll(async () => {
  const made = await w.api.tokens.create({ name: "admin", permissions: ["admin"] });
  adminSecret = made.secret;
  otherTenant = await w.tenant("Other tenant");
});

async function tokenRow(locator: string) {
  const [row] = await w.db.select().from(schema.credentials).where(eq(schema.credentials.id, locator));
  if (!row) throw new Error(`no credential ${locator}`);
  return row;
}

async function auditOf(locator: string) {
  return w.db
    .select()
    .from(schema.auditEvents)
    .where(and(eq(schema.auditEvents.entityType, "token"), eq(schema.auditEvents.entityId, locator)))
    .orderBy(asc(schema.auditEvents.id));
}

describe("create", () => {
  it("returns the secret once; it authenticates, and neither the listing nor the database shows it", async () => {
    const made = await w.api.tokens.create({ name: "reader", permissions: ["holds:read", "holds:list"] });
    expect(made.secret).toMatch(/^hft_/);
    expect(made.prefix).toBe(made.secret.slice(0, 10));
    expect(made).toMatchObject({
      name: "reader",
      permissions: ["holds:read", "holds:list"],
      tenants: [{ tenantLocator: w.tenantId, name: "Tokens tenant", permissions: ["holds:read", "holds:list"] }],
      createdAt: at(0),
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(made.createdBy).toMatch(/^token:/);

    const me = await (await as(made.secret)).auth.me();
    expect(me.tenants).toEqual([
      { tenantLocator: w.tenantId, name: "Tokens tenant", permissions: ["holds:read", "holds:list"] },
    ]);

    const listed = await w.api.tokens.list({ limit: 100 });
    const text = JSON.stringify(listed);
    expect(text).not.toContain(made.secret);
    expect(text).not.toContain((await tokenRow(made.locator)).secretHash);
    const item = listed.items.find((t) => t.locator === made.locator);
    expect(item).toBeDefined();
    expect(Object.keys(item ?? {})).not.toContain("secret");
    expect((await tokenRow(made.locator)).secretHash).not.toContain(made.secret);
  });

  it("a token bound to several tenants needs admin in each; expiresAt must be in the future (400 naming it)", async () => {
    const both = await w.caller([
      { tenantId: w.tenantId, permissions: ["admin"] },
      { tenantId: otherTenant, permissions: ["admin"] },
    ]);
    const made = await both.tokens.create({
      tenantLocator: w.tenantId,
      name: "portfolio",
      permissions: ["holds:read"],
      tenantLocators: [w.tenantId, otherTenant],
      expiresAt: at(90 * DAY),
    });
    expect(made.tenants.map((t) => t.tenantLocator).sort()).toEqual([w.tenantId, otherTenant].sort());
    expect(made.expiresAt).toBe(at(90 * DAY));
    for (const expiresAt of [NOW, at(-1000)]) {
      const err = await expectTrpcError(
        w.api.tokens.create({ name: "past", permissions: ["holds:read"], expiresAt }),
        "BAD_REQUEST",
      );
      expect(rulesOf(issuesOfTrpcError(err))).toEqual([{ path: "expiresAt", rule: "future" }]);
    }
  });

  it("a creator without admin in a named tenant is FORBIDDEN, and nothing is stored", async () => {
    const partial = await w.caller([
      { tenantId: w.tenantId, permissions: ["admin"] },
      { tenantId: otherTenant, permissions: ["holds:read"] },
    ]);
    const before = await Promise.all(
      ["credentials", "token_grants", "audit_events"].map((t) => tableChecksum(w.db, t)),
    );
    const err = await expectTrpcError(
      partial.tokens.create({
        tenantLocator: w.tenantId,
        name: "too wide",
        permissions: ["holds:read"],
        tenantLocators: [w.tenantId, otherTenant],
      }),
      "FORBIDDEN",
    );
    expect(err.message).toContain("admin");
    expect(err.message).toContain(otherTenant);
    // Only in the other tenant, where it is no admin at all.
    await expectTrpcError(
      partial.tokens.create({ tenantLocator: otherTenant, name: "x", permissions: ["holds:read"] }),
      "FORBIDDEN",
    );
    // A tenant it is not bound to is unknown to it.
    await expectTrpcError(
      partial.tokens.create({
        tenantLocator: w.tenantId,
        name: "x",
        permissions: ["holds:read"],
        tenantLocators: ["7d1f3c2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"],
      }),
      "NOT_FOUND",
    );
    const after = await Promise.all(["credentials", "token_grants", "audit_events"].map((t) => tableChecksum(w.db, t)));
    expect(after).toEqual(before);
  });

  it("a creator granting more than it holds is FORBIDDEN naming the permission and the tenant", async () => {
    const partial = await w.caller([
      { tenantId: w.tenantId, permissions: ["admin"] },
      { tenantId: otherTenant, permissions: ["holds:read"] },
    ]);
    const before = await tableChecksum(w.db, "credentials");
    const err = await expectTrpcError(
      partial.tokens.create({
        tenantLocator: w.tenantId,
        name: "writer",
        permissions: ["holds:write"],
        tenantLocators: [w.tenantId, otherTenant],
      }),
      "FORBIDDEN",
    );
    expect(err.message).toContain("holds:write");
    expect(err.message).toContain(otherTenant);
    expect(appErrorOf(err).details).toEqual({ permission: "holds:write" });
    expect(await tableChecksum(w.db, "credentials")).toBe(before);
  });

  it("a caller without admin cannot create, list, revoke or roll tokens", async () => {
    const writer = await w.caller([{ tenantId: w.tenantId, permissions: ["holds:write", "holds:read"] }]);
    await expectTrpcError(writer.tokens.create({ name: "x", permissions: ["holds:read"] }), "FORBIDDEN");
    await expectTrpcError(writer.tokens.list(), "FORBIDDEN");
    await expectTrpcError(writer.tokens.revoke({ locator: UNKNOWN_TOKEN }), "FORBIDDEN");
    await expectTrpcError(writer.tokens.roll({ locator: UNKNOWN_TOKEN }), "FORBIDDEN");
  });

  it("a read-only token (holds:read, holds:list) reads, and gets FORBIDDEN on a mutation", async () => {
    const made = await w.api.tokens.create({ name: "read only", permissions: ["holds:read", "holds:list"] });
    const reader = await as(made.secret);
    const account = await w.newAccount("read-only account");
    await expect(reader.holds.list({ accountLocator: account })).resolves.toMatchObject({ items: [] });
    const err = await expectTrpcError(
      reader.holds.create({ accountLocator: account, targets: [{ process: "funding" }] }),
      "FORBIDDEN",
    );
    expect(err.message).toContain("holds:write");
    await expectTrpcError(reader.accounts.create({ name: "no" }), "FORBIDDEN");
    await expectTrpcError(reader.tokens.create({ name: "no", permissions: ["holds:read"] }), "FORBIDDEN");
  });
});

describe("lastUsedAt", () => {
  it("is written on first use, at most once a minute (injected clock), and shown by list", async () => {
    const made = await w.api.tokens.create({ name: "used", permissions: ["holds:read"] });
    const listed = async () => (await w.api.tokens.list({ limit: 100 })).items.find((t) => t.locator === made.locator);
    expect((await listed())?.lastUsedAt).toBeNull();

    await (await as(made.secret)).auth.me();
    expect((await tokenRow(made.locator)).lastUsedAt?.toISOString()).toBe(at(0));
    const { xmin } = (await w.db.$client`select xmin::text from credentials where id = ${made.locator}`)[0] as {
      xmin: string;
    };

    // Another use 59 s later: no write (the row version is the same).
    w.clock.set(at(59_000));
    await (await as(made.secret)).auth.me();
    const row = (await w.db.$client`select xmin::text, last_used_at from credentials where id = ${made.locator}`)[0];
    expect(row?.xmin).toBe(xmin);
    expect((await tokenRow(made.locator)).lastUsedAt?.toISOString()).toBe(at(0));

    // 61 s after the write: written again.
    w.clock.set(at(61_000));
    await (await as(made.secret)).auth.me();
    expect((await tokenRow(made.locator)).lastUsedAt?.toISOString()).toBe(at(61_000));
    expect((await listed())?.lastUsedAt).toBe(at(61_000));
  });
});

describe("revoke", () => {
  it("refuses the token at once (401), is audited, and revoking again changes nothing", async () => {
    const made = await w.api.tokens.create({ name: "to revoke", permissions: ["holds:read"] });
    await (await as(made.secret)).auth.me();
    const revoked = await (await as(adminSecret)).tokens.revoke({ locator: made.locator });
    expect(revoked.revokedAt).toBe(at(0));
    await expectTrpcError((await as(made.secret)).auth.me(), "UNAUTHORIZED");
    const again = await w.api.tokens.revoke({ locator: made.locator });
    expect(again.revokedAt).toBe(at(0));
    const events = await auditOf(made.locator);
    expect(events.map((e) => e.action)).toEqual(["create", "revoke"]);
    expect(events[1]).toMatchObject({ tenantId: w.tenantId, actorType: "token", after: { revokedAt: at(0) } });
  });

  it("another tenant's token, a session and an unknown locator are NOT_FOUND alike, for revoke and roll", async () => {
    const otherAdmin = await w.caller(otherTenant);
    const foreign = await otherAdmin.tokens.create({ name: "foreign", permissions: ["holds:read"] });
    const before = await tableChecksum(w.db, "credentials");
    for (const locator of [foreign.locator, UNKNOWN_TOKEN]) {
      const revoke = await expectTrpcError(w.api.tokens.revoke({ locator }), "NOT_FOUND");
      const roll = await expectTrpcError(w.api.tokens.roll({ locator }), "NOT_FOUND");
      expect(revoke.message).toBe(`token ${locator} was not found`);
      expect(roll.message).toBe(`token ${locator} was not found`);
    }
    expect(await tableChecksum(w.db, "credentials")).toBe(before);
    const listed = await w.api.tokens.list({ limit: 100 });
    expect(listed.items.map((t) => t.locator)).not.toContain(foreign.locator);
    await (await as(foreign.secret)).auth.me();
  });

  it("a token of several tenants needs admin in all of them to be revoked", async () => {
    const both = await w.caller([
      { tenantId: w.tenantId, permissions: ["admin"] },
      { tenantId: otherTenant, permissions: ["admin"] },
    ]);
    const shared = await both.tokens.create({
      tenantLocator: w.tenantId,
      name: "shared",
      permissions: ["holds:read"],
      tenantLocators: [w.tenantId, otherTenant],
    });
    // w.api is admin in its tenant only; it sees the token but cannot revoke it.
    const listed = (await w.api.tokens.list({ limit: 100 })).items.find((t) => t.locator === shared.locator);
    expect(listed?.tenants.map((t) => t.tenantLocator)).toEqual([w.tenantId]);
    const err = await expectTrpcError(w.api.tokens.revoke({ locator: shared.locator }), "FORBIDDEN");
    expect(err.message).toContain("admin");
    expect(err.message).not.toContain(otherTenant);
    await both.tokens.revoke({ tenantLocator: otherTenant, locator: shared.locator });
    const events = await auditOf(shared.locator);
    expect(events.map((e) => `${e.action} ${e.tenantId}`).sort()).toEqual(
      [`create ${w.tenantId}`, `create ${otherTenant}`, `revoke ${w.tenantId}`, `revoke ${otherTenant}`].sort(),
    );
  });
});

describe("roll", () => {
  it("both secrets work until overlapUntil, then only the new one (injected clock)", async () => {
    const made = await w.api.tokens.create({ name: "rolled", permissions: ["holds:read"], expiresAt: at(30 * DAY) });
    const rolled = await w.api.tokens.roll({ locator: made.locator, overlapUntil: at(2 * HOUR) });
    expect(rolled.secret).not.toBe(made.secret);
    expect(rolled).toMatchObject({ name: "rolled", permissions: ["holds:read"], expiresAt: at(30 * DAY) });
    expect(rolled.previous).toMatchObject({
      locator: made.locator,
      expiresAt: at(2 * HOUR),
      rolledInto: rolled.locator,
    });
    expect((await tokenRow(made.locator)).rolledInto).toBe(rolled.locator);

    for (const secret of [made.secret, rolled.secret]) await (await as(secret)).auth.me();
    w.clock.set(at(2 * HOUR - 1000));
    for (const secret of [made.secret, rolled.secret]) await (await as(secret)).auth.me();
    w.clock.set(at(2 * HOUR));
    await expectTrpcError((await as(made.secret)).auth.me(), "UNAUTHORIZED");
    await (await as(rolled.secret)).auth.me();

    const events = await auditOf(made.locator);
    expect(events.map((e) => e.action)).toEqual(["create", "roll"]);
    expect(events[1]?.after).toMatchObject({ expiresAt: at(2 * HOUR), rolledInto: rolled.locator });
    const next = await auditOf(rolled.locator);
    expect(next.map((e) => e.action)).toEqual(["create"]);
    expect(next[0]?.after).toMatchObject({ rolledFrom: made.locator });
    // Neither secret nor hash in any audit event.
    const all = JSON.stringify([...events, ...next]);
    for (const secret of [made.secret, rolled.secret]) expect(all).not.toContain(secret.slice(10));
    expect(all).not.toContain((await tokenRow(made.locator)).secretHash);
  });

  it("the overlap defaults to 24 h; a rolled, revoked or expired token cannot be rolled again", async () => {
    const made = await w.api.tokens.create({ name: "default overlap", permissions: ["holds:read"] });
    const rolled = await w.api.tokens.roll({ locator: made.locator });
    expect(rolled.previous.expiresAt).toBe(at(DAY));
    expect(rolled.expiresAt).toBeNull();
    await expectTrpcError(w.api.tokens.roll({ locator: made.locator }), "CONFLICT");
    await w.api.tokens.revoke({ locator: rolled.locator });
    await expectTrpcError(w.api.tokens.roll({ locator: rolled.locator }), "CONFLICT");
    const short = await w.api.tokens.create({ name: "short", permissions: ["holds:read"], expiresAt: at(HOUR) });
    w.clock.set(at(HOUR));
    await expectTrpcError(w.api.tokens.roll({ locator: short.locator }), "CONFLICT");
  });

  it("overlapUntil beyond 7 days or not in the future: 400 naming overlapUntil, nothing changed", async () => {
    const made = await w.api.tokens.create({ name: "bounds", permissions: ["holds:read"] });
    const before = await tableChecksum(w.db, "credentials");
    for (const [overlapUntil, rule] of [
      [at(7 * DAY + 1000), "max_overlap"],
      [NOW, "future"],
      [at(-HOUR), "future"],
    ] as const) {
      const err = await expectTrpcError(w.api.tokens.roll({ locator: made.locator, overlapUntil }), "BAD_REQUEST");
      expect(rulesOf(issuesOfTrpcError(err))).toEqual([{ path: "overlapUntil", rule }]);
    }
    expect(await tableChecksum(w.db, "credentials")).toBe(before);
    const ok = await w.api.tokens.roll({ locator: made.locator, overlapUntil: at(7 * DAY) });
    expect(ok.previous.expiresAt).toBe(at(7 * DAY));
  });
});

describe("list", () => {
  it("pages newest first with a cursor (limit at most 100), only tokens of the caller's tenant", async () => {
    const tenant = await w.tenant("Paging tenant");
    const admin = await w.caller(tenant);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await admin.tokens.create({ name: `t${i}`, permissions: ["holds:read"] }));
    const first = await admin.tokens.list({ limit: 3 });
    expect(first.items.map((t) => t.name)).toEqual(["t4", "t3", "t2"]);
    expect(first.nextCursor).toBe(made[2]?.locator);
    const second = await admin.tokens.list({ limit: 3, cursor: first.nextCursor });
    // The caller's own token (made by the harness) is the oldest.
    expect(second.items.map((t) => t.name)).toEqual(["t1", "t0", "test token"]);
    expect(second.nextCursor).toBeNull();
    await expectTrpcError(admin.tokens.list({ limit: 101 }), "BAD_REQUEST");
  });

  it("every operation leaves an audit event the tenant's history shows", async () => {
    const made = await w.api.tokens.create({ name: "audited", permissions: ["holds:read"] });
    await w.api.tokens.roll({ locator: made.locator });
    await w.api.tokens.revoke({ locator: made.locator });
    const history = await w.api.audit.history({ entityType: "token", entityId: made.locator });
    expect(history.map((e) => e.action)).toEqual(["create", "roll", "revoke"]);
    expect(history.every((e) => e.entityType === "token")).toBe(true);
  });
});
