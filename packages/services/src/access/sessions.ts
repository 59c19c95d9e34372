import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError } from "@holdfast/domain";
import { and, desc, eq, gt, isNull, ne, or } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import { type ActingContext, type Actor, actorLabel } from "../context.ts";
import { newLocator } from "../ids.ts";
import { hashSecret, newSecret, SESSION_IDLE_MS, SESSION_TTL_MS } from "./access.ts";
import { checkNewPassword, hashPassword, verifyPassword } from "./passwords.ts";
import { assertNotThrottled, clearSignInFailures, recordSignInFailure, signInKeys } from "./sign-in-throttles.ts";

/** What a request tells about its client is kept this long at most. */
const CLIENT_FIELD_MAX = { ip: 64, userAgent: 512 } as const;

const userActor = (user: { id: string; email: string }): Actor => ({ type: "user", id: user.id, name: user.email });

/** The signed-in user a use case acts for: a session's actor. An API token has no password and no sessions. */
function sessionUserId(ctx: ActingContext): string | null {
  return ctx.actor.type === "user" ? ctx.actor.id : null;
}

/**
 * Dashboard sign-in. Failed attempts are throttled per email and per client
 * address: while a key is blocked every attempt, the right password too, is
 * refused with TOO_MANY_REQUESTS. Every attempt is audited (no tenant: a
 * user may belong to several), with the client's address and user agent.
 */
export async function signIn(ctx: ActingContext, input: { email: string; password: string }) {
  const now = ctx.clock.now();
  const email = input.email.toLowerCase();
  const keys = signInKeys(email, ctx.clientIp);
  const [user] = await ctx.db.select().from(schema.users).where(eq(schema.users.email, email));
  const attempt = { tenantId: null, entityType: user ? "user" : "sign_in", entityId: user?.id ?? email, before: null };
  try {
    await assertNotThrottled(
      ctx.db,
      keys.map((k) => k.key),
      now,
    );
  } catch (e) {
    await recordAudit(ctx.db, ctx, { ...attempt, action: "sign_in_throttled", after: { email } });
    throw e;
  }
  // An unknown email, a user without a password and a disabled user get the same answer as a wrong password.
  const ok = (await verifyPassword(user?.passwordHash, input.password)) && !user?.disabledAt;
  if (!user || !ok) {
    await ctx.db.transaction(async (tx) => {
      await recordSignInFailure(tx, keys, now);
      await recordAudit(tx, ctx, { ...attempt, action: "sign_in_failed", after: { email } });
    });
    throw new AppError("UNAUTHORIZED", "email or password is wrong");
  }
  const secret = newSecret("session");
  const id = newLocator();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await ctx.db.transaction(async (tx) => {
    await tx.insert(schema.credentials).values({
      id,
      kind: "session",
      name: `session for ${user.email}`,
      secretHash: hashSecret(secret),
      prefix: secret.slice(0, 10),
      userId: user.id,
      createdAt: now,
      createdBy: actorLabel(userActor(user)),
      lastUsedAt: now,
      expiresAt,
      clientIp: ctx.clientIp?.slice(0, CLIENT_FIELD_MAX.ip) ?? null,
      userAgent: ctx.userAgent?.slice(0, CLIENT_FIELD_MAX.userAgent) ?? null,
    });
    await clearSignInFailures(tx, email);
    await recordAudit(
      tx,
      { ...ctx, actor: userActor(user) },
      { ...attempt, action: "sign_in", credentialId: id, after: { sessionPrefix: secret.slice(0, 10) } },
    );
  });
  return { token: secret, expiresAt: expiresAt.toISOString() };
}

/** Ends the caller's own session (an API token is not ended this way). */
export async function signOut(ctx: ActingContext) {
  const userId = sessionUserId(ctx);
  if (!userId || !ctx.credentialId) return { ok: true };
  await ctx.db.transaction(async (tx) => {
    const ended = await revokeSessions(tx, ctx.clock.now(), userId, { only: ctx.credentialId ?? undefined });
    if (ended.length) {
      await recordAudit(tx, ctx, {
        tenantId: null,
        entityType: "user",
        entityId: userId,
        action: "sign_out",
        before: null,
        after: null,
      });
    }
  });
  return { ok: true };
}

