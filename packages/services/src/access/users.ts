import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError, isPermission, type Permission, permissionsExceeding, type UserOutput } from "@holdfast/domain";
import { and, asc, eq, gt, max, sql } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import { actorLabel, reader, type ServiceContext } from "../context.ts";
import { splitPage } from "../paging.ts";
import { createUser } from "./access.ts";
import { issuePasswordLink } from "./password-links.ts";
import { revokeSessions } from "./sessions.ts";

const u = schema.users;
const m = schema.userMemberships;

/** The permissions the acting credential holds in the context's tenant (every one when it acts on its own authority). */
function actingPermissions(ctx: ServiceContext): readonly string[] {
  if (!ctx.grants) return ["admin"];
  return ctx.grants.find((g) => g.tenantId === ctx.tenantId)?.permissions ?? [];
}

/** A user's permissions never exceed those of whoever grants them (FORBIDDEN). */
function assertGrantable(ctx: ServiceContext, wanted: readonly Permission[]) {
  const beyond = permissionsExceeding(actingPermissions(ctx), wanted);
  if (beyond.length) {
    throw new AppError("FORBIDDEN", `this caller cannot grant ${beyond.join(", ")}: it does not hold it`, {
      details: { permissions: beyond },
    });
  }
}

/**
 * Changing a user who is also a member of other tenants (disabling them,
 * issuing a set-password link) needs admin in every one of those tenants.
 */
async function assertAdminOfAllTenants(ctx: ServiceContext, db: DatabaseOrTransaction, userId: string) {
  if (!ctx.grants) return;
  const tenants = await db.select({ tenantId: m.tenantId }).from(m).where(eq(m.userId, userId));
  const admin = new Set(ctx.grants.filter((g) => g.permissions.includes("admin")).map((g) => g.tenantId));
  if (tenants.some((t) => !admin.has(t.tenantId))) {
    throw new AppError(
      "FORBIDDEN",
      "this user is also a member of a tenant this caller does not administer; only an admin of all of them may do this",
    );
  }
}

function userQuery(db: DatabaseOrTransaction, tenantId: string) {
  const lastSignIn = db
    .select({ userId: schema.credentials.userId, at: max(schema.credentials.createdAt).as("last_sign_in_at") })
    .from(schema.credentials)
    .where(eq(schema.credentials.kind, "session"))
    .groupBy(schema.credentials.userId)
    .as("last_sign_in");
  return db
    .select({ user: u, permissions: m.permissions, lastSignInAt: lastSignIn.at })
    .from(m)
    .innerJoin(u, eq(u.id, m.userId))
    .leftJoin(lastSignIn, eq(lastSignIn.userId, u.id))
    .where(eq(m.tenantId, tenantId))
    .$dynamic();
}

type UserRow = Awaited<ReturnType<typeof userQuery>>[number];

function toUserOutput(r: UserRow): UserOutput {
  const x = r.user;
  return {
    locator: x.id,
    email: x.email,
    name: x.name,
    permissions: r.permissions,
    createdAt: x.createdAt.toISOString(),
    createdBy: x.createdBy,
    disabledAt: x.disabledAt?.toISOString() ?? null,
    hasPassword: x.passwordHash !== null,
    lastSignInAt: r.lastSignInAt ? new Date(r.lastSignInAt).toISOString() : null,
    version: x.version,
  };
}

/** A member of the context's tenant; another tenant's user, like an unknown one, is NOT_FOUND. */
async function memberOf(ctx: ServiceContext, db: DatabaseOrTransaction, locator: string, lock = false) {
  const q = userQuery(db, ctx.tenantId).where(and(eq(m.tenantId, ctx.tenantId), eq(u.id, locator)));
  const [row] = lock ? await q.for("update", { of: u }) : await q;
  if (!row) throw AppError.notFound("user", locator);
  return row;
}

/**
 * Adds a user to the context's tenant. A new email makes a user without a
 * password and returns a one-time set-password link. An email that already
 * has a user adds them to this tenant with these permissions, and no link
 * (their password, or the link they were given, stays theirs; an admin of
 * all their tenants can issue one with `resetUserLink`). An email that is
 * already a member of this tenant is BAD_REQUEST (`email_taken`).
 */
export async function createTenantUser(
  ctx: ServiceContext,
  input: { email: string; name: string; permissions: Permission[] },
) {
  assertGrantable(ctx, input.permissions);
  const email = input.email.toLowerCase();
  const permissions = [...new Set(input.permissions)];
  return ctx.db.transaction(async (tx) => {
    const [existing] = await tx.select().from(u).where(eq(u.email, email));
    let userId: string;
    let link: { path: string; expiresAt: string } | null = null;
    if (existing) {
      const [member] = await tx
        .select()
        .from(m)
        .where(and(eq(m.userId, existing.id), eq(m.tenantId, ctx.tenantId)));
      if (member) {
        throw AppError.badRequest([
          { path: "email", rule: "email_taken", message: "a user with this email is already a member of this tenant" },
        ]);
      }
      userId = existing.id;
      await tx.insert(m).values({ userId, tenantId: ctx.tenantId, permissions });
    } else {
      const now = ctx.clock.now();
      userId = (
        await createUser(tx, {
          email,
          name: input.name,
          memberships: [{ tenantId: ctx.tenantId, permissions }],
          createdBy: actorLabel(ctx.actor),
          now,
        })
      ).id;
      link = await issuePasswordLink(tx, ctx, userId);
    }
    const user = toUserOutput(await memberOf(ctx, tx, userId));
    await recordAudit(tx, ctx, {
      tenantId: ctx.tenantId,
      entityType: "user",
      entityId: userId,
      action: existing ? "add_member" : "create",
      before: null,
      after: { email, name: user.name, permissions },
    });
    return { user, link };
  });
}

