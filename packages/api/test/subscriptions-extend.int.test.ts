/**
 * Extend grace period (CRM.COM, seeds/003) through the real router, one rule
 * at a time: the identifier rules, the end date XOR days, the allowed states,
 * a later end, pay-before-bill and its card, the transaction reference number
 * as an idempotency key, fieldsSet, the performer, dates and user-defined
 * fields kept on the action, scheduled actions (executed by the real worker on
 * their date, cancelled, failed), and reactivation of a not-effective
 * subscription. Every refusal is checked to change nothing.
 */
import { addDays } from "@holdfast/domain";
import { runTick } from "@holdfast/services";
import { issuesOfTrpcError, type PathAndRule, sortRules } from "@holdfast/testing/issues";
import type { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { type Caller, expectTrpcError, setupWorld, tableChecksum } from "./harness.ts";

const TODAY = "2027-03-10";
const w = setupWorld({ now: `${TODAY}T09:00:00Z`, tenantName: "Extend grace" });

const UNKNOWN_ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

type CreateInput = Parameters<Caller["subscriptions"]["create"]>[0];
type ExtendInput = Parameters<Caller["subscriptions"]["extendGracePeriod"]>[0];

const TABLES = [
  "subscriptions",
  "subscription_actions",
  "invoices",
  "audit_events",
  "idempotency_keys",
  "tenants",
  "accounts",
];
async function snapshot() {
  return (await Promise.all(TABLES.map((t) => tableChecksum(w.db, t)))).join(":");
}

/** The call is refused with this code (and these field rules), and nothing in the database changes. */
async function expectRefused(call: () => Promise<unknown>, code: TRPCError["code"], rules?: PathAndRule[]) {
  const before = await snapshot();
  const err = await expectTrpcError(call(), code);
  if (rules) expect(sortRules(issuesOfTrpcError(err))).toEqual(sortRules(rules));
  expect(await snapshot()).toBe(before);
  return err;
}

async function subscription(
  api: Caller,
  accountLocator: string,
  o: Partial<CreateInput> & { activate?: boolean } = {},
) {
  const { activate = true, ...rest } = o;
  const sub = await api.subscriptions.create({
    accountLocator,
    paymentModel: "pay_after_bill",
    priceMinor: 2500,
    currency: "EUR",
    billingPeriod: "monthly",
    startDate: TODAY,
    paymentTermDays: 10,
    ...rest,
  });
  return activate ? api.subscriptions.activate({ locator: sub.locator }) : sub;
}

/** A tenant of its own, for tests that run the worker (each tenant's worker state starts at its first tick). */
async function workerTenant(name: string) {
  const tenantId = await w.tenant(name);
  const api = await w.caller(tenantId);
  const account = async (label = "customer", externalId?: string) =>
    (await w.account(tenantId, label, externalId)).locator;
  return { tenantId, api, account };
}

async function tickOn(day: string) {
  w.clock.set(`${day}T09:00:00Z`);
  const r = await runTick(w.db, w.clock, "extend-worker");
  expect(r.errors).toEqual([]);
  return r;
}

/** Subscriptions (one per account) that lapse: start today, due today, 14 days of grace from tomorrow, lapsed on day 16. */
async function lapsedSubscriptions(t: Awaited<ReturnType<typeof workerTenant>>, n: number) {
  const subs = [];
  for (let i = 0; i < n; i++)
    subs.push(await subscription(t.api, await t.account(`lapsing ${i}`), { paymentTermDays: 0 }));
  await tickOn(TODAY);
  const lapsedOn = addDays(TODAY, 16);
  await tickOn(lapsedOn);
  for (const s of subs) {
    expect(await t.api.subscriptions.get({ locator: s.locator })).toMatchObject({
      state: "not_effective",
      lapsedOn,
      grace: { start: addDays(TODAY, 1), end: addDays(TODAY, 15) },
    });
  }
  return { subs, lapsedOn };
}

const extendBy = (locator: string, extra: Partial<ExtendInput> = {}): ExtendInput => ({
  subscriptionIdentifier: { id: locator },
  endGracePeriodAfterDays: 10,
  ...extra,
});

// ---------------------------------------------------------------------------

describe("identifier rules", () => {
  it("exactly one of subscriptionIdentifier or accountsReceivableIdentifier", async () => {
    const accountLocator = await w.newAccount();
    const sub = await subscription(w.api, accountLocator);
    const rule = [{ path: "subscriptionIdentifier", rule: "exactly_one_identifier" }];
    await expectRefused(
      () => w.api.subscriptions.extendGracePeriod({ endGracePeriodAfterDays: 5 }),
      "BAD_REQUEST",
      rule,
    );
    await expectRefused(
      () =>
        w.api.subscriptions.extendGracePeriod({
          subscriptionIdentifier: { id: sub.locator },
          accountsReceivableIdentifier: { id: accountLocator },
          endGracePeriodAfterDays: 5,
        }),
      "BAD_REQUEST",
      rule,
    );
  });

  it.each<[string, object, string]>([
    ["both id and number", { id: UNKNOWN_ULID, number: "SUB-1" }, "subscriptionIdentifier"],
    ["neither id nor number", {}, "subscriptionIdentifier"],
    ["an id that is not a ULID", { id: "sub-1" }, "subscriptionIdentifier.id"],
    ["an empty number", { number: "" }, "subscriptionIdentifier.number"],
  ])("a subscription identifier with %s is refused", async (_name, identifier, path) => {
    const err = await expectRefused(
      () =>
        w.api.subscriptions.extendGracePeriod({
          subscriptionIdentifier: identifier as { id?: string },
          endGracePeriodAfterDays: 5,
        }),
      "BAD_REQUEST",
    );
    expect(sortRules(issuesOfTrpcError(err)).map((i) => i.path)).toContain(path);
  });

  it("by subscription id and by subscription number", async () => {
    const sub = await subscription(w.api, await w.newAccount(), { number: "EXT-BY-NUMBER" });
    const byId = await w.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: sub.locator },
      endGracePeriodAfterDays: 5,
    });
    expect(byId).toMatchObject({
      subscriptionLocator: sub.locator,
      status: "executed",
      previousGraceEnd: null,
      newGraceEnd: addDays(TODAY, 5),
    });
    const byNumber = await w.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { number: "EXT-BY-NUMBER" },
      endGracePeriodAfterDays: 6,
    });
    expect(byNumber).toMatchObject({
      subscriptionLocator: sub.locator,
      status: "executed",
      previousGraceEnd: addDays(TODAY, 5),
      newGraceEnd: addDays(TODAY, 6),
    });
  });

  it("by accounts receivable id and by number (its external id) when the account owns exactly one subscription", async () => {
    const accountLocator = (await w.account(w.tenantId, "Owns one", "AR-ONE")).locator;
    const sub = await subscription(w.api, accountLocator);
    const byId = await w.api.subscriptions.extendGracePeriod({
      accountsReceivableIdentifier: { id: accountLocator },
      endGracePeriodAfterDays: 5,
    });
    expect(byId).toMatchObject({
      subscriptionLocator: sub.locator,
      accountLocator,
      status: "executed",
      newGraceEnd: addDays(TODAY, 5),
    });
    const byNumber = await w.api.subscriptions.extendGracePeriod({
      accountsReceivableIdentifier: { number: "AR-ONE" },
      endGracePeriodAfterDays: 7,
    });
    expect(byNumber).toMatchObject({
      subscriptionLocator: sub.locator,
      accountLocator,
      status: "executed",
      newGraceEnd: addDays(TODAY, 7),
    });
  });

  it("an accounts receivable that owns no subscription or two is refused: owns_exactly_one_subscription", async () => {
    const none = (await w.account(w.tenantId, "Owns none", "AR-NONE")).locator;
    const two = (await w.account(w.tenantId, "Owns two", "AR-TWO")).locator;
    await subscription(w.api, two);
    await subscription(w.api, two, { activate: false });
    const rule = [{ path: "accountsReceivableIdentifier", rule: "owns_exactly_one_subscription" }];
    for (const identifier of [{ id: none }, { number: "AR-NONE" }, { id: two }, { number: "AR-TWO" }]) {
      await expectRefused(
        () =>
          w.api.subscriptions.extendGracePeriod({
            accountsReceivableIdentifier: identifier,
            endGracePeriodAfterDays: 5,
          }),
        "BAD_REQUEST",
        rule,
      );
    }
  });

  it("unknown and foreign identifiers answer the same NOT_FOUND", async () => {
    const other = await workerTenant("Foreign extend");
    const foreignAccount = await other.account("foreign", "AR-FOREIGN");
    const foreign = await subscription(other.api, foreignAccount, { number: "FOREIGN-SUB" });
    const mine = (await w.account(w.tenantId, "Id vs number", "AR-MINE")).locator;
    await subscription(w.api, mine);
    const identifiers: Partial<ExtendInput>[] = [
      { subscriptionIdentifier: { id: UNKNOWN_ULID } },
      { subscriptionIdentifier: { number: "NO-SUCH-SUB" } },
      { subscriptionIdentifier: { id: foreign.locator } },
      { subscriptionIdentifier: { number: "FOREIGN-SUB" } },
      { accountsReceivableIdentifier: { id: UNKNOWN_ULID } },
      { accountsReceivableIdentifier: { number: "NO-SUCH-AR" } },
      { accountsReceivableIdentifier: { id: foreignAccount } },
      { accountsReceivableIdentifier: { number: "AR-FOREIGN" } },
      // The number must be the account's external id, not its locator.
      { accountsReceivableIdentifier: { number: mine } },
    ];
    for (const identifier of identifiers) {
      await expectRefused(
        () => w.api.subscriptions.extendGracePeriod({ ...identifier, endGracePeriodAfterDays: 5 }),
        "NOT_FOUND",
      );
    }
    expect((await other.api.subscriptions.get({ locator: foreign.locator })).grace).toBeNull();
  });
});

