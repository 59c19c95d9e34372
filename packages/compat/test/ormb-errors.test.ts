import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCompatApp } from "../src/app.ts";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

/**
 * Every error path of the ORMB routes, each answered in the route's envelope
 * with `requestProcessStatus: "Failure"` and `errormsg`: 401, 403, the
 * X-Tenant-Locator header, every kind of malformed body (400 naming the field
 * and rule, or the position in the text), 413, 404 for unknown and foreign
 * hold requests, 405, unknown routes, and a 500 that shows nothing. None of
 * them changes anything.
 */

type Envelope = Record<string, Record<string, unknown>>;

let w: CompatWorld;
let tenant: string;
let foreignTenant: string;
let token: string;
let hold: { locator: string; version: number; ormbId: number };
let foreignHold: string;

const UNKNOWN_ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const KEYS = { update: "UpdateHoldRequest", create: "CreateHoldRequest", read: "ReadHoldRequest" } as const;
type Route = keyof typeof KEYS;

beforeAll(async () => {
  w = await createCompatWorld({ now: "2022-01-10T12:00:00Z" });
  tenant = await w.tenant("ORMB errors");
  foreignTenant = await w.tenant("ORMB foreign");
  token = await w.token(tenant);
  const account = (await w.account(tenant, "Entity", "0122334455")).locator;
  const api = await w.api(token);
  const created = await api.holds.create({
    accountLocator: account,
    targets: [{ process: "invoicing" }, { process: "funding" }],
  });
  await api.holds.validate({ locator: created.locator });
  hold = await api.holds.activate({ locator: created.locator });
  const foreignToken = await w.token(foreignTenant);
  const foreignAccount = (await w.account(foreignTenant, "Foreign", "0122334455")).locator;
  foreignHold = (
    await (
      await w.api(foreignToken)
    ).holds.create({ accountLocator: foreignAccount, targets: [{ process: "invoicing" }] })
  ).locator;
});
afterAll(() => w?.close());

/** A well-formed request for each route. */
const valid = (): Record<Route, unknown> => ({
  update: { UpdateHoldRequest: { holdRequestId: hold.locator, holdComments: "changed" } },
  create: { CreateHoldRequest: { entityId: "0122334455", holdProcessData: { holdProcess: "REFD" } } },
  read: { ReadHoldRequest: { holdRequestId: hold.locator } },
});

const post = (route: string, body: unknown, opts: { token?: string | null; headers?: Record<string, string> } = {}) =>
  w.request(`/ormb/hold-requests/${route}`, {
    method: "POST",
    token: opts.token === null ? undefined : (opts.token ?? token),
    body,
    headers: opts.headers,
  });

/** A Failure envelope of the route, with this status; returns its body. */
function failure(res: { status: number; json: unknown }, route: Route, status: number) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  const json = res.json as Envelope;
  expect(Object.keys(json)).toEqual([KEYS[route]]);
  const body = json[KEYS[route]] ?? {};
  expect(body.requestProcessStatus).toBe("Failure");
  expect(typeof body.errormsg).toBe("string");
  expect(Object.keys(body)[0]).toBe("requestProcessStatus");
  return body as { errormsg: string; issues?: { path: string; rule: string; message: string }[] } & Record<
    string,
    unknown
  >;
}

async function unchanged() {
  const api = await w.api(token);
  const now = await api.holds.get({ locator: hold.locator });
  expect(now.version).toBe(hold.version);
  expect((await api.holds.list({ limit: 500 })).items).toHaveLength(1);
}

describe("401: no token or a bad one", () => {
  it.each(["update", "create", "read"] as const)("%s", async (route) => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Bearer hft_unknown_token_value" },
      { authorization: "Basic abc" },
    ];
    for (const headers of variants) {
      const res = await post(route, valid()[route], { token: null, headers });
      expect(failure(res, route, 401)).toEqual({
        requestProcessStatus: "Failure",
        errormsg: "a valid access token is required",
      });
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="holdfast"');
    }
    await unchanged();
  });
});

describe("403: the permission each route needs", () => {
  it.each([
    ["update", "holds:write"],
    ["create", "holds:write"],
    ["read", "holds:read"],
  ] as const)("%s needs %s", async (route, permission) => {
    const all = ["holds:read", "holds:list", "holds:write"] as const;
    const without = await w.token([{ tenantId: tenant, permissions: all.filter((p) => p !== permission) }]);
    const body = failure(await post(route, valid()[route], { token: without }), route, 403);
    expect(body.errormsg).toBe(`this caller lacks the ${permission} permission in tenant ${tenant}`);
    expect(Object.keys(body)).toEqual(["requestProcessStatus", "errormsg"]);
    await unchanged();
  });
});

