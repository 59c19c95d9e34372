/**
 * The subscriptions, invoices and settings procedures through the real router
 * with real tokens: create (validation, unknown account, duplicate number,
 * idempotency), the activate/terminate state machine, the dashboard's list
 * views and keyset paging, invoice filters, payments (partial, full ending the
 * grace period, overpayment, a paid invoice), tenant settings (grace days used
 * by the next grace start, time zone), tenant isolation, permissions, and bad
 * input that changes nothing.
 */
import { addDays, type Permission } from "@holdfast/domain";
import { runTick } from "@holdfast/services";
import { issuesOfTrpcError, type PathAndRule, sortRules } from "@holdfast/testing/issues";
import type { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { type Caller, expectTrpcError, setupWorld, tableChecksum } from "./harness.ts";

const TODAY = "2027-03-10";
const w = setupWorld({ now: `${TODAY}T09:00:00Z`, tenantName: "Subscriptions API" });

const UNKNOWN_ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

type CreateInput = Parameters<Caller["subscriptions"]["create"]>[0];

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

async function expectRefused(call: () => Promise<unknown>, code: TRPCError["code"], rules?: PathAndRule[]) {
  const before = await snapshot();
  const err = await expectTrpcError(call(), code);
  if (rules) expect(sortRules(issuesOfTrpcError(err))).toEqual(sortRules(rules));
  expect(await snapshot()).toBe(before);
  return err;
}

const base = (accountLocator: string): CreateInput => ({
  accountLocator,
  paymentModel: "pay_after_bill",
  priceMinor: 2500,
  currency: "EUR",
  billingPeriod: "monthly",
  startDate: TODAY,
  paymentTermDays: 10,
});

async function subscription(
  api: Caller,
  accountLocator: string,
  o: Partial<CreateInput> & { activate?: boolean } = {},
) {
  const { activate = true, ...rest } = o;
  const sub = await api.subscriptions.create({ ...base(accountLocator), ...rest });
  return activate ? api.subscriptions.activate({ locator: sub.locator }) : sub;
}

async function workerTenant(name: string) {
  const tenantId = await w.tenant(name);
  const api = await w.caller(tenantId);
  const account = async (label = "customer", externalId?: string) =>
    (await w.account(tenantId, label, externalId)).locator;
  return { tenantId, api, account };
}

async function tickOn(day: string, at = "09:00:00") {
  w.clock.set(`${day}T${at}Z`);
  const r = await runTick(w.db, w.clock, "api-worker");
  expect(r.errors).toEqual([]);
  return r;
}

// ---------------------------------------------------------------------------

describe("create", () => {
  it("creates a draft with the given fields and the defaults", async () => {
    const accountLocator = await w.newAccount("Create");
    const { paymentTermDays: _omit, ...withoutTerm } = base(accountLocator);
    const sub = await w.api.subscriptions.create({
      ...withoutTerm,
      startDate: "2027-03-31",
      billingPeriod: "quarterly",
    });
    expect(sub).toMatchObject({
      tenantLocator: w.tenantId,
      accountLocator,
      state: "draft",
      paymentModel: "pay_after_bill",
      priceMinor: 2500,
      currency: "EUR",
      billingPeriod: "quarterly",
      anchorDate: "2027-03-31",
      nextBillingDate: "2027-03-31",
      paymentTermDays: 14,
      grace: null,
      lapsedOn: null,
      lapseReason: null,
      heldFor: { invoicing: false, delinquency: false },
      version: 1,
      activatedOn: null,
      terminatedOn: null,
      createdAt: `${TODAY}T09:00:00.000Z`,
    });
    expect(sub.number).toMatch(/^SUB-/);
    expect(await w.api.subscriptions.get({ locator: sub.locator })).toEqual(sub);
    const history = await w.api.audit.history({ entityType: "subscription", entityId: sub.locator });
    expect(history.map((e) => [e.action, e.before, e.after])).toEqual([["create", null, sub]]);
  });

  it.each<[string, Partial<Record<keyof CreateInput, unknown>> & Record<string, unknown>, string]>([
    ["a negative price", { priceMinor: -1 }, "priceMinor"],
    ["a fractional price", { priceMinor: 12.5 }, "priceMinor"],
    ["a price as a string", { priceMinor: "2500" }, "priceMinor"],
    ["a lower-case currency", { currency: "eur" }, "currency"],
    ["a four-letter currency", { currency: "EURO" }, "currency"],
    ["an unknown billing period", { billingPeriod: "weekly" }, "billingPeriod"],
    ["an unknown payment model", { paymentModel: "prepaid" }, "paymentModel"],
    ["a start date that does not exist", { startDate: "2027-02-29" }, "startDate"],
    ["a start date before 1900", { startDate: "1899-12-31" }, "startDate"],
    ["a negative payment term", { paymentTermDays: -1 }, "paymentTermDays"],
    ["a payment term over a year", { paymentTermDays: 366 }, "paymentTermDays"],
    ["an account locator that is not a ULID", { accountLocator: "acct-1" }, "accountLocator"],
    ["an empty number", { number: "" }, "number"],
    ["a number of 41 characters", { number: "N".repeat(41) }, "number"],
    ["a number with a NUL character", { number: "SUB\u0000" }, "number"],
    ["an unknown field", { discount: 10 }, "(input)"],
    ["a bad idempotency key", { idempotencyKey: "has spaces" }, "idempotencyKey"],
  ])("%s is refused naming the field, and nothing changes", async (_name, patch, path) => {
    const accountLocator = await w.newAccount("Bad create");
    const err = await expectRefused(
      () => w.api.subscriptions.create({ ...base(accountLocator), ...patch } as CreateInput),
      "BAD_REQUEST",
    );
    expect(sortRules(issuesOfTrpcError(err)).map((i) => i.path)).toContain(path);
  });

  it.each<[string, keyof CreateInput]>([
    ["accountLocator", "accountLocator"],
    ["priceMinor", "priceMinor"],
    ["currency", "currency"],
    ["startDate", "startDate"],
  ])("a missing %s is refused", async (_name, key) => {
    const accountLocator = await w.newAccount("Missing field");
    const input: Record<string, unknown> = { ...base(accountLocator) };
    delete input[key];
    const err = await expectRefused(() => w.api.subscriptions.create(input as CreateInput), "BAD_REQUEST");
    expect(sortRules(issuesOfTrpcError(err)).map((i) => i.path)).toEqual([key]);
  });

  it("an unknown account and another tenant's account are refused alike", async () => {
    const other = await workerTenant("Create foreign");
    const foreign = await other.account();
    const rule = [{ path: "accountLocator", rule: "account_not_found" }];
    const a = await expectRefused(() => w.api.subscriptions.create(base(UNKNOWN_ULID)), "BAD_REQUEST", rule);
    const b = await expectRefused(() => w.api.subscriptions.create(base(foreign)), "BAD_REQUEST", rule);
    expect(a.message.replace(UNKNOWN_ULID, "X")).toBe(b.message.replace(foreign, "X"));
  });

  it("a duplicate number is refused in the tenant, allowed in another", async () => {
    const accountLocator = await w.newAccount("Numbers");
    await subscription(w.api, accountLocator, { number: "DUP-1", activate: false });
    await expectRefused(() => w.api.subscriptions.create({ ...base(accountLocator), number: "DUP-1" }), "BAD_REQUEST", [
      { path: "number", rule: "unique" },
    ]);
    const other = await workerTenant("Numbers elsewhere");
    const there = await other.api.subscriptions.create({ ...base(await other.account()), number: "DUP-1" });
    expect(there.number).toBe("DUP-1");
  });

  it("an idempotency key replays the first answer; with another body it is refused", async () => {
    const accountLocator = await w.newAccount("Idempotent create");
    const input = { ...base(accountLocator), idempotencyKey: "create-sub-1" };
    const first = await w.api.subscriptions.create(input);
    const before = await snapshot();
    const again = await w.api.subscriptions.create(input);
    expect(again).toEqual(first);
    expect(await snapshot()).toBe(before);
    await expectRefused(() => w.api.subscriptions.create({ ...input, priceMinor: 9999 }), "UNPROCESSABLE_CONTENT", [
      { path: "idempotencyKey", rule: "reused_with_different_body" },
    ]);
    const list = await w.api.subscriptions.list({ accountLocator });
    expect(list.items.map((s) => s.locator)).toEqual([first.locator]);
    // A key used for another operation is refused too.
    await expectRefused(
      () => w.api.subscriptions.activate({ locator: first.locator, idempotencyKey: "create-sub-1" }),
      "UNPROCESSABLE_CONTENT",
    );
  });
});

describe("activate and terminate", () => {
  it("draft → effective → terminated; every other move is refused with CONFLICT and changes nothing", async () => {
    const sub = await subscription(w.api, await w.newAccount("Moves"), { activate: false });
    const active = await w.api.subscriptions.activate({ locator: sub.locator, expectedVersion: 1 });
    expect(active).toMatchObject({ state: "effective", activatedOn: TODAY, version: 2 });

    const again = await expectRefused(() => w.api.subscriptions.activate({ locator: sub.locator }), "CONFLICT");
    expect(again.message).toContain("effective");
    expect(again.message).toContain("allowed moves: terminate");

    const terminated = await w.api.subscriptions.terminate({ locator: sub.locator });
    expect(terminated).toMatchObject({ state: "terminated", terminatedOn: TODAY, activatedOn: TODAY, version: 3 });
    for (const move of ["activate", "terminate"] as const) {
      const err = await expectRefused(() => w.api.subscriptions[move]({ locator: sub.locator }), "CONFLICT");
      expect(err.message).toContain("final state");
    }
    const history = await w.api.audit.history({ entityType: "subscription", entityId: sub.locator });
    expect(
      history.map(
        (e) =>
          `${e.action} ${(e.before as { state?: string } | null)?.state ?? "-"} → ${(e.after as { state: string }).state}`,
      ),
    ).toEqual(["create - → draft", "activate draft → effective", "terminate effective → terminated"]);
  });

  it("a draft can be terminated", async () => {
    const sub = await subscription(w.api, await w.newAccount("Draft terminate"), { activate: false });
    expect(await w.api.subscriptions.terminate({ locator: sub.locator })).toMatchObject({
      state: "terminated",
      activatedOn: null,
      terminatedOn: TODAY,
    });
  });

  it("a stale expected version is refused (CONFLICT); an unknown locator is NOT_FOUND", async () => {
    const sub = await subscription(w.api, await w.newAccount("Versions"), { activate: false });
    await expectRefused(() => w.api.subscriptions.activate({ locator: sub.locator, expectedVersion: 2 }), "CONFLICT");
    await expectRefused(() => w.api.subscriptions.activate({ locator: UNKNOWN_ULID }), "NOT_FOUND");
    await expectRefused(() => w.api.subscriptions.terminate({ locator: UNKNOWN_ULID }), "NOT_FOUND");
    await expectRefused(() => w.api.subscriptions.get({ locator: UNKNOWN_ULID }), "NOT_FOUND");
  });
});

describe("list views and paging", () => {
  it("all, in grace, lapsing within N days, lapsed; states and account filters; keyset pages", async () => {
    const t = await workerTenant("Views");
    // s5 lapses: due on its start day, grace from the next day for 14 days, lapsed on day 16.
    const s5 = await subscription(t.api, await t.account("lapsed"), { paymentTermDays: 0 });
    await tickOn(TODAY);
    const today = addDays(TODAY, 16);
    await tickOn(today);
    expect((await t.api.subscriptions.get({ locator: s5.locator })).state).toBe("not_effective");

    const later = { startDate: "2027-05-01" };
    const s1 = await subscription(t.api, await t.account("draft"), { ...later, activate: false });
    const s2 = await subscription(t.api, await t.account("effective"), later);
    const s3Account = await t.account("grace 3 days");
    const s3 = await subscription(t.api, s3Account, later);
    await t.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: s3.locator },
      endGracePeriodAfterDays: 3,
    });
    const s4 = await subscription(t.api, await t.account("grace 20 days"), later);
    await t.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: s4.locator },
      endGracePeriodAfterDays: 20,
    });
    const s6 = await subscription(t.api, await t.account("terminated"), later);
    await t.api.subscriptions.terminate({ locator: s6.locator });

    const names = new Map([s1, s2, s3, s4, s5, s6].map((s, i) => [s.locator, `s${i + 1}`]));
    const list = async (input: Parameters<Caller["subscriptions"]["list"]>[0]) =>
      (await t.api.subscriptions.list(input)).items.map((s) => names.get(s.locator) ?? s.locator);

    expect(await list({})).toEqual(["s6", "s4", "s3", "s2", "s1", "s5"]);
    expect(await list({ view: "all" })).toEqual(["s6", "s4", "s3", "s2", "s1", "s5"]);
    expect(await list({ view: "in_grace" })).toEqual(["s4", "s3"]);
    expect(await list({ view: "lapsing", lapsingWithinDays: 0 })).toEqual([]);
    expect(await list({ view: "lapsing", lapsingWithinDays: 2 })).toEqual([]);
    expect(await list({ view: "lapsing", lapsingWithinDays: 3 })).toEqual(["s3"]);
    expect(await list({ view: "lapsing", lapsingWithinDays: 19 })).toEqual(["s3"]);
    expect(await list({ view: "lapsing", lapsingWithinDays: 20 })).toEqual(["s4", "s3"]);
    expect(await list({ view: "lapsed" })).toEqual(["s5"]);
    expect(await list({ states: ["draft", "terminated"] })).toEqual(["s6", "s1"]);
    expect(await list({ view: "in_grace", states: ["draft"] })).toEqual([]);
    expect(await list({ accountLocator: s3Account })).toEqual(["s3"]);
    const [inGrace] = (await t.api.subscriptions.list({ view: "lapsing", lapsingWithinDays: 3 })).items;
    expect(inGrace?.grace).toEqual({ start: today, end: addDays(today, 3), pausedOn: null, daysLeft: 3 });

    await expectRefused(() => t.api.subscriptions.list({ view: "lapsing" }), "BAD_REQUEST", [
      { path: "lapsingWithinDays", rule: "required_for_lapsing" },
    ]);

    // Keyset pages of 2, newest first; a subscription created mid-way does not shift the pages.
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<Caller["subscriptions"]["list"]>> = await t.api.subscriptions.list({
        limit: 2,
        cursor,
      });
      pages.push(page.items.map((s) => names.get(s.locator) ?? "new"));
      if (pages.length === 1) await subscription(t.api, await t.account("created mid-way"), { activate: false });
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual([
      ["s6", "s4"],
      ["s3", "s2"],
      ["s1", "s5"],
    ]);
    const exact = await t.api.subscriptions.list({ limit: 7 });
    expect(exact.items).toHaveLength(7);
    expect(exact.nextCursor).toBeNull();

    // A lapsed subscription can be terminated, and then leaves the lapsed view.
    await t.api.subscriptions.terminate({ locator: s5.locator });
    expect(await list({ view: "lapsed" })).toEqual([]);
  });
});

