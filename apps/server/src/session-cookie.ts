import type http from "node:http";
import type { SessionCookie } from "@holdfast/api";
import { CSRF_HEADER, SESSION_COOKIE } from "@holdfast/domain";

/**
 * The dashboard's session cookie on one request: HttpOnly (scripts cannot
 * read it), SameSite=Strict (no other site's request carries it), Path=/, and
 * Secure when the public URL is https.
 */
export function sessionCookieOf(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  opts: { secure: boolean },
): SessionCookie {
  const attributes = `Path=/; HttpOnly; SameSite=Strict${opts.secure ? "; Secure" : ""}`;
  const write = (value: string, maxAge: number) =>
    res.appendHeader("set-cookie", `${SESSION_COOKIE}=${value}; Max-Age=${maxAge}; ${attributes}`);
  return {
    token: readCookie(req.headers.cookie, SESSION_COOKIE),
    csrfHeader: req.headers[CSRF_HEADER] === "1",
    set: (token, maxAgeSeconds) => write(token, maxAgeSeconds),
    clear: () => write("", 0),
  };
}

/** Whether answers go out over https, so the cookie is marked Secure. */
export function isSecureUrl(publicUrl: string | undefined): boolean {
  return publicUrl?.startsWith("https://") ?? false;
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of header?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}
