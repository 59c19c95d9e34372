import { randomUUID } from "node:crypto";
import type { Principal } from "@holdfast/services";
import { Hono } from "hono";
import type { CompatDeps } from "./context.ts";
import { crmRoutes } from "./crm/routes.ts";
import { MEWS_PREFIX, mewsNoSuchOperation, mewsRoutes } from "./mews/routes.ts";
import { ormbRoutes } from "./ormb/routes.ts";
import { socotraRoutes } from "./socotra/routes.ts";

export type CompatEnv = {
  Variables: {
    requestId: string;
    /** Set once the body has been read to its end (see body.ts). */
    bodyRead?: boolean;
    /** The request's credential as authenticated (context.ts), so it is checked once. */
    principal?: { secret: string; principal: Principal | null };
    /** Frees the request's slot with the limiter once it is answered. */
    release?: () => void;
  };
};

/** An `X-Request-Id` a client may choose: at most 128 characters of `[A-Za-z0-9._:-]`. */
export const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The vendors' own HTTP shapes, mapped onto the same domain services as the
 * tRPC procedures: Socotra holds, Mews billing automations, the ORMB hold
 * request envelope and the CRM.COM grace-period extension.
 */
export function createCompatApp(deps: CompatDeps) {
  const app = new Hono<CompatEnv>();
  app.use(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    c.set("requestId", incoming && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID());
    try {
      await next();
    } finally {
      c.get("release")?.();
    }
    // A route may answer before reading the body to its end (a bad token, a foreign tenant, a body
    // over the limit). The unread rest of it then broke the keep-alive connection after the answer,
    // so the client's NEXT request on it got no answer at all ("socket hang up"). Close the
    // connection with such an answer instead, so the client opens a new one.
    if (c.req.raw.body !== null && !c.get("bodyRead")) c.header("Connection", "close");
  });
  app.use(async (c, next) => {
    await next();
    // A vendor write reads and writes the primary; its caller's tRPC reads stay there until the replica has it.
    const principal = c.get("principal")?.principal;
    if (deps.readReplica && principal && c.req.method !== "GET" && c.res.status < 400) {
      await deps.readReplica.noteWrite(principal.credentialId);
    }
  });
  app.route("/billing", socotraRoutes(deps));
  app.route(MEWS_PREFIX, mewsRoutes(deps));
  app.all("/api/connector/*", mewsNoSuchOperation);
  app.route("/ormb/hold-requests", ormbRoutes(deps));
  app.route("/crm/subscriptions", crmRoutes(deps));
  return app;
}

/** Paths this app answers; the server hands these to it. */
export const COMPAT_PREFIXES = ["/billing/", "/api/connector/", "/ormb/", "/crm/"] as const;
