import type { Database } from "@holdfast/db";
import { AppError, type Permission } from "@holdfast/domain";
import {
  authenticate,
  type Clock,
  type PortfolioContext,
  type Principal,
  portfolioTenantIds,
  resolveTenantGrant,
  type ServiceContext,
} from "@holdfast/services";

/** What the compatibility routes run on: the database, the clock, and where failures are logged. */
export interface CompatDeps {
  db: Database;
  clock: Clock;
  logger?: { error(obj: object, msg?: string): void };
  /** How long an unused dashboard session lives (default 30 minutes). */
  sessionIdleMs?: number | undefined;
}

/** The bearer token of a request (or a token carried in the body, as Mews and CRM.COM send it). */
export async function principalFrom(deps: CompatDeps, bearer: string | null | undefined): Promise<Principal> {
  const secret = bearer?.replace(/^Bearer\s+/i, "").trim();
  const principal = secret
    ? await authenticate(deps.db, secret, deps.clock.now(), { sessionIdleMs: deps.sessionIdleMs })
    : null;
  if (!principal) throw new AppError("UNAUTHORIZED", "a valid access token is required");
  return principal;
}

/** A vendor request's service context: the same tenant resolution and permission check as the tRPC procedures. */
export function serviceFor(
  deps: CompatDeps,
  principal: Principal,
  tenantLocator: string | undefined,
  permission: Permission,
  requestId: string,
): ServiceContext {
  const grant = resolveTenantGrant(principal, tenantLocator, permission);
  return { db: deps.db, clock: deps.clock, actor: principal.actor, requestId, tenantId: grant.tenantId };
}

/** A vendor request's portfolio context: every tenant the caller holds this permission in (Mews getAll). */
export function portfolioFor(
  deps: CompatDeps,
  principal: Principal,
  permission: Permission,
  requestId: string,
): PortfolioContext {
  const tenantIds = portfolioTenantIds(principal, permission);
  return { db: deps.db, clock: deps.clock, actor: principal.actor, requestId, tenantIds };
}
