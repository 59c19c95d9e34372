/**
 * Accounts and global search through the real router: search.global (groups,
 * prefixes, contains, LIKE wildcards taken literally, tenant scope, groups by
 * permission), accounts.get by locator or external id (held today, holds,
 * subscriptions, open invoices and balance), accounts.list (search, heldFor,
 * sorting with keyset paging) and subscriptions.get by number.
 */
import { runTick } from "@holdfast/services";
import { issuesOfTrpcError } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { type Caller, expectTrpcError, holdInState, setupWorld } from "./harness.ts";

const TODAY = "2027-03-10";
const w = setupWorld({ now: `${TODAY}T09:00:00Z` });

const SERVICE_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const automation = (name: string) => ({
  name,
  prepayment: "All" as const,
  assignmentTargetType: "NoCompany" as const,
  triggerType: "Continuous" as const,
  billAggregationType: "AggregateByCustomer" as const,
  assignments: [
    {
      serviceId: SERVICE_ID,
      routedItemTypes: {
        spaceOrder: true,
        cityTax: false,
        allProducts: false,
        deposits: false,
        additionalExpenses: false,
        allCustomItems: false,
      },
    },
  ],
});

async function tenantWith(name: string) {
  const tenantId = await w.tenant(name);
  const api = await w.caller(tenantId);
  const account = async (label: string, externalId?: string) => (await w.account(tenantId, label, externalId)).locator;
  return { tenantId, api, account };
}

async function subscription(api: Caller, accountLocator: string, number: string, priceMinor = 2500, currency = "EUR") {
  const sub = await api.subscriptions.create({
    accountLocator,
    number,
    paymentModel: "pay_after_bill",
    priceMinor,
    currency,
    billingPeriod: "monthly",
    startDate: TODAY,
    paymentTermDays: 10,
  });
  return api.subscriptions.activate({ locator: sub.locator });
}

const labels = (hits: { label: string }[]) => hits.map((h) => h.label).sort();