describe("invoices.list filters", () => {
  it("by subscription, account and status, with keyset pages", async () => {
    const t = await workerTenant("Invoice filters");
    const accountA = await t.account("A");
    const accountB = await t.account("B");
    const a = await subscription(t.api, accountA, { paymentTermDays: 60 });
    const b = await subscription(t.api, accountB, {
      billingPeriod: "quarterly",
      priceMinor: 9000,
      paymentTermDays: 60,
    });
    await tickOn(TODAY);
    await tickOn("2027-04-10");
    const all = await t.api.invoices.list({});
    expect(
      all.items.map((i) => `${i.subscriptionLocator === a.locator ? "A" : "B"} ${i.issuedOn} ${i.amountMinor}`).sort(),
    ).toEqual(["A 2027-03-10 2500", "A 2027-04-10 2500", "B 2027-03-10 9000"]);
    const [firstOfA] = (await t.api.invoices.list({ subscriptionLocator: a.locator })).items.filter(
      (i) => i.issuedOn === TODAY,
    );
    await t.api.invoices.recordPayment({ invoiceLocator: firstOfA?.locator ?? "", amountMinor: 2500 });

    const count = async (input: Parameters<Caller["invoices"]["list"]>[0]) =>
      (await t.api.invoices.list(input)).items.length;
    expect(await count({ subscriptionLocator: a.locator })).toBe(2);
    expect(await count({ subscriptionLocator: b.locator })).toBe(1);
    expect(await count({ accountLocator: accountA })).toBe(2);
    expect(await count({ accountLocator: accountB })).toBe(1);
    expect(await count({ status: "paid" })).toBe(1);
    expect(await count({ status: "open" })).toBe(2);
    expect(await count({ status: "void" })).toBe(0);
    expect(await count({ subscriptionLocator: a.locator, status: "open" })).toBe(1);
    expect(await count({ accountLocator: accountB, status: "paid" })).toBe(0);
    expect(await count({ subscriptionLocator: UNKNOWN_ULID })).toBe(0);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<Caller["invoices"]["list"]>> = await t.api.invoices.list({ limit: 1, cursor });
      seen.push(...page.items.map((i) => i.locator));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.items.map((i) => i.locator));
    await expectRefused(() => t.api.invoices.list({ status: "overdue" as "open" }), "BAD_REQUEST", [
      { path: "status", rule: "invalid_value" },
    ]);
  });
});

