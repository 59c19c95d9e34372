/**
 * Tenant isolation matrix (issue 6), through the HTTP surface of a real
 * server process: EVERY tRPC procedure and EVERY compatibility route
 * (enumerated from the router and the OpenAPI document; the catalog must
 * match them exactly) × {
 *   tenant A's token with tenant B's identifiers: answered exactly as for
 *     identifiers that exist nowhere (same status, same body once the ids
 *     are masked), and nothing of B in the answer;
 *   A's token (and a portfolio token of A and C) naming tenant B: exactly
 *     like an unknown tenant (404, or the vendor's not-found shape);
 *   a token lacking the permission: 403 FORBIDDEN naming it;
 *   no token, an unknown token, malformed Authorization headers: 401;
 * } and every table (listed from information_schema) is unchanged by all of
 * it. Each procedure's and route's catalog input is then shown to be valid
 * by its owner's token (B's for tRPC, C's for the compatibility routes), so
 * the refusals above are about access, not about the input.
 * Portfolio reads (automations.getAll, Mews getAll) see only granted tenants.
 */
import { setupWorld } from "@holdfast/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allTableChecksums,
  buildFixture,
  type Checksums,
  type CompatRequest,
  changedTables,
  EXPORTS,
  type ExportEntry,
  expectCatalogComplete,
  FIXTURE_NOW,
  type Fixture,
  type HttpAnswer,
  type HttpClient,
  httpClient,
  leakIn,
  PROCEDURES,
  type ProcedureEntry,
  ROUTES,
  type RouteEntry,
  type RunningServer,
  secretsOf,
  startServer,
  type TenantObjects,
  toWire,
  UNKNOWN,
  unknownObjects,
  withTenant,
  withToken,
} from "./catalog/index.ts";

const w = setupWorld({ now: FIXTURE_NOW });
let fx: Fixture;
let server: RunningServer;
let client: HttpClient;

beforeAll(async () => {
  fx = await buildFixture(w);
  server = await startServer({ databaseUrl: w.url, now: FIXTURE_NOW });
  client = httpClient(server.port, 4);
}, 240_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
});

// ---------------------------------------------------------------------------
// Calling.

interface Answer extends HttpAnswer {
  json: unknown;
}

const withJson = (a: HttpAnswer): Answer => {
  let json: unknown;
  try {
    json = a.text ? JSON.parse(a.text) : undefined;
  } catch {
    json = undefined;
  }
  return { ...a, json };
};

/** A tRPC call over HTTP, as @trpc/client makes it (GET ?input= for queries, POST JSON for mutations). */
async function trpc(name: string, input: unknown, authorization?: string): Promise<Answer> {
  const entry = PROCEDURES[name] as ProcedureEntry;
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  if (entry.kind === "query") {
    const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return withJson(await client.send({ method: "GET", path: `/trpc/${name}${q}`, headers }));
  }
  headers["content-type"] = "application/json";
  return withJson(
    await client.send({
      method: "POST",
      path: `/trpc/${name}`,
      headers,
      ...(input === undefined ? {} : { body: JSON.stringify(input) }),
    }),
  );
}

const bearer = (token: string) => `Bearer ${token}`;

async function compat(req: CompatRequest): Promise<Answer> {
  const wire = toWire(req);
  return withJson(await client.send(wire));
}

/** The tRPC error code of an answer. */
const trpcCode = (a: Answer) => (a.json as { error?: { data?: { code?: string } } } | undefined)?.error?.data?.code;

/** The vendor's own error code (ORMB has none: its envelope's status). */
function vendorCode(vendor: RouteEntry["vendor"], a: Answer): string | undefined {
  const j = a.json as Record<string, Record<string, unknown>> | undefined;
  if (!j) return undefined;
  switch (vendor) {
    case "socotra":
      return j.error?.code as string | undefined;
    case "mews":
      return (j.Details as { Code?: string } | undefined)?.Code;
    case "crm":
      return j.status?.code as string | undefined;
    case "ormb":
      return Object.values(j)[0]?.requestProcessStatus as string | undefined;
  }
}

/** The answer with identifiers and request ids masked, to compare a foreign id's answer with an unknown one's. */
function masked(text: string, ids: readonly string[]): string {
  let out = text;
  for (const id of [...ids].sort((a, b) => b.length - a.length)) if (id) out = out.split(id).join("<id>");
  return out.replace(/"(requestId|RequestId)"\s*:\s*"[^"]*"/g, '"$1":"<request>"');
}

