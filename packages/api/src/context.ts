import type { Database } from "@holdfast/db";
import { authenticate, type Clock, type Principal } from "@holdfast/services";

export interface Logger {
  error(obj: object, msg?: string): void;
}

export interface ApiDeps {
  db: Database;
  clock: Clock;
  logger?: Logger;
  /** How long an unused dashboard session lives (default 30 minutes). */
  sessionIdleMs?: number | undefined;
}

export interface Context extends ApiDeps {
  principal: Principal | null;
  requestId: string;
  /** The client's address and user agent, as the HTTP server saw them: sessions and audit rows keep them. */
  clientIp?: string | null;
  userAgent?: string | null;
}

/** Builds a request's context from its Authorization header and where it came from. */
export async function createContext(
  deps: ApiDeps,
  req: {
    authorization?: string | undefined | null;
    requestId: string;
    clientIp?: string | undefined | null;
    userAgent?: string | undefined | null;
  },
): Promise<Context> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.authorization ?? "");
  const principal = match?.[1]
    ? await authenticate(deps.db, match[1], deps.clock.now(), { sessionIdleMs: deps.sessionIdleMs })
    : null;
  return {
    ...deps,
    principal,
    requestId: req.requestId,
    clientIp: req.clientIp ?? null,
    userAgent: req.userAgent ?? null,
  };
}