describe("search.global", () => {
  it("finds each kind by its field, grouped, and only in the caller's tenant", async () => {
    const t = await tenantWith("Search A");
    const other = await tenantWith("Search B");
    const acme = await t.account("Acme Widgets GmbH", "CRM-1001");
    await t.account("Beta Supplies", "CRM-2002");
    await other.account("Acme Foreign", "CRM-1009");
    const hold = await holdInState(t.api, acme, "draft", {
      targets: [{ process: "invoicing" }],
      externalTransactionId: "TRX-778899",
    });
    await holdInState(other.api, await other.account("Other"), "draft", {
      targets: [{ process: "invoicing" }],
      externalTransactionId: "TRX-778800",
    });
    const sub = await subscription(t.api, acme, "SUB-2002");
    await subscription(other.api, await other.account("O2"), "SUB-2003");
    await t.api.automations.add({ automations: [automation("Nightly city tax routing")] });
    await other.api.automations.add({ automations: [automation("Nightly foreign")] });
    w.clock.set(`${TODAY}T10:00:00Z`);
    expect((await runTick(w.db, w.clock, "search-test")).errors).toEqual([]);

    const byName = await t.api.search.global({ q: "  acme " });
    expect(labels(byName.accounts)).toEqual(["Acme Widgets GmbH"]);
    expect(byName.accounts[0]).toMatchObject({ locator: acme, detail: "CRM-1001" });

    expect(labels((await t.api.search.global({ q: "crm-" })).accounts)).toEqual([]);
    expect(labels((await t.api.search.global({ q: "CRM-" })).accounts)).toEqual(["Acme Widgets GmbH", "Beta Supplies"]);
    expect(labels((await t.api.search.global({ q: "CRM-2" })).accounts)).toEqual(["Beta Supplies"]);

    const trx = await t.api.search.global({ q: "trx-7788" });
    expect(trx.holds).toEqual([{ locator: hold.locator, label: "TRX-778899", detail: "draft · Acme Widgets GmbH" }]);
    expect((await t.api.search.global({ q: hold.locator.toLowerCase() })).holds.map((h) => h.locator)).toEqual([
      hold.locator,
    ]);

    const subs = await t.api.search.global({ q: "sub-20" });
    expect(subs.subscriptions).toEqual([
      { locator: sub.locator, label: "SUB-2002", detail: "effective · Acme Widgets GmbH" },
    ]);

    const inv = await t.api.search.global({ q: "INV-SUB-2002" });
    expect(inv.invoices).toHaveLength(1);
    expect(inv.invoices[0]).toMatchObject({ label: "INV-SUB-2002-1", subscriptionLocator: sub.locator });

    const autos = await t.api.search.global({ q: "CITY TAX" });
    expect(labels(autos.automations)).toEqual(["Nightly city tax routing"]);
    expect(labels((await t.api.search.global({ q: "nightly" })).automations)).toEqual(["Nightly city tax routing"]);
  });

  it("takes LIKE wildcards literally and bounds each group", async () => {
    const t = await tenantWith("Search wildcards");
    await t.account("Hundred % Club");
    await t.account("Under_score Ltd");
    await t.account("Plain");
    for (let i = 0; i < 4; i++) await t.account(`Many ${i}`);
    expect(labels((await t.api.search.global({ q: "%" })).accounts)).toEqual(["Hundred % Club"]);
    expect(labels((await t.api.search.global({ q: "_" })).accounts)).toEqual(["Under_score Ltd"]);
    expect(labels((await t.api.search.global({ q: "\\" })).accounts)).toEqual([]);
    expect((await t.api.search.global({ q: "many", limitPerGroup: 3 })).accounts).toHaveLength(3);
    expect((await t.api.search.global({ q: "many" })).accounts).toHaveLength(4);
  });

  it("leaves out the groups the caller may not read, and refuses empty or long queries", async () => {
    const t = await tenantWith("Search permissions");
    await t.account("Perm Account", "PERM-1");
    await subscription(t.api, await t.account("Perm Sub"), "PERM-SUB-1");
    await t.api.automations.add({ automations: [automation("Perm automation")] });
    const subsOnly = await w.caller([{ tenantId: t.tenantId, permissions: ["subscriptions:read"] }]);
    const r = await subsOnly.search.global({ q: "perm" });
    expect(r.accounts).toEqual([]);
    expect(r.holds).toEqual([]);
    expect(r.automations).toEqual([]);
    expect(labels((await subsOnly.search.global({ q: "PERM-SUB" })).subscriptions)).toEqual(["PERM-SUB-1"]);
    const holdsOnly = await w.caller([{ tenantId: t.tenantId, permissions: ["holds:read"] }]);
    const none = await holdsOnly.search.global({ q: "perm" });
    expect(none).toEqual({ accounts: [], holds: [], subscriptions: [], invoices: [], automations: [] });

    for (const q of ["   ", "x".repeat(101)]) {
      const err = await expectTrpcError(t.api.search.global({ q }), "BAD_REQUEST");
      expect(issuesOfTrpcError(err).map((i) => i.path)).toEqual(["q"]);
    }
    await expectTrpcError(t.api.search.global({ q: "a", limitPerGroup: 11 }), "BAD_REQUEST");
  });
});

