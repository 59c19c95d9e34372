/**
 * CRM.COM extend grace period (seed 003) through POST
 * /crm/subscriptions/extend_grace_period, with only the seed's snake_case
 * parameters: an immediate extension, a scheduled one executed by the real
 * worker (runTick) once the clock reaches its date, the transaction
 * reference number as the call's idempotency key (the same body answers the
 * first answer, another body is refused), fields_set projection, and the same
 * data seen through the services both ways.
 */

import { schema } from "@holdfast/db";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { runTick } from "@holdfast/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

const PATH = "/crm/subscriptions/extend_grace_period";
const TODAY = "2027-03-10";
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

type Json = Record<string, unknown>;
type Api = Awaited<ReturnType<CompatWorld["api"]>>;

/** Every field of the answer's data, in order: the action's fields in snake_case. */
const DATA_FIELDS = [
  "locator",
  "subscription_locator",
  "account_locator",
  "type",
  "action_type_identifier",
  "sub_action_type_identifier",
  "classification_identifier",
  "status",
  "scheduled_date",
  "applied_on",
  "previous_grace_end",
  "new_grace_end",
  "reactivated",
  "transaction_reference_number",
  "payment_gateway_card_identifier",
  "performed_by_user_identifier",
  "performed_by_unit_identifier",
  "performed_by_business_unit_identifier",
  "performed_on",
  "billing_effective_date",
  "billable_period_start_date",
  "udf",
  "failure",
  "created_at",
  "created_by",
  "executed_at",
  "cancelled_at",
  "version",
];

/** Our action (camelCase, from the services) as CRM.COM's data, written out independently of the route's mapping. */
function asCrmData(action: Json): Json {
  const snake = (k: string) =>
    k
      .replace(/([A-Z])/g, "_$1")
      .replace(/(\d+)/g, "_$1")
      .toLowerCase();
  return Object.fromEntries(
    Object.entries(action).map(([k, v]) => [
      snake(k),
      k === "udf" ? Object.fromEntries(Object.entries(v as Json).map(([u, x]) => [snake(u), x])) : v,
    ]),
  );
}

/** A tenant of its own, a token with every permission in it, and an effective pay-after-bill subscription. */
async function setup(w: CompatWorld, name: string, externalId?: string) {
  const tenantId = await w.tenant(name);
  const token = await w.token(tenantId);
  const api = await w.api(token);
  const account = await w.account(tenantId, `${name} customer`, externalId);
  const sub = await subscription(api, account.locator);
  return { tenantId, token, api, account, sub };
}

async function subscription(
  api: Api,
  accountLocator: string,
  o: { paymentModel?: "pay_before_bill" | "pay_after_bill"; number?: string } = {},
) {
  const created = await api.subscriptions.create({
    accountLocator,
    paymentModel: o.paymentModel ?? "pay_after_bill",
    priceMinor: 2500,
    currency: "EUR",
    billingPeriod: "monthly",
    startDate: TODAY,
    paymentTermDays: 10,
    ...(o.number ? { number: o.number } : {}),
  });
  return api.subscriptions.activate({ locator: created.locator });
}

