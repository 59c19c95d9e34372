import type { Database } from "@holdfast/db";
import { type AutomationRuleSet, hasPermission, type Permission } from "@holdfast/domain";
import type { Clock } from "./clock.ts";
import type { SecretBox } from "./webhooks/secrets.ts";

export interface Actor {
  /** `anonymous`: a caller without a credential (a sign-in attempt, a set-password link). */
  type: "user" | "token" | "worker" | "system" | "anonymous";
  id: string;
  name: string;
}

/** Who acts, when and on which database: a context before a tenant is chosen. */
export interface ActingContext {
  db: Database;
  /**
   * The read replica's pool, when this request's reads may go there (the API
   * sets it for queries, see `ReadReplica`); read-only queries take it through `reader`.
   */
  readDb?: Database | undefined;
  clock: Clock;
  actor: Actor;
  requestId?: string | null;
  /** The credential the request came with (never its secret), its client's address and user agent: audit rows carry them. */
  credentialId?: string | null;
  clientIp?: string | null;
  userAgent?: string | null;
  /**
   * What the acting credential may do, per tenant. Absent for code that acts
   * on its own authority (provisioning, the worker, seeds).
   */
  grants?: readonly { tenantId: string; permissions: readonly string[] }[];
  /** Which automation rules the request is held to (see `AutomationRuleSet`); `holdfast` when absent, `mews` on the Mews routes. */
  automationRules?: AutomationRuleSet;
  /** Seals and opens webhook signing secrets (from HOLDFAST_SECRET_KEY); absent when the key is not configured. */
  secrets?: SecretBox | undefined;
  /** HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1: webhook URLs may point at loopback and private addresses. */
  allowPrivateWebhooks?: boolean | undefined;
}

/**
 * What every use case and query takes first: the database, the clock, who is
 * acting, the request id, and the one tenant it acts in. Inputs never carry
 * the tenant (a `tenantLocator` in a router's input was resolved into
 * `tenantId` already, and use cases ignore it).
 */
export interface ServiceContext extends ActingContext {
  tenantId: string;
}

/** What a portfolio query takes: every tenant the caller may read in it (Mews getAll). */
export interface PortfolioContext extends ActingContext {
  tenantIds: string[];
}

/** The context of `acting` bound to one tenant: for code that works in several (the worker, seeds, tests). */
export function forTenant(acting: ActingContext, tenantId: string): ServiceContext {
  return { ...acting, requestId: acting.requestId ?? null, tenantId };
}

/** The label stored in `createdBy`, `releasedBy` and friends. */
export function actorLabel(actor: Actor): string {
  return `${actor.type}:${actor.id}`;
}

/** May the caller do what `permission` allows in the context's tenant? Code acting on its own authority (no grants) may. */
export function callerMay(ctx: ServiceContext, permission: Permission): boolean {
  if (!ctx.grants) return true;
  const grant = ctx.grants.find((g) => g.tenantId === ctx.tenantId);
  return grant !== undefined && hasPermission(grant.permissions, permission);
}

/** The pool a read-only query reads from: the read replica when the request was routed to one, else `ctx.db`. */
export function reader(ctx: ActingContext): Database {
  return ctx.readDb ?? ctx.db;
}