/** The tenant's members, in creation order, one page at a time. */
export async function listUsers(ctx: ServiceContext, input: { cursor?: string | null | undefined; limit: number }) {
  const rows = await userQuery(reader(ctx), ctx.tenantId)
    .where(and(eq(m.tenantId, ctx.tenantId), input.cursor ? gt(u.id, input.cursor) : undefined))
    .orderBy(asc(u.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit, (r) => r.user.id);
  return { items: page.map(toUserOutput), nextCursor };
}

/**
 * Changes a member's name or their permissions in this tenant. Permissions
 * never exceed the caller's own; an admin cannot take admin from themself.
 */
export async function updateUser(
  ctx: ServiceContext,
  input: {
    locator: string;
    name?: string | undefined;
    permissions?: Permission[] | undefined;
    expectedVersion?: number;
  },
) {
  const permissions = input.permissions ? [...new Set(input.permissions)] : undefined;
  if (permissions) assertGrantable(ctx, permissions);
  if (permissions && ctx.actor.type === "user" && ctx.actor.id === input.locator && !permissions.includes("admin")) {
    throw AppError.badRequest([
      { path: "permissions", rule: "cannot_remove_own_admin", message: "an admin cannot take admin from themself" },
    ]);
  }
  return ctx.db.transaction(async (tx) => {
    const before = await memberOf(ctx, tx, input.locator, true);
    if (input.expectedVersion !== undefined && input.expectedVersion !== before.user.version) {
      throw AppError.staleVersion({
        entity: "user",
        locator: input.locator,
        currentVersion: before.user.version,
        expectedVersion: input.expectedVersion,
      });
    }
    if (permissions) {
      // Nor may a caller change the permissions of a user who holds more than it does.
      assertGrantable(ctx, before.permissions.filter(isPermission));
      await tx
        .update(m)
        .set({ permissions })
        .where(and(eq(m.userId, input.locator), eq(m.tenantId, ctx.tenantId)));
    }
    await tx
      .update(u)
      .set({ name: input.name ?? before.user.name, updatedAt: ctx.clock.now(), version: sql`${u.version} + 1` })
      .where(eq(u.id, input.locator));
    const after = await memberOf(ctx, tx, input.locator);
    await recordAudit(tx, ctx, {
      tenantId: ctx.tenantId,
      entityType: "user",
      entityId: input.locator,
      action: "update",
      before: { name: before.user.name, permissions: before.permissions },
      after: { name: after.user.name, permissions: after.permissions },
    });
    return toUserOutput(after);
  });
}

/**
 * Disables a member: they can no longer sign in, and every session of theirs
 * ends at once. An admin cannot disable themself; a user who is also a
 * member elsewhere needs an admin of all their tenants.
 */
export async function disableUser(ctx: ServiceContext, input: { locator: string }) {
  if (ctx.actor.type === "user" && ctx.actor.id === input.locator) {
    throw AppError.badRequest([
      { path: "locator", rule: "cannot_disable_self", message: "an admin cannot disable themself" },
    ]);
  }
  return ctx.db.transaction(async (tx) => {
    const before = await memberOf(ctx, tx, input.locator, true);
    await assertAdminOfAllTenants(ctx, tx, input.locator);
    const now = ctx.clock.now();
    if (!before.user.disabledAt) {
      await tx
        .update(u)
        .set({ disabledAt: now, updatedAt: now, version: sql`${u.version} + 1` })
        .where(eq(u.id, input.locator));
    }
    const ended = await revokeSessions(tx, now, input.locator);
    await recordAudit(tx, ctx, {
      tenantId: ctx.tenantId,
      entityType: "user",
      entityId: input.locator,
      action: "disable",
      before: { disabledAt: before.user.disabledAt?.toISOString() ?? null },
      after: { disabledAt: (before.user.disabledAt ?? now).toISOString(), endedSessions: ended.length },
    });
    return toUserOutput(await memberOf(ctx, tx, input.locator));
  });
}

/**
 * A new one-time set-password link for a member (earlier unused ones stop
 * working). Needs an admin of all the user's tenants, since whoever holds
 * the link can act as the user everywhere.
 */
export async function resetUserLink(ctx: ServiceContext, input: { locator: string }) {
  return ctx.db.transaction(async (tx) => {
    const row = await memberOf(ctx, tx, input.locator, true);
    await assertAdminOfAllTenants(ctx, tx, input.locator);
    if (row.user.disabledAt) {
      throw AppError.badRequest([
        { path: "locator", rule: "user_disabled", message: "a disabled user cannot be given a set-password link" },
      ]);
    }
    const link = await issuePasswordLink(tx, ctx, input.locator);
    await recordAudit(tx, ctx, {
      tenantId: ctx.tenantId,
      entityType: "user",
      entityId: input.locator,
      action: "issue_password_link",
      before: null,
      after: { expiresAt: link.expiresAt },
    });
    return link;
  });
}
