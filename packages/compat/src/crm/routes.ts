import { Hono } from "hono";
import type { CompatEnv } from "../app.ts";
import type { CompatDeps } from "../context.ts";

export function crmRoutes(_deps: CompatDeps) {
  const app = new Hono<CompatEnv>();
  return app;
}