describe("the new end: a date or a number of days, later than the current one", () => {
  it("exactly one of endGracePeriodOn or endGracePeriodAfterDays", async () => {
    const sub = await subscription(w.api, await w.newAccount());
    const rule = [{ path: "endGracePeriodOn", rule: "exactly_one_end" }];
    await expectRefused(
      () => w.api.subscriptions.extendGracePeriod({ subscriptionIdentifier: { id: sub.locator } }),
      "BAD_REQUEST",
      rule,
    );
    await expectRefused(
      () =>
        w.api.subscriptions.extendGracePeriod({
          subscriptionIdentifier: { id: sub.locator },
          endGracePeriodOn: "2027-04-01",
          endGracePeriodAfterDays: 5,
        }),
      "BAD_REQUEST",
      rule,
    );
  });

  it.each<[string, Partial<ExtendInput>, string]>([
    ["zero days", { endGracePeriodAfterDays: 0 }, "endGracePeriodAfterDays"],
    ["negative days", { endGracePeriodAfterDays: -3 }, "endGracePeriodAfterDays"],
    ["fractional days", { endGracePeriodAfterDays: 1.5 }, "endGracePeriodAfterDays"],
    ["more than ten years of days", { endGracePeriodAfterDays: 3651 }, "endGracePeriodAfterDays"],
    ["a date that does not exist", { endGracePeriodOn: "2027-02-29" }, "endGracePeriodOn"],
    ["a timestamp for a date", { endGracePeriodOn: "2027-04-01T00:00:00Z" }, "endGracePeriodOn"],
  ])("%s is refused naming the field", async (_name, end, path) => {
    const sub = await subscription(w.api, await w.newAccount());
    const err = await expectRefused(
      () => w.api.subscriptions.extendGracePeriod({ subscriptionIdentifier: { id: sub.locator }, ...end }),
      "BAD_REQUEST",
    );
    expect(sortRules(issuesOfTrpcError(err)).map((i) => i.path)).toContain(path);
  });

  it("a date is taken as given; days count from today", async () => {
    const a = await subscription(w.api, await w.newAccount());
    expect(
      await w.api.subscriptions.extendGracePeriod({
        subscriptionIdentifier: { id: a.locator },
        endGracePeriodOn: "2027-04-02",
      }),
    ).toMatchObject({
      appliedOn: TODAY,
      newGraceEnd: "2027-04-02",
    });
    const b = await subscription(w.api, await w.newAccount());
    expect(
      await w.api.subscriptions.extendGracePeriod({
        subscriptionIdentifier: { id: b.locator },
        endGracePeriodAfterDays: 22,
      }),
    ).toMatchObject({
      appliedOn: TODAY,
      newGraceEnd: "2027-04-01",
    });
    expect(await w.api.subscriptions.get({ locator: b.locator })).toMatchObject({
      grace: { start: TODAY, end: "2027-04-01", pausedOn: null, daysLeft: 22 },
    });
  });

  it("the new end must be later than the current one (by date and by days); an end in the past is refused", async () => {
    const sub = await subscription(w.api, await w.newAccount());
    await expectRefused(
      () =>
        w.api.subscriptions.extendGracePeriod({
          subscriptionIdentifier: { id: sub.locator },
          endGracePeriodOn: addDays(TODAY, -1),
        }),
      "BAD_REQUEST",
      [{ path: "endGracePeriodOn", rule: "not_in_past" }],
    );
    await w.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: sub.locator },
      endGracePeriodOn: "2027-03-20",
    });
    for (const [end, path] of [
      [{ endGracePeriodOn: "2027-03-20" }, "endGracePeriodOn"],
      [{ endGracePeriodOn: "2027-03-19" }, "endGracePeriodOn"],
      [{ endGracePeriodAfterDays: 10 }, "endGracePeriodAfterDays"],
      [{ endGracePeriodAfterDays: 1 }, "endGracePeriodAfterDays"],
    ] as const) {
      await expectRefused(
        () => w.api.subscriptions.extendGracePeriod({ subscriptionIdentifier: { id: sub.locator }, ...end }),
        "BAD_REQUEST",
        [{ path, rule: "not_later_than_current" }],
      );
    }
    expect(
      await w.api.subscriptions.extendGracePeriod({
        subscriptionIdentifier: { id: sub.locator },
        endGracePeriodAfterDays: 11,
      }),
    ).toMatchObject({
      previousGraceEnd: "2027-03-20",
      newGraceEnd: "2027-03-21",
    });
  });
});