describe("the tenant: the token's only one, or X-Tenant-Locator", () => {
  it("a header that is no UUID: 400", async () => {
    const body = failure(
      await post("read", valid().read, { headers: { "X-Tenant-Locator": "tenant-1" } }),
      "read",
      400,
    );
    expect(body.issues).toEqual([{ path: "X-Tenant-Locator", rule: "uuid", message: "must be a UUID" }]);
  });

  it("another tenant, or an unknown one: 404", async () => {
    for (const t of [foreignTenant, "00000000-0000-4000-8000-000000000000"]) {
      const body = failure(await post("read", valid().read, { headers: { "X-Tenant-Locator": t } }), "read", 404);
      expect(body.errormsg).toBe(`tenant ${t} was not found`);
    }
  });

  it("a portfolio token must name the tenant; naming it works", async () => {
    const portfolio = await w.token([
      { tenantId: tenant, permissions: ["holds:read"] },
      { tenantId: foreignTenant, permissions: ["holds:read"] },
    ]);
    const body = failure(await post("read", valid().read, { token: portfolio }), "read", 400);
    expect(body.issues).toEqual([
      { path: "X-Tenant-Locator", rule: "required", message: "required when the token is bound to several tenants" },
    ]);
    const named = await post("read", valid().read, {
      token: portfolio,
      headers: { "X-Tenant-Locator": tenant.toUpperCase() },
    });
    expect(named.status).toBe(200);
    expect((named.json as Envelope).ReadHoldRequest?.holdRequestId).toBe(String(hold.ormbId));
    const elsewhere = await post("read", valid().read, {
      token: portfolio,
      headers: { "X-Tenant-Locator": foreignTenant },
    });
    expect(failure(elsewhere, "read", 404).errormsg).toBe(`hold request ${hold.locator} was not found`);
  });
});

describe("400: a body that cannot be read names the rule and the position", () => {
  const cases: [string, string, string, RegExp][] = [
    ["an empty body", "", "required", /a body \{ "UpdateHoldRequest": \{ … \} \} is required/],
    ["whitespace only", " \n ", "required", /is required/],
    ["XML", "<UpdateHoldRequest/>", "json_unexpected_character", /line 1, column 1 \(offset 0\)/],
    [
      "an unterminated string",
      '{"UpdateHoldRequest": {"holdRequestId": "abc',
      "json_unterminated_string",
      /line 1, column 41/,
    ],
    [
      "an unterminated object",
      '{"UpdateHoldRequest": {"holdRequestId": "abc"',
      "json_unexpected_end",
      /unterminated object/,
    ],
    ["a comment", '{"UpdateHoldRequest": {} // note\n}', "json_unexpected_character", /found character "\/"/],
    [
      "a doubled comma",
      '{"UpdateHoldRequest": {"a": 1,, "b": 2}}',
      "json_unexpected_character",
      /column 31 \(offset 30\)/,
    ],
    ["garbage after the body", '{"UpdateHoldRequest": {}} trailing', "json_trailing_content", /after the value/],
    [
      "nesting 65 deep",
      `{"UpdateHoldRequest": ${"[".repeat(64)}${"]".repeat(64)}}`,
      "json_max_depth",
      /deeper than 64/,
    ],
    [
      "a raw newline in a string",
      '{"UpdateHoldRequest": {"holdComments": "a\nb"}}',
      "json_control_character",
      /line 1, column 42/,
    ],
  ];
  it.each(cases)("%s", async (_name, text, rule, message) => {
    const body = failure(await post("update", text), "update", 400);
    expect(body.issues).toEqual([{ path: "(body)", rule, message: expect.stringMatching(message) }]);
    expect(body.errormsg).toMatch(message);
    expect(Object.keys(body)).toEqual(["requestProcessStatus", "errormsg", "issues"]);
    await unchanged();
  });
});

