/**
 * Dashboard sessions through the real router and database, on the injected
 * clock: the idle timeout (30 min by default, configurable) and the absolute
 * 12 h; auth.sessions lists the caller's own with client address and user
 * agent; signOutEverywhere; changePassword; auth events audited with the
 * credential id, client address and user agent, and no tenant.
 */
import { schema } from "@holdfast/db";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { issuesOfTrpcError, rulesOf } from "@holdfast/testing/issues";
import { and, asc, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { clientCaller, expectTrpcError, setupWorld, tableChecksum } from "./harness.ts";

const w = setupWorld({ tenantName: "Sessions tenant" });

const PASSWORD = "a long and unusual passphrase";
const MINUTE = 60_000;
const OFFICE = { clientIp: "203.0.113.7", userAgent: "Mozilla/5.0 (office)" };
const HOME = { clientIp: "198.51.100.9", userAgent: "Mozilla/5.0 (home)" };
let seq = 0;

const later = (ms: number) => w.clock.set(new Date(w.clock.now().getTime() + ms));

/** A fresh member with a password; their email. */
async function member() {
  const email = `session-${++seq}@sessions.test`;
  const created = await w.api.users.create({ email, name: "Session user", permissions: ALL_PERMISSIONS });
  const token = created.link?.path.split("#")[1] ?? "";
  await w.anonymous.auth.setPassword({ token, password: PASSWORD });
  return { email, locator: created.user.locator };
}

async function signIn(email: string, client = OFFICE, password = PASSWORD) {
  const { token, expiresAt } = await (await clientCaller(w, null, client)).auth.signIn({ email, password });
  if (!token) throw new Error("a sign-in without `cookie` answers with the token");
  return { token, expiresAt };
}

const meOf = async (secret: string, client = OFFICE, opts = {}) =>
  (await clientCaller(w, secret, client, opts)).auth.me();

describe("session timeouts", () => {
  it("a session unused for 30 minutes ends; used just before, it goes on", async () => {
    const { email } = await member();
    const session = await signIn(email);
    later(30 * MINUTE - 1000);
    expect((await meOf(session.token)).actor.name).toBe(email);
    later(30 * MINUTE - 1000);
    expect((await meOf(session.token)).actor.name).toBe(email);
    later(30 * MINUTE);
    await expectTrpcError(meOf(session.token), "UNAUTHORIZED");
    // Ended for good: using it again does not revive it.
    await expectTrpcError(meOf(session.token), "UNAUTHORIZED");
  });

  it("the idle timeout is configurable", async () => {
    const { email } = await member();
    const session = await signIn(email);
    later(5 * MINUTE);
    await expectTrpcError(meOf(session.token, OFFICE, { sessionIdleMs: 5 * MINUTE }), "UNAUTHORIZED");
    expect((await meOf(session.token)).actor.name).toBe(email);
  });

  it("a session ends 12 hours after sign-in even when used all along", async () => {
    const { email } = await member();
    const session = await signIn(email);
    for (let used = 0; used < 12 * 60 - 20; used += 20) {
      later(20 * MINUTE);
      expect((await meOf(session.token)).actor.name).toBe(email);
    }
    later(20 * MINUTE);
    await expectTrpcError(meOf(session.token), "UNAUTHORIZED");
  });

  it("last use is written at most once a minute", async () => {
    const { email } = await member();
    const session = await signIn(email);
    const lastUsed = async () => {
      const [c] = await w.db
        .select()
        .from(schema.credentials)
        .where(eq(schema.credentials.prefix, session.token.slice(0, 10)));
      return c?.lastUsedAt?.toISOString();
    };
    const signedInAt = w.clock.now().toISOString();
    later(59_000);
    await meOf(session.token);
    expect(await lastUsed()).toBe(signedInAt);
    later(1000);
    await meOf(session.token);
    expect(await lastUsed()).toBe(w.clock.now().toISOString());
  });
});

describe("auth.sessions and signOutEverywhere", () => {
  it("lists the caller's own live sessions with address, user agent and which is current", async () => {
    const { email } = await member();
    const other = await member();
    const office = await signIn(email, OFFICE);
    later(MINUTE);
    const home = await signIn(email, HOME);
    await signIn(other.email, HOME);
    const ended = await signIn(email, HOME);
    await (await clientCaller(w, ended.token, HOME)).auth.signOut();

    const sessions = await (await clientCaller(w, home.token, HOME)).auth.sessions();
    expect(sessions.map((s) => [s.prefix, s.clientIp, s.userAgent, s.current])).toEqual([
      [home.token.slice(0, 10), HOME.clientIp, HOME.userAgent, true],
      [office.token.slice(0, 10), OFFICE.clientIp, OFFICE.userAgent, false],
    ]);
    expect(sessions[1]?.expiresAt).toBe(office.expiresAt);
    // No secret in the answer.
    expect(JSON.stringify(sessions)).not.toContain(office.token);
    // An API token has no sessions.
    expect(await w.api.auth.sessions()).toEqual([]);
    expect(await w.api.auth.signOutEverywhere()).toEqual({ ended: 0 });
  });

  it("signOutEverywhere ends every session of the user, this one too, and no one else's", async () => {
    const { email } = await member();
    const other = await member();
    const a = await signIn(email, OFFICE);
    const b = await signIn(email, HOME);
    const theirs = await signIn(other.email, HOME);
    expect(await (await clientCaller(w, a.token, OFFICE)).auth.signOutEverywhere()).toEqual({ ended: 2 });
    await expectTrpcError(meOf(a.token), "UNAUTHORIZED");
    await expectTrpcError(meOf(b.token), "UNAUTHORIZED");
    expect((await meOf(theirs.token)).actor.name).toBe(other.email);
  });
});

describe("auth.changePassword", () => {
  it("needs the current password; the new one meets the rules; other sessions end", async () => {
    const { email, locator } = await member();
    const current = await signIn(email, OFFICE);
    const elsewhere = await signIn(email, HOME);
    const api = await clientCaller(w, current.token, OFFICE);
    const before = await tableChecksum(w.db, "users");

    const wrong = await expectTrpcError(
      api.auth.changePassword({ currentPassword: "not my password", newPassword: "another long passphrase" }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(wrong))).toEqual([{ path: "currentPassword", rule: "wrong_password" }]);
    for (const [newPassword, rule] of [
      ["too short", "too_small"],
      ["1q2w3e4r5t6y", "breached_password"],
    ] as const) {
      const err = await expectTrpcError(
        api.auth.changePassword({ currentPassword: PASSWORD, newPassword }),
        "BAD_REQUEST",
      );
      expect(rulesOf(issuesOfTrpcError(err))).toEqual([{ path: "newPassword", rule }]);
    }
    expect(await tableChecksum(w.db, "users")).toBe(before);
    expect((await meOf(elsewhere.token, HOME)).actor.name).toBe(email);

    expect(
      await api.auth.changePassword({ currentPassword: PASSWORD, newPassword: "another long passphrase" }),
    ).toEqual({ ok: true, endedSessions: 1 });
    expect((await meOf(current.token)).actor.name).toBe(email);
    await expectTrpcError(meOf(elsewhere.token, HOME), "UNAUTHORIZED");
    await expectTrpcError(signIn(email, OFFICE, PASSWORD), "UNAUTHORIZED");
    await signIn(email, OFFICE, "another long passphrase");

    const actions = await w.db
      .select({ action: schema.auditEvents.action })
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.entityId, locator))
      .orderBy(asc(schema.auditEvents.id));
    expect(actions.map((a) => a.action)).toContain("password_change");
    expect(actions.map((a) => a.action)).toContain("password_change_failed");
  });

  it("an API token has no password to change: FORBIDDEN", async () => {
    await expectTrpcError(
      w.api.auth.changePassword({ currentPassword: PASSWORD, newPassword: "another long passphrase" }),
      "FORBIDDEN",
    );
  });
});