describe("allowed states", () => {
  it("draft and effective subscriptions can be extended", async () => {
    const draft = await subscription(w.api, await w.newAccount(), { activate: false });
    expect(draft.state).toBe("draft");
    expect(await w.api.subscriptions.extendGracePeriod(extendBy(draft.locator))).toMatchObject({
      status: "executed",
      reactivated: false,
    });
    expect(await w.api.subscriptions.get({ locator: draft.locator })).toMatchObject({
      state: "draft",
      grace: { start: TODAY, end: addDays(TODAY, 10) },
    });

    const effective = await subscription(w.api, await w.newAccount());
    expect(await w.api.subscriptions.extendGracePeriod(extendBy(effective.locator))).toMatchObject({
      status: "executed",
      reactivated: false,
    });
    expect(await w.api.subscriptions.get({ locator: effective.locator })).toMatchObject({
      state: "effective",
      version: effective.version + 1,
    });
  });

  it("a terminated subscription is refused: state_not_extendable, now and scheduled", async () => {
    const sub = await subscription(w.api, await w.newAccount());
    await w.api.subscriptions.terminate({ locator: sub.locator });
    const rule = [{ path: "subscriptionIdentifier", rule: "state_not_extendable" }];
    await expectRefused(() => w.api.subscriptions.extendGracePeriod(extendBy(sub.locator)), "BAD_REQUEST", rule);
    await expectRefused(
      () => w.api.subscriptions.extendGracePeriod(extendBy(sub.locator, { scheduledDate: addDays(TODAY, 2) })),
      "BAD_REQUEST",
      rule,
    );
  });

  it("a not-effective subscription can be extended", async () => {
    const t = await workerTenant("Not effective extend");
    const { subs, lapsedOn } = await lapsedSubscriptions(t, 1);
    const [sub] = subs;
    const out = await t.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: sub?.locator ?? "" },
      endGracePeriodAfterDays: 3,
    });
    expect(out).toMatchObject({
      status: "executed",
      appliedOn: lapsedOn,
      previousGraceEnd: addDays(TODAY, 15),
      newGraceEnd: addDays(lapsedOn, 3),
    });
  });
});

