import { randomBytes } from "node:crypto";
import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError } from "@holdfast/domain";
import { and, eq, gt, isNull } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import { type ActingContext, actorLabel } from "../context.ts";
import { newLocator } from "../ids.ts";
import { hashSecret } from "./access.ts";
import { checkNewPassword, hashPassword } from "./passwords.ts";
import { revokeSessions } from "./sessions.ts";

/** How long a set-password link works. */
export const PASSWORD_LINK_TTL_MS = 72 * 60 * 60 * 1000;

/**
 * A new one-time set-password link for a user; the user's earlier unused
 * links stop working. The secret sits after `#` so that it never reaches a
 * server log or a Referer header; only its hash is stored.
 */
export async function issuePasswordLink(tx: DatabaseOrTransaction, ctx: ActingContext, userId: string) {
  const now = ctx.clock.now();
  const l = schema.passwordLinks;
  await tx
    .update(l)
    .set({ expiresAt: now })
    .where(and(eq(l.userId, userId), isNull(l.usedAt), gt(l.expiresAt, now)));
  const secret = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + PASSWORD_LINK_TTL_MS);
  await tx.insert(l).values({
    id: newLocator(),
    userId,
    secretHash: hashSecret(secret),
    createdBy: actorLabel(ctx.actor),
    createdAt: now,
    expiresAt,
  });
  return { path: `/set-password#${secret}`, expiresAt: expiresAt.toISOString() };
}

const invalidLink = () =>
  AppError.badRequest([
    { path: "token", rule: "invalid_link", message: "this set-password link is unknown, used or expired" },
  ]);

/**
 * Redeems a set-password link, once: the password must meet the password
 * rules (a refused password leaves the link unused). The user's sessions,
 * if any, end.
 */
export async function setPassword(ctx: ActingContext, input: { token: string; password: string }) {
  checkNewPassword(input.password, "password");
  const now = ctx.clock.now();
  const passwordHash = await hashPassword(input.password);
  const l = schema.passwordLinks;
  return ctx.db.transaction(async (tx) => {
    // Marking the link used is the check: of two requests that cross, one finds it already used.
    const [link] = await tx
      .update(l)
      .set({ usedAt: now })
      .where(and(eq(l.secretHash, hashSecret(input.token)), isNull(l.usedAt), gt(l.expiresAt, now)))
      .returning({ userId: l.userId });
    if (!link) throw invalidLink();
    const [user] = await tx
      .update(schema.users)
      .set({ passwordHash, passwordChangedAt: now, updatedAt: now })
      .where(and(eq(schema.users.id, link.userId), isNull(schema.users.disabledAt)))
      .returning({ id: schema.users.id, email: schema.users.email });
    if (!user) throw invalidLink();
    const ended = await revokeSessions(tx, now, user.id);
    await recordAudit(
      tx,
      { ...ctx, actor: { type: "user", id: user.id, name: user.email } },
      {
        tenantId: null,
        entityType: "user",
        entityId: user.id,
        action: "password_set",
        before: null,
        after: { endedSessions: ended.length },
      },
    );
    return { ok: true, email: user.email };
  });
}