describe("recordPayment", () => {
  it("partial, then full: paid, and the grace period ends; overpaying and paying a paid invoice are refused", async () => {
    const t = await workerTenant("Payments");
    const sub = await subscription(t.api, await t.account(), { paymentTermDays: 0 });
    await tickOn(TODAY);
    const day = addDays(TODAY, 1);
    await tickOn(day);
    expect(await t.api.subscriptions.get({ locator: sub.locator })).toMatchObject({
      grace: { start: day, end: addDays(day, 14) },
    });
    const [invoice] = (await t.api.invoices.list({ subscriptionLocator: sub.locator })).items;
    if (!invoice) throw new Error("no invoice");
    expect(invoice).toMatchObject({ amountMinor: 2500, paidMinor: 0, status: "open", issuedOn: TODAY, dueOn: TODAY });

    const partial = await t.api.invoices.recordPayment({
      invoiceLocator: invoice.locator,
      amountMinor: 1000,
      idempotencyKey: "pay-1",
    });
    expect(partial).toMatchObject({ paidMinor: 1000, status: "open", paidOn: null });
    // A retry with the same key pays nothing more.
    expect(
      await t.api.invoices.recordPayment({
        invoiceLocator: invoice.locator,
        amountMinor: 1000,
        idempotencyKey: "pay-1",
      }),
    ).toEqual(partial);
    expect((await t.api.subscriptions.get({ locator: sub.locator })).grace).not.toBeNull();

    for (const amountMinor of [1501, 2500]) {
      await expectRefused(
        () => t.api.invoices.recordPayment({ invoiceLocator: invoice.locator, amountMinor }),
        "BAD_REQUEST",
        [{ path: "amountMinor", rule: "exceeds_outstanding" }],
      );
    }
    for (const amountMinor of [0, -5, 10.5]) {
      const err = await expectRefused(
        () => t.api.invoices.recordPayment({ invoiceLocator: invoice.locator, amountMinor }),
        "BAD_REQUEST",
      );
      const paths = sortRules(issuesOfTrpcError(err)).map((i) => i.path);
      expect(paths.length).toBeGreaterThan(0);
      expect(
        paths.every((p) => p === "amountMinor"),
        paths.join(),
      ).toBe(true);
    }

    const full = await t.api.invoices.recordPayment({ invoiceLocator: invoice.locator, amountMinor: 1500 });
    expect(full).toMatchObject({ paidMinor: 2500, status: "paid", paidOn: day });
    const after = await t.api.subscriptions.get({ locator: sub.locator });
    expect(after).toMatchObject({ state: "effective", grace: null });

    const err = await expectRefused(
      () => t.api.invoices.recordPayment({ invoiceLocator: invoice.locator, amountMinor: 1 }),
      "CONFLICT",
    );
    expect(err.message).toContain("paid");
    await expectRefused(
      () => t.api.invoices.recordPayment({ invoiceLocator: UNKNOWN_ULID, amountMinor: 1 }),
      "NOT_FOUND",
    );

    const subHistory = await t.api.audit.history({ entityType: "subscription", entityId: sub.locator });
    expect(subHistory.map((e) => e.action)).toEqual([
      "create",
      "activate",
      "issueInvoice",
      "startGracePeriod",
      "endGracePeriod",
    ]);
    const invoiceHistory = await t.api.audit.history({ entityType: "invoice", entityId: invoice.locator });
    expect(
      invoiceHistory.map((e) => [
        (e.before as { paidMinor: number }).paidMinor,
        (e.after as { paidMinor: number }).paidMinor,
      ]),
    ).toEqual([
      [0, 1000],
      [1000, 2500],
    ]);

    // The grace period does not start again for a paid invoice.
    await tickOn(addDays(day, 1));
    expect((await t.api.subscriptions.get({ locator: sub.locator })).grace).toBeNull();
  });

  it("paidOn, when given, is recorded on the settled invoice", async () => {
    const t = await workerTenant("Payments paidOn");
    const sub = await subscription(t.api, await t.account());
    await tickOn(TODAY);
    const [invoice] = (await t.api.invoices.list({ subscriptionLocator: sub.locator })).items;
    const paid = await t.api.invoices.recordPayment({
      invoiceLocator: invoice?.locator ?? "",
      amountMinor: 2500,
      paidOn: "2027-03-09",
    });
    expect(paid).toMatchObject({ status: "paid", paidOn: "2027-03-09" });
  });
});

