/**
 * Column sorting on holds.list and subscriptions.list: under every sort and
 * order, pages of a small limit put together are the whole list, each row
 * once, in order (nulls last, ties by locator in the same direction); the
 * default order is unchanged; a cursor of another sort is refused.
 */
import { HOLD_SORTS, HOLD_STATES, SUBSCRIPTION_SORTS, SUBSCRIPTION_STATES } from "@holdfast/domain";
import { issuesOfTrpcError } from "@holdfast/testing/issues";
import { beforeAll, describe, expect, it } from "vitest";
import { type Caller, expectTrpcError, setupWorld } from "./harness.ts";

const w = setupWorld();
const ORDERS = ["asc", "desc"] as const;

type Key = string | number | null;

/** Is `b` after `a` (or equal) under this order: nulls last, ties by locator in the same direction? */
function inOrder(a: { v: Key; id: string }, b: { v: Key; id: string }, order: "asc" | "desc") {
  const sign = order === "asc" ? 1 : -1;
  if (a.v === null && b.v !== null) return false;
  if (a.v !== null && b.v === null) return true;
  if (a.v !== null && b.v !== null && a.v !== b.v) return (a.v < b.v ? 1 : -1) === sign;
  return (a.id < b.id ? 1 : -1) === sign;
}

/** Every page of a list, limit 3, until no cursor: the locators in answer order. */
async function walk<T extends { locator: string }>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
) {
  const seen: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const p = await page(cursor);
    seen.push(...p.items);
    if (!p.nextCursor) return seen;
    expect(p.items).toHaveLength(3);
    cursor = p.nextCursor;
  }
  throw new Error("the walk did not end");
}

describe("holds.list sorted", () => {
  let api: Caller;
  const names = new Map<string, string>();

  beforeAll(async () => {
    const tenantId = await w.tenant("Sorted holds");
    api = await w.caller(tenantId);
    const accounts = [];
    for (const name of ["Charlie", "Alpha", "Bravo"]) {
      const a = await w.account(tenantId, name);
      names.set(a.locator, name);
      accounts.push(a.locator);
    }
    const starts = [null, "2027-04-01", "2027-04-01", "2027-05-01", null, "2027-03-20"];
    const ends = ["2027-06-30", null, "2027-06-30", null, "2027-12-31", "2027-04-30"];
    for (let i = 0; i < 14; i++) {
      w.clock.set(`2027-03-10T0${i % 3}:00:00Z`);
      const hold = await api.holds.create({
        accountLocator: accounts[i % 3] ?? "",
        targets: [{ process: "invoicing" }],
        startDate: starts[i % starts.length] ?? null,
        endDate: ends[i % ends.length] ?? null,
      });
      if (i % 4 === 1) await api.holds.discard({ locator: hold.locator });
      if (i % 4 === 2) await api.holds.validate({ locator: hold.locator });
    }
    w.clock.set("2027-03-10T12:00:00Z");
  });

  const value = (sort: (typeof HOLD_SORTS)[number], h: Awaited<ReturnType<Caller["holds"]["get"]>>): Key => {
    if (sort === "state") return HOLD_STATES.indexOf(h.holdState);
    if (sort === "account") return names.get(h.accountLocator) ?? "";
    return h[sort];
  };

  const cases = HOLD_SORTS.flatMap((sort) => ORDERS.map((order) => [sort, order] as const));
  it.each(cases)("by %s %s: pages are in order and complete", async (sort, order) => {
    const all = (await api.holds.list({ limit: 500 })).items.map((h) => h.locator).sort();
    expect(all).toHaveLength(14);
    const seen = await walk((cursor) => api.holds.list({ limit: 3, sort, order, cursor }));
    expect(seen.map((h) => h.locator).sort()).toEqual(all);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]] as [(typeof seen)[0], (typeof seen)[0]];
      const ok = inOrder({ v: value(sort, a), id: a.locator }, { v: value(sort, b), id: b.locator }, order);
      expect(ok, `${sort} ${order}: ${value(sort, a)} then ${value(sort, b)}`).toBe(true);
    }
  });

  it("a filter and a sort page together; the default order stays newest first", async () => {
    const seen = await walk((cursor) => api.holds.list({ limit: 3, states: ["draft"], sort: "endDate", cursor }));
    expect(seen.every((h) => h.holdState === "draft")).toBe(true);
    const plain = await walk((cursor) => api.holds.list({ limit: 3, cursor }));
    expect(plain.map((h) => h.locator)).toEqual(
      plain
        .map((h) => h.locator)
        .sort()
        .reverse(),
    );
  });

  it("a cursor of another sort or order, or a locator cursor with a sort, is refused naming cursor", async () => {
    const first = await api.holds.list({ limit: 3, sort: "startDate" });
    const plain = await api.holds.list({ limit: 3 });
    const bad = [
      api.holds.list({ limit: 3, sort: "endDate", cursor: first.nextCursor }),
      api.holds.list({ limit: 3, sort: "startDate", order: "desc", cursor: first.nextCursor }),
      api.holds.list({ limit: 3, sort: "startDate", cursor: plain.nextCursor }),
      api.holds.list({ limit: 3, cursor: first.nextCursor }),
      api.holds.list({ limit: 3, sort: "startDate", cursor: "s.bm90IGpzb24" }),
    ];
    for (const call of bad) {
      const err = await expectTrpcError(call, "BAD_REQUEST");
      expect(issuesOfTrpcError(err)).toEqual([expect.objectContaining({ path: "cursor", rule: "invalid_cursor" })]);
    }
  });
});