describe("pay-before-bill needs a payment gateway card", () => {
  it("without a card: refused now and when scheduled; with a card: applied and the card is kept", async () => {
    const sub = await subscription(w.api, await w.newAccount(), { paymentModel: "pay_before_bill" });
    const rule = [{ path: "paymentGatewayCardIdentifier", rule: "required_for_pay_before_bill" }];
    await expectRefused(
      () => w.api.subscriptions.extendGracePeriod(extendBy(sub.locator, { transactionReferenceNumber: "PBB-1" })),
      "BAD_REQUEST",
      rule,
    );
    await expectRefused(
      () => w.api.subscriptions.extendGracePeriod(extendBy(sub.locator, { scheduledDate: addDays(TODAY, 3) })),
      "BAD_REQUEST",
      rule,
    );
    // The refused call stored nothing: its transaction reference number is still free.
    const out = await w.api.subscriptions.extendGracePeriod(
      extendBy(sub.locator, {
        transactionReferenceNumber: "PBB-1",
        paymentGatewayCardIdentifier: { number: "4242-XXXX" },
      }),
    );
    expect(out).toMatchObject({
      status: "executed",
      paymentGatewayCardIdentifier: { number: "4242-XXXX" },
      transactionReferenceNumber: "PBB-1",
    });
  });

  it("pay-after-bill needs no card", async () => {
    const sub = await subscription(w.api, await w.newAccount(), { paymentModel: "pay_after_bill" });
    expect(await w.api.subscriptions.extendGracePeriod(extendBy(sub.locator))).toMatchObject({
      status: "executed",
      paymentGatewayCardIdentifier: null,
    });
  });
});