describe("settings", () => {
  it("get and update; the grace days are used by the next grace start", async () => {
    const t = await workerTenant("Settings");
    expect(await t.api.settings.get()).toEqual({
      tenantLocator: t.tenantId,
      name: "Settings",
      timeZone: "UTC",
      graceDays: 14,
      version: 1,
    });
    const sub = await subscription(t.api, await t.account(), { paymentTermDays: 0 });
    await tickOn(TODAY);
    const updated = await t.api.settings.update({ graceDays: 5, expectedVersion: 1 });
    expect(updated).toEqual({ tenantLocator: t.tenantId, name: "Settings", timeZone: "UTC", graceDays: 5, version: 2 });
    expect(await t.api.settings.get({})).toEqual(updated);
    await tickOn(addDays(TODAY, 1));
    expect(await t.api.subscriptions.get({ locator: sub.locator })).toMatchObject({
      grace: { start: addDays(TODAY, 1), end: addDays(TODAY, 6) },
    });
    await expectRefused(() => t.api.settings.update({ graceDays: 7, expectedVersion: 1 }), "CONFLICT");
    const history = await t.api.audit.history({ entityType: "tenant", entityId: t.tenantId });
    expect(
      history.map((e) => [
        e.action,
        (e.before as { graceDays: number }).graceDays,
        (e.after as { graceDays: number }).graceDays,
      ]),
    ).toEqual([["updateSettings", 14, 5]]);
  });

  it("the time zone must be an IANA zone; it decides the business date", async () => {
    const t = await workerTenant("Time zone");
    for (const timeZone of ["Mars/Olympus_Mons", "UTC+2", ""]) {
      const err = await expectRefused(() => t.api.settings.update({ timeZone }), "BAD_REQUEST");
      expect(sortRules(issuesOfTrpcError(err)).map((i) => i.path)).toEqual(["timeZone"]);
    }
    await expectRefused(() => t.api.settings.update({ timeZone: "Mars/Olympus_Mons" }), "BAD_REQUEST", [
      { path: "timeZone", rule: "iana_time_zone" },
    ]);
    // 12:00 UTC on 03-10 is 02:00 on 03-11 in Kiritimati (UTC+14).
    w.clock.set(`${TODAY}T12:00:00Z`);
    const sub = await subscription(t.api, await t.account(), { activate: false });
    expect((await t.api.subscriptions.activate({ locator: sub.locator })).activatedOn).toBe(TODAY);
    expect(await t.api.settings.update({ timeZone: "Pacific/Kiritimati" })).toMatchObject({
      timeZone: "Pacific/Kiritimati",
    });
    const other = await subscription(t.api, await t.account(), { activate: false });
    expect((await t.api.subscriptions.activate({ locator: other.locator })).activatedOn).toBe("2027-03-11");
  });

  it("updating settings needs admin; any member reads them (the dashboard shows dates in the tenant's zone)", async () => {
    const t = await workerTenant("Settings access");
    const writer = await w.caller([
      { tenantId: t.tenantId, permissions: ["subscriptions:read", "subscriptions:write"] },
    ]);
    const holdsOnly = await w.caller([{ tenantId: t.tenantId, permissions: ["holds:read"] }]);
    expect((await writer.settings.get()).graceDays).toBe(14);
    await expectRefused(() => writer.settings.update({ graceDays: 3 }), "FORBIDDEN");
    expect((await holdsOnly.settings.get()).timeZone).toBe((await writer.settings.get()).timeZone);
    await expectRefused(() => w.anonymous.settings.get(), "UNAUTHORIZED");
    for (const bad of [
      { graceDays: 366 },
      { graceDays: -1 },
      { graceDays: 2.5 },
      { graceDays: "5" },
      { name: "renamed" },
    ]) {
      await expectRefused(() => t.api.settings.update(bad as { graceDays: number }), "BAD_REQUEST");
    }
  });
});

