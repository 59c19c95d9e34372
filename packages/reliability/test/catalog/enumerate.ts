/**
 * What exists, enumerated from the code rather than written down: every
 * tRPC procedure from the router's own record, every compatibility route from
 * the OpenAPI document the server serves and, as a cross-check, from the Hono
 * app's route table. The suites compare these with the catalog both ways.
 */
import { appRouter } from "@holdfast/api";
import { createCompatApp } from "@holdfast/compat";
import { buildOpenApiDocument } from "@holdfast/server/openapi";
import { fixedClock } from "@holdfast/services";
import type { z } from "zod";

export interface EnumeratedProcedure {
  name: string;
  type: "query" | "mutation" | "subscription";
  /** The procedure's own input schema (the first parser), if it has one. */
  input: z.ZodType | undefined;
}

interface ProcedureDef {
  type: "query" | "mutation" | "subscription";
  inputs: unknown[];
}

export function listProcedures(): EnumeratedProcedure[] {
  const record = (appRouter as unknown as { _def: { procedures: Record<string, { _def: ProcedureDef }> } })._def
    .procedures;
  return Object.entries(record)
    .map(([name, proc]) => ({
      name,
      type: proc._def.type,
      input: proc._def.inputs[0] as z.ZodType | undefined,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface EnumeratedRoute {
  operationId: string;
  method: string;
  path: string;
}

/** Every operation of the OpenAPI document that is not a tRPC procedure. */
export function listCompatRoutes(): EnumeratedRoute[] {
  const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { operationId?: string }>> };
  const out: EnumeratedRoute[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (path.startsWith("/trpc/") || path.startsWith("/export/")) continue;
    for (const [method, op] of Object.entries(ops)) {
      out.push({ operationId: op.operationId ?? `${method} ${path}`, method, path });
    }
  }
  return out.sort((a, b) => a.operationId.localeCompare(b.operationId));
}

/** Every CSV export of the OpenAPI document, by operationId (`export.<list>`). */
export function listExportRoutes(): EnumeratedRoute[] {
  const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { operationId?: string }>> };
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith("/export/"))
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ operationId: op.operationId ?? `${method} ${path}`, method, path })),
    )
    .sort((a, b) => a.operationId.localeCompare(b.operationId));
}

/** `/billing/:tenant/holds/:locator` and `/billing/{tenantLocator}/holds/{locator}` → `/billing/{}/holds/{}`. */
export const normalisePath = (path: string) => path.replace(/\{[^}]+\}|:[A-Za-z]+/g, "{}");

/**
 * The Hono app's own table of concrete routes (middleware and catch-alls left
 * out), as "METHOD /normalised/path". Built with no database: routes are
 * registered at creation, and no request is made.
 */
export function listHonoRoutes(): string[] {
  const app = createCompatApp({ db: undefined as never, clock: fixedClock("2027-01-01T00:00:00Z") });
  const seen = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL" || r.path.endsWith("*")) continue;
    seen.add(`${r.method} ${normalisePath(r.path)}`);
  }
  return [...seen].sort();
}
