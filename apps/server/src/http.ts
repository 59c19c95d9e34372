import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import { type ApiDeps, appRouter, createContext, responseHeadersFor } from "@holdfast/api";
import { COMPAT_PREFIXES, createCompatApp } from "@holdfast/compat";
import { getRequestListener } from "@hono/node-server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Logger } from "pino";
import sirv from "sirv";
import { createApiDocs } from "./api-docs.ts";
import { createMetrics } from "./metrics.ts";
import { isSecureUrl, sessionCookieOf } from "./session-cookie.ts";

export interface HttpServerOptions extends ApiDeps {
  logger: Logger;
  /** The built dashboard to serve at /, if present. */
  webDist?: string | undefined;
  /** The URL users reach the server at; https marks the session cookie Secure. */
  publicUrl?: string | undefined;
}

/** The HTTP surface: /trpc, /healthz, /readyz and the dashboard. */
export function createHttpServer(opts: HttpServerOptions): http.Server {
  const { logger } = opts;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    maxBodySize: 1_000_000,
    createContext: ({ req, res }) => {
      const requestId = (res.getHeader("x-request-id") as string | undefined) ?? randomUUID();
      return createContext(opts, {
        authorization: req.headers.authorization,
        requestId,
        sessionCookie: sessionCookieOf(req, res, { secure: isSecureUrl(opts.publicUrl) }),
        clientIp: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? null,
        userAgent: req.headers["user-agent"] ?? null,
      });
    },
    responseMeta: ({ errors }) => ({ headers: responseHeadersFor(errors) }),
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error.cause ?? error, path }, "trpc error");
    },
  });
  const web =
    opts.webDist && existsSync(opts.webDist) ? sirv(opts.webDist, { single: true, etag: true, gzip: true }) : null;

  const metrics = createMetrics();
  const compat = getRequestListener(createCompatApp(opts).fetch);
  const docs = createApiDocs();

  return http.createServer((req, res) => {
    const incoming = req.headers["x-request-id"];
    const requestId = typeof incoming === "string" && /^[\w-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader("x-request-id", requestId);
    const started = performance.now();
    res.on("finish", () => {
      // Bounded label values: tRPC procedure paths, the ops endpoints, or "web".
      const pathname = req.url?.split("?")[0] ?? "/";
      const route = pathname.startsWith("/trpc/")
        ? pathname.slice(0, 120)
        : COMPAT_PREFIXES.some((p) => pathname.startsWith(p))
          ? `compat${pathname.split("/").slice(0, 2).join("/")}`
          : ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"].includes(pathname)
            ? pathname
            : "web";
      metrics.requestDuration.observe({ route, status: String(res.statusCode) }, (performance.now() - started) / 1000);
      // At LOG_LEVEL=warn (production) the request line is not written: do not build it either.
      if (!logger.isLevelEnabled("info")) return;
      logger.info(
        {
          requestId,
          method: req.method,
          url: pathname,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        "request",
      );
    });
    const url = req.url ?? "/";
    if (url.startsWith("/trpc/")) return void trpc(req, res);
    if (COMPAT_PREFIXES.some((p) => url.startsWith(p))) return void compat(req, res);
    if (docs(req, res)) return;
    if (url === "/healthz") return json(res, 200, { ok: true });
    if (url === "/metrics") {
      metrics.registry.metrics().then((body) => {
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(body);
      });
      return;
    }
    if (url === "/readyz") {
      // Read opts.db now: the pool may have been replaced after an outage. A database that does not answer
      // within 5 s (a hung connection, a network partition) is down too.
      let timer: NodeJS.Timeout | undefined;
      Promise.race([
        opts.db.$client`select 1`,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), 5000);
        }),
      ])
        .then(
          () => json(res, 200, { ok: true, database: "up" }),
          () => json(res, 503, { ok: false, database: "down" }),
        )
        .finally(() => clearTimeout(timer));
      return;
    }
    if (web) return web(req, res, () => json(res, 404, { error: "not found" }));
    json(res, 404, { error: "not found" });
  });
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