/** Identifiers of a tenant and of its unknown counterpart: what masking replaces. */
const idsOf = (t: TenantObjects) =>
  secretsOf(t).concat(
    Object.values(UNKNOWN),
    unknownObjects(t).accounts.mainExternalId,
    unknownObjects(t).subscriptions.getNumber,
    unknownObjects(t).user.email,
  );

/** Nothing of tenant B appears in an answer, but the identifiers the request itself sent. */
function expectNothingOf(t: TenantObjects, answer: Answer, sent: string) {
  const leaked = secretsOf(t).filter((s) => !sent.includes(s) && answer.text.includes(s));
  expect(leaked, `the answer shows ${leaked.join(", ")}: ${answer.text.slice(0, 500)}`).toEqual([]);
  expect(leakIn(answer.text), answer.text.slice(0, 500)).toBeNull();
}

/** A fresh session of the tenant's dashboard user, signed in over HTTP. */
async function sessionOf(t: TenantObjects): Promise<string> {
  const res = await trpc("auth.signIn", { email: t.user.email, password: t.user.password });
  expect(res.status, res.text).toBe(200);
  return (res.json as { result: { data: { token: string } } }).result.data.token;
}

const MALFORMED_AUTHORIZATION = [
  "Bearer",
  "Bearer ",
  "Basic dXNlcjpwYXNz",
  "Bearer short",
  `Bearer ${"x".repeat(300)}`,
  "Bearer hft_ñoñ-ascii-Ã©",
  "Bearer hft_a hft_b",
  "bearer\thft_tab_separated_value",
];
const UNKNOWN_TOKEN = "hft_ThisTokenWasNeverIssuedByAnyoneAtAll0123456789ab";

// ---------------------------------------------------------------------------

it("the catalog has exactly the router's procedures and the OpenAPI document's compatibility routes", () => {
  const c = expectCatalogComplete();
  console.log(`[isolation] ${c.procedures.length} procedures, ${c.routes.length} compatibility routes`);
});

