import { existsSync } from "node:fs";
import http from "node:http";
import type net from "node:net";
import type { ApiDeps } from "@holdfast/api";
import { COMPAT_PREFIXES, type CompatDeps, createCompatApp } from "@holdfast/compat";
import type { Principal } from "@holdfast/services";
import { getRequestListener } from "@hono/node-server";
import type { Logger } from "pino";
import sirv from "sirv";
import { createApiDocs } from "./api-docs.ts";
import { bearerMatches, clientIpOf, requestIdOf, routeLabel, setSecurityHeaders } from "./edge.ts";
import { createCsvExport } from "./export/csv-export.ts";
import { EXPORT_PREFIX } from "./export/lists.ts";
import { createRequestLimiter, type RateLimits } from "./limits.ts";
import { createMetrics } from "./metrics.ts";
import { createTrpcEdge } from "./trpc-edge.ts";
import { workerReadiness, workerReadyz } from "./worker-readiness.ts";

/** The edge's settings (env.ts `edgeOptions` gives the production ones); each has a default. */
export interface EdgeOptions {
  /** `https://…` adds HSTS to every answer. */
  publicUrl?: string | undefined;
  /** When set, /metrics answers only `Authorization: Bearer <this>`. */
  metricsToken?: string | undefined;
  /** The largest tRPC body with a valid credential (default 1 MiB). */
  maxBodyBytes?: number;
  /** Per-credential (or per-address) limits; none when absent. */
  rateLimits?: RateLimits | null;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxConnections?: number;
  /** Single mutations skip tRPC's Fetch adapter (trpc-direct.ts); false sends every call through it. Default true. */
  trpcDirect?: boolean;
}

import { isSecureUrl, sessionCookieOf } from "./session-cookie.ts";

export interface HttpServerOptions extends ApiDeps {
  logger: Logger;
  /** The built dashboard to serve at /, if present. */
  webDist?: string | undefined;
  edge?: EdgeOptions;
  /** The URL users reach the server at; https marks the session cookie Secure. */
  publicUrl?: string | undefined;
  /** Write a log line per request (default true); see requestLogsWanted. */
  logRequests?: boolean;
}

