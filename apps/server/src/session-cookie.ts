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
  // One Set-Cookie for the session per answer: the last word (a sign-in after a dead cookie was cleared) wins.
  const write = (value: string, maxAge: number) => {
    const earlier = res.getHeader("set-cookie");
    const others = (Array.isArray(earlier) ? earlier : earlier ? [String(earlier)] : []).filter(
      (line) => !line.startsWith(`${SESSION_COOKIE}=`),
    );
    res.setHeader("set-cookie", [...others, `${SESSION_COOKIE}=${value}; Max-Age=${maxAge}; ${attributes}`]);
  };
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