describe("accounts.get", () => {
  it("answers by locator or external id: held today per process, holds, subscriptions, open invoices and balance", async () => {
    const t = await tenantWith("Account page");
    const acc = await t.account("Page Account", "EXT-PAGE-1");
    const active = await holdInState(t.api, acc, "active", {
      // Not invoicing: the worker must still invoice this account's subscriptions.
      targets: [{ process: "delinquency" }, { process: "funding" }],
      externalTransactionId: "TRX-PAGE",
    });
    const future = await holdInState(t.api, acc, "active", {
      targets: [{ process: "autopay" }],
      startDate: "2027-04-01",
    });
    const draft = await holdInState(t.api, acc, "draft", { targets: [{ process: "invoicing" }] });
    await subscription(t.api, acc, "PAGE-EUR", 2500, "EUR");
    await subscription(t.api, acc, "PAGE-USD", 1000, "USD");
    await subscription(t.api, acc, "PAGE-EUR-2", 700, "EUR");
    w.clock.set(`${TODAY}T10:00:00Z`);
    expect((await runTick(w.db, w.clock, "account-test")).errors).toEqual([]);
    const invoices = (await t.api.invoices.list({ accountLocator: acc })).items;
    const eur = invoices.find((i) => i.amountMinor === 2500);
    if (!eur) throw new Error("no EUR invoice");
    await t.api.invoices.recordPayment({ invoiceLocator: eur.locator, amountMinor: 500 });

    const byLocator = await t.api.accounts.get({ account: acc });
    const byExternal = await t.api.accounts.get({ account: "EXT-PAGE-1" });
    expect(byExternal).toEqual(byLocator);
    expect(byLocator.account).toMatchObject({ locator: acc, name: "Page Account", externalId: "EXT-PAGE-1" });
    expect(byLocator.today).toBe(TODAY);
    expect(byLocator.heldToday).toEqual([
      {
        process: "delinquency",
        holds: [{ locator: active.locator, startDate: null, endDate: null, externalTransactionId: "TRX-PAGE" }],
      },
      {
        process: "funding",
        holds: [{ locator: active.locator, startDate: null, endDate: null, externalTransactionId: "TRX-PAGE" }],
      },
    ]);
    expect(byLocator.holds.map((h) => h.locator)).toEqual([draft.locator, future.locator, active.locator]);
    expect(byLocator.moreHolds).toBe(false);
    expect(byLocator.subscriptions?.map((s) => s.number).sort()).toEqual(["PAGE-EUR", "PAGE-EUR-2", "PAGE-USD"]);
    expect(byLocator.openInvoices).toHaveLength(3);
    expect(byLocator.openBalance).toEqual([
      { currency: "EUR", amountMinor: 2500 - 500 + 700 },
      { currency: "USD", amountMinor: 1000 },
    ]);

    const holdsOnly = await w.caller([{ tenantId: t.tenantId, permissions: ["holds:list"] }]);
    const limited = await holdsOnly.accounts.get({ account: acc });
    expect(limited).toMatchObject({ subscriptions: null, openInvoices: null, openBalance: null });
    expect(limited.heldToday).toEqual(byLocator.heldToday);
  });

  it("is NOT_FOUND for an unknown key or another tenant's account", async () => {
    const t = await tenantWith("Account page scope");
    const other = await tenantWith("Account page other");
    const foreign = await other.account("Foreign", "EXT-FOREIGN");
    await expectTrpcError(t.api.accounts.get({ account: foreign }), "NOT_FOUND");
    await expectTrpcError(t.api.accounts.get({ account: "EXT-FOREIGN" }), "NOT_FOUND");
    await expectTrpcError(t.api.accounts.get({ account: "nope" }), "NOT_FOUND");
    const noRights = await w.caller([{ tenantId: t.tenantId, permissions: ["subscriptions:read"] }]);
    await expectTrpcError(noRights.accounts.get({ account: "x" }), "FORBIDDEN");
  });
});

