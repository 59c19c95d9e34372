import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import {
  AppError,
  type CreatedTokenOutput,
  type CreateTokenInput,
  type ListTokensInput,
  type Permission,
  type RevokeTokenInput,
  type RolledTokenOutput,
  type RollTokenInput,
  TOKEN_ROLL_DEFAULT_OVERLAP_MS,
  TOKEN_ROLL_MAX_OVERLAP_MS,
  type TokenOutput,
  type TokenPageOutput,
} from "@holdfast/domain";
import { and, desc, eq, lt } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import { type ActingContext, type Actor, actorLabel } from "../context.ts";
import { splitPage } from "../paging.ts";
import {
  type CredentialRow,
  createApiToken,
  loadTokenGrants,
  lockTenantToken,
  requireAdminOver,
  requireGrantable,
  type TokenAdminContext,
  type TokenGrantRow,
  tokenAuditView,
  toTokenOutput,
} from "./token-store.ts";

export type { TokenAdminContext } from "./token-store.ts";
export { createApiToken } from "./token-store.ts";

/** Who the operator commands (`holdfast create-token`, `revoke-token`, `create-tenant`) act as. */
export const CLI_ACTOR: Actor = { type: "system", id: "cli", name: "holdfast CLI" };

/** One audit event per tenant the token is bound to, each with that tenant's view of it. */
async function auditToken(
  tx: DatabaseOrTransaction,
  ctx: ActingContext,
  action: string,
  grants: readonly TokenGrantRow[],
  before: CredentialRow | null,
  after: CredentialRow,
  extra: Record<string, unknown> = {},
) {
  for (const g of grants) {
    await recordAudit(tx, ctx, {
      tenantId: g.tenantId,
      entityType: "token",
      entityId: after.id,
      action,
      before: before ? tokenAuditView(before, g) : null,
      after: { ...tokenAuditView(after, g), ...extra },
    });
  }
}

function futureInstant(path: string, value: string, now: Date, max?: { ms: number; what: string }): Date {
  const at = new Date(value);
  if (at.getTime() <= now.getTime()) {
    throw AppError.badRequest([{ path, rule: "future", message: `must be after ${now.toISOString()}` }]);
  }
  if (max && at.getTime() > now.getTime() + max.ms) {
    throw AppError.badRequest([{ path, rule: "max_overlap", message: `must be at most ${max.what} from now` }]);
  }
  return at;
}

async function readToken(tx: DatabaseOrTransaction, id: string): Promise<CredentialRow> {
  const [row] = await tx.select().from(schema.credentials).where(eq(schema.credentials.id, id));
  if (!row) throw AppError.notFound("token", id);
  return row;
}

/**
 * A new API token with the same permissions in each tenant named (default:
 * the scoped tenant). The caller needs `admin` and each permission in every
 * one of them. The secret is in the answer and nowhere else.
 */
export async function createToken(ctx: TokenAdminContext, input: CreateTokenInput): Promise<CreatedTokenOutput> {
  const now = ctx.clock.now();
  const tenantIds = input.tenantLocators ?? [ctx.tenantId];
  const permissions: Permission[] = input.permissions;
  requireGrantable(ctx, tenantIds, permissions);
  const expiresAt = input.expiresAt === undefined ? null : futureInstant("expiresAt", input.expiresAt, now);
  return ctx.db.transaction(async (tx) => {
    const made = await createApiToken(tx, {
      name: input.name,
      grants: tenantIds.map((tenantId) => ({ tenantId, permissions })),
      expiresAt,
      createdBy: actorLabel(ctx.actor),
      createdAt: now,
    });
    const cred = await readToken(tx, made.id);
    const grants = await loadTokenGrants(tx, [made.id]);
    await auditToken(tx, ctx, "create", grants, null, cred);
    return { ...toTokenOutput(ctx, cred, grants), secret: made.secret };
  });
}

