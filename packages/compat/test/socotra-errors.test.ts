import type { Permission } from "@holdfast/domain";
import { authenticate, revokeCredentials } from "@holdfast/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCompatApp } from "../src/app.ts";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

/**
 * Every error path of every Socotra route, with its status and its one body
 * `{ "error": { status, code, message, issues } }`: 401 without or with a bad
 * token, 400 for a bad tenant, locator, body, query or key, 403 without the
 * permission, 404 for unknown and foreign holds, accounts and tenants alike,
 * 409 for moves the state refuses, 412, 413, 422, 405, and a 500 that shows
 * nothing of its cause. Nothing is changed by a refused request.
 */

let w: CompatWorld;
let tenant: string;
let foreignTenant: string;
let token: string;
let foreignToken: string;
let account: string;
let foreignAccount: string;
let foreignHold: string;

const UNKNOWN_ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const MOVES = ["validate", "activate", "release", "reset", "discard"] as const;

beforeAll(async () => {
  w = await createCompatWorld();
  tenant = await w.tenant("Errors tenant");
  foreignTenant = await w.tenant("Foreign tenant");
  token = await w.token(tenant);
  foreignToken = await w.token(foreignTenant);
  account = (await w.account(tenant)).locator;
  foreignAccount = (await w.account(foreignTenant)).locator;
  const res = await w.request(`/billing/${foreignTenant}/holds`, {
    method: "POST",
    token: foreignToken,
    body: { accountLocator: foreignAccount, targetType: "invoicing" },
  });
  foreignHold = (res.json as { locator: string }).locator;
});
afterAll(() => w?.close());

/** The nine routes, on a tenant and a hold locator. */
function routes(t: string, locator: string, accountLocator = account) {
  return [
    { name: "fetch", method: "GET", path: `/billing/${t}/holds/${locator}`, permission: "holds:read" },
    {
      name: "list",
      method: "GET",
      path: `/billing/${t}/holds/accounts/${accountLocator}/list`,
      permission: "holds:list",
    },
    {
      name: "create",
      method: "POST",
      path: `/billing/${t}/holds`,
      body: { accountLocator, targetType: "invoicing" },
      permission: "holds:write",
    },
    { name: "update", method: "PATCH", path: `/billing/${t}/holds/${locator}`, body: {}, permission: "holds:write" },
    ...MOVES.map((m) => ({
      name: m,
      method: "PATCH",
      path: `/billing/${t}/holds/${locator}/${m}`,
      permission: "holds:write",
    })),
  ] as { name: string; method: string; path: string; body?: unknown; permission: Permission }[];
}

function expectError(res: { status: number; json: unknown }, status: number, code: string, message?: string | RegExp) {
  expect(res.status).toBe(status);
  const body = res.json as { error: { status: number; code: string; message: string; issues: unknown[] } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error)).toEqual(["status", "code", "message", "issues"]);
  expect(body.error.status).toBe(status);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  if (message !== undefined) expect(body.error.message).toMatch(message);
  expect(Array.isArray(body.error.issues)).toBe(true);
  return body.error;
}

async function holdIn(state: "draft" | "validated" | "active" | "released" | "discarded", dates: object = {}) {
  const accountLocator = (await w.account(tenant)).locator;
  const req = (method: string, path: string, body?: unknown) =>
    w.request(`/billing/${tenant}/holds${path}`, { method, token, body });
  const created = await req("POST", "", { accountLocator, targetType: "invoicing", ...dates });
  const locator = (created.json as { locator: string }).locator;
  const steps: Record<string, string[]> = {
    draft: [],
    validated: ["validate"],
    active: ["validate", "activate"],
    released: ["validate", "activate", "release"],
    discarded: ["discard"],
  };
  for (const step of steps[state] ?? []) expect((await req("PATCH", `/${locator}/${step}`)).status).toBe(200);
  return locator;
}

async function countHolds() {
  const api = await w.api(token);
  return (await api.holds.list({ limit: 500 })).items.length;
}

