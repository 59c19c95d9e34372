import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type http from "node:http";
import { appRouter } from "@holdfast/api";
import { REQUEST_ID_RE } from "@holdfast/compat";
import { EXPORT_LISTS, exportPath } from "./export/lists.ts";
import { compatPaths } from "./openapi.ts";

/**
 * The Content-Security-Policy of every answer: scripts and everything else
 * only from this origin (the dashboard's Vite build and the /docs page load
 * their scripts from files), no framing, no plugins, no <base> games. Inline
 * styles stay allowed: the dashboard and Swagger UI set style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The headers every answer carries; API answers are never cached; HSTS when users reach us over https. */
export function setSecurityHeaders(res: http.ServerResponse, opts: { api: boolean; https: boolean }) {
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  if (opts.api) res.setHeader("Cache-Control", "no-store");
  if (opts.https) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

/** The client's `X-Request-Id` when it is at most 128 characters of `[A-Za-z0-9._:-]`, else a new one. */
export function requestIdOf(req: http.IncomingMessage): string {
  const incoming = req.headers["x-request-id"];
  return typeof incoming === "string" && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
}

/** The address the connection comes from (no proxy header is trusted: a proxy in front is the deployment's). */
export function clientIpOf(req: http.IncomingMessage): string {
  return req.socket.remoteAddress ?? "unknown";
}

const PROCEDURES = new Set(Object.keys((appRouter as unknown as { _def: { procedures: object } })._def.procedures));

const COMPAT_ROUTES = Object.keys(compatPaths()).map((template) => ({
  template,
  re: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
}));

const OPS = new Set(["/healthz", "/readyz", "/readyz/worker", "/metrics", "/openapi.json", "/docs"]);
const EXPORTS = new Set(Object.keys(EXPORT_LISTS).map(exportPath));

/**
 * The /metrics route label of a request: a known tRPC procedure (or
 * `trpc:batch` for a batch of known ones), a compatibility route's template,
 * a list's CSV export, an ops endpoint, `docs`, `web` for the dashboard, else `unknown`. The
 * label set is fixed by the code, whatever paths clients send.
 */
export function routeLabel(pathname: string, servedByWeb: boolean): string {
  if (pathname.startsWith("/trpc/")) {
    let paths: string[];
    try {
      paths = decodeURIComponent(pathname.slice("/trpc/".length)).split(",");
    } catch {
      return "unknown";
    }
    if (!paths.every((p) => PROCEDURES.has(p))) return "unknown";
    return paths.length === 1 ? `trpc:${paths[0]}` : "trpc:batch";
  }
  const route = COMPAT_ROUTES.find((r) => r.re.test(pathname));
  if (route) return route.template;
  if (OPS.has(pathname) || EXPORTS.has(pathname)) return pathname;
  if (pathname.startsWith("/docs/")) return "docs";
  return servedByWeb ? "web" : "unknown";
}

/** Does the request carry `Authorization: Bearer <token>` (compared in constant time)? */
export function bearerMatches(req: http.IncomingMessage, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (!m?.[1]) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}