describe("400: the envelope and its fields", () => {
  // Built before the world exists: these fail before any lookup, so any locator does.
  const update = (fields: Record<string, unknown>) => ({
    UpdateHoldRequest: { holdRequestId: UNKNOWN_ULID, ...fields },
  });
  const create = (fields: Record<string, unknown>) => ({
    CreateHoldRequest: { entityId: "0122334455", holdProcessData: { holdProcess: "REFD" }, ...fields },
  });
  const cases: [string, Route, unknown, { path: string; rule: string }[]][] = [
    ["a list, not an envelope", "update", "[]", [{ path: "(body)", rule: "envelope" }]],
    ["a string", "update", '"UpdateHoldRequest"', [{ path: "(body)", rule: "envelope" }]],
    ["another route's envelope", "update", { CreateHoldRequest: {} }, [{ path: "(body)", rule: "envelope" }]],
    [
      "a misspelt envelope",
      "read",
      { ReadHoldRequests: { holdRequestId: UNKNOWN_ULID } },
      [{ path: "(body)", rule: "envelope" }],
    ],
    ["two envelopes", "update", { UpdateHoldRequest: {}, Extra: {} }, [{ path: "(body)", rule: "envelope" }]],
    [
      "the envelope repeated",
      "read",
      '{"ReadHoldRequest": {"holdRequestId": "x"}, "ReadHoldRequest": {"holdRequestId": "y"}}',
      [{ path: "(input)", rule: "invalid_type" }],
    ],
    ["a null envelope", "update", { UpdateHoldRequest: null }, [{ path: "(input)", rule: "invalid_type" }]],
    [
      "no holdRequestId",
      "update",
      { UpdateHoldRequest: { holdComments: "x" } },
      [{ path: "holdRequestId", rule: "invalid_type" }],
    ],
    [
      "a numeric holdRequestId",
      "read",
      { ReadHoldRequest: { holdRequestId: 10000252262623 } },
      [{ path: "holdRequestId", rule: "invalid_type" }],
    ],
    [
      "an empty holdRequestId",
      "read",
      { ReadHoldRequest: { holdRequestId: "" } },
      [{ path: "holdRequestId", rule: "too_small" }],
    ],
    [
      "a field the envelope does not have",
      "update",
      update({ holdType: "BILLING" }),
      [{ path: "(input)", rule: "unrecognized_keys" }],
    ],
    [
      "a field read does not take",
      "read",
      { ReadHoldRequest: { holdRequestId: UNKNOWN_ULID, entityId: "x" } },
      [{ path: "(input)", rule: "unrecognized_keys" }],
    ],
    ["null for a field", "update", update({ holdEndDate: null }), [{ path: "holdEndDate", rule: "invalid_type" }]],
    [
      "a date that is no date",
      "update",
      update({ holdEndDate: "2022-02-30" }),
      [{ path: "holdEndDate", rule: "calendar_date" }],
    ],
    [
      "a date written otherwise",
      "update",
      update({ entityEndDate: "31/01/2022" }),
      [{ path: "entityEndDate", rule: "calendar_date" }],
    ],
    [
      "an unknown process code",
      "update",
      update({ holdProcessData: { holdProcess: "BILLX" } }),
      [{ path: "holdProcessData[0].holdProcess", rule: "invalid_value" }],
    ],
    [
      "a process in lower case",
      "update",
      update({ holdProcessData: [{ holdProcess: "bill" }] }),
      [{ path: "holdProcessData[0].holdProcess", rule: "invalid_value" }],
    ],
    [
      "a process named twice (the key repeated)",
      "update",
      `{"UpdateHoldRequest": {"holdRequestId": "${UNKNOWN_ULID}", "holdProcessData": {"holdProcess": "BILL"} "holdProcessData": {"holdProcess": "BILL"}}}`,
      [{ path: "holdProcessData[1].holdProcess", rule: "duplicate_target" }],
    ],
    [
      "a bad process end date",
      "update",
      update({ holdProcessData: { holdProcess: "FNDG", holdProcessEndDate: "soon" } }),
      [{ path: "holdProcessData[0].holdProcessEndDate", rule: "calendar_date" }],
    ],
    [
      "a field holdProcessData does not have",
      "update",
      update({ holdProcessData: { holdProcess: "FNDG", holdProcessReason: "x" } }),
      [{ path: "holdProcessData[0]", rule: "unrecognized_keys" }],
    ],
    [
      "an empty holdProcessData list",
      "update",
      update({ holdProcessData: [] }),
      [{ path: "holdProcessData", rule: "too_small" }],
    ],
    [
      "an unknown characteristic action",
      "update",
      update({ characteristics: { action: "Upsert", characteristicType: "A", characteristicValue: "B" } }),
      [{ path: "characteristics[0].action", rule: "invalid_value" }],
    ],
    [
      "an Update without a value",
      "update",
      update({ characteristics: { action: "Update", characteristicType: "A" } }),
      [{ path: "characteristics[0].characteristicValue", rule: "custom" }],
    ],
    [
      "an empty characteristic type",
      "update",
      update({ characteristics: { action: "Delete", characteristicType: "" } }),
      [{ path: "characteristics[0].characteristicType", rule: "too_small" }],
    ],
    [
      "an externalTransactionId with a space",
      "update",
      update({ externalTransactionId: "ETI 22" }),
      [{ path: "externalTransactionId", rule: "invalid_format" }],
    ],
    [
      "comments too long",
      "update",
      update({ holdComments: "x".repeat(2001) }),
      [{ path: "holdComments", rule: "too_big" }],
    ],
    ["a NUL in comments", "update", update({ holdComments: "a\u0000b" }), [{ path: "holdComments", rule: "no_nul" }]],
    [
      "create: no entityId",
      "create",
      { CreateHoldRequest: { holdProcessData: { holdProcess: "BILL" } } },
      [{ path: "entityId", rule: "invalid_type" }],
    ],
    [
      "create: no holdProcessData",
      "create",
      { CreateHoldRequest: { entityId: "0122334455" } },
      [{ path: "holdProcessData", rule: "invalid_type" }],
    ],
    [
      "create: a holdRequestId that is no ORMB id (a locator is assigned, never given)",
      "create",
      create({ holdRequestId: UNKNOWN_ULID }),
      [{ path: "holdRequestId", rule: "ormb_id" }],
    ],
    [
      "create: a Delete characteristic",
      "create",
      create({ characteristics: { action: "Delete", characteristicType: "A" } }),
      [{ path: "characteristics[0].action", rule: "update_only" }],
    ],
    [
      "create: an Update without a value",
      "create",
      create({ characteristics: { action: "Update", characteristicType: "A" } }),
      [{ path: "characteristics[0].characteristicValue", rule: "invalid_type" }],
    ],
    [
      "create: a characteristic type twice",
      "create",
      create({
        characteristics: [
          { action: "Update", characteristicType: "A", characteristicValue: "1" },
          { action: "Update", characteristicType: "A", characteristicValue: "2" },
        ],
      }),
      [{ path: "characteristics[1].characteristicType", rule: "duplicate_characteristic" }],
    ],
  ];
  it.each(cases)("%s", async (_name, route, body, issues) => {
    const res = failure(await post(route, body), route, 400);
    expect(res.issues).toEqual(issues.map((i) => ({ ...i, message: expect.any(String) })));
    expect(res.errormsg).toContain(issues[0]?.path === "(body)" ? "" : issues[0]?.path);
    // Nothing of a malformed request is echoed.
    expect(Object.keys(res)).toEqual(["requestProcessStatus", "errormsg", "issues"]);
    await unchanged();
  });

  it("a body over 1 MiB: 413", async () => {
    const res = await post("update", {
      UpdateHoldRequest: { holdRequestId: hold.locator, holdComments: "x".repeat(1024 * 1024) },
    });
    expect(failure(res, "update", 413)).toEqual({
      requestProcessStatus: "Failure",
      errormsg: "The request body is larger than 1048576 bytes.",
      issues: [{ path: "(body)", rule: "max_size", message: "at most 1048576 bytes" }],
    });
    await unchanged();
  });
});