describe("401: no token, or one that is not valid", () => {
  it.each([
    ["no Authorization header", undefined],
    ["an unknown bearer token", "Bearer hft_not_a_real_token_at_all"],
    ["an empty bearer token", "Bearer "],
    ["another scheme", "Basic dXNlcjpwYXNz"],
  ])("%s: every route answers 401 with WWW-Authenticate", async (_name, authorization) => {
    for (const r of routes(tenant, UNKNOWN_ULID)) {
      const res = await w.request(r.path, {
        method: r.method,
        body: r.body,
        headers: authorization === undefined ? {} : { authorization },
      });
      expectError(res, 401, "UNAUTHORIZED", "a valid access token is required");
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="holdfast"');
    }
  });

  it("a revoked token is refused", async () => {
    const secret = await w.token(tenant);
    expect((await w.request(`/billing/${tenant}/holds/${UNKNOWN_ULID}`, { token: secret })).status).toBe(404);
    const principal = await authenticate(w.db, secret, w.clock.now());
    await revokeCredentials(w.db, [principal?.credentialId ?? ""], w.clock.now());
    expectError(await w.request(`/billing/${tenant}/holds/${UNKNOWN_ULID}`, { token: secret }), 401, "UNAUTHORIZED");
  });
});

describe("400: the path's tenantLocator must be a UUID", () => {
  it.each(["not-a-uuid", "12345", "00000000-0000-0000-0000-00000000000g"])("%s: every route", async (bad) => {
    for (const r of routes(bad, UNKNOWN_ULID)) {
      const res = await w.request(r.path, { method: r.method, token, body: r.body });
      const error = expectError(res, 400, "BAD_REQUEST", "tenantLocator");
      expect(error.issues).toEqual([
        { path: "tenantLocator", rule: "uuid", message: "the path's tenantLocator must be a UUID" },
      ]);
    }
  });
});