describe("the transaction reference number", () => {
  it("the same number and body again: the stored first answer, one action, no second change", async () => {
    const sub = await subscription(w.api, await w.newAccount());
    const body = extendBy(sub.locator, { transactionReferenceNumber: "TRN-SAME", endGracePeriodAfterDays: 9 });
    const first = await w.api.subscriptions.extendGracePeriod(body);
    const afterFirst = await w.api.subscriptions.get({ locator: sub.locator });
    const before = await snapshot();
    const again = await w.api.subscriptions.extendGracePeriod(body);
    expect(again).toEqual(first);
    expect(await snapshot()).toBe(before);
    const actions = await w.api.subscriptions.listActions({ subscriptionLocator: sub.locator });
    expect(actions.items.map((a) => a.locator)).toEqual([first.locator]);
    expect(await w.api.subscriptions.get({ locator: sub.locator })).toEqual(afterFirst);
  });

  it("the same number with another body is refused (UNPROCESSABLE_CONTENT) and changes nothing; another fieldsSet is a replay", async () => {
    const sub = await subscription(w.api, await w.newAccount());
    const other = await subscription(w.api, await w.newAccount());
    await w.api.subscriptions.extendGracePeriod(extendBy(sub.locator, { transactionReferenceNumber: "TRN-DIFF" }));
    await expectRefused(
      () =>
        w.api.subscriptions.extendGracePeriod(
          extendBy(sub.locator, { transactionReferenceNumber: "TRN-DIFF", endGracePeriodAfterDays: 20 }),
        ),
      "UNPROCESSABLE_CONTENT",
    );
    await expectRefused(
      () => w.api.subscriptions.extendGracePeriod(extendBy(other.locator, { transactionReferenceNumber: "TRN-DIFF" })),
      "UNPROCESSABLE_CONTENT",
    );
    // fieldsSet only shapes the answer: the same number and body with another fieldsSet is a replay,
    // answered from the stored action and projected by this call's fieldsSet.
    const replay = await w.api.subscriptions.extendGracePeriod(
      extendBy(sub.locator, {
        transactionReferenceNumber: "TRN-DIFF",
        fieldsSet: ["locator", "transactionReferenceNumber"],
      }),
    );
    expect(Object.keys(replay).sort()).toEqual(["locator", "transactionReferenceNumber"]);
    const actions = await w.api.subscriptions.listActions({ subscriptionLocator: sub.locator });
    expect(actions.items.filter((a) => a.transactionReferenceNumber === "TRN-DIFF")).toHaveLength(1);
    expect((await w.api.subscriptions.get({ locator: other.locator })).grace).toBeNull();
  });

  it("unique per tenant, not across tenants", async () => {
    const t = await workerTenant("Second TRN tenant");
    const mine = await subscription(w.api, await w.newAccount());
    const theirs = await subscription(t.api, await t.account());
    const a = await w.api.subscriptions.extendGracePeriod(
      extendBy(mine.locator, { transactionReferenceNumber: "TRN-SHARED" }),
    );
    const b = await t.api.subscriptions.extendGracePeriod(
      extendBy(theirs.locator, { transactionReferenceNumber: "TRN-SHARED" }),
    );
    expect(a.locator).not.toBe(b.locator);
    expect([a.subscriptionLocator, b.subscriptionLocator]).toEqual([mine.locator, theirs.locator]);
  });

  it("a number used more than a day ago (its idempotency record purged by the worker) is still refused cleanly, never an internal error", async () => {
    const t = await workerTenant("Old TRN tenant");
    const sub = await subscription(t.api, await t.account());
    const body: ExtendInput = {
      subscriptionIdentifier: { id: sub.locator },
      transactionReferenceNumber: "TRN-OLD",
      endGracePeriodOn: "2027-04-30",
    };
    const first = await t.api.subscriptions.extendGracePeriod(body);
    await tickOn(addDays(TODAY, 2)); // purges idempotency keys older than 24 hours
    const before = await t.api.subscriptions.get({ locator: sub.locator });
    for (const reuse of [body, { ...body, endGracePeriodOn: "2027-05-31" }]) {
      let answer: unknown;
      try {
        answer = await t.api.subscriptions.extendGracePeriod(reuse);
      } catch (e) {
        const code = (e as TRPCError).code;
        expect(["BAD_REQUEST", "CONFLICT", "UNPROCESSABLE_CONTENT"], `reusing the number answered ${code}`).toContain(
          code,
        );
      }
      // Either refused, or the stored first answer: never a second action.
      if (answer !== undefined) expect((answer as { locator?: string }).locator).toBe(first.locator);
    }
    expect(await t.api.subscriptions.get({ locator: sub.locator })).toEqual(before);
    expect((await t.api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items).toHaveLength(1);
  });
});

describe("fieldsSet and what is kept on the action", () => {
  it("fieldsSet limits the answer to exactly those keys; a replay gives the same projection", async () => {
    const sub = await subscription(w.api, await w.newAccount());
    const body = extendBy(sub.locator, {
      transactionReferenceNumber: "TRN-FIELDS",
      fieldsSet: ["locator", "status", "newGraceEnd", "udf"],
    });
    const out = await w.api.subscriptions.extendGracePeriod(body);
    expect(Object.keys(out).sort()).toEqual(["locator", "newGraceEnd", "status", "udf"]);
    expect(out).toMatchObject({ status: "executed", newGraceEnd: addDays(TODAY, 10), udf: {} });
    expect(await w.api.subscriptions.extendGracePeriod(body)).toEqual(out);
    // The action itself is whole.
    const [stored] = (await w.api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items;
    expect(stored?.locator).toBe(out.locator);
    expect(stored?.transactionReferenceNumber).toBe("TRN-FIELDS");
  });

  it.each<[string, unknown]>([
    ["an unknown field", ["locator", "password"]],
    ["an empty list", []],
    ["a comma-separated string", "locator,status"],
  ])("fieldsSet with %s is refused", async (_name, fieldsSet) => {
    const sub = await subscription(w.api, await w.newAccount());
    const err = await expectRefused(
      () =>
        w.api.subscriptions.extendGracePeriod(
          extendBy(sub.locator, { fieldsSet: fieldsSet as ExtendInput["fieldsSet"] }),
        ),
      "BAD_REQUEST",
    );
    expect(sortRules(issuesOfTrpcError(err)).every((i) => i.path.startsWith("fieldsSet"))).toBe(true);
  });

  it("performer, performed on, billing dates and user-defined fields are kept on the action and listed", async () => {
    const sub = await subscription(w.api, await w.newAccount());
    const udf = {
      udfString1: "one",
      udfString2: "two",
      udfString3: "three",
      udfString4: "four",
      udfString5: "five",
      udfString6: "six",
      udfString7: "seven",
      udfString8: "eight",
      udfFloat1: 1.5,
      udfFloat2: -2.25,
      udfFloat3: 0,
      udfFloat4: 1e6,
      udfDate1: "2027-01-01",
      udfDate2: "2027-02-28",
      udfDate3: "2028-02-29",
      udfDate4: "2027-12-31",
    };
    const out = await w.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { number: sub.number },
      endGracePeriodOn: "2027-04-15",
      transactionReferenceNumber: "TRN-KEPT",
      performedByUserIdentifier: { name: "Jana Nováková" },
      performedByUnitIdentifier: { number: "UNIT-7" },
      performedByBusinessUnitIdentifier: { id: "BU-42" },
      performedOn: "2027-03-09",
      billingEffectiveDate: "2027-03-31",
      billablePeriodStartDate: "2027-04-01",
      ...udf,
    });
    const expected = {
      subscriptionLocator: sub.locator,
      accountLocator: sub.accountLocator,
      type: "extend_grace_period",
      status: "executed",
      scheduledDate: null,
      appliedOn: TODAY,
      previousGraceEnd: null,
      newGraceEnd: "2027-04-15",
      reactivated: false,
      transactionReferenceNumber: "TRN-KEPT",
      paymentGatewayCardIdentifier: null,
      performedByUserIdentifier: { name: "Jana Nováková" },
      performedByUnitIdentifier: { number: "UNIT-7" },
      performedByBusinessUnitIdentifier: { id: "BU-42" },
      performedOn: "2027-03-09",
      billingEffectiveDate: "2027-03-31",
      billablePeriodStartDate: "2027-04-01",
      udf,
      failure: null,
      createdAt: `${TODAY}T09:00:00.000Z`,
      executedAt: `${TODAY}T09:00:00.000Z`,
      cancelledAt: null,
      version: 1,
    };
    expect(out).toMatchObject(expected);
    expect(out.createdBy).toMatch(/^token:/);
    const listed = await w.api.subscriptions.listActions({ subscriptionLocator: sub.locator, status: "executed" });
    expect(listed.items).toEqual([out]);
    const history = await w.api.audit.history({ entityType: "subscription_action", entityId: out.locator ?? "" });
    expect(history.map((e) => e.action)).toEqual(["create"]);
    expect(history[0]?.after).toMatchObject(expected);
  });
});

