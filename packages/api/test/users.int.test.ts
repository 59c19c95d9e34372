/**
 * Users through the real router and database: an admin creates a user with a
 * one-time set-password link (once, 72 h, password rules with the breached
 * list), lists, updates and disables members (sessions end at once), and
 * never grants more than the caller holds; another tenant's user is NOT_FOUND.
 */
import { schema } from "@holdfast/db";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { checkNewPassword, createTenantUser, DEMO_PASSWORD, forTenant, provisionTenant } from "@holdfast/services";
import { appErrorOf, issuesOfTrpcError, rulesOf } from "@holdfast/testing/issues";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Caller, clientCaller, expectTrpcError, setupWorld, tableChecksum } from "./harness.ts";

const w = setupWorld({ tenantName: "Users tenant" });

const GOOD_PASSWORD = "a long and unusual passphrase";
let seq = 0;
const newEmail = (tag: string) => `${tag}-${++seq}@users.test`;
const tokenOf = (path: string) => path.slice(path.indexOf("#") + 1);

/** A user made through users.create who has set a password and signed in: their session's caller. */
async function signedInUser(admin: Caller, permissions = ALL_PERMISSIONS) {
  const email = newEmail("member");
  const created = await admin.users.create({ email, name: "Member", permissions });
  if (!created.link) throw new Error("a new user gets a link");
  await w.anonymous.auth.setPassword({ token: tokenOf(created.link.path), password: GOOD_PASSWORD });
  const session = await w.anonymous.auth.signIn({ email, password: GOOD_PASSWORD });
  return { email, locator: created.user.locator, session, api: await clientCaller(w, session.token) };
}