describe("400: locators must be ULIDs", () => {
  it.each(["abc", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAU", "01arz3ndektsv4rrffq69g5fav"])(
    "hold locator %s: fetch, update and every move",
    async (bad) => {
      for (const r of routes(tenant, bad).filter((x) => x.name !== "list" && x.name !== "create")) {
        const res = await w.request(r.path, { method: r.method, token, body: r.body });
        const error = expectError(res, 400, "BAD_REQUEST");
        expect(error.issues).toEqual([
          { path: "locator", rule: "ulid", message: expect.stringContaining("must be a ULID") },
        ]);
      }
    },
  );

  it("account locator of the list", async () => {
    const res = await w.request(`/billing/${tenant}/holds/accounts/not-an-account/list`, { token });
    expect(expectError(res, 400, "BAD_REQUEST").issues).toEqual([
      { path: "accountLocator", rule: "ulid", message: expect.stringContaining("must be a ULID") },
    ]);
  });
});

describe("400: bad bodies name the field and the rule, and change nothing", () => {
  const cases: [string, string | object | undefined, { path: string; rule: string }[]][] = [
    ["no body", undefined, [{ path: "(body)", rule: "required" }]],
    ["an empty body", "", [{ path: "(body)", rule: "required" }]],
    ["not JSON", "{accountLocator:", [{ path: "(body)", rule: "json" }]],
    [
      "JSON with a trailing comma (Socotra bodies are strict JSON)",
      '{"targetType":"invoicing",}',
      [{ path: "(body)", rule: "json" }],
    ],
    ["an array", [], [{ path: "(input)", rule: "invalid_type" }]],
    ["null", "null", [{ path: "(input)", rule: "invalid_type" }]],
    ["no accountLocator", { targetType: "invoicing" }, [{ path: "accountLocator", rule: "invalid_type" }]],
    ["no targetType", { accountLocator: UNKNOWN_ULID }, [{ path: "targetType", rule: "invalid_value" }]],
    [
      "a targetType Socotra does not have",
      { accountLocator: UNKNOWN_ULID, targetType: "funding" },
      [{ path: "targetType", rule: "invalid_value" }],
    ],
    [
      "an accountLocator that is no ULID",
      { accountLocator: "acc-1", targetType: "invoicing" },
      [{ path: "accountLocator", rule: "invalid_format" }],
    ],
    [
      "a number for accountLocator",
      { accountLocator: 42, targetType: "invoicing" },
      [{ path: "accountLocator", rule: "invalid_type" }],
    ],
    [
      "an unknown field",
      { accountLocator: UNKNOWN_ULID, targetType: "invoicing", holdType: "x" },
      [{ path: "(input)", rule: "unrecognized_keys" }],
    ],
    [
      "an end date that is no calendar date",
      { accountLocator: UNKNOWN_ULID, targetType: "invoicing", endDate: "2027-02-30" },
      [{ path: "endDate", rule: "calendar_date" }],
    ],
    [
      "comments with a NUL",
      { accountLocator: UNKNOWN_ULID, targetType: "invoicing", comments: "a\u0000b" },
      [{ path: "comments", rule: "no_nul" }],
    ],
  ];
  it.each(cases)("create: %s", async (_name, body, issues) => {
    const before = await countHolds();
    const res = await w.request(`/billing/${tenant}/holds`, { method: "POST", token, body });
    const error = expectError(res, 400, "BAD_REQUEST");
    expect(error.issues).toEqual(issues.map((i) => ({ ...i, message: expect.any(String) })));
    expect(error.message).toContain(issues[0]?.path);
    expect(await countHolds()).toBe(before);
  });

  it("create: an account of another tenant is unknown here", async () => {
    const res = await w.request(`/billing/${tenant}/holds`, {
      method: "POST",
      token,
      body: { accountLocator: foreignAccount, targetType: "invoicing" },
    });
    expect(expectError(res, 400, "BAD_REQUEST").issues).toEqual([
      {
        path: "accountLocator",
        rule: "account_not_found",
        message: `account ${foreignAccount} does not exist in this tenant`,
      },
    ]);
  });

  it.each([
    ["not JSON", "nope", "(body)", "json"],
    ["a bad targetType", { targetType: "overdue" }, "targetType", "invalid_value"],
    ["a bad accountLocator", { accountLocator: "x" }, "accountLocator", "invalid_format"],
    ["an unknown field", { holdState: "active" }, "(input)", "unrecognized_keys"],
    ["a string body", '"draft"', "(input)", "invalid_type"],
  ])("update: %s", async (_name, body, path, rule) => {
    const locator = await holdIn("draft");
    const res = await w.request(`/billing/${tenant}/holds/${locator}`, { method: "PATCH", token, body });
    expect(expectError(res, 400, "BAD_REQUEST").issues).toMatchObject([{ path, rule }]);
    const api = await w.api(token);
    expect((await api.holds.get({ locator })).version).toBe(1);
  });

  it("update: moving a hold to an account of another tenant", async () => {
    const locator = await holdIn("draft");
    const res = await w.request(`/billing/${tenant}/holds/${locator}`, {
      method: "PATCH",
      token,
      body: { accountLocator: foreignAccount },
    });
    expect(expectError(res, 400, "BAD_REQUEST").issues).toMatchObject([
      { path: "accountLocator", rule: "account_not_found" },
    ]);
  });

  it("a body over 1 MiB: 413", async () => {
    const res = await w.request(`/billing/${tenant}/holds`, {
      method: "POST",
      token,
      body: { accountLocator: account, targetType: "invoicing", comments: "x".repeat(1024 * 1024) },
    });
    expect(expectError(res, 413, "PAYLOAD_TOO_LARGE").issues).toEqual([
      { path: "(body)", rule: "max_size", message: "at most 1048576 bytes" },
    ]);
  });

  it("a too long comment: 400 naming it", async () => {
    const res = await w.request(`/billing/${tenant}/holds`, {
      method: "POST",
      token,
      body: { accountLocator: account, targetType: "invoicing", comments: "x".repeat(2001) },
    });
    expect(expectError(res, 400, "BAD_REQUEST").issues).toMatchObject([{ path: "comments", rule: "too_big" }]);
  });
});

describe("400: bad list queries", () => {
  const cases: [string, string, string][] = [
    ["state=bogus", "state", "invalid_value"],
    ["state=DRAFT", "state", "invalid_value"],
    ["offset=-1", "offset", "integer"],
    ["offset=1.5", "offset", "integer"],
    ["offset=abc", "offset", "integer"],
    ["offset=2000000", "offset", "too_big"],
    ["count=0", "count", "too_small"],
    ["count=1001", "count", "too_big"],
    ["count=", "count", "integer"],
    ["count=9999999999", "count", "integer"],
    ["extended=yes", "extended", "boolean"],
    ["extended=1", "extended", "boolean"],
    ["status=active", "(input)", "unrecognized_keys"],
    ["state=draft&state=active", "state", "repeated"],
  ];
  it.each(cases)("?%s", async (query, path, rule) => {
    const res = await w.request(`/billing/${tenant}/holds/accounts/${account}/list?${query}`, { token });
    expect(expectError(res, 400, "BAD_REQUEST").issues).toMatchObject([{ path, rule }]);
  });
});

describe("400: a bad Idempotency-Key header", () => {
  it.each(["has space", "x".repeat(256), "tab\tkey"])("%s", async (key) => {
    const before = await countHolds();
    const res = await w.request(`/billing/${tenant}/holds`, {
      method: "POST",
      token,
      body: { accountLocator: account, targetType: "invoicing" },
      headers: { "Idempotency-Key": key },
    });
    expect(expectError(res, 400, "BAD_REQUEST").issues).toMatchObject([
      { path: "Idempotency-Key", rule: "idempotency_key" },
    ]);
    expect(await countHolds()).toBe(before);
  });
});

describe("403: the permission each route needs (holds read, list, write)", () => {
  it("a token with every holds permission but the route's one is refused; with only that one, it passes the check", async () => {
    const locator = await holdIn("draft");
    const all: Permission[] = ["holds:read", "holds:list", "holds:write"];
    for (const r of routes(tenant, locator)) {
      const without = await w.token([{ tenantId: tenant, permissions: all.filter((p) => p !== r.permission) }]);
      const res = await w.request(r.path, { method: r.method, token: without, body: r.body });
      expectError(res, 403, "FORBIDDEN", `lacks the ${r.permission} permission`);
      const only = await w.token([{ tenantId: tenant, permissions: [r.permission] }]);
      const passed = await w.request(r.path, { method: r.method, token: only, body: r.body });
      expect(passed.status, `${r.name}: ${passed.text}`).not.toBe(403);
    }
  });

  it("another group's permissions (automations, subscriptions) do not reach holds; admin does", async () => {
    const others = await w.token([
      { tenantId: tenant, permissions: ["automations:read", "automations:write", "subscriptions:write"] },
    ]);
    expectError(await w.request(`/billing/${tenant}/holds/${UNKNOWN_ULID}`, { token: others }), 403, "FORBIDDEN");
    const admin = await w.token([{ tenantId: tenant, permissions: ["admin"] }]);
    expectError(await w.request(`/billing/${tenant}/holds/${UNKNOWN_ULID}`, { token: admin }), 404, "NOT_FOUND");
  });

  it("a refused write changes nothing", async () => {
    const locator = await holdIn("draft");
    const readOnly = await w.token([{ tenantId: tenant, permissions: ["holds:read", "holds:list"] }]);
    for (const m of MOVES) {
      expect(
        (await w.request(`/billing/${tenant}/holds/${locator}/${m}`, { method: "PATCH", token: readOnly })).status,
      ).toBe(403);
    }
    const api = await w.api(token);
    expect(await api.holds.get({ locator })).toMatchObject({ holdState: "draft", version: 1 });
  });
});

describe("404: unknown and foreign answer alike", () => {
  it("an unknown hold: fetch, update and every move", async () => {
    for (const r of routes(tenant, UNKNOWN_ULID).filter((x) => x.name !== "list" && x.name !== "create")) {
      const res = await w.request(r.path, { method: r.method, token, body: r.body });
      expectError(res, 404, "NOT_FOUND", `hold ${UNKNOWN_ULID} was not found`);
    }
  });

  it("another tenant's hold, on our tenant's path: the same 404, and it is left untouched", async () => {
    for (const r of routes(tenant, foreignHold).filter((x) => x.name !== "list" && x.name !== "create")) {
      const res = await w.request(r.path, { method: r.method, token, body: r.body });
      const unknown = await w.request(r.path.replace(foreignHold, UNKNOWN_ULID), {
        method: r.method,
        token,
        body: r.body,
      });
      expectError(res, 404, "NOT_FOUND", `hold ${foreignHold} was not found`);
      expect(res.status).toBe(unknown.status);
    }
    const api = await w.api(foreignToken);
    expect(await api.holds.get({ locator: foreignHold })).toMatchObject({ holdState: "draft", version: 1 });
  });

  it("another tenant's path: every route answers 404 (the tenant is not the token's), whatever the permissions", async () => {
    for (const r of routes(foreignTenant, foreignHold, foreignAccount)) {
      const res = await w.request(r.path, { method: r.method, token, body: r.body });
      expectError(res, 404, "NOT_FOUND", `tenant ${foreignTenant} was not found`);
    }
    const noPermissions = await w.token([{ tenantId: tenant, permissions: [] }]);
    expectError(
      await w.request(`/billing/${foreignTenant}/holds/${foreignHold}`, { token: noPermissions }),
      404,
      "NOT_FOUND",
    );
    // An unknown tenant answers the same.
    expectError(
      await w.request(`/billing/00000000-0000-4000-8000-000000000000/holds/${foreignHold}`, { token }),
      404,
      "NOT_FOUND",
      "tenant 00000000-0000-4000-8000-000000000000 was not found",
    );
  });

  it("the list of an unknown account, or of another tenant's", async () => {
    expectError(
      await w.request(`/billing/${tenant}/holds/accounts/${UNKNOWN_ULID}/list`, { token }),
      404,
      "NOT_FOUND",
      `account ${UNKNOWN_ULID} was not found`,
    );
    expectError(
      await w.request(`/billing/${tenant}/holds/accounts/${foreignAccount}/list`, { token }),
      404,
      "NOT_FOUND",
      `account ${foreignAccount} was not found`,
    );
  });

  it("no such route: 404 in the same body; a known path with another method: 405 with Allow", async () => {
    expectError(await w.request(`/billing/${tenant}/holdz`, { token }), 404, "NOT_FOUND", "no route GET");
    expectError(
      await w.request(`/billing/${tenant}/holds/${UNKNOWN_ULID}/approve`, { method: "PATCH", token }),
      404,
      "NOT_FOUND",
    );
    const del = await w.request(`/billing/${tenant}/holds/${UNKNOWN_ULID}`, { method: "DELETE", token });
    expectError(del, 405, "METHOD_NOT_ALLOWED");
    expect(del.headers.get("allow")).toBe("GET, PATCH");
    const postMove = await w.request(`/billing/${tenant}/holds/${UNKNOWN_ULID}/validate`, { method: "POST", token });
    expectError(postMove, 405, "METHOD_NOT_ALLOWED");
    expect(postMove.headers.get("allow")).toBe("PATCH");
    expect((await w.request(`/billing/${tenant}/holds`, { method: "GET", token })).headers.get("allow")).toBe("POST");
    expect(
      (await w.request(`/billing/${tenant}/holds/accounts/${account}/list`, { method: "POST", token })).status,
    ).toBe(405);
  });
});

describe("409: a move the state does not allow names the state and the allowed moves", () => {
  const refused: [string, string, string][] = [
    ["draft", "activate", "Cannot activate a hold in state draft; allowed moves: update, validate, discard."],
    ["draft", "release", "Cannot release a hold in state draft; allowed moves: update, validate, discard."],
    ["draft", "reset", "Cannot reset a hold in state draft; allowed moves: update, validate, discard."],
    ["validated", "validate", "Cannot validate a hold in state validated; allowed moves: activate, reset, discard."],
    ["validated", "release", "Cannot release a hold in state validated; allowed moves: activate, reset, discard."],
    ["validated", "update", "Cannot update a hold in state validated; allowed moves: activate, reset, discard."],
    ["active", "validate", "Cannot validate a hold in state active; allowed moves: release, amend."],
    ["active", "activate", "Cannot activate a hold in state active; allowed moves: release, amend."],
    ["active", "reset", "Cannot reset a hold in state active; allowed moves: release, amend."],
    ["active", "discard", "Cannot discard a hold in state active; allowed moves: release, amend."],
    ["active", "update", "Cannot update a hold in state active; allowed moves: release, amend."],
    ["released", "release", "Cannot release a hold in state released; released is a final state and allows no moves."],
    ["released", "discard", "Cannot discard a hold in state released; released is a final state and allows no moves."],
    ["released", "update", "Cannot update a hold in state released; released is a final state and allows no moves."],
    [
      "discarded",
      "validate",
      "Cannot validate a hold in state discarded; discarded is a final state and allows no moves.",
    ],
    [
      "discarded",
      "discard",
      "Cannot discard a hold in state discarded; discarded is a final state and allows no moves.",
    ],
    ["discarded", "update", "Cannot update a hold in state discarded; discarded is a final state and allows no moves."],
  ];
  it.each(refused)("%s → %s", async (state, move, message) => {
    const locator = await holdIn(state as "draft");
    const path =
      move === "update" ? `/billing/${tenant}/holds/${locator}` : `/billing/${tenant}/holds/${locator}/${move}`;
    const res = await w.request(path, {
      method: "PATCH",
      token,
      body: move === "update" ? { targetType: "delinquency" } : undefined,
    });
    const error = expectError(res, 409, "INVALID_TRANSITION");
    expect(error.message).toBe(message);
    expect(error.issues).toEqual([]);
    const api = await w.api(token);
    expect((await api.holds.get({ locator })).holdState).toBe(state);
  });

  it("a second validated hold of the account over the same dates is kept in draft, not refused", async () => {
    const accountLocator = (await w.account(tenant)).locator;
    const post = () =>
      w.request(`/billing/${tenant}/holds`, {
        method: "POST",
        token,
        body: { accountLocator, targetType: "invoicing" },
      });
    const a = (await post()).json as { locator: string };
    const b = (await post()).json as { locator: string };
    expect(
      (await w.request(`/billing/${tenant}/holds/${a.locator}/validate`, { method: "PATCH", token })).json,
    ).toMatchObject({
      holdState: "validated",
    });
    const res = await w.request(`/billing/${tenant}/holds/${b.locator}/validate`, { method: "PATCH", token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      holdState: "draft",
      validationResult: {
        success: false,
        validationItems: [
          {
            elementType: "hold",
            locator: b.locator,
            errors: [expect.stringMatching(/^targets\[0\]\.process: hold .* already holds invoicing/)],
          },
        ],
      },
    });
  });
});

describe("the clock moves: 412 on an activation whose re-check fails, 409 on releasing an ended hold", () => {
  it("412: a validated hold whose start date has passed cannot be activated", async () => {
    const locator = await holdIn("validated", { startDate: "2027-03-11", endDate: "2027-03-20" });
    w.clock.set("2027-03-12T12:00:00Z");
    try {
      const res = await w.request(`/billing/${tenant}/holds/${locator}/activate`, { method: "PATCH", token });
      const error = expectError(res, 412, "HOLD_INVALID", `Cannot activate hold ${locator}`);
      expect(error.issues).toEqual([
        { path: "startDate", rule: "not_in_past", message: "start date 2027-03-11 is before today (2027-03-12)" },
      ]);
    } finally {
      w.clock.set("2027-03-10T12:00:00Z");
    }
    const api = await w.api(token);
    expect((await api.holds.get({ locator })).holdState).toBe("validated");
  });

  it("409: an active hold past its end date can no longer be released (the worker ends it)", async () => {
    const locator = await holdIn("active", { endDate: "2027-03-11" });
    w.clock.set("2027-03-13T12:00:00Z");
    try {
      const res = await w.request(`/billing/${tenant}/holds/${locator}/release`, { method: "PATCH", token });
      expectError(
        res,
        409,
        "HOLD_ENDED",
        `Cannot release hold ${locator}: its end date 2027-03-11 has passed; the worker releases it.`,
      );
    } finally {
      w.clock.set("2027-03-10T12:00:00Z");
    }
  });
});

describe("409: two moves of one hold at once", () => {
  it("exactly one applies; the other gets a 409 conflict", async () => {
    const locator = await holdIn("validated");
    const results = await Promise.all(
      // In any order only one of these can apply: activate → active, which neither activate nor discard leaves.
      ["activate", "discard", "activate"].map((m) =>
        w.request(`/billing/${tenant}/holds/${locator}/${m}`, { method: "PATCH", token }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(["INVALID_TRANSITION", "CONCURRENT_MODIFICATION"]).toContain(
        (r.json as { error: { code: string } }).error.code,
      );
    }
  });
});

describe("500: an unexpected fault shows nothing of its cause", () => {
  it("answers the error body with a generic message, and logs the cause", async () => {
    const logged: object[] = [];
    // A clock that yields an invalid date: authentication passes, the business date cannot be computed.
    const broken = createCompatApp({
      db: w.db,
      clock: { now: () => new Date(Number.NaN) },
      logger: { error: (obj) => logged.push(obj) },
    });
    // The list of an existing account: the account is found, then the business date fails.
    const res = await broken.request(`/billing/${tenant}/holds/accounts/${account}/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: { status: 500, code: "INTERNAL", message: "Internal error; it has been logged.", issues: [] },
    });
    expect(text).not.toMatch(/at .*\.ts|select|Invalid time|RangeError/i);
    expect(logged).toHaveLength(1);
  });
});