/** The API tokens with a grant in the scoped tenant, newest first, a page at a time. */
export async function listTokens(ctx: TokenAdminContext, input: ListTokensInput): Promise<TokenPageOutput> {
  const c = schema.credentials;
  const rows = await ctx.db
    .select({ cred: c })
    .from(c)
    .innerJoin(
      schema.tokenGrants,
      and(eq(schema.tokenGrants.credentialId, c.id), eq(schema.tokenGrants.tenantId, ctx.tenantId)),
    )
    .where(and(eq(c.kind, "api_token"), input.cursor ? lt(c.id, input.cursor) : undefined))
    .orderBy(desc(c.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit, (r) => r.cred.id);
  const grants = await loadTokenGrants(
    ctx.db,
    page.map((r) => r.cred.id),
  );
  return { items: page.map((r) => toTokenOutput(ctx, r.cred, grants)), nextCursor };
}

async function revokeLocked(
  tx: DatabaseOrTransaction,
  ctx: ActingContext,
  cred: CredentialRow,
  grants: readonly TokenGrantRow[],
): Promise<CredentialRow> {
  if (cred.revokedAt) return cred;
  const [after] = await tx
    .update(schema.credentials)
    .set({ revokedAt: ctx.clock.now() })
    .where(eq(schema.credentials.id, cred.id))
    .returning();
  if (!after) throw AppError.notFound("token", cred.id);
  await auditToken(tx, ctx, "revoke", grants, cred, after);
  return after;
}

/**
 * Revokes a token of the scoped tenant at once, on every route. Needs
 * `admin` in every tenant it is bound to. Revoking a revoked token changes nothing.
 */
export async function revokeToken(ctx: TokenAdminContext, input: RevokeTokenInput): Promise<TokenOutput> {
  return ctx.db.transaction(async (tx) => {
    const { cred, grants } = await lockTenantToken(tx, ctx, input.locator);
    requireAdminOver(ctx, grants);
    return toTokenOutput(ctx, await revokeLocked(tx, ctx, cred, grants), grants);
  });
}

/**
 * A new secret for a token: a new credential with the same name, grants and
 * expiry. The old secret keeps working until `overlapUntil` (default 24 h
 * from now, at most 7 days), then stops; it records what it was rolled into.
 */
export async function rollToken(ctx: TokenAdminContext, input: RollTokenInput): Promise<RolledTokenOutput> {
  const now = ctx.clock.now();
  const overlapUntil =
    input.overlapUntil === undefined
      ? new Date(now.getTime() + TOKEN_ROLL_DEFAULT_OVERLAP_MS)
      : futureInstant("overlapUntil", input.overlapUntil, now, { ms: TOKEN_ROLL_MAX_OVERLAP_MS, what: "7 days" });
  return ctx.db.transaction(async (tx) => {
    const { cred, grants } = await lockTenantToken(tx, ctx, input.locator);
    requireAdminOver(ctx, grants);
    const refuse = (why: string) =>
      new AppError("INVALID_TRANSITION", `token ${cred.id} ${why} and cannot be rolled`, {
        details: { entity: "token", locator: cred.id },
      });
    if (cred.revokedAt) throw refuse("is revoked");
    if (cred.expiresAt && cred.expiresAt <= now) throw refuse("has expired");
    if (cred.rolledInto) throw refuse(`was rolled into ${cred.rolledInto} already`);
    const made = await createApiToken(tx, {
      name: cred.name,
      grants: grants.map((g) => ({ tenantId: g.tenantId, permissions: g.permissions as Permission[] })),
      expiresAt: cred.expiresAt,
      createdBy: actorLabel(ctx.actor),
      createdAt: now,
    });
    const oldEnd = cred.expiresAt && cred.expiresAt < overlapUntil ? cred.expiresAt : overlapUntil;
    const [previous] = await tx
      .update(schema.credentials)
      .set({ expiresAt: oldEnd, rolledInto: made.id })
      .where(eq(schema.credentials.id, cred.id))
      .returning();
    if (!previous) throw AppError.notFound("token", cred.id);
    const next = await readToken(tx, made.id);
    const nextGrants = await loadTokenGrants(tx, [made.id]);
    await auditToken(tx, ctx, "roll", grants, cred, previous);
    await auditToken(tx, ctx, "create", nextGrants, null, next, { rolledFrom: cred.id });
    return {
      ...toTokenOutput(ctx, next, nextGrants),
      secret: made.secret,
      previous: toTokenOutput(ctx, previous, grants),
    };
  });
}

/** The operator's context in one tenant (as if `admin` there); NOT_FOUND for an unknown tenant. */
export async function operatorTokenContext(acting: ActingContext, tenantId: string): Promise<TokenAdminContext> {
  const [tenant] = await acting.db.select().from(schema.tenants).where(eq(schema.tenants.id, tenantId));
  if (!tenant) throw AppError.notFound("tenant", tenantId);
  return { ...acting, tenantId, grants: [{ tenantId, tenantName: tenant.name, permissions: ["admin"] }] };
}

/** The operator's `revoke-token PREFIX`: the one API token with that prefix, in whichever tenants. */
export async function revokeTokenByPrefix(acting: ActingContext, prefix: string) {
  return acting.db.transaction(async (tx) => {
    const found = await tx
      .select()
      .from(schema.credentials)
      .where(and(eq(schema.credentials.prefix, prefix), eq(schema.credentials.kind, "api_token")))
      .for("update");
    const [cred] = found;
    if (!cred) throw AppError.notFound("token", prefix);
    if (found.length > 1) {
      throw AppError.badRequest([
        { path: "prefix", rule: "ambiguous", message: `${found.length} tokens have this prefix; revoke by locator` },
      ]);
    }
    const grants = await loadTokenGrants(tx, [cred.id]);
    const after = await revokeLocked(tx, acting, cred, grants);
    return { locator: after.id, name: after.name, prefix: after.prefix, revokedAt: after.revokedAt?.toISOString() };
  });
}
