/**
 * Every error path of POST /crm/subscriptions/extend_grace_period, with its
 * status and CRM.COM-style envelope:
 * `{ "status": { "code", "message", "description": [{ field, rule, message }] }, "data": null }`,
 * every field in CRM.COM's snake_case names. 400 bad input and broken rules,
 * 401 no valid token, 403 no subscriptions:write, 404 an unknown (or another
 * tenant's: the same answer) subscription, accounts receivable or tenant,
 * 413 a body too large, 422 a reused reference number (see crm-extend).
 * Each refusal changes nothing.
 */
import type { Permission } from "@holdfast/domain";
import { createApiToken, revokeCredentials } from "@holdfast/services";
import { tablesChecksum } from "@holdfast/testing/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCompatApp } from "../src/app.ts";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

const PATH = "/crm/subscriptions/extend_grace_period";
const TODAY = "2027-03-10";
const UNKNOWN_ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const UNKNOWN_TENANT = "4d0201db-36f5-428b-8d11-4f0a65e960cc";

type Json = Record<string, unknown>;
type Api = Awaited<ReturnType<CompatWorld["api"]>>;
type Expected = { status: number; code: string; errors: [field: string, rule: string][]; message?: string };
type Envelope = {
  status: { code: string; message: string; description: { field: string; rule: string; message: string }[] };
  data: null;
};

let w: CompatWorld;
let tenantId: string;
let otherTenant: string;
let token: string;
let api: Api;
/** Subscriptions: an effective one, a terminated one, a pay-before-bill one, two of one account, and another tenant's. */
let sub: { locator: string; number: string };
let terminated: { locator: string };
let prepaid: { locator: string };
let twoSubsAccount: string;
let foreignSub: { locator: string; number: string };

async function subscription(
  caller: Api,
  accountLocator: string,
  paymentModel: "pay_before_bill" | "pay_after_bill" = "pay_after_bill",
) {
  const created = await caller.subscriptions.create({
    accountLocator,
    paymentModel,
    priceMinor: 1000,
    currency: "EUR",
    billingPeriod: "monthly",
    startDate: TODAY,
  });
  return caller.subscriptions.activate({ locator: created.locator });
}

beforeAll(async () => {
  w = await createCompatWorld({ now: `${TODAY}T09:00:00Z` });
  tenantId = await w.tenant("CRM errors");
  otherTenant = await w.tenant("Someone else");
  token = await w.token(tenantId);
  api = await w.api(token);
  sub = await subscription(api, (await w.account(tenantId, "customer")).locator);
  // An end already set, for the "later than the current end" rule.
  await api.subscriptions.extendGracePeriod({
    subscriptionIdentifier: { id: sub.locator },
    endGracePeriodOn: "2027-03-20",
  });
  const t = await subscription(api, (await w.account(tenantId, "leaving")).locator);
  terminated = await api.subscriptions.terminate({ locator: t.locator });
  prepaid = await subscription(api, (await w.account(tenantId, "prepaid")).locator, "pay_before_bill");
  twoSubsAccount = (await w.account(tenantId, "two subscriptions", "AR-TWO")).locator;
  await subscription(api, twoSubsAccount);
  await subscription(api, twoSubsAccount);
  const otherApi = await w.api(await w.token(otherTenant));
  foreignSub = await subscription(otherApi, (await w.account(otherTenant, "theirs")).locator);
});
afterAll(async () => {
  await w.close();
});

const TABLES = ["subscriptions", "subscription_actions", "invoices", "audit_events", "idempotency_keys"];
const snapshot = () => tablesChecksum(w.db, TABLES);

/** A request the route accepts: extend the effective subscription by a day past its current end. */
const valid = (): Json => ({ token, subscription_identifier: { id: sub.locator }, end_grace_period_on: "2027-03-21" });

/** Sends the request, and checks the answer is this envelope and that nothing changed. */
async function expectRefused(body: Json | string, expected: Expected, headers: Record<string, string> = {}) {
  const before = await snapshot();
  const res = await w.request(PATH, { method: "POST", body, headers });
  expect(res.status, res.text).toBe(expected.status);
  const json = res.json as Envelope;
  expect(Object.keys(json)).toEqual(["status", "data"]);
  expect(json.data).toBeNull();
  expect(json.status.code).toBe(expected.code);
  const errors = json.status.description.map((d) => [d.field, d.rule]).sort((a, b) => `${a}`.localeCompare(`${b}`));
  expect(errors).toEqual([...expected.errors].sort((a, b) => `${a}`.localeCompare(`${b}`)));
  if (expected.message !== undefined) expect(json.status.message).toBe(expected.message);
  expect(await snapshot()).toBe(before);
  return json;
}