describe("users.create and set-password links", () => {
  it("makes a member without a password and a link that works once", async () => {
    const email = newEmail("New.Person");
    const created = await w.api.users.create({ email, name: "New Person", permissions: ["holds:read"] });
    expect(created.user).toMatchObject({
      email: email.toLowerCase(),
      name: "New Person",
      permissions: ["holds:read"],
      hasPassword: false,
      disabledAt: null,
      lastSignInAt: null,
    });
    expect(created.link?.path).toMatch(/^\/set-password#[A-Za-z0-9_-]{43}$/);
    expect(new Date(created.link?.expiresAt ?? 0).getTime() - w.clock.now().getTime()).toBe(72 * 3600_000);
    const token = tokenOf(created.link?.path ?? "");
    // Only the hash is stored.
    const links = await w.db.select().from(schema.passwordLinks);
    expect(JSON.stringify(links)).not.toContain(token);

    await expectTrpcError(w.anonymous.auth.signIn({ email, password: GOOD_PASSWORD }), "UNAUTHORIZED");
    expect(await w.anonymous.auth.setPassword({ token, password: GOOD_PASSWORD })).toEqual({
      ok: true,
      email: email.toLowerCase(),
    });
    const again = await expectTrpcError(
      w.anonymous.auth.setPassword({ token, password: GOOD_PASSWORD }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(again))).toEqual([{ path: "token", rule: "invalid_link" }]);

    const session = await w.anonymous.auth.signIn({ email, password: GOOD_PASSWORD });
    const me = await (await clientCaller(w, session.token)).auth.me();
    expect(me.tenants.map((t) => [t.tenantLocator, t.permissions])).toEqual([[w.tenantId, ["holds:read"]]]);
    const listed = (await w.api.users.list({})).items.find((u) => u.locator === created.user.locator);
    expect(listed).toMatchObject({ hasPassword: true, lastSignInAt: w.clock.now().toISOString() });
  });

  it("refuses a short or breached password naming the field, and changes nothing (the link still works)", async () => {
    const created = await w.api.users.create({ email: newEmail("pw"), name: "Pw", permissions: [] });
    const token = tokenOf(created.link?.path ?? "");
    const before = `${await tableChecksum(w.db, "users")}:${await tableChecksum(w.db, "password_links")}`;
    for (const [password, rule] of [
      ["short pass", "too_small"],
      ["password1234", "breached_password"],
      ["QwertyUIOP123", "breached_password"],
      ["x".repeat(201), "too_big"],
    ] as const) {
      const err = await expectTrpcError(w.anonymous.auth.setPassword({ token, password }), "BAD_REQUEST");
      expect(rulesOf(issuesOfTrpcError(err))).toEqual([{ path: "password", rule }]);
    }
    expect(`${await tableChecksum(w.db, "users")}:${await tableChecksum(w.db, "password_links")}`).toBe(before);
    await w.anonymous.auth.setPassword({ token, password: GOOD_PASSWORD });
  });

  it("a link expires after 72 hours on the clock; an unknown link is refused the same way", async () => {
    const created = await w.api.users.create({ email: newEmail("late"), name: "Late", permissions: [] });
    w.clock.set(new Date(w.clock.now().getTime() + 72 * 3600_000));
    for (const token of [tokenOf(created.link?.path ?? ""), "ThisLinkWasNeverIssuedByAnyone0123456789abc"]) {
      const err = await expectTrpcError(
        w.anonymous.auth.setPassword({ token, password: GOOD_PASSWORD }),
        "BAD_REQUEST",
      );
      expect(rulesOf(issuesOfTrpcError(err))).toEqual([{ path: "token", rule: "invalid_link" }]);
    }
  });

  it("resetLink issues a new link and the earlier unused one stops working", async () => {
    const created = await w.api.users.create({ email: newEmail("reset"), name: "Reset", permissions: [] });
    const fresh = await w.api.users.resetLink({ locator: created.user.locator });
    await expectTrpcError(
      w.anonymous.auth.setPassword({ token: tokenOf(created.link?.path ?? ""), password: GOOD_PASSWORD }),
      "BAD_REQUEST",
    );
    await w.anonymous.auth.setPassword({ token: tokenOf(fresh.path), password: GOOD_PASSWORD });
  });

  it("an email already a member is refused (email_taken); another tenant's user is added without a link", async () => {
    const email = newEmail("twice");
    await w.api.users.create({ email, name: "Twice", permissions: [] });
    const err = await expectTrpcError(
      w.api.users.create({ email: email.toUpperCase(), name: "Twice", permissions: [] }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(err))).toEqual([{ path: "email", rule: "email_taken" }]);

    const other = await w.tenant("Another tenant");
    const added = await (await w.caller(other)).users.create({ email, name: "Ignored", permissions: ["holds:list"] });
    expect(added.link).toBeNull();
    expect(added.user).toMatchObject({ email, name: "Twice", permissions: ["holds:list"] });
  });

  it("permissions never exceed the creator's own in the tenant (FORBIDDEN), and users.* needs admin", async () => {
    const readOnly = forTenant(
      { ...w.system, grants: [{ tenantId: w.tenantId, permissions: ["holds:read", "holds:list"] }] },
      w.tenantId,
    );
    const e = await createTenantUser(readOnly, { email: newEmail("cap"), name: "Cap", permissions: ["holds:write"] })
      .then(() => null)
      .catch((x: unknown) => x);
    expect(appErrorOf({ cause: e }).code).toBe("FORBIDDEN");
    await createTenantUser(readOnly, { email: newEmail("cap"), name: "Cap", permissions: ["holds:read"] });

    const nonAdmin = await w.caller([{ tenantId: w.tenantId, permissions: ["holds:read", "holds:write"] }]);
    await expectTrpcError(nonAdmin.users.create({ email: newEmail("x"), name: "X", permissions: [] }), "FORBIDDEN");
    await expectTrpcError(nonAdmin.users.list({}), "FORBIDDEN");
  });
});

describe("users.list, update, disable", () => {
  it("lists only the tenant's members, in pages", async () => {
    const other = await w.tenant("List other");
    await (await w.caller(other)).users.create({ email: newEmail("elsewhere"), name: "Elsewhere", permissions: [] });
    for (let i = 0; i < 3; i++) await w.api.users.create({ email: newEmail("page"), name: `P${i}`, permissions: [] });
    const all = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<Caller["users"]["list"]>> = await w.api.users.list({ cursor, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const members = await w.db
      .select()
      .from(schema.userMemberships)
      .where(eq(schema.userMemberships.tenantId, w.tenantId));
    expect(all.map((u) => u.locator).sort()).toEqual(members.map((m) => m.userId).sort());
    expect(all.some((u) => u.name === "Elsewhere")).toBe(false);
  });

  it("update changes name and permissions, checks the version, and is audited", async () => {
    const created = await w.api.users.create({ email: newEmail("upd"), name: "Before", permissions: ["holds:read"] });
    const updated = await w.api.users.update({
      locator: created.user.locator,
      name: "After",
      permissions: ["holds:read", "holds:write"],
      expectedVersion: created.user.version,
    });
    expect(updated).toMatchObject({ name: "After", permissions: ["holds:read", "holds:write"] });
    expect(updated.version).toBe(created.user.version + 1);
    await expectTrpcError(
      w.api.users.update({ locator: created.user.locator, name: "Stale", expectedVersion: created.user.version }),
      "CONFLICT",
    );
    const history = await w.api.audit.history({ entityType: "user", entityId: created.user.locator });
    expect(history.map((e) => e.action)).toEqual(["create", "update"]);
  });

  it("another tenant's user is NOT_FOUND for update, disable and resetLink, and stays unchanged", async () => {
    const other = await w.tenant("Foreign");
    const foreign = await (await w.caller(other)).users.create({ email: newEmail("f"), name: "F", permissions: [] });
    const before = await tableChecksum(w.db, "users");
    const locator = foreign.user.locator;
    await expectTrpcError(w.api.users.update({ locator, name: "Mine now" }), "NOT_FOUND");
    await expectTrpcError(w.api.users.disable({ locator }), "NOT_FOUND");
    await expectTrpcError(w.api.users.resetLink({ locator }), "NOT_FOUND");
    expect(await tableChecksum(w.db, "users")).toBe(before);
  });

  it("disabling ends the user's sessions at once, and they cannot sign in again", async () => {
    const member = await signedInUser(w.api, ["holds:read"]);
    const second = await w.anonymous.auth.signIn({ email: member.email, password: GOOD_PASSWORD });
    expect((await member.api.auth.me()).actor.name).toBe(member.email);
    const disabled = await w.api.users.disable({ locator: member.locator });
    expect(disabled.disabledAt).toBe(w.clock.now().toISOString());
    await expectTrpcError((await clientCaller(w, member.session.token)).auth.me(), "UNAUTHORIZED");
    await expectTrpcError((await clientCaller(w, second.token)).auth.me(), "UNAUTHORIZED");
    await expectTrpcError(w.anonymous.auth.signIn({ email: member.email, password: GOOD_PASSWORD }), "UNAUTHORIZED");
    const live = await w.db.select().from(schema.credentials).where(eq(schema.credentials.userId, member.locator));
    expect(live.every((c) => c.revokedAt !== null)).toBe(true);
    await expectTrpcError(w.api.users.resetLink({ locator: member.locator }), "BAD_REQUEST");
  });

  it("an admin cannot disable themself or take their own admin; a member of a tenant they do not administer is FORBIDDEN", async () => {
    const admin = await signedInUser(w.api);
    const self = await expectTrpcError(admin.api.users.disable({ locator: admin.locator }), "BAD_REQUEST");
    expect(rulesOf(issuesOfTrpcError(self))).toEqual([{ path: "locator", rule: "cannot_disable_self" }]);
    const own = await expectTrpcError(
      admin.api.users.update({ locator: admin.locator, permissions: ["holds:read"] }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(own))).toEqual([{ path: "permissions", rule: "cannot_remove_own_admin" }]);
    // Renaming themself is fine.
    await admin.api.users.update({ locator: admin.locator, name: "Still admin" });

    // A user who is also a member of a tenant this admin does not administer.
    const other = await w.tenant("Shared");
    const shared = await (await w.caller(other)).users.create({
      email: newEmail("shared"),
      name: "S",
      permissions: [],
    });
    await w.api.users.create({ email: shared.user.email, name: "S", permissions: [] });
    await expectTrpcError(admin.api.users.disable({ locator: shared.user.locator }), "FORBIDDEN");
    await expectTrpcError(admin.api.users.resetLink({ locator: shared.user.locator }), "FORBIDDEN");
  });
});

describe("password rules elsewhere", () => {
  it("provisioning refuses a short or breached password naming the field, and makes nothing", async () => {
    const before = await tableChecksum(w.db, "tenants");
    for (const [password, rule] of [
      ["elevenchars", "too_small"],
      ["qwerty123456", "breached_password"],
    ] as const) {
      const e = await provisionTenant(w.db, { name: "Refused", email: newEmail("prov"), password }, { clock: w.clock })
        .then(() => null)
        .catch((x: unknown) => x);
      expect(appErrorOf({ cause: e }).issues.map((i) => [i.path, i.rule])).toEqual([["password", rule]]);
    }
    expect(await tableChecksum(w.db, "tenants")).toBe(before);
  });

  it("the demo password meets the rules", () => {
    expect(() => checkNewPassword(DEMO_PASSWORD, "password")).not.toThrow();
  });
});
