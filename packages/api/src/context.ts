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

export interface Context extends ApiDeps {
  principal: Principal | null;
  requestId: string;
}

/** Builds a request's context from its Authorization header. */
export async function createContext(
  deps: ApiDeps,
  req: { authorization?: string | undefined | null; requestId: string },
): Promise<Context> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.authorization ?? "");
  const principal = match?.[1] ? await authenticate(deps.db, match[1], deps.clock.now()) : null;
  return { ...deps, principal, requestId: req.requestId };
}