describe("tenant isolation", () => {
  it("another tenant's subscription, invoice and action answer NOT_FOUND like unknown ones, and stay unchanged", async () => {
    const y = await workerTenant("Foreign tenant");
    const yAccount = await y.account();
    const ySub = await subscription(y.api, yAccount, { number: "Y-SUB" });
    await tickOn(TODAY);
    const [yInvoice] = (await y.api.invoices.list({})).items;
    const yAction = await y.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: ySub.locator },
      endGracePeriodAfterDays: 30,
      scheduledDate: addDays(TODAY, 5),
    });
    if (!yInvoice || !yAction.locator) throw new Error("fixture");
    const before = await y.api.subscriptions.get({ locator: ySub.locator });

    const pairs: [string, (locator: string) => Promise<unknown>, string][] = [
      ["subscriptions.get", (l) => w.api.subscriptions.get({ locator: l }), ySub.locator],
      ["subscriptions.activate", (l) => w.api.subscriptions.activate({ locator: l }), ySub.locator],
      ["subscriptions.terminate", (l) => w.api.subscriptions.terminate({ locator: l }), ySub.locator],
      [
        "subscriptions.extendGracePeriod",
        (l) => w.api.subscriptions.extendGracePeriod({ subscriptionIdentifier: { id: l }, endGracePeriodAfterDays: 5 }),
        ySub.locator,
      ],
      ["subscriptions.cancelAction", (l) => w.api.subscriptions.cancelAction({ locator: l }), yAction.locator],
      [
        "invoices.recordPayment",
        (l) => w.api.invoices.recordPayment({ invoiceLocator: l, amountMinor: 1 }),
        yInvoice.locator,
      ],
      [
        "audit.history subscription",
        (l) => w.api.audit.history({ entityType: "subscription", entityId: l }),
        ySub.locator,
      ],
      ["audit.history invoice", (l) => w.api.audit.history({ entityType: "invoice", entityId: l }), yInvoice.locator],
      [
        "audit.history action",
        (l) => w.api.audit.history({ entityType: "subscription_action", entityId: l }),
        yAction.locator,
      ],
    ];
    for (const [name, call, foreign] of pairs) {
      const f = await expectRefused(() => call(foreign), "NOT_FOUND");
      const u = await expectRefused(() => call(UNKNOWN_ULID), "NOT_FOUND");
      expect(f.message.replace(foreign, "X"), name).toBe(u.message.replace(UNKNOWN_ULID, "X"));
    }
    expect((await w.api.subscriptions.list({ accountLocator: yAccount })).items).toEqual([]);
    expect((await w.api.invoices.list({ subscriptionLocator: ySub.locator })).items).toEqual([]);
    expect((await w.api.invoices.list({ accountLocator: yAccount })).items).toEqual([]);
    expect((await w.api.subscriptions.listActions({ subscriptionLocator: ySub.locator })).items).toEqual([]);
    expect(
      (await w.api.subscriptions.list({})).items.map((s) => s.tenantLocator).every((id) => id === w.tenantId),
    ).toBe(true);
    // Naming the other tenant explicitly with a token not bound to it.
    await expectRefused(
      () => w.api.subscriptions.get({ tenantLocator: y.tenantId, locator: ySub.locator }),
      "NOT_FOUND",
    );
    await expectRefused(() => w.api.settings.get({ tenantLocator: y.tenantId }), "NOT_FOUND");

    expect(await y.api.subscriptions.get({ locator: ySub.locator })).toEqual(before);
    expect((await y.api.subscriptions.listActions({})).items.map((a) => a.status)).toEqual(["scheduled"]);
    expect((await y.api.invoices.list({})).items[0]).toMatchObject({ paidMinor: 0, status: "open" });
  });
});

