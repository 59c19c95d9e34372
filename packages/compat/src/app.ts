import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import type { CompatDeps } from "./context.ts";
import { crmRoutes } from "./crm/routes.ts";
import { mewsRoutes } from "./mews/routes.ts";
import { ormbRoutes } from "./ormb/routes.ts";
import { socotraRoutes } from "./socotra/routes.ts";

export type CompatEnv = { Variables: { requestId: string } };

/**
 * The vendors' own HTTP shapes, mapped onto the same domain services as the
 * tRPC procedures: Socotra holds, Mews billing automations, the ORMB hold
 * request envelope and the CRM.COM grace-period extension.
 */
export function createCompatApp(deps: CompatDeps) {
  const app = new Hono<CompatEnv>();
  app.use(async (c, next) => {
    c.set("requestId", c.req.header("x-request-id") ?? randomUUID());
    await next();
    // A route may answer before reading the body (a bad token, a foreign tenant, a body over the
    // limit). The unread rest of it then broke the keep-alive connection after the answer, so
    // the client's NEXT request on it got no answer at all ("socket hang up"). Close the
    // connection with such an answer instead, so the client opens a new one.
    if (c.req.raw.body !== null && !c.req.raw.bodyUsed) c.header("Connection", "close");
  });
  app.route("/billing", socotraRoutes(deps));
  app.route("/api/connector/v1/billingAutomations", mewsRoutes(deps));
  app.route("/ormb/hold-requests", ormbRoutes(deps));
  app.route("/crm/subscriptions", crmRoutes(deps));
  return app;
}

/** Paths this app answers; the server hands these to it. */
export const COMPAT_PREFIXES = ["/billing/", "/api/connector/", "/ormb/", "/crm/"] as const;
