import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError, hasPermission, type Permission, type TokenOutput } from "@holdfast/domain";
import { and, eq, inArray } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { newLocator } from "../ids.ts";
import { type Grant, hashSecret, newSecret } from "./access.ts";

/** What an admin's token use cases take: the tenant the call is scoped to, and every grant the caller holds. */
export interface TokenAdminContext extends ServiceContext {
  grants: readonly Grant[];
}

export type CredentialRow = typeof schema.credentials.$inferSelect;
export interface TokenGrantRow {
  credentialId: string;
  tenantId: string;
  tenantName: string;
  permissions: string[];
}

/** Creates an API token bound to one or several tenants. The secret is returned once and never stored. */
export async function createApiToken(
  db: DatabaseOrTransaction,
  input: {
    name: string;
    grants: { tenantId: string; permissions: Permission[] }[];
    expiresAt?: Date | null;
    createdBy?: string | null;
    createdAt?: Date;
  },
) {
  if (input.grants.length === 0) {
    throw AppError.badRequest([{ path: "grants", rule: "required", message: "a token needs at least one tenant" }]);
  }
  const secret = newSecret("api_token");
  const id = newLocator();
  await db.insert(schema.credentials).values({
    id,
    kind: "api_token",
    name: input.name,
    secretHash: hashSecret(secret),
    prefix: secret.slice(0, 10),
    expiresAt: input.expiresAt ?? null,
    createdBy: input.createdBy ?? null,
    ...(input.createdAt ? { createdAt: input.createdAt } : {}),
  });
  await db.insert(schema.tokenGrants).values(input.grants.map((g) => ({ credentialId: id, ...g })));
  return { id, secret };
}

/** The grants of these tokens, with their tenants' names. */
export async function loadTokenGrants(db: DatabaseOrTransaction, ids: readonly string[]): Promise<TokenGrantRow[]> {
  if (ids.length === 0) return [];
  return db
    .select({
      credentialId: schema.tokenGrants.credentialId,
      tenantId: schema.tokenGrants.tenantId,
      tenantName: schema.tenants.name,
      permissions: schema.tokenGrants.permissions,
    })
    .from(schema.tokenGrants)
    .innerJoin(schema.tenants, eq(schema.tenants.id, schema.tokenGrants.tenantId))
    .where(inArray(schema.tokenGrants.credentialId, [...ids]))
    .orderBy(schema.tokenGrants.tenantId);
}

/**
 * An API token with a grant in the context's tenant, locked for the change,
 * and all its grants. Another tenant's token, a session or an unknown
 * locator: NOT_FOUND, alike.
 */
export async function lockTenantToken(tx: DatabaseOrTransaction, ctx: ServiceContext, locator: string) {
  const [row] = await tx
    .select({ cred: schema.credentials })
    .from(schema.credentials)
    .innerJoin(
      schema.tokenGrants,
      and(eq(schema.tokenGrants.credentialId, schema.credentials.id), eq(schema.tokenGrants.tenantId, ctx.tenantId)),
    )
    .where(and(eq(schema.credentials.id, locator), eq(schema.credentials.kind, "api_token")))
    .for("update", { of: schema.credentials });
  if (!row) throw AppError.notFound("token", locator);
  return { cred: row.cred, grants: await loadTokenGrants(tx, [locator]) };
}

const forbidden = (permission: string, where: string) =>
  new AppError("FORBIDDEN", `this caller lacks the ${permission} permission in ${where}`, {
    details: { permission },
  });

/**
 * Changing a token needs `admin` in every tenant it is bound to. A tenant of
 * the token the caller is not bound to is not named.
 */
export function requireAdminOver(ctx: TokenAdminContext, grants: readonly { tenantId: string }[]): void {
  for (const g of grants) {
    const mine = ctx.grants.find((m) => m.tenantId === g.tenantId);
    if (!mine) throw forbidden("admin", "another tenant this token is bound to");
    if (!hasPermission(mine.permissions, "admin")) throw forbidden("admin", `tenant ${g.tenantId}`);
  }
}

/**
 * Granting these permissions in these tenants: the caller must hold each of
 * them there (a token never grants more than its creator holds), and
 * `admin` too. A tenant the caller is not bound to: NOT_FOUND, like any foreign tenant.
 */
export function requireGrantable(ctx: TokenAdminContext, tenantIds: readonly string[], permissions: Permission[]) {
  for (const tenantId of tenantIds) {
    const mine = ctx.grants.find((m) => m.tenantId === tenantId);
    if (!mine) throw AppError.notFound("tenant", tenantId);
    for (const p of permissions) {
      if (!hasPermission(mine.permissions, p)) throw forbidden(p, `tenant ${tenantId}, so cannot grant it`);
    }
    if (!hasPermission(mine.permissions, "admin")) throw forbidden("admin", `tenant ${tenantId}`);
  }
}

/** A token as listed to this caller: the tenants of it the caller is bound to, never its secret or hash. */
export function toTokenOutput(
  ctx: TokenAdminContext,
  cred: CredentialRow,
  grants: readonly TokenGrantRow[],
): TokenOutput {
  const own = grants.filter((g) => g.credentialId === cred.id);
  const visible = own.filter((g) => ctx.grants.some((m) => m.tenantId === g.tenantId));
  return {
    locator: cred.id,
    name: cred.name,
    prefix: cred.prefix,
    permissions: own.find((g) => g.tenantId === ctx.tenantId)?.permissions ?? [],
    tenants: visible.map((g) => ({ tenantLocator: g.tenantId, name: g.tenantName, permissions: g.permissions })),
    createdBy: cred.createdBy,
    createdAt: cred.createdAt.toISOString(),
    expiresAt: cred.expiresAt?.toISOString() ?? null,
    lastUsedAt: cred.lastUsedAt?.toISOString() ?? null,
    revokedAt: cred.revokedAt?.toISOString() ?? null,
    rolledInto: cred.rolledInto,
  };
}

/** What an audit event of a token holds, per tenant: never its secret or hash, nor its other tenants. */
export function tokenAuditView(cred: CredentialRow, grant: { permissions: string[] } | undefined) {
  return {
    name: cred.name,
    prefix: cred.prefix,
    permissions: grant?.permissions ?? [],
    expiresAt: cred.expiresAt?.toISOString() ?? null,
    revokedAt: cred.revokedAt?.toISOString() ?? null,
    rolledInto: cred.rolledInto,
  };
}