/** The HTTP surface: /trpc, the compatibility routes, /healthz, /readyz, /metrics, the docs and the dashboard. */
export function createHttpServer(opts: HttpServerOptions): http.Server {
  const { logger } = opts;
  const edge = opts.edge ?? {};
  const https = edge.publicUrl?.startsWith("https:") ?? false;
  const limiter = edge.rateLimits ? createRequestLimiter(edge.rateLimits) : null;
  const principals = new WeakMap<http.IncomingMessage, Principal>();
  const onPrincipal = (req: http.IncomingMessage, p: Principal) => principals.set(req, p);

  const trpc = createTrpcEdge({
    deps: opts,
    logger,
    maxBodyBytes: edge.maxBodyBytes ?? 1024 * 1024,
    limiter,
    onPrincipal,
    sessionCookie: (req, res) => sessionCookieOf(req, res, { secure: isSecureUrl(opts.publicUrl ?? edge.publicUrl) }),
    direct: edge.trpcDirect ?? true,
  });
  const csvExport = createCsvExport({
    deps: opts,
    logger,
    limiter,
    onPrincipal,
    sessionCookie: (req, res) => sessionCookieOf(req, res, { secure: isSecureUrl(opts.publicUrl ?? edge.publicUrl) }),
  });
  const web =
    opts.webDist && existsSync(opts.webDist) ? sirv(opts.webDist, { single: true, etag: true, gzip: true }) : null;

  const metrics = createMetrics();
  // The handlers read deps.db on every request (the pool supervisor may replace it): read it through.
  const compatDeps: CompatDeps = {
    get db() {
      return opts.db;
    },
    clock: opts.clock,
    logger,
    sessionIdleMs: opts.sessionIdleMs,
    ...(limiter ? { limiter } : {}),
    onPrincipal: (incoming, p) => onPrincipal(incoming as http.IncomingMessage, p),
    readReplica: opts.readReplica,
  };
  const compat = getRequestListener(createCompatApp(compatDeps).fetch);
  const docs = createApiDocs();

  const server = http.createServer(
    {
      headersTimeout: edge.headersTimeoutMs ?? 10_000,
      requestTimeout: edge.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: 5_000,
      // How often the timeouts above are enforced (Node's default, 30 s, would let a slow client stay that long).
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      const requestId = requestIdOf(req);
      // The compatibility routes read the id from the request: give them the one checked here.
      req.headers["x-request-id"] = requestId;
      res.setHeader("x-request-id", requestId);
      const url = req.url ?? "/";
      const pathname = url.split("?")[0] ?? "/";
      const isTrpc = url.startsWith("/trpc/");
      const isCompat = !isTrpc && COMPAT_PREFIXES.some((p) => url.startsWith(p));
      const isExport = url.startsWith(EXPORT_PREFIX);
      setSecurityHeaders(res, {
        api: isTrpc || isCompat || isExport || ["/healthz", "/readyz", "/readyz/worker", "/metrics"].includes(pathname),
        https,
      });
      const started = performance.now();
      let servedByWeb = false;
      res.on("finish", () => {
        const route = routeLabel(pathname, servedByWeb && res.statusCode < 400);
        metrics.requestDuration.observe(
          { route, status: String(res.statusCode) },
          (performance.now() - started) / 1000,
        );
        // At LOG_LEVEL=warn (production) the request line is not written: do not build it either.
        if (!logger.isLevelEnabled("info") || opts.logRequests === false) return;
        const principal = principals.get(req);
        logger.info(
          {
            requestId,
            method: req.method,
            route,
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
            clientIp: clientIpOf(req),
            // The credential's id, never its secret; its tenants (one for most tokens).
            credentialId: principal?.credentialId,
            tenant: principal ? principal.grants.map((g) => g.tenantId).join(",") || undefined : undefined,
          },
          "request",
        );
      });
      if (isTrpc) {
        trpc(req, res, requestId).catch((err: unknown) => {
          logger.warn({ err, requestId }, "request aborted");
          res.destroy();
        });
        return;
      }
      if (isCompat) return void compat(req, res);
      if (isExport) {
        csvExport(req, res, requestId).catch((err: unknown) => {
          logger.warn({ err, requestId }, "request aborted");
          res.destroy();
        });
        return;
      }
      if (docs(req, res)) return;
      if (url === "/healthz") return json(res, 200, { ok: true });
      if (pathname === "/metrics") {
        if (edge.metricsToken && !bearerMatches(req, edge.metricsToken)) {
          res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
          return json(res, 401, { error: "a valid metrics token is required" });
        }
        metrics.registry.metrics().then((body) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(body);
        });
        return;
      }
      if (pathname === "/readyz/worker") {
        void workerReadyz(opts.db).then(({ status, body }) => json(res, status, body));
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
            // The worker's state is reported, not judged: /readyz/worker answers 503 for a stalled worker.
            () => workerReadiness(opts.db).then((worker) => json(res, 200, { ok: true, database: "up", worker })),
            () => json(res, 503, { ok: false, database: "down" }),
          )
          .finally(() => clearTimeout(timer));
        return;
      }
      if (web) {
        servedByWeb = true;
        return web(req, res, () => json(res, 404, { error: "not found" }));
      }
      json(res, 404, { error: "not found" });
    },
  );
  server.on("connection", lingeringClose);
  // Past this many open connections, new ones are refused at once (each is cut by the timeouts above).
  server.maxConnections = edge.maxConnections ?? 1024;
  return server;
}

/** How long a closing connection stays open after its last answer (see lingeringClose). */
const LINGER_MS = 1000;

/**
 * A connection closed after its answer (`Connection: close`, as when a body
 * is refused before it was read to the end) first only stops sending (FIN),
 * and is destroyed a moment later. Destroying it at once, with the client's
 * body still arriving, resets it, and the reset can discard the answer before
 * the client reads it. Nothing more is read meanwhile.
 */
function lingeringClose(socket: net.Socket) {
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