describe.each(Object.keys(PROCEDURES).sort())("tRPC %s", (name) => {
  const entry = PROCEDURES[name] as ProcedureEntry;
  const access = entry.access;
  const scoped = access.type === "permission" || access.type === "member";
  let before: Checksums;

  beforeAll(async () => {
    before = await allTableChecksums(w.db);
  });

  if (entry.foreignStatus !== undefined) {
    it(`A's token with B's identifiers: ${entry.foreignStatus}, exactly like unknown identifiers, nothing of B`, async () => {
      const input = entry.input?.(fx.B);
      const foreign = await trpc(name, input, bearer(fx.A.token));
      const unknown = await trpc(name, entry.input?.(unknownObjects(fx.B)), bearer(fx.A.token));
      expect(foreign.status, foreign.text).toBe(entry.foreignStatus);
      expect(unknown.status, unknown.text).toBe(foreign.status);
      expect(masked(foreign.text, idsOf(fx.B))).toBe(masked(unknown.text, idsOf(fx.B)));
      expectNothingOf(fx.B, foreign, JSON.stringify(input));
      if (entry.foreignStatus === 404) expect(trpcCode(foreign)).toBe("NOT_FOUND");
      if (entry.foreignStatus === 400) expect(trpcCode(foreign)).toBe("BAD_REQUEST");
    });
  }

  if (scoped) {
    it("A's token and a portfolio token (A+C) naming tenant B: 404 exactly like an unknown tenant", async () => {
      for (const token of [fx.A.token, fx.portfolioToken]) {
        const base = entry.input?.(fx.A) as Record<string, unknown>;
        const foreign = await trpc(name, { ...base, tenantLocator: fx.B.tenantId }, bearer(token));
        const unknown = await trpc(name, { ...base, tenantLocator: UNKNOWN.tenant }, bearer(token));
        expect(foreign.status, foreign.text).toBe(404);
        expect(trpcCode(foreign)).toBe("NOT_FOUND");
        expect(masked(foreign.text, [fx.B.tenantId, UNKNOWN.tenant])).toBe(
          masked(unknown.text, [fx.B.tenantId, UNKNOWN.tenant]),
        );
        expectNothingOf(fx.B, foreign, fx.B.tenantId);
      }
    });
  }

  if (access.type === "portfolio") {
    it("A's token and a portfolio token (A+C) filtering on tenant B: exactly like an unknown tenant, nothing of B", async () => {
      for (const token of [fx.A.token, fx.portfolioToken]) {
        const foreign = await trpc(name, { enterpriseIds: [fx.B.tenantId], limitation: { count: 100 } }, bearer(token));
        const unknown = await trpc(
          name,
          { enterpriseIds: [UNKNOWN.tenant], limitation: { count: 100 } },
          bearer(token),
        );
        expect(foreign.status, foreign.text).toBe(404);
        expect(masked(foreign.text, [fx.B.tenantId, UNKNOWN.tenant])).toBe(
          masked(unknown.text, [fx.B.tenantId, UNKNOWN.tenant]),
        );
        expectNothingOf(fx.B, foreign, fx.B.tenantId);
      }
    });
  }

  if (access.type === "permission" || access.type === "portfolio") {
    it(`a token with every permission but ${access.permission} (and admin): 403 FORBIDDEN naming it`, async () => {
      const token = fx.lacking(access.permission);
      const res = await trpc(name, entry.input?.(fx.A), bearer(token));
      expect(res.status, res.text).toBe(403);
      expect(trpcCode(res)).toBe("FORBIDDEN");
      expect((res.json as { error: { message: string } }).error.message).toContain(access.permission);
      expect(leakIn(res.text)).toBeNull();
    });
  } else if (access.type === "user") {
    it(`only a user's session (${access.why}): an API token, even with every permission, is 403 FORBIDDEN`, async () => {
      for (const token of [fx.A.token, fx.noPermissionToken]) {
        const res = await trpc(name, entry.input?.(fx.A), bearer(token));
        expect(res.status, res.text).toBe(403);
        expect(trpcCode(res)).toBe("FORBIDDEN");
        expectNothingOf(fx.B, res, "");
      }
    });
  } else if (access.type !== "public") {
    it(`no permission is needed (${access.why}): a token with no permission at all is not refused`, async () => {
      const res = await trpc(name, entry.input?.(fx.A), bearer(fx.noPermissionToken));
      expect(res.status, res.text).toBe(200);
      expectNothingOf(fx.B, res, "");
    });
  }

  if (access.type === "public" && name === "auth.setPassword") {
    it(`public (${access.why}): an unknown link is 400 naming token, with or without a token`, async () => {
      for (const authorization of [undefined, bearer(fx.A.token), bearer(UNKNOWN_TOKEN)]) {
        const res = await trpc(name, entry.input?.(unknownObjects(fx.B)), authorization);
        expect(res.status, res.text).toBe(400);
        const issues = (res.json as { error: { data: { issues: { path: string; rule: string }[] } } }).error.data
          .issues;
        expect(issues.map((i) => [i.path, i.rule])).toEqual([["token", "invalid_link"]]);
        expectNothingOf(fx.B, res, "");
      }
    });
  } else if (access.type === "public") {
    it(`public (${access.why}): a wrong password for B's user is 401 exactly like an unknown email, with or without a token`, async () => {
      for (const authorization of [undefined, bearer(fx.A.token), bearer(UNKNOWN_TOKEN)]) {
        const wrong = await trpc(name, { email: fx.B.user.email, password: "not the password" }, authorization);
        const nobody = await trpc(
          name,
          { email: "nobody@reliability.test", password: "not the password" },
          authorization,
        );
        expect(wrong.status, wrong.text).toBe(401);
        expect(trpcCode(wrong)).toBe("UNAUTHORIZED");
        expect(masked(wrong.text, [])).toBe(masked(nobody.text, []));
        expectNothingOf(fx.B, wrong, fx.B.user.email);
      }
    });
  } else {
    it("no token: 401 UNAUTHORIZED", async () => {
      const res = await trpc(name, entry.input?.(fx.A), undefined);
      expect(res.status, res.text).toBe(401);
      expect(trpcCode(res)).toBe("UNAUTHORIZED");
      expect(leakIn(res.text)).toBeNull();
    });

    it("an unknown token and malformed Authorization headers: 401 UNAUTHORIZED", async () => {
      for (const authorization of [bearer(UNKNOWN_TOKEN), ...MALFORMED_AUTHORIZATION]) {
        const res = await trpc(name, entry.input?.(fx.A), authorization);
        expect(res.status, `${authorization.slice(0, 40)}: ${res.text}`).toBe(401);
        expect(trpcCode(res)).toBe("UNAUTHORIZED");
      }
    });
  }

  it(`changed no row of any table${entry.refusalWrites ? ` but ${entry.refusalWrites.join(", ")}` : ""}`, async () => {
    const expected = [...(entry.refusalWrites ?? [])].sort();
    const changed = changedTables(before, await allTableChecksums(w.db));
    expect(changed.filter((t) => !expected.includes(t))).toEqual([]);
  });

  it("the catalog's input is valid: B's own token with B's objects is accepted, and sees only B", async () => {
    const input = entry.input?.(fx.B);
    const credential =
      access.type === "public"
        ? undefined
        : access.type === "user"
          ? bearer(await sessionOf(fx.B))
          : bearer(fx.B.token);
    const res = await trpc(name, input, credential);
    expect(res.status, res.text).toBe(200);
    for (const other of [fx.A, fx.C]) expectNothingOf(other, res, "");
  });
});

