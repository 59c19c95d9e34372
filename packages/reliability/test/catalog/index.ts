/**
 * The shared catalog of the bad-input and isolation suites: every procedure
 * and compatibility route, how to call it validly against the fixture, and
 * what it needs. `coverage()` compares the catalog with what the code
 * actually has; each suite asserts it is exact before anything else.
 */
import { expect } from "vitest";
import { listCompatRoutes, listExportRoutes, listHonoRoutes, listProcedures, normalisePath } from "./enumerate.ts";
import { EXPORTS } from "./exports.ts";
import { PROCEDURES } from "./procedures.ts";
import { ROUTES } from "./routes.ts";

export * from "./checksum.ts";
export * from "./enumerate.ts";
export * from "./exports.ts";
export * from "./fixtures.ts";
export * from "./malformed.ts";
export * from "./procedures.ts";
export * from "./routes.ts";
export * from "./server.ts";

export interface Coverage {
  procedures: string[];
  routes: string[];
  /** Procedures of the router without a catalog entry, and entries for no procedure. */
  missingProcedures: string[];
  staleProcedures: string[];
  /** Kinds that disagree between the router and the catalog. */
  wrongKinds: string[];
  /** OpenAPI operations without a catalog entry, entries for no operation, and method/path mismatches. */
  missingRoutes: string[];
  staleRoutes: string[];
  wrongRoutes: string[];
  /** Hono routes that no OpenAPI compatibility operation documents. */
  undocumentedHonoRoutes: string[];
  /** CSV exports of the OpenAPI document without a catalog entry (or at another path), and entries for none. */
  missingExports: string[];
  staleExports: string[];
}

export function coverage(): Coverage {
  const procs = listProcedures();
  const routes = listCompatRoutes();
  const documented = new Set(routes.map((r) => `${r.method.toUpperCase()} ${normalisePath(r.path)}`));
  return {
    procedures: procs.map((p) => p.name),
    routes: routes.map((r) => r.operationId),
    missingProcedures: procs.filter((p) => !PROCEDURES[p.name]).map((p) => p.name),
    staleProcedures: Object.keys(PROCEDURES).filter((n) => !procs.some((p) => p.name === n)),
    wrongKinds: procs.filter((p) => PROCEDURES[p.name] && PROCEDURES[p.name]?.kind !== p.type).map((p) => p.name),
    missingRoutes: routes.filter((r) => !ROUTES[r.operationId]).map((r) => r.operationId),
    staleRoutes: Object.keys(ROUTES).filter((id) => !routes.some((r) => r.operationId === id)),
    wrongRoutes: routes
      .filter((r) => {
        const e = ROUTES[r.operationId];
        return e && (e.method !== r.method || e.openApiPath !== r.path);
      })
      .map((r) => r.operationId),
    undocumentedHonoRoutes: listHonoRoutes().filter((r) => !documented.has(r)),
    missingExports: listExportRoutes()
      .filter((r) => r.method !== "get" || EXPORTS[r.operationId]?.path !== r.path)
      .map((r) => r.operationId),
    staleExports: Object.keys(EXPORTS).filter((id) => !listExportRoutes().some((r) => r.operationId === id)),
  };
}

/** Fails, naming them, when a procedure or route exists that the catalog has no entry for (or the reverse). */
export function expectCatalogComplete(): Coverage {
  const c = coverage();
  expect(c.missingProcedures, "tRPC procedures with no catalog entry (add them to catalog/procedures.ts)").toEqual([]);
  expect(c.staleProcedures, "catalog entries for procedures that no longer exist").toEqual([]);
  expect(c.wrongKinds, "catalog kind (query/mutation) differs from the router").toEqual([]);
  expect(c.missingRoutes, "compatibility routes with no catalog entry (add them to catalog/routes.ts)").toEqual([]);
  expect(c.staleRoutes, "catalog entries for routes the OpenAPI document no longer has").toEqual([]);
  expect(c.wrongRoutes, "catalog method/path differs from the OpenAPI document").toEqual([]);
  expect(c.undocumentedHonoRoutes, "Hono compatibility routes missing from the OpenAPI document").toEqual([]);
  expect(c.missingExports, "CSV exports with no catalog entry (add them to catalog/exports.ts)").toEqual([]);
  expect(c.staleExports, "catalog entries for CSV exports that no longer exist").toEqual([]);
  expect(c.procedures.length).toBeGreaterThan(30);
  expect(c.routes.length).toBeGreaterThan(15);
  return c;
}

/** An answer must never carry a stack trace or SQL. */
export function leakIn(body: string): string | null {
  const patterns: [string, RegExp][] = [
    ["a stack frame", /\bat [^\n"]*\.(ts|js|mjs|cjs):\d+/],
    ["a stack member", /"stack"\s*:/],
    ["SQL", /\b(select\s.+\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from)\b/i],
    ["a database error", /Failed query|violates|syntax error at|duplicate key|postgres|relation "/i],
    ["a node internal", /node:internal|node_modules/],
  ];
  for (const [what, re] of patterns) if (re.test(body)) return what;
  return null;
}