const bad = (errors: [string, string][], code = "BAD_REQUEST", status = 400): Expected => ({ status, code, errors });

describe("the request itself", () => {
  it("answers 400 to a body that is not JSON, or not a JSON object", async () => {
    await expectRefused("token=abc&fields_set=x", { ...bad([]), message: "the request body is not valid JSON" });
    await expectRefused("[]", { ...bad([]), message: "the request body must be a JSON object of parameters" });
  });

  it("answers 401 without a valid token, in the body or the Authorization header", async () => {
    const expired = await createApiToken(w.db, {
      name: "expired",
      grants: [{ tenantId, permissions: ["subscriptions:write"] }],
      expiresAt: new Date(w.clock.now().getTime() - 1),
    });
    const revoked = await createApiToken(w.db, {
      name: "revoked",
      grants: [{ tenantId, permissions: ["subscriptions:write"] }],
    });
    await revokeCredentials(w.db, [revoked.id], w.clock.now());
    const unauthorized: Expected = {
      ...bad([["token", "invalid_token"]], "UNAUTHORIZED", 401),
      message: "a valid access token is required",
    };
    const { token: _, ...noToken } = valid();
    await expectRefused(noToken, unauthorized);
    await expectRefused({ ...noToken, token: "" }, unauthorized);
    await expectRefused({ ...noToken, token: 12345678901 }, unauthorized);
    await expectRefused({ ...noToken, token: "hft_not-a-real-token" }, unauthorized);
    await expectRefused({ ...noToken, token: expired.secret }, unauthorized);
    await expectRefused({ ...noToken, token: revoked.secret }, unauthorized);
    await expectRefused(noToken, unauthorized, { authorization: "Bearer hft_not-a-real-token" });
    // The body's token is the one used when both are given.
    await expectRefused({ ...noToken, token: "hft_not-a-real-token" }, unauthorized, {
      authorization: `Bearer ${token}`,
    });
  });

  it("answers 403 to a token without subscriptions:write", async () => {
    const readOnly = await w.token([
      { tenantId, permissions: ["subscriptions:read", "holds:write", "automations:write"] as Permission[] },
    ]);
    const res = await expectRefused({ ...valid(), token: readOnly }, bad([], "FORBIDDEN", 403));
    expect(res.status.message).toContain("subscriptions:write");
  });

  it("tenant_locator: required for a portfolio token, a UUID, and one of the token's tenants (404 otherwise, unknown or foreign alike)", async () => {
    const portfolio = await w.token([
      { tenantId, permissions: ["subscriptions:write"] },
      { tenantId: otherTenant, permissions: ["subscriptions:write"] },
    ]);
    await expectRefused({ ...valid(), token: portfolio }, bad([["tenant_locator", "required"]]));
    await expectRefused({ ...valid(), tenant_locator: "tenant-1" }, bad([["tenant_locator", "uuid"]]));
    const unknown = await expectRefused(
      { ...valid(), tenant_locator: UNKNOWN_TENANT },
      bad([["tenant_locator", "not_found"]], "NOT_FOUND", 404),
    );
    const foreign = await expectRefused(
      { ...valid(), tenant_locator: otherTenant },
      bad([["tenant_locator", "not_found"]], "NOT_FOUND", 404),
    );
    expect(foreign.status.message.replace(otherTenant, "<id>")).toBe(
      unknown.status.message.replace(UNKNOWN_TENANT, "<id>"),
    );
  });

  it("answers 413 to a body over the limit", async () => {
    const res = await w.request(PATH, { method: "POST", body: { ...valid(), udf_string_1: "x".repeat(300 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ status: { code: "PAYLOAD_TOO_LARGE" }, data: null });
  });
});

describe("parameters", () => {
  const v = (extra: Json, drop: string[] = []) => {
    const body = { ...valid(), ...extra };
    for (const k of drop) delete body[k];
    return body;
  };
  it.each<[string, () => Json, Expected]>([
    [
      "an unknown parameter",
      () => v({ end_grace_period_after_days: 3 }),
      bad([["end_grace_period_after_days", "unrecognized_parameter"]]),
    ],
    ["udf_string_9 (there are 8)", () => v({ udf_string_9: "x" }), bad([["udf_string_9", "unrecognized_parameter"]])],
    [
      "an action_type_identifier with a key action types do not have",
      () => v({ action_type_identifier: { username: "GOODWILL" } }),
      bad([
        ["action_type_identifier", "unrecognized_keys"],
        ["action_type_identifier", "required"],
      ]),
    ],
    [
      "an empty classification_identifier",
      () => v({ classification_identifier: {} }),
      bad([["classification_identifier", "required"]]),
    ],
    [
      "an empty alternative_code of a unit (named as sent)",
      () => v({ performed_by_unit_identifier: { alternative_code: "" } }),
      bad([["performed_by_unit_identifier.alternative_code", "too_small"]]),
    ],
    [
      "an email for a card (only users have one)",
      () => v({ payment_gateway_card_identifier: { email: "a@b.example" } }),
      bad([
        ["payment_gateway_card_identifier", "unrecognized_keys"],
        ["payment_gateway_card_identifier", "required"],
      ]),
    ],
    [
      "neither identifier",
      () => v({}, ["subscription_identifier"]),
      bad([["subscription_identifier", "exactly_one_identifier"]]),
    ],
    [
      "both identifiers",
      () => v({ accounts_receivable_identifier: { number: "AR-TWO" } }),
      bad([["subscription_identifier", "exactly_one_identifier"]]),
    ],
    [
      "an identifier with both id and number",
      () => v({ subscription_identifier: { id: UNKNOWN_ULID, number: "SUB-1" } }),
      bad([["subscription_identifier", "exactly_one"]]),
    ],
    [
      "an identifier with neither",
      () => v({ subscription_identifier: {} }),
      bad([["subscription_identifier", "exactly_one"]]),
    ],
    [
      "an identifier with another field",
      () => v({ subscription_identifier: { code: "S1" } }),
      bad([
        ["subscription_identifier", "unrecognized_keys"],
        ["subscription_identifier", "exactly_one"],
      ]),
    ],
    [
      "an id that is not a locator",
      () => v({ subscription_identifier: { id: "42" } }),
      bad([["subscription_identifier.id", "invalid_format"]]),
    ],
    [
      "an identifier that is not an object",
      () => v({ subscription_identifier: "SUB-1" }),
      bad([["subscription_identifier", "invalid_type"]]),
    ],
    ["neither end", () => v({}, ["end_grace_period_on"]), bad([["end_grace_period_on", "exactly_one_end"]])],
    [
      "both ends",
      () => v({ end_grace_period_after_specific_days: 5 }),
      bad([["end_grace_period_on", "exactly_one_end"]]),
    ],
    [
      "a date that is not YYYY-MM-DD",
      () => v({ end_grace_period_on: "21/03/2027" }),
      bad([["end_grace_period_on", "calendar_date"]]),
    ],
    [
      "a day that does not exist",
      () => v({ end_grace_period_on: "2027-02-30" }),
      bad([["end_grace_period_on", "calendar_date"]]),
    ],
    [
      "zero days",
      () => v({ end_grace_period_after_specific_days: 0 }, ["end_grace_period_on"]),
      bad([["end_grace_period_after_specific_days", "too_small"]]),
    ],
    [
      "days that are not a number",
      () => v({ end_grace_period_after_specific_days: "ten" }, ["end_grace_period_on"]),
      bad([["end_grace_period_after_specific_days", "invalid_type"]]),
    ],
    [
      "a fraction of a day",
      () => v({ end_grace_period_after_specific_days: "1.5" }, ["end_grace_period_on"]),
      bad([["end_grace_period_after_specific_days", "invalid_type"]]),
    ],
    [
      "a scheduled_date that is not a date",
      () => v({ scheduled_date: "next week" }),
      bad([["scheduled_date", "calendar_date"]]),
    ],
    [
      "an empty performer",
      () => v({ performed_by_user_identifier: {} }),
      bad([["performed_by_user_identifier", "required"]]),
    ],
    ["a performed_on that is not a date", () => v({ performed_on: 20270310 }), bad([["performed_on", "invalid_type"]])],
    ["a udf_float that is not a number", () => v({ udf_float_2: "abc" }), bad([["udf_float_2", "invalid_type"]])],
    ["a udf_date that is not a date", () => v({ udf_date_3: "2027-13-01" }), bad([["udf_date_3", "calendar_date"]])],
    [
      "a udf_string over 255 characters",
      () => v({ udf_string_4: "s".repeat(256) }),
      bad([["udf_string_4", "too_big"]]),
    ],
    [
      "an empty transaction_reference_number",
      () => v({ transaction_reference_number: "" }),
      bad([["transaction_reference_number", "too_small"]]),
    ],
    [
      "an unknown fields_set name",
      () => v({ fields_set: "locator,grace_end" }),
      bad([["fields_set[1]", "invalid_value"]]),
    ],
    [
      "a fields_set that is neither a string nor a list",
      () => v({ fields_set: 3 }),
      bad([["fields_set", "invalid_type"]]),
    ],
    ["an Idempotency-Key with spaces", () => v({}), bad([["Idempotency-Key", "invalid_format"]])],
  ])("refuses %s", async (name, body, expected) => {
    const headers: Record<string, string> = name.startsWith("an Idempotency-Key")
      ? { "Idempotency-Key": "two words" }
      : {};
    const res = await expectRefused(body(), expected, headers);
    // The message names each field in CRM.COM's names.
    for (const d of res.status.description) expect(res.status.message).toContain(`${d.field}: ${d.message}`);
  });

  it("lists the fields_set names in its answer when one is unknown", async () => {
    const res = await expectRefused(
      { ...valid(), fields_set: ["locator", "grace_end"] },
      bad([["fields_set[1]", "invalid_value"]]),
    );
    expect(res.status.description[0]?.message).toMatch(
      /^must be one of: id, locator, subscription_locator, account_locator, .*new_grace_end.*, udf_string_1, .*udf_date_4$/,
    );
  });

  it("names the parameters as the client sent them in every message", async () => {
    const neither = await expectRefused(
      { token, subscription_identifier: { id: sub.locator } },
      bad([["end_grace_period_on", "exactly_one_end"]]),
    );
    expect(neither.status.description[0]?.message).toBe(
      "give exactly one of end_grace_period_on or end_grace_period_after_specific_days",
    );
    const both = await expectRefused(
      { ...valid(), accounts_receivable_identifier: { number: "AR-TWO" } },
      bad([["subscription_identifier", "exactly_one_identifier"]]),
    );
    expect(both.status.message).toBe(
      "subscription_identifier: give exactly one of subscription_identifier or accounts_receivable_identifier",
    );
    expect(JSON.stringify([neither, both])).not.toMatch(/[a-z][A-Z]/);
  });
});

describe("rules", () => {
  it.each<[string, () => Json, Expected]>([
    [
      "an end not later than the current one",
      () => ({ token, subscription_identifier: { id: sub.locator }, end_grace_period_on: "2027-03-20" }),
      bad([["end_grace_period_on", "not_later_than_current"]]),
    ],
    [
      "days that end before the current end",
      () => ({ token, subscription_identifier: { id: sub.locator }, end_grace_period_after_specific_days: 3 }),
      bad([["end_grace_period_after_specific_days", "not_later_than_current"]]),
    ],
    [
      "an end in the past",
      () => ({
        token,
        subscription_identifier: { id: prepaid.locator },
        end_grace_period_on: "2027-03-01",
        payment_gateway_card_identifier: { id: "card_1" },
      }),
      bad([["end_grace_period_on", "not_in_past"]]),
    ],
    [
      "a terminated subscription",
      () => ({ token, subscription_identifier: { id: terminated.locator }, end_grace_period_on: "2027-04-01" }),
      bad([["subscription_identifier", "state_not_extendable"]]),
    ],
    [
      "a pay-before-bill subscription without a payment gateway card",
      () => ({ token, subscription_identifier: { id: prepaid.locator }, end_grace_period_on: "2027-04-01" }),
      bad([["payment_gateway_card_identifier", "required_for_pay_before_bill"]]),
    ],
    [
      "a scheduled pay-before-bill extension without a card",
      () => ({
        token,
        subscription_identifier: { id: prepaid.locator },
        end_grace_period_on: "2027-04-01",
        scheduled_date: "2027-03-20",
      }),
      bad([["payment_gateway_card_identifier", "required_for_pay_before_bill"]]),
    ],
    [
      "a scheduled extension that would end before its date",
      () => ({
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_on: "2027-03-25",
        scheduled_date: "2027-03-30",
      }),
      bad([["end_grace_period_on", "not_before_scheduled_date"]]),
    ],
    [
      "a scheduled end not later than the current one, when it is scheduled",
      () => ({
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_on: "2027-03-18",
        scheduled_date: "2027-03-15",
      }),
      bad([["end_grace_period_on", "not_later_than_current"]]),
    ],
    [
      "scheduled days that end on the current end, when it is scheduled",
      () => ({
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_after_specific_days: 5,
        scheduled_date: "2027-03-15",
      }),
      bad([["end_grace_period_after_specific_days", "not_later_than_current"]]),
    ],
    [
      "an accounts receivable that owns two subscriptions",
      () => ({ token, accounts_receivable_identifier: { number: "AR-TWO" }, end_grace_period_on: "2027-04-01" }),
      bad([["accounts_receivable_identifier", "owns_exactly_one_subscription"]]),
    ],
  ])("refuses %s", async (_name, body, expected) => {
    await expectRefused(body(), expected);
  });
});

describe("not found, and tenant isolation", () => {
  it("answers another tenant's subscription exactly like an unknown one, by id or by number", async () => {
    const byId = (id: string) => ({ token, subscription_identifier: { id }, end_grace_period_on: "2027-04-01" });
    const unknown = await expectRefused(
      byId(UNKNOWN_ULID),
      bad([["subscription_identifier", "not_found"]], "NOT_FOUND", 404),
    );
    const foreign = await expectRefused(
      byId(foreignSub.locator),
      bad([["subscription_identifier", "not_found"]], "NOT_FOUND", 404),
    );
    expect(foreign.status.message.replace(foreignSub.locator, "<id>")).toBe(
      unknown.status.message.replace(UNKNOWN_ULID, "<id>"),
    );
    expect(unknown.status.message).toBe(`subscription ${UNKNOWN_ULID} was not found`);

    const byNumber = (number: string) => ({
      token,
      subscription_identifier: { number },
      end_grace_period_on: "2027-04-01",
    });
    const unknownNumber = await expectRefused(
      byNumber("SUB-NOPE"),
      bad([["subscription_identifier", "not_found"]], "NOT_FOUND", 404),
    );
    const foreignNumber = await expectRefused(
      byNumber(foreignSub.number),
      bad([["subscription_identifier", "not_found"]], "NOT_FOUND", 404),
    );
    expect(foreignNumber.status.message.replace(foreignSub.number, "<n>")).toBe(
      unknownNumber.status.message.replace("SUB-NOPE", "<n>"),
    );
  });

  it("answers an unknown accounts receivable with 404", async () => {
    await expectRefused(
      { token, accounts_receivable_identifier: { number: "AR-NOPE" }, end_grace_period_on: "2027-04-01" },
      bad([["accounts_receivable_identifier", "not_found"]], "NOT_FOUND", 404),
    );
  });

  it("the other tenant's token cannot reach this tenant's subscription either", async () => {
    const theirs = await w.token(otherTenant);
    await expectRefused(
      { ...valid(), token: theirs },
      bad([["subscription_identifier", "not_found"]], "NOT_FOUND", 404),
    );
    const res = await w.request(PATH, { method: "POST", body: valid() });
    expect(res.status, res.text).toBe(200);
  });
});

describe("500: an unexpected fault shows nothing of its cause", () => {
  it("answers a generic message in the envelope and logs the cause", async () => {
    const logged: object[] = [];
    // A clock that yields an invalid date: the token is accepted, the business date cannot be computed.
    const broken = createCompatApp({
      db: w.db,
      clock: { now: () => new Date(Number.NaN) },
      logger: { error: (obj) => logged.push(obj) },
    });
    const before = await snapshot();
    const res = await broken.request(PATH, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(valid()),
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: { code: "INTERNAL", message: "Internal error; it has been logged.", description: [] },
      data: null,
    });
    expect(text).not.toMatch(/at .*\.ts|select|Invalid time|RangeError/i);
    expect(logged).toHaveLength(1);
    expect(await snapshot()).toBe(before);
  });
});

describe("409: a concurrent change", () => {
  it("an extension that loses a race with another change of the subscription is refused with 409, and changes nothing", async () => {
    const db = w.db.$client;
    const [{ end }] =
      (await db`select grace_end::text as end from subscriptions where id = ${sub.locator}`) as unknown as [
        { end: string },
      ];
    const actionsBefore = (await api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items.length;
    let pending: ReturnType<typeof w.request> | undefined;
    // Another writer holds the subscription's row (and moves its version on) while the extension runs.
    await db.begin(async (tx) => {
      await tx`update subscriptions set version = version + 1 where id = ${sub.locator}`;
      pending = w.request(PATH, { method: "POST", body: { ...valid(), end_grace_period_on: "2027-05-01" } });
      for (let i = 0; i < 500; i++) {
        const [row] = await db`select count(*)::int as n from pg_locks where not granted`;
        if ((row?.n as number) > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    const res = await pending;
    expect(res?.status, res?.text).toBe(409);
    expect(res?.json).toEqual({
      status: {
        code: "CONCURRENT_MODIFICATION",
        message: `subscription ${sub.locator} was changed by another request; reload and retry`,
        description: [],
      },
      data: null,
    });
    const [after] = await db`select grace_end::text as end from subscriptions where id = ${sub.locator}`;
    expect(after?.end).toBe(end);
    expect((await api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items).toHaveLength(
      actionsBefore,
    );
  });
});