describe("permissions", () => {
  it("subscriptions:read reads; writing needs subscriptions:write; other groups get FORBIDDEN; no token UNAUTHORIZED", async () => {
    const t = await workerTenant("Permissions");
    const accountLocator = await t.account();
    const sub = await subscription(t.api, accountLocator);
    await tickOn(TODAY);
    const [invoice] = (await t.api.invoices.list({})).items;
    const action = await t.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: sub.locator },
      endGracePeriodAfterDays: 9,
      scheduledDate: addDays(TODAY, 3),
    });
    const as = (permissions: Permission[]) => w.caller([{ tenantId: t.tenantId, permissions }]);
    const reader = await as(["subscriptions:read"]);
    const writer = await as(["subscriptions:write"]);
    const holds = await as(["holds:read", "holds:list", "holds:write", "automations:read", "automations:write"]);

    const reads: [string, (api: Caller) => Promise<unknown>][] = [
      ["subscriptions.get", (api) => api.subscriptions.get({ locator: sub.locator })],
      ["subscriptions.list", (api) => api.subscriptions.list({})],
      ["subscriptions.listActions", (api) => api.subscriptions.listActions({})],
      ["invoices.list", (api) => api.invoices.list({})],
      ["audit.history", (api) => api.audit.history({ entityType: "subscription", entityId: sub.locator })],
    ];
    const writes: [string, (api: Caller) => Promise<unknown>][] = [
      ["subscriptions.create", (api) => api.subscriptions.create(base(accountLocator))],
      ["subscriptions.activate", (api) => api.subscriptions.activate({ locator: sub.locator })],
      ["subscriptions.terminate", (api) => api.subscriptions.terminate({ locator: sub.locator })],
      [
        "subscriptions.extendGracePeriod",
        (api) =>
          api.subscriptions.extendGracePeriod({
            subscriptionIdentifier: { id: sub.locator },
            endGracePeriodAfterDays: 30,
          }),
      ],
      ["subscriptions.cancelAction", (api) => api.subscriptions.cancelAction({ locator: action.locator ?? "" })],
      [
        "invoices.recordPayment",
        (api) => api.invoices.recordPayment({ invoiceLocator: invoice?.locator ?? "", amountMinor: 1 }),
      ],
    ];
    for (const [name, call] of reads) {
      await expect(call(reader), name).resolves.toBeDefined();
      await expectRefused(() => call(holds), "FORBIDDEN");
      await expectRefused(() => call(w.anonymous), "UNAUTHORIZED");
    }
    for (const [name, call] of writes) {
      const err = await expectRefused(() => call(reader), "FORBIDDEN");
      expect(err.message, name).toContain("subscriptions:write");
      await expectRefused(() => call(holds), "FORBIDDEN");
      await expectRefused(() => call(w.anonymous), "UNAUTHORIZED");
    }
    // Write alone is enough to write.
    const created = await writer.subscriptions.create(base(accountLocator));
    expect(created.state).toBe("draft");
  });
});