// ---------------------------------------------------------------------------

describe.each(Object.keys(ROUTES).sort())("compatibility route %s", (id) => {
  const entry = ROUTES[id] as RouteEntry;
  const v = entry.vendor;
  let before: Checksums;

  beforeAll(async () => {
    before = await allTableChecksums(w.db);
  });

  /** A's request on some tenant's objects, in A's tenant (Socotra names the tenant in the path). */
  const inA = (t: TenantObjects) =>
    v === "socotra" ? withTenant(v, entry.request(t), fx.A.tenantId) : entry.request(t);

  if (entry.foreignStatus !== undefined) {
    it(`A's token with B's identifiers: ${entry.foreignStatus}, exactly like unknown identifiers, nothing of B`, async () => {
      const req = inA(fx.B);
      const foreign = await compat(withToken(v, req, fx.A.token));
      const unknown = await compat(withToken(v, inA(unknownObjects(fx.B)), fx.A.token));
      expect(foreign.status, foreign.text).toBe(entry.foreignStatus);
      expect(unknown.status).toBe(foreign.status);
      expect(masked(foreign.text, idsOf(fx.B))).toBe(masked(unknown.text, idsOf(fx.B)));
      expectNothingOf(fx.B, foreign, JSON.stringify(req));
    });
  }

  it("A's token and a portfolio token (A+C) naming tenant B: exactly like an unknown tenant, the vendor's not-found", async () => {
    // Mews ignores EnterpriseId for a token bound to one enterprise (it then acts in A, its own; see
    // packages/compat/test/mews-errors.test.ts): only the portfolio token names a tenant there.
    for (const token of v === "mews" ? [fx.portfolioToken] : [fx.A.token, fx.portfolioToken]) {
      const foreign = await compat(withToken(v, withTenant(v, entry.request(fx.A), fx.B.tenantId), token));
      const unknown = await compat(withToken(v, withTenant(v, entry.request(fx.A), UNKNOWN.tenant), token));
      // Mews answers an unknown identifier (the enterprise too) with 400; the others with 404.
      expect(foreign.status, foreign.text).toBe(v === "mews" ? 400 : 404);
      expect(masked(foreign.text, [fx.B.tenantId, UNKNOWN.tenant])).toBe(
        masked(unknown.text, [fx.B.tenantId, UNKNOWN.tenant]),
      );
      expect(vendorCode(v, foreign)).toBe(v === "ormb" ? "Failure" : "NOT_FOUND");
      expectNothingOf(fx.B, foreign, fx.B.tenantId);
    }
  });

  it(`a token with every permission but ${entry.permission} (and admin): 403`, async () => {
    const res = await compat(withToken(v, entry.request(fx.A), fx.lacking(entry.permission)));
    expect(res.status, res.text).toBe(403);
    expect(vendorCode(v, res)).toBe(v === "ormb" ? "Failure" : "FORBIDDEN");
    expect(res.text).toContain(entry.permission);
    expect(leakIn(res.text)).toBeNull();
  });

  it("no token: 401", async () => {
    const res = await compat(withToken(v, entry.request(fx.A), undefined));
    expect(res.status, res.text).toBe(401);
    expect(vendorCode(v, res)).toBe(v === "ormb" ? "Failure" : "UNAUTHORIZED");
    expect(leakIn(res.text)).toBeNull();
  });

  it("an unknown token and malformed credentials: 401", async () => {
    const variants: CompatRequest[] = [withToken(v, entry.request(fx.A), UNKNOWN_TOKEN)];
    if (v === "socotra" || v === "ormb") {
      for (const authorization of MALFORMED_AUTHORIZATION) {
        const req = entry.request(fx.A);
        variants.push({ ...req, headers: { ...req.headers, authorization } });
      }
    } else {
      const field = v === "mews" ? "AccessToken" : "token";
      for (const bad of [42, "", "short", "x".repeat(300), ["hft_list"], { token: UNKNOWN_TOKEN }]) {
        const req = entry.request(fx.A);
        variants.push({ ...req, body: { ...(req.body as object), [field]: bad } });
      }
    }
    for (const req of variants) {
      const res = await compat(req);
      expect(res.status, `${JSON.stringify(req.headers)} ${res.text}`).toBe(401);
      expect(vendorCode(v, res)).toBe(v === "ormb" ? "Failure" : "UNAUTHORIZED");
    }
  });

  it("changed no row of any table", async () => {
    expect(changedTables(before, await allTableChecksums(w.db))).toEqual([]);
  });

  it("the catalog's request is valid: C's own token with C's objects is accepted, and sees only C", async () => {
    const res = await compat(withToken(v, entry.request(fx.C), fx.C.token));
    expect(res.status, res.text).toBe(200);
    if (v === "ormb") expect(vendorCode(v, res), res.text).toBe("Success");
    for (const other of [fx.A, fx.B]) expectNothingOf(other, res, "");
  });
});