describe("auth audit", () => {
  it("sign-in, failed sign-in and sign-out are recorded with credential, address and user agent, without a tenant", async () => {
    const { email, locator } = await member();
    await expectTrpcError(signIn(email, HOME, "not the password"), "UNAUTHORIZED");
    await expectTrpcError(signIn("nobody-at-all@sessions.test", HOME, "not the password"), "UNAUTHORIZED");
    const session = await signIn(email, OFFICE);
    await (await clientCaller(w, session.token, OFFICE)).auth.signOut();
    const [cred] = await w.db
      .select()
      .from(schema.credentials)
      .where(eq(schema.credentials.prefix, session.token.slice(0, 10)));
    const rows = await w.db
      .select()
      .from(schema.auditEvents)
      .where(and(isNull(schema.auditEvents.tenantId), eq(schema.auditEvents.entityId, locator)))
      .orderBy(asc(schema.auditEvents.id));
    expect(rows.map((r) => [r.action, r.credentialId, r.clientIp, r.userAgent])).toEqual([
      ["password_set", null, null, null],
      ["sign_in_failed", null, HOME.clientIp, HOME.userAgent],
      ["sign_in", cred?.id, OFFICE.clientIp, OFFICE.userAgent],
      ["sign_out", cred?.id, OFFICE.clientIp, OFFICE.userAgent],
    ]);
    expect(rows.find((r) => r.action === "sign_in")).toMatchObject({ actorType: "user", actorId: locator });
    expect(rows.find((r) => r.action === "sign_in_failed")).toMatchObject({ actorType: "anonymous" });
    const unknown = await w.db
      .select()
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.entityId, "nobody-at-all@sessions.test"));
    expect(unknown.map((r) => [r.entityType, r.action, r.tenantId, r.clientIp])).toEqual([
      ["sign_in", "sign_in_failed", null, HOME.clientIp],
    ]);
    expect(JSON.stringify(await w.db.select().from(schema.auditEvents))).not.toContain(session.token);
  });
});