describe("scheduled actions", () => {
  it("a scheduled extension is stored and executed by the worker on its date, not before", async () => {
    const t = await workerTenant("Scheduled extension");
    const sub = await subscription(t.api, await t.account());
    const on = addDays(TODAY, 3);
    const out = await t.api.subscriptions.extendGracePeriod(
      extendBy(sub.locator, { scheduledDate: on, endGracePeriodAfterDays: 5, transactionReferenceNumber: "SCHED-1" }),
    );
    expect(out).toMatchObject({
      status: "scheduled",
      scheduledDate: on,
      appliedOn: null,
      previousGraceEnd: null,
      newGraceEnd: null,
      executedAt: null,
    });
    expect(await t.api.subscriptions.get({ locator: sub.locator })).toMatchObject({
      grace: null,
      version: sub.version,
    });
    for (const day of [TODAY, addDays(TODAY, 1), addDays(TODAY, 2)]) {
      await tickOn(day);
      const [a] = (await t.api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items;
      expect(a?.status, day).toBe("scheduled");
      expect((await t.api.subscriptions.get({ locator: sub.locator })).grace, day).toBeNull();
    }
    const r = await tickOn(on);
    expect(r.counts.actionsRun).toBe(1);
    const [done] = (await t.api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items;
    // Days count from the day it is applied: its scheduled date.
    expect(done).toMatchObject({
      status: "executed",
      scheduledDate: on,
      appliedOn: on,
      previousGraceEnd: null,
      newGraceEnd: addDays(on, 5),
      version: 2,
    });
    expect(done?.executedAt).toBe(`${on}T09:00:00.000Z`);
    expect(await t.api.subscriptions.get({ locator: sub.locator })).toMatchObject({
      grace: { start: on, end: addDays(on, 5) },
    });
    // The next tick (re-processing the date) does not run it again.
    await tickOn(addDays(on, 1));
    const history = await t.api.audit.history({ entityType: "subscription_action", entityId: done?.locator ?? "" });
    expect(history.map((e) => `${e.at.slice(0, 10)} ${e.action} ${e.actorType}`)).toEqual([
      `${TODAY} create token`,
      `${on} execute worker`,
    ]);
    expect(
      (await t.api.audit.history({ entityType: "subscription", entityId: sub.locator })).filter(
        (e) => e.action === "extendGracePeriod",
      ),
    ).toHaveLength(1);
  });

  it.each<[string, string]>([
    ["today", TODAY],
    ["in the past", addDays(TODAY, -5)],
  ])("a scheduled date %s runs now", async (_name, scheduledDate) => {
    const sub = await subscription(w.api, await w.newAccount());
    const out = await w.api.subscriptions.extendGracePeriod(extendBy(sub.locator, { scheduledDate }));
    expect(out).toMatchObject({ status: "executed", scheduledDate, appliedOn: TODAY, newGraceEnd: addDays(TODAY, 10) });
  });

  it("a scheduled end date before the scheduled date is refused", async () => {
    const sub = await subscription(w.api, await w.newAccount());
    await expectRefused(
      () =>
        w.api.subscriptions.extendGracePeriod({
          subscriptionIdentifier: { id: sub.locator },
          scheduledDate: addDays(TODAY, 5),
          endGracePeriodOn: addDays(TODAY, 4),
        }),
      "BAD_REQUEST",
      [{ path: "endGracePeriodOn", rule: "not_before_scheduled_date" }],
    );
  });

  it("a cancelled scheduled action is never executed; cancelling it again is refused", async () => {
    const t = await workerTenant("Cancelled extension");
    const sub = await subscription(t.api, await t.account());
    const on = addDays(TODAY, 2);
    const scheduled = await t.api.subscriptions.extendGracePeriod(extendBy(sub.locator, { scheduledDate: on }));
    const cancelled = await t.api.subscriptions.cancelAction({ locator: scheduled.locator ?? "", expectedVersion: 1 });
    expect(cancelled).toMatchObject({
      status: "cancelled",
      cancelledAt: `${TODAY}T09:00:00.000Z`,
      executedAt: null,
      appliedOn: null,
      version: 2,
    });
    for (const day of [TODAY, addDays(TODAY, 1), on, addDays(on, 1), addDays(on, 5)]) {
      const r = await tickOn(day);
      expect(r.counts.actionsRun, day).toBe(0);
    }
    expect((await t.api.subscriptions.listActions({ subscriptionLocator: sub.locator })).items).toEqual([cancelled]);
    expect((await t.api.subscriptions.listActions({ status: "cancelled" })).items.map((a) => a.locator)).toEqual([
      cancelled.locator,
    ]);
    expect((await t.api.subscriptions.listActions({ status: "scheduled" })).items).toEqual([]);
    expect((await t.api.subscriptions.get({ locator: sub.locator })).grace).toBeNull();
    await expectRefused(() => t.api.subscriptions.cancelAction({ locator: scheduled.locator ?? "" }), "CONFLICT");
  });

  it("cancelling an executed action is refused (CONFLICT); unknown and stale versions too", async () => {
    const sub = await subscription(w.api, await w.newAccount());
    const executed = await w.api.subscriptions.extendGracePeriod(extendBy(sub.locator));
    const err = await expectRefused(
      () => w.api.subscriptions.cancelAction({ locator: executed.locator ?? "" }),
      "CONFLICT",
    );
    expect(err.message).toContain("executed");
    await expectRefused(() => w.api.subscriptions.cancelAction({ locator: UNKNOWN_ULID }), "NOT_FOUND");
    const scheduled = await w.api.subscriptions.extendGracePeriod(
      extendBy(sub.locator, { scheduledDate: addDays(TODAY, 30), endGracePeriodAfterDays: 40 }),
    );
    await expectRefused(
      () => w.api.subscriptions.cancelAction({ locator: scheduled.locator ?? "", expectedVersion: 7 }),
      "CONFLICT",
    );
  });

  it("a scheduled action whose rule fails at execution is marked failed with the reason", async () => {
    const t = await workerTenant("Failed extension");
    const later = await subscription(t.api, await t.account("superseded"));
    const ended = await subscription(t.api, await t.account("terminated"));
    const on = addDays(TODAY, 2);
    const s1 = await t.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: later.locator },
      scheduledDate: on,
      endGracePeriodOn: "2027-03-20",
    });
    const s2 = await t.api.subscriptions.extendGracePeriod(extendBy(ended.locator, { scheduledDate: on }));
    // Before the date: a later end is set now, and the other subscription is terminated.
    await t.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: later.locator },
      endGracePeriodOn: "2027-03-25",
    });
    await t.api.subscriptions.terminate({ locator: ended.locator });
    await tickOn(TODAY);
    await tickOn(addDays(TODAY, 1));
    const r = await tickOn(on);
    expect(r.counts.actionsRun).toBe(2); // both ran on their date, and both failed
    const actions = (await t.api.subscriptions.listActions({ status: "failed" })).items;
    const f1 = actions.find((a) => a.locator === s1.locator);
    const f2 = actions.find((a) => a.locator === s2.locator);
    expect(f1).toMatchObject({
      status: "failed",
      appliedOn: on,
      newGraceEnd: null,
      failure: { rule: "not_later_than_current" },
    });
    expect(f1?.failure?.message).toContain("2027-03-25");
    expect(f2).toMatchObject({ status: "failed", appliedOn: on, failure: { rule: "state_not_extendable" } });
    expect(f2?.failure?.message).toContain("terminated");
    expect(await t.api.subscriptions.get({ locator: later.locator })).toMatchObject({ grace: { end: "2027-03-25" } });
    expect(await t.api.subscriptions.get({ locator: ended.locator })).toMatchObject({
      state: "terminated",
      grace: null,
    });
    const history = await t.api.audit.history({ entityType: "subscription_action", entityId: s1.locator ?? "" });
    expect(history.map((e) => e.action)).toEqual(["create", "fail"]);
    // A failed action cannot be cancelled.
    await expectRefused(() => t.api.subscriptions.cancelAction({ locator: s1.locator ?? "" }), "CONFLICT");
  });
});