describe("accounts.list", () => {
  it("filters by search and by held today for a process", async () => {
    const t = await tenantWith("Account list filters");
    const a = await t.account("Held Alpha", "L-100");
    const b = await t.account("Held Beta", "L-200");
    const c = await t.account("Not held Gamma", "L-300");
    const d = await t.account("Released Delta", "L-400");
    const e = await t.account("Future Epsilon", "L-500");
    await holdInState(t.api, a, "active", { targets: [{ process: "invoicing" }] });
    await holdInState(t.api, b, "active", { targets: [{ process: "invoicing" }, { process: "refund" }] });
    await holdInState(t.api, c, "active", { targets: [{ process: "funding" }] });
    await holdInState(t.api, d, "released", { targets: [{ process: "invoicing" }] });
    await holdInState(t.api, e, "active", { targets: [{ process: "invoicing" }], startDate: "2027-05-01" });
    await holdInState(t.api, c, "validated", { targets: [{ process: "invoicing" }] });

    const held = await t.api.accounts.list({ heldFor: "invoicing" });
    expect(held.items.map((x) => x.locator).sort()).toEqual([a, b].sort());
    expect((await t.api.accounts.list({ heldFor: "refund" })).items.map((x) => x.locator)).toEqual([b]);
    expect((await t.api.accounts.list({ heldFor: "invoicing", search: "beta" })).items.map((x) => x.locator)).toEqual([
      b,
    ]);
    expect((await t.api.accounts.list({ search: "L-3" })).items.map((x) => x.locator)).toEqual([c]);
    expect((await t.api.accounts.list({ search: "held" })).items.map((x) => x.name).sort()).toEqual([
      "Held Alpha",
      "Held Beta",
      "Not held Gamma",
    ]);
    expect((await t.api.accounts.list({ search: "%" })).items).toEqual([]);
  });

  it("sorts by each column both ways with keyset paging that neither skips nor repeats", async () => {
    const t = await tenantWith("Account list sorting");
    const names = ["delta", "Alpha", "charlie", "bravo", "echo", "alpha"];
    for (const [i, name] of names.entries()) {
      w.clock.set(`${TODAY}T09:00:0${i % 3}Z`);
      await t.account(name, i % 2 ? `X-${9 - i}` : undefined);
    }
    const all = (await t.api.accounts.list({})).items;
    for (const sort of ["name", "createdAt", "externalId", "id"] as const) {
      for (const order of ["asc", "desc"] as const) {
        const one = (await t.api.accounts.list({ sort, order })).items.map((x) => x.locator);
        const paged: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<Caller["accounts"]["list"]>> = await t.api.accounts.list({
            sort,
            order,
            limit: 2,
            cursor,
          });
          paged.push(...page.items.map((x) => x.locator));
          cursor = page.nextCursor;
        } while (cursor);
        expect(paged, `${sort} ${order}`).toEqual(one);
        expect(new Set(paged).size).toBe(all.length);
        const key = (l: string) => {
          const x = all.find((y) => y.locator === l);
          if (!x) throw new Error(l);
          return sort === "id" ? x.locator : sort === "externalId" ? (x.externalId ?? "") : x[sort];
        };
        const keys = one.map(key);
        const sorted = [...keys].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
        if (sort !== "name") expect(keys, `${sort} ${order}`).toEqual(order === "asc" ? sorted : sorted.reverse());
      }
    }
    const err = await expectTrpcError(t.api.accounts.list({ cursor: "not-a-cursor" }), "BAD_REQUEST");
    expect(issuesOfTrpcError(err)).toEqual([expect.objectContaining({ path: "cursor", rule: "cursor" })]);
  });
});

describe("subscriptions.get by number", () => {
  it("answers the subscription by its number as by its locator, only in the tenant", async () => {
    const t = await tenantWith("Sub by number");
    const other = await tenantWith("Sub by number other");
    const sub = await subscription(t.api, await t.account("N"), "SUB-7001");
    await subscription(other.api, await other.account("M"), "SUB-7002");
    expect(await t.api.subscriptions.get({ locator: "SUB-7001" })).toEqual(
      await t.api.subscriptions.get({ locator: sub.locator }),
    );
    await expectTrpcError(t.api.subscriptions.get({ locator: "SUB-7002" }), "NOT_FOUND");
    await expectTrpcError(t.api.subscriptions.get({ locator: "SUB-0000" }), "NOT_FOUND");
  });
});
