import type { Database, ReadReplica } from "@holdfast/db";
import { authenticate, type Clock, type Principal, type SecretBox } from "@holdfast/services";

export interface Logger {
  error(obj: object, msg?: string): void;
}

export interface ApiDeps {
  db: Database;
  clock: Clock;
  logger?: Logger;
  /** How long an unused dashboard session lives (default 30 minutes). */
  sessionIdleMs?: number | undefined;
  /** The read replica (DATABASE_READ_URL), when there is one: lists, search, audit history and status read from it. */
  readReplica?: ReadReplica | undefined;
  /** Seals webhook signing secrets (HOLDFAST_SECRET_KEY); without it webhooks.create and rotateSecret answer PRECONDITION_FAILED. */
  secrets?: SecretBox | undefined;
  /** HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1: webhook URLs may point at loopback and private addresses. */
  allowPrivateWebhooks?: boolean | undefined;
}

/**
 * The dashboard's session cookie as the HTTP layer hands it over: the token
 * the request's cookie carries, whether the request carries the anti-CSRF
 * header, and how to set or clear the cookie on the answer. Callers without
 * HTTP (tests, scripts) have none.
 */
export interface SessionCookie {
  token: string | null;
  csrfHeader: boolean;
  /** Sets the cookie for this many seconds (the session's lifetime by the server's clock). */
  set(token: string, maxAgeSeconds: number): void;
  clear(): void;
}

export interface Context extends ApiDeps {
  principal: Principal | null;
  requestId: string;
  /** Whether the principal came from the session cookie (not an Authorization header); false when absent. */
  viaCookie?: boolean;
  /** The session cookie of an HTTP request; absent for direct callers. */
  sessionCookie?: SessionCookie | null;
  /** The client's address and user agent, as the HTTP server saw them: sessions and audit rows keep them. */
  clientIp?: string | null;
  userAgent?: string | null;
  /** The replica's pool when this request's reads may go there (set per query by `routeReads`); absent: the primary. */
  readDb?: Database | undefined;
}

/**
 * Builds a request's context: the principal from the `Authorization: Bearer`
 * header, or else from the dashboard's session cookie (sessions only), and
 * where the request came from.
 */
export async function createContext(
  deps: ApiDeps,
  req: {
    authorization?: string | undefined | null;
    requestId: string;
    sessionCookie?: SessionCookie;
    clientIp?: string | undefined | null;
    userAgent?: string | undefined | null;
  },
): Promise<Context> {
  const sessionCookie = req.sessionCookie ?? null;
  const base = {
    ...deps,
    requestId: req.requestId,
    sessionCookie,
    clientIp: req.clientIp ?? null,
    userAgent: req.userAgent ?? null,
  };
  const match = /^Bearer\s+(\S+)$/i.exec(req.authorization ?? "");
  const authenticateSecret = (secret: string) =>
    authenticate(deps.db, secret, deps.clock.now(), { sessionIdleMs: deps.sessionIdleMs });
  if (match?.[1]) return { ...base, principal: await authenticateSecret(match[1]), viaCookie: false };
  if (!sessionCookie?.token) return { ...base, principal: null, viaCookie: false };
  const found = await authenticateSecret(sessionCookie.token);
  const principal = found?.kind === "session" ? found : null;
  // A cookie whose session has ended is dropped, so the browser stops sending it.
  if (!principal) sessionCookie.clear();
  return { ...base, principal, viaCookie: principal !== null };
}