describe("subscriptions.list sorted", () => {
  let api: Caller;

  beforeAll(async () => {
    const tenantId = await w.tenant("Sorted subscriptions");
    api = await w.caller(tenantId);
    const starts = ["2027-03-01", "2027-03-10", "2027-02-15", "2027-03-10"];
    for (let i = 0; i < 13; i++) {
      const account = (await w.account(tenantId, `Sub account ${i}`)).locator;
      const sub = await api.subscriptions.create({
        accountLocator: account,
        number: `N${String((i * 7) % 13).padStart(2, "0")}`,
        paymentModel: "pay_after_bill",
        priceMinor: 1000,
        currency: "EUR",
        billingPeriod: "monthly",
        startDate: starts[i % starts.length] ?? "2027-03-10",
      });
      if (i % 3 === 0) continue;
      await api.subscriptions.activate({ locator: sub.locator });
      if (i % 3 === 1) {
        await api.subscriptions.extendGracePeriod({
          subscriptionIdentifier: { id: sub.locator },
          endGracePeriodAfterDays: 5 + (i % 2) * 10,
        });
      }
      if (i % 5 === 4) await api.subscriptions.terminate({ locator: sub.locator });
    }
  });

  const value = (sort: (typeof SUBSCRIPTION_SORTS)[number], s: Awaited<ReturnType<Caller["subscriptions"]["get"]>>) =>
    sort === "state" ? SUBSCRIPTION_STATES.indexOf(s.state) : sort === "graceEnd" ? (s.grace?.end ?? null) : s[sort];

  const cases = SUBSCRIPTION_SORTS.flatMap((sort) => ORDERS.map((order) => [sort, order] as const));
  it.each(cases)("by %s %s: pages are in order and complete", async (sort, order) => {
    const all = (await api.subscriptions.list({ limit: 500 })).items.map((s) => s.locator).sort();
    expect(all).toHaveLength(13);
    const seen = await walk((cursor) => api.subscriptions.list({ limit: 3, sort, order, cursor }));
    expect(seen.map((s) => s.locator).sort()).toEqual(all);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]] as [(typeof seen)[0], (typeof seen)[0]];
      const ok = inOrder({ v: value(sort, a), id: a.locator }, { v: value(sort, b), id: b.locator }, order);
      expect(ok, `${sort} ${order}: ${value(sort, a)} then ${value(sort, b)}`).toBe(true);
    }
  });

  it("graceEnd puts the subscriptions without grace last in both orders", async () => {
    for (const order of ORDERS) {
      const seen = await walk((cursor) => api.subscriptions.list({ limit: 3, sort: "graceEnd", order, cursor }));
      const firstWithout = seen.findIndex((s) => s.grace === null);
      expect(firstWithout).toBeGreaterThan(0);
      expect(seen.slice(firstWithout).every((s) => s.grace === null)).toBe(true);
    }
  });
});
