import { createHash, randomBytes } from "node:crypto";
import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError, hasPermission, LAST_USED_RESOLUTION_MS, type Permission } from "@holdfast/domain";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Actor } from "../context.ts";
import { newLocator } from "../ids.ts";
import { preparedQuery } from "../prepared-query.ts";
import { hashPassword } from "./passwords.ts";

/** A session's absolute lifetime. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** A session unused this long ends (the default; the server's HOLDFAST_SESSION_IDLE_MINUTES sets it). */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

export interface Grant {
  tenantId: string;
  tenantName: string;
  permissions: string[];
}

/** Who is calling and what they may do, per tenant. */
export interface Principal {
  credentialId: string;
  kind: "api_token" | "session";
  actor: Actor;
  grants: Grant[];
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** A new bearer secret: `hft_` (API token) or `hfs_` (session) and 32 random bytes. Its first 10 characters are its prefix. */
export function newSecret(kind: "api_token" | "session"): string {
  return `${kind === "api_token" ? "hft" : "hfs"}_${randomBytes(32).toString("base64url")}`;
}

/*
 * Every request authenticates: the credential and, for an API token, its
 * grants are read in ONE statement, built once and
 * prepared. The grant objects have the keys, in the order, the grants query
 * of a session gives.
 */
const credentialBySecret = preparedQuery("credential_with_token_grants_by_secret", (db) =>
  db
    .select({
      cred: schema.credentials,
      // Raw text: Drizzle leaves columns unqualified in a one-table select, ambiguous inside a subquery.
      tokenGrants: sql<Grant[]>`${sql.raw(
        `(select coalesce(json_agg(json_build_object('tenantId', g.tenant_id, 'tenantName', t.name, 'permissions', g.permissions)), '[]'::json)
          from token_grants g inner join tenants t on t.id = g.tenant_id where g.credential_id = credentials.id)`,
      )}`,
    })
    .from(schema.credentials)
    .where(eq(schema.credentials.secretHash, sql.placeholder("secretHash"))),
);

/*
 * A credential's last use, written at most once a minute: only when the
 * stored value is null or a minute old or more (re-checked in the statement,
 * so concurrent requests write it once).
 */
const touchCredential = preparedQuery("touch_credential_last_used", (db) =>
  db
    .update(schema.credentials)
    .set({ lastUsedAt: sql`${sql.placeholder("now")}` })
    .where(
      and(
        eq(schema.credentials.id, sql.placeholder("id")),
        sql`(${schema.credentials.lastUsedAt} is null or ${schema.credentials.lastUsedAt} <= ${sql.placeholder("staleBefore")})`,
      ),
    ),
);

/**
 * Resolves a bearer secret to a principal, or null when it is unknown,
 * revoked or expired. A session also ends when it has not been used for
 * `sessionIdleMs` (counted from `last_used_at`, which is written at most once a
 * minute) and when its user is disabled.
 */
export async function authenticate(
  db: DatabaseOrTransaction,
  secret: string,
  now: Date,
  opts: { sessionIdleMs?: number | undefined } = {},
): Promise<Principal | null> {
  if (secret.length < 10 || secret.length > 200) return null;
  const [found] = await credentialBySecret(db, { secretHash: hashSecret(secret) });
  const cred = found?.cred;
  if (!cred || cred.revokedAt || (cred.expiresAt && cred.expiresAt <= now)) return null;
  if (cred.kind === "session") {
    const lastUse = cred.lastUsedAt ?? cred.createdAt;
    if (now.getTime() - lastUse.getTime() >= (opts.sessionIdleMs ?? SESSION_IDLE_MS)) return null;
  }
  if (!cred.lastUsedAt || now.getTime() - cred.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
    await touchCredential(db, { id: cred.id, now: now.toISOString(), staleBefore });
  }
  let rows: { tenantId: string; tenantName: string; permissions: string[] }[];
  let actor: Actor;
  if (cred.kind === "session") {
    if (!cred.userId) return null;
    const [user] = await db
      .select()
      .from(schema.users)
      .where(eq(schema.users.id, cred.userId))
      .prepare("session_user")
      .execute();
    if (!user || user.disabledAt) return null;
    actor = { type: "user", id: user.id, name: user.email };
    rows = await db
      .select({
        tenantId: schema.userMemberships.tenantId,
        tenantName: schema.tenants.name,
        permissions: schema.userMemberships.permissions,
      })
      .from(schema.userMemberships)
      .innerJoin(schema.tenants, eq(schema.tenants.id, schema.userMemberships.tenantId))
      .where(eq(schema.userMemberships.userId, user.id))
      .prepare("session_grants")
      .execute();
  } else {
    actor = { type: "token", id: cred.id, name: cred.name };
    rows = found.tokenGrants;
  }
  return { credentialId: cred.id, kind: cred.kind, actor, grants: rows };
}

/**
 * Stores a user and their memberships. Without a password, the user can sign
 * in only once they have followed a set-password link. Callers check the
 * password rules first (`checkNewPassword`).
 */
export async function createUser(
  db: DatabaseOrTransaction,
  input: {
    email: string;
    name: string;
    password?: string | null;
    memberships: { tenantId: string; permissions: Permission[] }[];
    createdBy?: string | null;
    now?: Date;
  },
) {
  const id = newLocator();
  await db.insert(schema.users).values({
    id,
    email: input.email.toLowerCase(),
    name: input.name,
    passwordHash: input.password ? await hashPassword(input.password) : null,
    createdBy: input.createdBy ?? null,
    ...(input.now ? { createdAt: input.now, updatedAt: input.now } : {}),
    ...(input.password && input.now ? { passwordChangedAt: input.now } : {}),
  });
  if (input.memberships.length) {
    await db.insert(schema.userMemberships).values(input.memberships.map((m) => ({ userId: id, ...m })));
  }
  return { id };
}

export async function revokeCredentials(db: DatabaseOrTransaction, ids: string[], now: Date) {
  if (ids.length)
    await db.update(schema.credentials).set({ revokedAt: now }).where(inArray(schema.credentials.id, ids));
}

/**
 * The tenant a call acts on, and the check that the caller may: the named
 * tenant (`wanted`) or the caller's only one. A tenant the caller is not bound
 * to answers NOT_FOUND, like any foreign locator; a missing permission is
 * FORBIDDEN. `permission` null: any grant in the tenant will do.
 */
export function resolveTenantGrant(
  principal: Principal,
  wanted: string | undefined,
  permission: Permission | null,
): Grant {
  const grants = principal.grants;
  let grant = wanted === undefined && grants.length === 1 ? grants[0] : undefined;
  if (wanted !== undefined) {
    grant = grants.find((g) => g.tenantId === wanted.toLowerCase());
    if (!grant) throw AppError.notFound("tenant", wanted);
  } else if (!grant) {
    throw AppError.badRequest([
      { path: "tenantLocator", rule: "required", message: "required when the token is bound to several tenants" },
    ]);
  }
  if (permission !== null && !hasPermission(grant.permissions, permission)) {
    throw new AppError("FORBIDDEN", `this caller lacks the ${permission} permission in tenant ${grant.tenantId}`);
  }
  return grant;
}

/** Every tenant the caller holds this permission in (Mews portfolio access). None: FORBIDDEN. */
export function portfolioTenantIds(principal: Principal, permission: Permission): string[] {
  const ids = principal.grants.filter((g) => hasPermission(g.permissions, permission)).map((g) => g.tenantId);
  if (ids.length === 0) {
    throw new AppError("FORBIDDEN", `this caller lacks the ${permission} permission in every tenant it is bound to`);
  }
  return ids;
}
