import { AppError, CSRF_HEADER } from "@holdfast/domain";
import type { Context } from "./context.ts";

const CSRF_MESSAGE = `a call authenticated by the session cookie that changes state must carry the ${CSRF_HEADER} header`;

/** Refuses a state-changing call that the session cookie authenticates without the anti-CSRF header. */
export function checkCsrf(ctx: Context, type: string): void {
  if (type === "mutation" && ctx.viaCookie && !ctx.sessionCookie?.csrfHeader)
    throw new AppError("FORBIDDEN", CSRF_MESSAGE);
}

/**
 * Hands a new session over: in the session cookie when the caller asks for
 * it (the dashboard; its token is then not in the answer), else as a bearer
 * token. A cookie sign-in needs the anti-CSRF header too, so that no other
 * site can sign a browser into someone else's account.
 */
export async function deliverSession(
  ctx: Context,
  cookie: boolean | undefined,
  open: () => Promise<{ token: string; expiresAt: string }>,
): Promise<{ token?: string; expiresAt: string }> {
  if (!cookie) return open();
  const jar = ctx.sessionCookie;
  if (!jar) {
    throw AppError.badRequest([{ path: "cookie", rule: "http", message: "a session cookie needs an HTTP request" }]);
  }
  if (!jar.csrfHeader) throw new AppError("FORBIDDEN", CSRF_MESSAGE);
  const session = await open();
  const seconds = Math.floor((Date.parse(session.expiresAt) - ctx.clock.now().getTime()) / 1000);
  jar.set(session.token, Math.max(0, seconds));
  return { expiresAt: session.expiresAt };
}

/** Once the session the cookie carried has been ended, clears the cookie on the answer. */
export async function dropSessionCookie<T>(ctx: Context, ending: Promise<T>): Promise<T> {
  const result = await ending;
  if (ctx.viaCookie) ctx.sessionCookie?.clear();
  return result;
}