describe("404: an unknown hold request, and another tenant's, answer alike", () => {
  it.each([
    ["a ULID no hold has", UNKNOWN_ULID],
    ["an ORMB numeric id", "10000252262623"],
    ["a lower-case locator", "01arz3ndektsv4rrffq69g5fav"],
    ["another tenant's hold", "FOREIGN"],
  ])("%s: update and read, with the request echoed", async (_name, id) => {
    const holdRequestId = id === "FOREIGN" ? foreignHold : id;
    const upd = failure(
      await post("update", { UpdateHoldRequest: { holdRequestId, entityId: "0122334455" } }),
      "update",
      404,
    );
    expect(upd).toEqual({
      requestProcessStatus: "Failure",
      holdRequestId,
      entityId: "0122334455",
      errormsg: `hold request ${holdRequestId} was not found`,
    });
    const read = failure(await post("read", { ReadHoldRequest: { holdRequestId } }), "read", 404);
    expect(read).toEqual({
      requestProcessStatus: "Failure",
      holdRequestId,
      errormsg: `hold request ${holdRequestId} was not found`,
    });
    await unchanged();
  });
});

describe("routes and methods", () => {
  it("another method on a route: 405 with Allow: POST", async () => {
    for (const route of ["update", "create", "read"] as const) {
      for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
        const res = await w.request(`/ormb/hold-requests/${route}`, { method, token });
        expect(failure(res, route, 405).errormsg).toBe(`${method} is not allowed here; use POST.`);
        expect(res.headers.get("allow")).toBe("POST");
      }
    }
  });

  it("an unknown route: 404 in an envelope", async () => {
    const res = await w.request("/ormb/hold-requests/delete", { method: "POST", token, body: {} });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      HoldRequest: {
        requestProcessStatus: "Failure",
        errormsg: "No route POST /ormb/hold-requests/delete; use /update, /create or /read.",
      },
    });
  });
});

describe("500: an unexpected fault shows nothing of its cause", () => {
  it("answers the Failure envelope with a generic message, echoes nothing, and logs the cause", async () => {
    const logged: object[] = [];
    const broken = createCompatApp({
      db: w.db,
      clock: { now: () => new Date(Number.NaN) },
      logger: { error: (obj) => logged.push(obj) },
    });
    const res = await broken.request("/ormb/hold-requests/read", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(valid().read),
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      ReadHoldRequest: { requestProcessStatus: "Failure", errormsg: "Internal error; it has been logged." },
    });
    expect(text).not.toMatch(/\.ts|select|Invalid time|RangeError/i);
    expect(logged).toHaveLength(1);
  });
});
