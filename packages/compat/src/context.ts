import type { Database, ReadReplica } from "@holdfast/db";
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
import type { Context } from "hono";
import type { CompatEnv } from "./app.ts";

/** One request let through (to be released when it is answered) or refused; its rate-limit headers either way. */
export interface Admission {
  ok: boolean;
  headers: Record<string, string>;
  release(): void;
}

/** Per-key request rate and concurrency limits (the server's; none in process tests). */
export interface RequestLimiter {
  admit(key: string, cost?: number): Admission;
}

/** What the compatibility routes run on: the database, the clock, where failures are logged, and the limits. */
export interface CompatDeps {
  db: Database;
  clock: Clock;
  logger?: { error(obj: object, msg?: string): void };
  /** How long an unused dashboard session lives (default 30 minutes). */
  sessionIdleMs?: number | undefined;
  limiter?: RequestLimiter;
  /** Told the credential of each authenticated request (with the server's request object), for its request log. */
  onPrincipal?: (incoming: unknown, principal: Principal) => void;
  /** The read replica, when there is one: the routes use the primary, and note their writes for read-your-writes. */
  readReplica?: ReadReplica | undefined;
}

/**
 * The principal of a request's bearer token (or of a token carried in the
 * body, as Mews and CRM.COM send it), checked once per request and token.
 * The request is then admitted by the limiter under its credential, or, when
 * no token authenticates, under its client IP: past the limit it is refused
 * with TOO_MANY_REQUESTS (and `Retry-After`), else a bad token is UNAUTHORIZED.
 */
export async function principalFrom(
  deps: CompatDeps,
  c: Context<CompatEnv>,
  bearer: string | null | undefined,
): Promise<Principal> {
  const secret = bearer?.replace(/^Bearer\s+/i, "").trim() ?? "";
  const known = c.get("principal");
  const principal =
    known && known.secret === secret
      ? known.principal
      : secret
        ? await authenticate(deps.db, secret, deps.clock.now(), { sessionIdleMs: deps.sessionIdleMs })
        : null;
  c.set("principal", { secret, principal });
  if (principal) deps.onPrincipal?.(incomingOf(c), principal);
  admit(deps, c, principal ? `credential:${principal.credentialId}` : `ip:${clientIpOf(c)}`);
  if (!principal) throw new AppError("UNAUTHORIZED", "a valid access token is required");
  return principal;
}

/** The Node request behind a Hono one (undefined for in-process requests). */
function incomingOf(c: Context<CompatEnv>) {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
}

/** The client's address as the socket gives it ("unknown" for in-process requests). */
export function clientIpOf(c: Context<CompatEnv>): string {
  return incomingOf(c)?.socket?.remoteAddress ?? "unknown";
}

/** Admits the request once under `key`; its slot is released when the app has answered (app.ts). */
function admit(deps: CompatDeps, c: Context<CompatEnv>, key: string) {
  if (!deps.limiter || c.get("release")) return;
  const admission = deps.limiter.admit(key);
  for (const [name, value] of Object.entries(admission.headers)) c.header(name, value);
  if (!admission.ok) {
    c.set("release", () => undefined);
    const wait = admission.headers["Retry-After"] ?? "1";
    throw new AppError("TOO_MANY_REQUESTS", `too many requests for this credential; retry after ${wait} s`, {
      details: { retryAfterSeconds: Number(wait) },
    });
  }
  c.set("release", admission.release);
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