describe("reactivation of a not-effective subscription", () => {
  it("unsettled with a future end: effective again; unsettled ending today: stays lapsed; settled: effective again", async () => {
    const t = await workerTenant("Reactivation");
    const {
      subs: [future, endsToday, settled, terminated],
      lapsedOn,
    } = await lapsedSubscriptions(t, 4);
    if (!future || !endsToday || !settled || !terminated) throw new Error("four subscriptions expected");

    const a = await t.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: future.locator },
      endGracePeriodAfterDays: 5,
    });
    expect(a).toMatchObject({ status: "executed", reactivated: true, newGraceEnd: addDays(lapsedOn, 5) });
    expect(await t.api.subscriptions.get({ locator: future.locator })).toMatchObject({
      state: "effective",
      lapsedOn: null,
      lapseReason: null,
      grace: { start: addDays(TODAY, 1), end: addDays(lapsedOn, 5) },
    });

    const b = await t.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: endsToday.locator },
      endGracePeriodOn: lapsedOn,
    });
    expect(b).toMatchObject({ status: "executed", reactivated: false, newGraceEnd: lapsedOn });
    expect(await t.api.subscriptions.get({ locator: endsToday.locator })).toMatchObject({
      state: "not_effective",
      lapsedOn,
      grace: { end: lapsedOn },
    });

    const [invoice] = (await t.api.invoices.list({ subscriptionLocator: settled.locator })).items;
    await t.api.invoices.recordPayment({ invoiceLocator: invoice?.locator ?? "", amountMinor: 2500 });
    expect((await t.api.subscriptions.get({ locator: settled.locator })).state).toBe("not_effective");
    const c = await t.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: settled.locator },
      endGracePeriodOn: lapsedOn,
    });
    expect(c).toMatchObject({ status: "executed", reactivated: true });
    expect(await t.api.subscriptions.get({ locator: settled.locator })).toMatchObject({
      state: "effective",
      lapsedOn: null,
    });

    const history = await t.api.audit.history({ entityType: "subscription", entityId: future.locator });
    expect(history.map((e) => e.action)).toEqual([
      "create",
      "activate",
      "issueInvoice",
      "startGracePeriod",
      "lapse",
      "extendGracePeriodAndReactivate",
    ]);

    // The reactivated subscription with a future end does not lapse again before that end.
    await tickOn(addDays(lapsedOn, 5));
    expect((await t.api.subscriptions.get({ locator: future.locator })).state).toBe("effective");
    await tickOn(addDays(lapsedOn, 6));
    expect(await t.api.subscriptions.get({ locator: future.locator })).toMatchObject({
      state: "not_effective",
      lapsedOn: addDays(lapsedOn, 6),
    });

    // A lapsed subscription that is then terminated cannot be extended.
    w.clock.set(`${lapsedOn}T09:00:00Z`);
    await t.api.subscriptions.terminate({ locator: terminated.locator });
    await expectRefused(() => t.api.subscriptions.extendGracePeriod(extendBy(terminated.locator)), "BAD_REQUEST", [
      { path: "subscriptionIdentifier", rule: "state_not_extendable" },
    ]);
  });
});