describe("bad input", () => {
  it("every procedure refuses malformed input with BAD_REQUEST naming the field, and nothing changes", async () => {
    const sub = await subscription(w.api, await w.newAccount("Bad input"));
    const cases: [string, () => Promise<unknown>, string][] = [
      // A locator or a number: anything but empty or too long.
      ["get: locator empty", () => w.api.subscriptions.get({ locator: "" }), "locator"],
      ["get: locator too long", () => w.api.subscriptions.get({ locator: "S".repeat(41) }), "locator"],
      ["get: extra field", () => w.api.subscriptions.get({ locator: sub.locator, deep: true } as never), "(input)"],
      [
        "activate: version 0",
        () => w.api.subscriptions.activate({ locator: sub.locator, expectedVersion: 0 }),
        "expectedVersion",
      ],
      ["terminate: locator a number", () => w.api.subscriptions.terminate({ locator: 42 } as never), "locator"],
      ["list: limit 0", () => w.api.subscriptions.list({ limit: 0 }), "limit"],
      ["list: limit 501", () => w.api.subscriptions.list({ limit: 501 }), "limit"],
      ["list: unknown view", () => w.api.subscriptions.list({ view: "soon" } as never), "view"],
      ["list: bad cursor", () => w.api.subscriptions.list({ cursor: "zzz" }), "cursor"],
      [
        "list: negative lapsing days",
        () => w.api.subscriptions.list({ view: "lapsing", lapsingWithinDays: -1 }),
        "lapsingWithinDays",
      ],
      ["list: unknown state", () => w.api.subscriptions.list({ states: ["lapsed"] } as never), "states[0]"],
      ["list: tenant not a UUID", () => w.api.subscriptions.list({ tenantLocator: "tenant-1" }), "tenantLocator"],
      ["listActions: unknown status", () => w.api.subscriptions.listActions({ status: "done" } as never), "status"],
      ["cancelAction: locator missing", () => w.api.subscriptions.cancelAction({} as never), "locator"],
      [
        "invoices.list: bad subscription",
        () => w.api.invoices.list({ subscriptionLocator: "x" }),
        "subscriptionLocator",
      ],
      [
        "recordPayment: bad invoice",
        () => w.api.invoices.recordPayment({ invoiceLocator: "inv", amountMinor: 10 }),
        "invoiceLocator",
      ],
      [
        "recordPayment: amount as string",
        () => w.api.invoices.recordPayment({ invoiceLocator: UNKNOWN_ULID, amountMinor: "10" } as never),
        "amountMinor",
      ],
      [
        "recordPayment: bad paidOn",
        () => w.api.invoices.recordPayment({ invoiceLocator: UNKNOWN_ULID, amountMinor: 10, paidOn: "10/03/2027" }),
        "paidOn",
      ],
      [
        "extend: unknown udf",
        () =>
          w.api.subscriptions.extendGracePeriod({
            subscriptionIdentifier: { id: sub.locator },
            endGracePeriodAfterDays: 5,
            udfString9: "x",
          } as never),
        "(input)",
      ],
      [
        "extend: udf float infinite",
        () =>
          w.api.subscriptions.extendGracePeriod({
            subscriptionIdentifier: { id: sub.locator },
            endGracePeriodAfterDays: 5,
            udfFloat1: Number.POSITIVE_INFINITY,
          }),
        "udfFloat1",
      ],
      [
        "extend: udf string too long",
        () =>
          w.api.subscriptions.extendGracePeriod({
            subscriptionIdentifier: { id: sub.locator },
            endGracePeriodAfterDays: 5,
            udfString1: "x".repeat(256),
          }),
        "udfString1",
      ],
      [
        "extend: udf date not a date",
        () =>
          w.api.subscriptions.extendGracePeriod({
            subscriptionIdentifier: { id: sub.locator },
            endGracePeriodAfterDays: 5,
            udfDate1: "tomorrow",
          }),
        "udfDate1",
      ],
      [
        "extend: performer empty",
        () =>
          w.api.subscriptions.extendGracePeriod({
            subscriptionIdentifier: { id: sub.locator },
            endGracePeriodAfterDays: 5,
            performedByUserIdentifier: {},
          }),
        "performedByUserIdentifier",
      ],
      [
        "extend: TRN empty",
        () =>
          w.api.subscriptions.extendGracePeriod({
            subscriptionIdentifier: { id: sub.locator },
            endGracePeriodAfterDays: 5,
            transactionReferenceNumber: "",
          }),
        "transactionReferenceNumber",
      ],
      [
        "extend: scheduled date bad",
        () =>
          w.api.subscriptions.extendGracePeriod({
            subscriptionIdentifier: { id: sub.locator },
            endGracePeriodAfterDays: 5,
            scheduledDate: "2027-13-01",
          }),
        "scheduledDate",
      ],
      ["settings.update: time zone too long", () => w.api.settings.update({ timeZone: "A".repeat(65) }), "timeZone"],
      [
        "create: a huge number",
        () => w.api.subscriptions.create({ ...base(sub.accountLocator), number: "9".repeat(100_000) }),
        "number",
      ],
    ];
    for (const [name, call, path] of cases) {
      const err = await expectRefused(call, "BAD_REQUEST");
      expect(
        sortRules(issuesOfTrpcError(err)).map((i) => i.path),
        name,
      ).toContain(path);
      expect(err.message, name).not.toMatch(/select|insert|update .* set|at .*\.ts:/i);
    }
    expect(await w.api.subscriptions.get({ locator: sub.locator })).toEqual(sub);
  });
});