describe("an immediate extension", () => {
  let w: CompatWorld;
  beforeAll(async () => {
    w = await createCompatWorld({ now: `${TODAY}T09:00:00Z` });
  });
  afterAll(async () => {
    await w.close();
  });

  it("runs now and answers the action in a CRM.COM envelope; the services see the new grace end and the same action", async () => {
    const { token, api, sub } = await setup(w, "Immediate");
    const res = await w.request(PATH, {
      method: "POST",
      body: {
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_after_specific_days: 10,
        transaction_reference_number: "TRN-0001",
        performed_by_user_identifier: { name: "jane.doe" },
        performed_by_unit_identifier: { number: "UNIT-7" },
        performed_by_business_unit_identifier: { id: "BU-1" },
        performed_on: TODAY,
        billing_effective_date: "2027-03-11",
        billable_period_start_date: "2027-03-12",
        udf_string_1: "goodwill",
        udf_string_8: "last",
        udf_float_1: 12.5,
        udf_float_4: "3",
        udf_date_1: "2027-12-31",
        udf_date_4: "2028-01-01",
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.json)).toEqual(["status", "data"]);
    expect(res.json.status).toEqual({
      code: "OK",
      message: "The grace period now ends on 2027-03-20.",
      description: null,
    });
    const data = res.json.data as Json;
    expect(Object.keys(data)).toEqual(DATA_FIELDS);
    expect(data).toEqual({
      locator: expect.stringMatching(ULID),
      subscription_locator: sub.locator,
      account_locator: sub.accountLocator,
      type: "extend_grace_period",
      action_type_identifier: null,
      sub_action_type_identifier: null,
      classification_identifier: null,
      status: "executed",
      scheduled_date: null,
      applied_on: TODAY,
      previous_grace_end: null,
      new_grace_end: "2027-03-20",
      reactivated: false,
      transaction_reference_number: "TRN-0001",
      payment_gateway_card_identifier: null,
      performed_by_user_identifier: { name: "jane.doe" },
      performed_by_unit_identifier: { number: "UNIT-7" },
      performed_by_business_unit_identifier: { id: "BU-1" },
      performed_on: TODAY,
      billing_effective_date: "2027-03-11",
      billable_period_start_date: "2027-03-12",
      udf: {
        udf_string_1: "goodwill",
        udf_string_8: "last",
        udf_float_1: 12.5,
        udf_float_4: 3,
        udf_date_1: "2027-12-31",
        udf_date_4: "2028-01-01",
      },
      failure: null,
      created_at: "2027-03-10T09:00:00.000Z",
      created_by: expect.any(String),
      executed_at: "2027-03-10T09:00:00.000Z",
      cancelled_at: null,
      version: 1,
    });

    expect((await api.subscriptions.get({ locator: sub.locator })).grace).toMatchObject({
      start: TODAY,
      end: "2027-03-20",
    });
    const { items } = await api.subscriptions.listActions({ subscriptionLocator: sub.locator });
    expect(items.map(asCrmData)).toEqual([data]);
  });

  it("finds the subscription by number, or by its accounts receivable (id or number); takes the token from the Authorization header too", async () => {
    const { token, api, account, sub } = await setup(w, "Identifiers", "AR-1001");
    const extend = async (params: Json, viaHeader = false) => {
      const res = await w.request(PATH, {
        method: "POST",
        ...(viaHeader ? { token } : {}),
        body: viaHeader ? params : { token, ...params },
      });
      expect(res.status, res.text).toBe(200);
      return res.json.data as Json;
    };
    expect(
      (await extend({ subscription_identifier: { number: sub.number }, end_grace_period_on: "2027-03-15" }))
        .new_grace_end,
    ).toBe("2027-03-15");
    expect(
      (await extend({ accounts_receivable_identifier: { id: account.locator }, end_grace_period_on: "2027-03-16" }))
        .new_grace_end,
    ).toBe("2027-03-16");
    const byNumber = await extend(
      { accounts_receivable_identifier: { number: "AR-1001" }, end_grace_period_after_specific_days: "7" },
      true,
    );
    expect(byNumber).toMatchObject({
      subscription_locator: sub.locator,
      previous_grace_end: "2027-03-16",
      new_grace_end: "2027-03-17",
    });
    expect((await api.subscriptions.get({ locator: sub.locator })).grace?.end).toBe("2027-03-17");
  });

  it("a pay-before-bill subscription is extended with a payment gateway card", async () => {
    const { tenantId, token } = await setup(w, "Pay before bill");
    const api = await w.api(token);
    const account = await w.account(tenantId, "prepaid customer");
    const sub = await subscription(api, account.locator, { paymentModel: "pay_before_bill" });
    const res = await w.request(PATH, {
      method: "POST",
      body: {
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_on: "2027-04-01",
        payment_gateway_card_identifier: { number: "4242" },
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.data).toMatchObject({
      payment_gateway_card_identifier: { number: "4242" },
      new_grace_end: "2027-04-01",
    });
  });

  it("fields_set projects the answer: a comma-separated string (as CRM.COM sends it) or a list; empty means every field", async () => {
    const { token, sub } = await setup(w, "Projection");
    const extend = async (end: string, fieldsSet: unknown) => {
      const res = await w.request(PATH, {
        method: "POST",
        body: { token, subscription_identifier: { id: sub.locator }, end_grace_period_on: end, fields_set: fieldsSet },
      });
      expect(res.status, res.text).toBe(200);
      return res.json.data as Json;
    };
    const projected = await extend("2027-03-20", "locator, status,new_grace_end,udf");
    expect(Object.keys(projected)).toEqual(["locator", "status", "new_grace_end", "udf"]);
    expect(projected).toMatchObject({ status: "executed", new_grace_end: "2027-03-20", udf: {} });
    expect(await extend("2027-03-21", ["previous_grace_end", "subscription_locator"])).toEqual({
      previous_grace_end: "2027-03-20",
      subscription_locator: sub.locator,
    });
    expect(Object.keys(await extend("2027-03-22", ""))).toEqual(DATA_FIELDS);
    expect(Object.keys(await extend("2027-03-23", null))).toEqual(DATA_FIELDS);
  });

  it("action type, sub action type and classification are stored on the action as given and answered back; identifiers take CRM.COM's keys", async () => {
    const { token, api, sub } = await setup(w, "Classified");
    const given = {
      action_type_identifier: { code: "GOODWILL", alternative_code: "GW" },
      sub_action_type_identifier: { name: "Courtesy" },
      classification_identifier: { id: "CLS-1", number: "7" },
      performed_by_user_identifier: { username: "jane.doe", email: "jane@example.com" },
      performed_by_unit_identifier: { alternative_code: "U-7" },
      performed_by_business_unit_identifier: { code: "BU" },
    };
    const res = await w.request(PATH, {
      method: "POST",
      body: { token, subscription_identifier: { id: sub.locator }, end_grace_period_on: "2027-03-25", ...given },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.data).toMatchObject(given);
    const [action] = (await api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items;
    expect(action).toMatchObject({
      actionTypeIdentifier: { code: "GOODWILL", alternativeCode: "GW" },
      subActionTypeIdentifier: { name: "Courtesy" },
      classificationIdentifier: { id: "CLS-1", number: "7" },
      performedByUserIdentifier: { username: "jane.doe", email: "jane@example.com" },
    });
    const rows = await w.db.select().from(schema.subscriptionActions);
    const row = rows.find((r) => r.id === (res.json.data as Json).locator);
    expect(row?.request).toMatchObject({
      actionTypeIdentifier: { code: "GOODWILL", alternativeCode: "GW" },
      subActionTypeIdentifier: { name: "Courtesy" },
      classificationIdentifier: { id: "CLS-1", number: "7" },
    });
  });

  it("fields_set takes id (the locator) and each udf_* on its own, answered under the names asked for", async () => {
    const { token, sub } = await setup(w, "Projection by CRM.COM names");
    const res = await w.request(PATH, {
      method: "POST",
      body: {
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_on: "2027-03-20",
        udf_string_2: "two",
        udf_float_1: 1.5,
        fields_set: "id,udf_string_2,udf_float_1,udf_date_1,status",
      },
    });
    expect(res.status, res.text).toBe(200);
    const data = res.json.data as Json;
    expect(Object.keys(data)).toEqual(["id", "udf_string_2", "udf_float_1", "udf_date_1", "status"]);
    expect(data).toEqual({
      id: expect.stringMatching(ULID),
      udf_string_2: "two",
      udf_float_1: 1.5,
      udf_date_1: null,
      status: "executed",
    });
  });

  it("a duplicate transaction_reference_number: the same body answers the first answer; another body is refused with 422", async () => {
    const { tenantId, token, api, sub } = await setup(w, "Duplicates");
    const body = {
      token,
      subscription_identifier: { id: sub.locator },
      end_grace_period_on: "2027-03-25",
      transaction_reference_number: "TRN-DUP",
    };
    const first = await w.request(PATH, { method: "POST", body });
    expect(first.status, first.text).toBe(200);
    const retry = await w.request(PATH, { method: "POST", body });
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual(first.json);

    const other = await w.request(PATH, { method: "POST", body: { ...body, end_grace_period_on: "2027-03-30" } });
    expect(other.status).toBe(422);
    expect(other.json).toEqual({
      status: {
        code: "IDEMPOTENCY_KEY_REUSED",
        message: "transaction_reference_number: already used for a different request",
        description: [
          {
            field: "transaction_reference_number",
            rule: "reused_with_different_body",
            message: "already used for a different request",
          },
        ],
      },
      data: null,
    });
    expect((await api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items).toHaveLength(1);
    expect((await api.subscriptions.get({ locator: sub.locator })).grace?.end).toBe("2027-03-25");

    // Unique per tenant: another tenant may use the same reference number.
    const elsewhere = await setup(w, "Duplicates elsewhere");
    const there = await w.request(PATH, {
      method: "POST",
      body: { ...body, token: elsewhere.token, subscription_identifier: { id: elsewhere.sub.locator } },
    });
    expect(there.status, there.text).toBe(200);
    expect(tenantId).not.toBe(elsewhere.tenantId);
  });

  it("an Idempotency-Key header, when there is no reference number, makes a retry safe", async () => {
    const { token, api, sub } = await setup(w, "Idempotency header");
    const body = { token, subscription_identifier: { id: sub.locator }, end_grace_period_after_specific_days: 3 };
    const headers = { "Idempotency-Key": "crm-retry-1" };
    const first = await w.request(PATH, { method: "POST", body, headers });
    const retry = await w.request(PATH, { method: "POST", body, headers });
    expect(first.status).toBe(200);
    expect(retry.json).toEqual(first.json);
    const other = await w.request(PATH, {
      method: "POST",
      body: { ...body, end_grace_period_after_specific_days: 4 },
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.json.status).toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
      description: [{ field: "Idempotency-Key" }],
    });
    expect((await api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items).toHaveLength(1);
  });

  it("what the services extended, the CRM.COM route answers again for the same reference number and request", async () => {
    const { token, api, sub } = await setup(w, "services first");
    const viaTrpc = await api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: sub.locator },
      endGracePeriodOn: "2027-04-10",
      transactionReferenceNumber: "TRN-FROM-TRPC",
      udfString2: "from the services",
    });
    const res = await w.request(PATH, {
      method: "POST",
      body: {
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_on: "2027-04-10",
        transaction_reference_number: "TRN-FROM-TRPC",
        udf_string_2: "from the services",
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.data).toEqual(asCrmData(viaTrpc as Json));
    expect((await api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items).toHaveLength(1);
  });

  it("a portfolio token names the tenant with tenant_locator", async () => {
    const a = await setup(w, "Portfolio A");
    const b = await setup(w, "Portfolio B");
    const portfolio = await w.token([
      { tenantId: a.tenantId, permissions: ALL_PERMISSIONS },
      { tenantId: b.tenantId, permissions: ["subscriptions:write"] },
    ]);
    const res = await w.request(PATH, {
      method: "POST",
      body: {
        token: portfolio,
        tenant_locator: b.tenantId,
        subscription_identifier: { id: b.sub.locator },
        end_grace_period_on: "2027-03-31",
      },
    });
    expect(res.status, res.text).toBe(200);
    expect((await b.api.subscriptions.get({ locator: b.sub.locator })).grace?.end).toBe("2027-03-31");
  });
});

describe("a scheduled extension", () => {
  let w: CompatWorld;
  beforeAll(async () => {
    w = await createCompatWorld({ now: `${TODAY}T09:00:00Z` });
  });
  afterAll(async () => {
    await w.close();
  });

  it("is stored for its date, leaves the subscription as it is until then, and is executed by the worker on that date", async () => {
    const { token, api, sub } = await setup(w, "Scheduled");
    const res = await w.request(PATH, {
      method: "POST",
      body: {
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_on: "2027-04-01",
        scheduled_date: "2027-03-15",
        transaction_reference_number: "TRN-LATER",
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.status).toEqual({
      code: "OK",
      message: "The grace period extension is scheduled for 2027-03-15.",
      description: null,
    });
    expect(res.json.data).toMatchObject({
      status: "scheduled",
      scheduled_date: "2027-03-15",
      applied_on: null,
      new_grace_end: null,
      executed_at: null,
    });
    const locator = (res.json.data as Json).locator;

    // The services see it scheduled, and the subscription unchanged.
    expect((await api.subscriptions.listActions({ status: "scheduled" })).items.map((a) => a.locator)).toEqual([
      locator,
    ]);
    expect((await api.subscriptions.get({ locator: sub.locator })).grace).toBeNull();

    // The day before: nothing runs.
    w.clock.set("2027-03-14T09:00:00Z");
    expect((await runTick(w.db, w.clock, "crm-worker")).errors).toEqual([]);
    expect((await api.subscriptions.get({ locator: sub.locator })).grace).toBeNull();

    // On the date, the worker runs it.
    w.clock.set("2027-03-15T09:00:00Z");
    const tick = await runTick(w.db, w.clock, "crm-worker");
    expect(tick.errors).toEqual([]);
    expect(tick.counts.actionsRun).toBe(1);
    const [executed] = (await api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items;
    expect(executed).toMatchObject({
      locator,
      status: "executed",
      appliedOn: "2027-03-15",
      newGraceEnd: "2027-04-01",
      transactionReferenceNumber: "TRN-LATER",
    });
    expect((await api.subscriptions.get({ locator: sub.locator })).grace).toMatchObject({
      start: "2027-03-15",
      end: "2027-04-01",
    });

    // The same request again, days later (past the 24-hour idempotency window, whose keys the worker purged):
    // the reference number is still unique, and answers the same action as it is now.
    const retry = await w.request(PATH, {
      method: "POST",
      body: {
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_on: "2027-04-01",
        scheduled_date: "2027-03-15",
        transaction_reference_number: "TRN-LATER",
      },
    });
    expect(retry.status, retry.text).toBe(200);
    expect(retry.json.data).toEqual({ ...(res.json.data as Json), ...asCrmData(executed as Json) });
    expect(retry.json.data).toMatchObject({ status: "executed", version: 2 });
    expect((await api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items).toHaveLength(1);
  });

  it("a scheduled_date of today or earlier runs now", async () => {
    const { token, sub } = await setup(w, "Scheduled today");
    const today = w.clock.now().toISOString().slice(0, 10);
    const res = await w.request(PATH, {
      method: "POST",
      body: {
        token,
        subscription_identifier: { id: sub.locator },
        end_grace_period_after_specific_days: 5,
        scheduled_date: today,
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.data).toMatchObject({ status: "executed", scheduled_date: today, applied_on: today });
  });
});

describe("an explicit end given while a delinquency hold pauses the grace period", () => {
  let w: CompatWorld;
  beforeAll(async () => {
    w = await createCompatWorld({ now: `${TODAY}T09:00:00Z` });
  });
  afterAll(async () => {
    await w.close();
  });

  const tickOn = async (date: string) => {
    w.clock.set(`${date}T09:00:00Z`);
    expect((await runTick(w.db, w.clock, "crm-worker")).errors).toEqual([]);
  };

  it("is pushed out on release only by the days held after the extension was applied", async () => {
    const { token, api, account, sub } = await setup(w, "Paused");
    // Invoiced 03-10, due 03-20: the grace period starts on 03-21.
    for (let d = 10; d <= 21; d++) await tickOn(`2027-03-${d}`);
    const started = (await api.subscriptions.get({ locator: sub.locator })).grace;
    expect(started).toMatchObject({ start: "2027-03-21", pausedOn: null });
    const hold = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "delinquency" }] });
    await api.holds.validate({ locator: hold.locator });
    await api.holds.activate({ locator: hold.locator });
    await tickOn("2027-03-22");
    expect((await api.subscriptions.get({ locator: sub.locator })).grace?.pausedOn).toBe("2027-03-21");

    // Paused since 03-21; on 03-25 the end is set to 04-20.
    w.clock.set("2027-03-25T09:00:00Z");
    const res = await w.request(PATH, {
      method: "POST",
      body: { token, subscription_identifier: { id: sub.locator }, end_grace_period_on: "2027-04-20" },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.data).toMatchObject({ new_grace_end: "2027-04-20", applied_on: "2027-03-25" });

    // Released on 03-27 and resumed by that day's tick: held 2 days after the extension (not the 6 since 03-21).
    w.clock.set("2027-03-27T09:00:00Z");
    await api.holds.release({ locator: hold.locator });
    await tickOn("2027-03-27");
    expect((await api.subscriptions.get({ locator: sub.locator })).grace).toMatchObject({
      start: "2027-03-21",
      end: "2027-04-22",
      pausedOn: null,
    });
  });
});
