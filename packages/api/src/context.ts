import type { Database } from "@holdfast/db";
import { authenticate, type Clock, type Principal } from "@holdfast/services";

export interface Logger {
  error(obj: object, msg?: string): void;
}

export interface ApiDeps {
  db: Database;
  clock: Clock;
  logger?: Logger;
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
}

/**
 * Builds a request's context: the principal from the `Authorization: Bearer`
 * header, or else from the dashboard's session cookie (sessions only).
 */
export async function createContext(
  deps: ApiDeps,
  req: { authorization?: string | undefined | null; requestId: string; sessionCookie?: SessionCookie },
): Promise<Context> {
  const sessionCookie = req.sessionCookie ?? null;
  const base = { ...deps, requestId: req.requestId, sessionCookie };
  const match = /^Bearer\s+(\S+)$/i.exec(req.authorization ?? "");
  if (match?.[1])
    return { ...base, principal: await authenticate(deps.db, match[1], deps.clock.now()), viaCookie: false };
  if (!sessionCookie?.token) return { ...base, principal: null, viaCookie: false };
  const found = await authenticate(deps.db, sessionCookie.token, deps.clock.now());
  const principal = found?.kind === "session" ? found : null;
  // A cookie whose session has ended is dropped, so the browser stops sending it.
  if (!principal) sessionCookie.clear();
  return { ...base, principal, viaCookie: principal !== null };
}