// ---------------------------------------------------------------------------

describe.each(Object.keys(EXPORTS).sort())("CSV export %s", (id) => {
  const entry = EXPORTS[id] as ExportEntry;
  let before: Checksums;

  beforeAll(async () => {
    before = await allTableChecksums(w.db);
  });

  const get = async (input: unknown, authorization?: string) =>
    withJson(
      await client.send({
        method: "GET",
        path: `${entry.path}?input=${encodeURIComponent(JSON.stringify(input))}`,
        headers: authorization === undefined ? {} : { authorization },
      }),
    );

  it("A's token with B's identifiers: exactly like unknown identifiers, nothing of B", async () => {
    const foreign = await get(entry.filters(fx.B), bearer(fx.A.token));
    const unknown = await get(entry.filters(unknownObjects(fx.B)), bearer(fx.A.token));
    expect(foreign.status, foreign.text).toBe(200);
    expect(unknown.status).toBe(200);
    expect(masked(foreign.text, idsOf(fx.B))).toBe(masked(unknown.text, idsOf(fx.B)));
    expectNothingOf(fx.B, foreign, JSON.stringify(entry.filters(fx.B)));
  });

  it("A's token and a portfolio token (A+C) naming tenant B: 404, exactly like an unknown tenant", async () => {
    for (const token of [fx.A.token, fx.portfolioToken]) {
      const foreign = await get({ ...entry.filters(fx.A), tenantLocator: fx.B.tenantId }, bearer(token));
      const unknown = await get({ ...entry.filters(fx.A), tenantLocator: UNKNOWN.tenant }, bearer(token));
      expect(foreign.status, foreign.text).toBe(404);
      expect(trpcCode(foreign)).toBe("NOT_FOUND");
      expect(masked(foreign.text, [fx.B.tenantId, UNKNOWN.tenant])).toBe(
        masked(unknown.text, [fx.B.tenantId, UNKNOWN.tenant]),
      );
      expectNothingOf(fx.B, foreign, fx.B.tenantId);
    }
  });

  const permission = entry.permission;
  if (permission) {
    it(`a token with every permission but ${permission} (and admin): 403`, async () => {
      const res = await get(entry.filters(fx.A), bearer(fx.lacking(permission)));
      expect(res.status, res.text).toBe(403);
      expect(trpcCode(res)).toBe("FORBIDDEN");
      expect(res.text).toContain(permission);
    });
  }

  it("no token, an unknown token and malformed Authorization headers: 401 before any CSV", async () => {
    for (const authorization of [undefined, bearer(UNKNOWN_TOKEN), ...MALFORMED_AUTHORIZATION]) {
      const res = await get(entry.filters(fx.A), authorization);
      expect(res.status, `${authorization} ${res.text}`).toBe(401);
      expect(res.headers["content-type"]).toBe("application/json");
      expect(trpcCode(res)).toBe("UNAUTHORIZED");
    }
  });

  it("changed no row of any table", async () => {
    expect(changedTables(before, await allTableChecksums(w.db))).toEqual([]);
  });

  it("the catalog's filters are valid: B's own token gets B's CSV, and nothing of A or C", async () => {
    const res = await get(entry.filters(fx.B), bearer(fx.B.token));
    expect(res.status, res.text).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    for (const other of [fx.A, fx.C]) expectNothingOf(other, res, "");
  });
});