/**
 * Revokes a user's live sessions (all, all but one, or only one) and
 * returns their ids. Used by sign-out, password changes and disabling.
 */
export async function revokeSessions(
  db: DatabaseOrTransaction,
  now: Date,
  userId: string,
  which: { only?: string; except?: string } = {},
): Promise<string[]> {
  const c = schema.credentials;
  const rows = await db
    .update(c)
    .set({ revokedAt: now })
    .where(
      and(
        eq(c.userId, userId),
        eq(c.kind, "session"),
        isNull(c.revokedAt),
        which.only ? eq(c.id, which.only) : undefined,
        which.except ? ne(c.id, which.except) : undefined,
      ),
    )
    .returning({ id: c.id });
  return rows.map((r) => r.id);
}

/** The caller's own live sessions, newest first (at most 100). An API token has none. */
export async function listSessions(ctx: ActingContext, input: { idleMs?: number | undefined } = {}) {
  const userId = sessionUserId(ctx);
  if (!userId) return [];
  const now = ctx.clock.now();
  const c = schema.credentials;
  const idleSince = new Date(now.getTime() - (input.idleMs ?? SESSION_IDLE_MS));
  const rows = await ctx.db
    .select()
    .from(c)
    .where(
      and(
        eq(c.userId, userId),
        eq(c.kind, "session"),
        isNull(c.revokedAt),
        or(isNull(c.expiresAt), gt(c.expiresAt, now)),
        gt(c.lastUsedAt, idleSince),
      ),
    )
    .orderBy(desc(c.createdAt), desc(c.id))
    .limit(100);
  return rows.map((r) => ({
    id: r.id,
    prefix: r.prefix,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    clientIp: r.clientIp,
    userAgent: r.userAgent,
    current: r.id === ctx.credentialId,
  }));
}

/** Ends every session of the caller's user, this one included. */
export async function signOutEverywhere(ctx: ActingContext) {
  const userId = sessionUserId(ctx);
  if (!userId) return { ended: 0 };
  return ctx.db.transaction(async (tx) => {
    const ended = await revokeSessions(tx, ctx.clock.now(), userId);
    await recordAudit(tx, ctx, {
      tenantId: null,
      entityType: "user",
      entityId: userId,
      action: "sign_out_everywhere",
      before: null,
      after: { endedSessions: ended.length },
    });
    return { ended: ended.length };
  });
}

/**
 * The signed-in user changes their password: the current one must be right
 * (a wrong one counts as a failed sign-in, so it is throttled the same way),
 * the new one meets the password rules. Their other sessions end.
 */
export async function changePassword(ctx: ActingContext, input: { currentPassword: string; newPassword: string }) {
  const userId = sessionUserId(ctx);
  if (!userId) throw new AppError("FORBIDDEN", "only a signed-in user has a password to change");
  const now = ctx.clock.now();
  const [user] = await ctx.db.select().from(schema.users).where(eq(schema.users.id, userId));
  if (!user) throw new AppError("UNAUTHORIZED", "a valid bearer token is required");
  const keys = signInKeys(user.email, ctx.clientIp);
  await assertNotThrottled(
    ctx.db,
    keys.map((k) => k.key),
    now,
  );
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await ctx.db.transaction(async (tx) => {
      await recordSignInFailure(tx, keys, now);
      await recordAudit(tx, ctx, {
        tenantId: null,
        entityType: "user",
        entityId: user.id,
        action: "password_change_failed",
        before: null,
        after: null,
      });
    });
    throw AppError.badRequest([{ path: "currentPassword", rule: "wrong_password", message: "is not your password" }]);
  }
  checkNewPassword(input.newPassword, "newPassword");
  const passwordHash = await hashPassword(input.newPassword);
  return ctx.db.transaction(async (tx) => {
    await tx
      .update(schema.users)
      .set({ passwordHash, passwordChangedAt: now, updatedAt: now, version: user.version + 1 })
      .where(eq(schema.users.id, user.id));
    const ended = await revokeSessions(tx, now, user.id, { except: ctx.credentialId ?? undefined });
    await recordAudit(tx, ctx, {
      tenantId: null,
      entityType: "user",
      entityId: user.id,
      action: "password_change",
      before: null,
      after: { endedSessions: ended.length },
    });
    return { ok: true, endedSessions: ended.length };
  });
}