// ---------------------------------------------------------------------------

describe("portfolio reads see only the tenants granted", () => {
  it("automations.getAll with a portfolio token (A+C) returns A's and C's automations, never B's", async () => {
    const res = await trpc("automations.getAll", { limitation: { count: 1000 } }, bearer(fx.portfolioToken));
    expect(res.status, res.text).toBe(200);
    const list = (res.json as { result: { data: { automations: { id: string; enterpriseId: string }[] } } }).result.data
      .automations;
    const tenants = new Set(list.map((a) => a.enterpriseId));
    expect([...tenants].sort()).toEqual([fx.A.tenantId, fx.C.tenantId].sort());
    expect(list.map((a) => a.id)).toContain(fx.A.automations.get);
    expect(list.map((a) => a.id)).toContain(fx.C.automations.get);
    expectNothingOf(fx.B, res, "");
  });

  it("Mews getAll with the portfolio token: A's and C's, never B's", async () => {
    const req = withToken("mews", ROUTES["mews.getAll"]?.request(fx.A) as CompatRequest, fx.portfolioToken);
    const res = await compat({ ...req, body: { ...(req.body as object), BillingAutomationIds: undefined } });
    expect(res.status, res.text).toBe(200);
    const ids = (res.json as { BillingAutomations: { Id: string; EnterpriseId: string }[] }).BillingAutomations;
    expect(new Set(ids.map((a) => a.EnterpriseId))).toEqual(new Set([fx.A.tenantId, fx.C.tenantId]));
    expectNothingOf(fx.B, res, "");
  });

  it("a token reading automations in A only (other rights in C) sees A's automations only", async () => {
    const { createApiToken } = await import("@holdfast/services");
    const mixed = (
      await createApiToken(w.db, {
        name: "mixed",
        grants: [
          { tenantId: fx.A.tenantId, permissions: ["automations:read"] },
          { tenantId: fx.C.tenantId, permissions: ["holds:read", "automations:write"] },
        ],
      })
    ).secret;
    const res = await trpc("automations.getAll", { limitation: { count: 1000 } }, bearer(mixed));
    expect(res.status, res.text).toBe(200);
    const list = (res.json as { result: { data: { automations: { enterpriseId: string }[] } } }).result.data
      .automations;
    expect(list.length).toBeGreaterThan(0);
    expect(new Set(list.map((a) => a.enterpriseId))).toEqual(new Set([fx.A.tenantId]));
    // Naming C explicitly does not widen it.
    const named = await trpc(
      "automations.getAll",
      { enterpriseIds: [fx.C.tenantId], limitation: { count: 1000 } },
      bearer(mixed),
    );
    expect(named.status).toBeGreaterThanOrEqual(400);
    expectNothingOf(fx.C, named, fx.C.tenantId);
  });

  it("auth.me with the portfolio token lists A and C, not B", async () => {
    const res = await trpc("auth.me", undefined, bearer(fx.portfolioToken));
    const tenants = (res.json as { result: { data: { tenants: { tenantLocator: string }[] } } }).result.data.tenants;
    expect(tenants.map((t) => t.tenantLocator).sort()).toEqual([fx.A.tenantId, fx.C.tenantId].sort());
    expectNothingOf(fx.B, res, "");
  });

  it("a portfolio token must name its tenant on tenant-scoped calls (400 naming tenantLocator), and nothing changed", async () => {
    const before = await allTableChecksums(w.db);
    for (const [name, entry] of Object.entries(PROCEDURES)) {
      if (entry.access.type !== "permission" && entry.access.type !== "member") continue;
      const res = await trpc(name, entry.input?.(fx.A), bearer(fx.portfolioToken));
      expect(res.status, `${name}: ${res.text}`).toBe(400);
      expect(res.text).toContain("tenantLocator");
    }
    expect(changedTables(before, await allTableChecksums(w.db))).toEqual([]);
  });

  it("the server process is still alive and healthy", async () => {
    expect(server.alive()).toBe(true);
    const res = await client.send({ method: "GET", path: "/healthz" });
    expect(res.status).toBe(200);
  });
});
