/**
 * Bulk procedures through the real router: holds.releaseMany and
 * subscriptions.extendGraceMany. Per-item answers (one item's refusal leaves
 * the others done), a retry with the same key answers the same items and acts
 * on nothing again, a reused key with another body is refused, a filter
 * selects at most 500 items, expectedCount guards a changed selection.
 */
import { BULK_MAX_ITEMS } from "@holdfast/domain";
import { seedHolds } from "@holdfast/testing";
import { issuesOfTrpcError } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { type Caller, expectTrpcError, holdInState, setupWorld, TODAY, tableChecksum } from "./harness.ts";

const w = setupWorld({ tenantName: "Bulk actions" });

async function activeHolds(n: number, api: Caller = w.api) {
  const account = await w.newAccount();
  const holds = [];
  // One process per hold, so they never overlap on one account.
  for (const process of ["invoicing", "delinquency", "funding", "autopay", "refund"].slice(0, n)) {
    holds.push(await holdInState(api, account, "active", { targets: [{ process: process as "invoicing" }] }));
  }
  return { account, holds };
}

describe("holds.releaseMany", () => {
  it("answers per item: released ones carry the hold, refused ones the error; the refusal rolls back only itself", async () => {
    const { holds } = await activeHolds(3);
    const [a, b, c] = holds.map((h) => h.locator) as [string, string, string];
    await w.api.holds.release({ locator: b });
    const answer = await w.api.holds.releaseMany({
      idempotencyKey: "release-mixed-1",
      reason: "Paid at the branch",
      selection: { locators: [a, b, c, "01ARZ3NDEKTSV4RRFFQ69G5FAV"] },
    });
    expect(answer.items.map((i) => [i.locator, i.ok])).toEqual([
      [a, true],
      [b, false],
      [c, true],
      ["01ARZ3NDEKTSV4RRFFQ69G5FAV", false],
    ]);
    const [ok, refused, , unknown] = answer.items;
    expect(ok).toMatchObject({ ok: true, hold: { holdState: "released", releaseReason: "Paid at the branch" } });
    expect(refused).toMatchObject({ ok: false, error: { code: "INVALID_TRANSITION" } });
    expect(unknown).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect((await w.api.holds.get({ locator: c })).holdState).toBe("released");
    const history = await w.api.audit.history({ entityType: "hold", entityId: a });
    expect(history.at(-1)).toMatchObject({ action: "release", reason: "Paid at the branch" });
    // b was released once, by the single call: no second audit event.
    const bHistory = await w.api.audit.history({ entityType: "hold", entityId: b });
    expect(bHistory.filter((e) => e.action === "release")).toHaveLength(1);
  });

  it("a retry with the same key answers the same items and changes nothing; another body with it is refused", async () => {
    const { holds } = await activeHolds(2);
    const input = {
      idempotencyKey: "release-retry-1",
      reason: "Settled",
      selection: { locators: holds.map((h) => h.locator) },
    };
    const first = await w.api.holds.releaseMany(input);
    expect(first.items.every((i) => i.ok)).toBe(true);
    const before = await tableChecksum(w.db, "audit_events");
    expect(await w.api.holds.releaseMany(input)).toEqual(first);
    expect(await tableChecksum(w.db, "audit_events")).toBe(before);
    const err = await expectTrpcError(w.api.holds.releaseMany({ ...input, reason: "Other" }), "UNPROCESSABLE_CONTENT");
    expect(issuesOfTrpcError(err)).toEqual([expect.objectContaining({ path: "idempotencyKey" })]);
  });

  it("two calls with one key at once answer the same per item, and each hold is released once", async () => {
    const { holds } = await activeHolds(3);
    // The longest key there is: the items' keys derived from it stay within bounds.
    const input = {
      idempotencyKey: "k".repeat(255),
      reason: "Twice at once",
      selection: { locators: holds.map((h) => h.locator) },
    };
    const [a, b] = await Promise.all([w.api.holds.releaseMany(input), w.api.holds.releaseMany(input)]);
    expect(a).toEqual(b);
    expect(a.items.every((i) => i.ok)).toBe(true);
    for (const h of holds) {
      const history = await w.api.audit.history({ entityType: "hold", entityId: h.locator });
      expect(history.filter((e) => e.action === "release")).toHaveLength(1);
    }
  });

  it("a filter selects its matches; expectedCount refuses a selection that changed", async () => {
    const { account, holds } = await activeHolds(3);
    const filter = { accountLocator: account, states: ["active" as const] };
    const changed = await expectTrpcError(
      w.api.holds.releaseMany({
        idempotencyKey: "release-filter-0",
        reason: "x",
        expectedCount: 2,
        selection: { filter },
      }),
      "BAD_REQUEST",
    );
    expect(issuesOfTrpcError(changed)).toEqual([
      expect.objectContaining({ path: "expectedCount", rule: "count_changed" }),
    ]);
    expect((await w.api.holds.get({ locator: holds[0]?.locator ?? "" })).holdState).toBe("active");
    const answer = await w.api.holds.releaseMany({
      idempotencyKey: "release-filter-1",
      reason: "Account closed",
      expectedCount: 3,
      selection: { filter },
    });
    expect(answer.items.map((i) => i.locator).sort()).toEqual(holds.map((h) => h.locator).sort());
    expect(answer.items.every((i) => i.ok)).toBe(true);
    expect((await w.api.holds.list({ accountLocator: account, states: ["active"] })).items).toEqual([]);
  });

  it(`a filter matching more than ${BULK_MAX_ITEMS} holds is refused naming the bound, and nothing is released`, async () => {
    const tenantId = await w.tenant("Bulk bound");
    const api = await w.caller(tenantId);
    const accountLocator = (await w.account(tenantId, "many holds")).locator;
    await seedHolds(w.db, { tenantId, accountLocator, count: BULK_MAX_ITEMS + 1 });
    const err = await expectTrpcError(
      api.holds.releaseMany({ idempotencyKey: "too-many", reason: "x", selection: { filter: { states: ["draft"] } } }),
      "BAD_REQUEST",
    );
    const [issue] = issuesOfTrpcError(err);
    expect(issue).toMatchObject({ path: "selection.filter", rule: "too_many_matches" });
    expect(issue?.message).toContain(`${BULK_MAX_ITEMS}`);
    expect((await api.holds.list({ states: ["draft"], limit: 500 })).items).toHaveLength(500);
  });

  it("bad selections are refused naming the field: none, both, duplicates, over 500, no reason", async () => {
    const L = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    const cases: [unknown, string, string][] = [
      [{ selection: {} }, "selection", "exactly_one"],
      [{ selection: { locators: [L], filter: {} } }, "selection", "exactly_one"],
      [{ selection: { locators: [L, L] } }, "selection.locators[1]", "duplicate_locator"],
      [{ selection: { locators: Array.from({ length: 501 }, () => L) } }, "selection.locators", "too_big"],
    ];
    for (const [extra, path, rule] of cases) {
      const input = { idempotencyKey: "bad", reason: "r", ...(extra as object) };
      const err = await expectTrpcError(w.api.holds.releaseMany(input as never), "BAD_REQUEST");
      expect(issuesOfTrpcError(err)).toContainEqual(expect.objectContaining({ path, rule }));
    }
    const noReason = await expectTrpcError(
      w.api.holds.releaseMany({ idempotencyKey: "bad", selection: { locators: [L] } } as never),
      "BAD_REQUEST",
    );
    expect(issuesOfTrpcError(noReason)).toEqual([expect.objectContaining({ path: "reason" })]);
  });
});

describe("subscriptions.extendGraceMany", () => {
  async function effective(n: number) {
    const subs = [];
    for (let i = 0; i < n; i++) {
      const sub = await w.api.subscriptions.create({
        accountLocator: await w.newAccount(`grace ${i}`),
        paymentModel: "pay_after_bill",
        priceMinor: 1000,
        currency: "EUR",
        billingPeriod: "monthly",
        startDate: TODAY,
      });
      subs.push(await w.api.subscriptions.activate({ locator: sub.locator }));
    }
    return subs;
  }

  it("extends each by the days given, answers per item (a terminated one is refused), and retries answer the same", async () => {
    const [a, b, c] = (await effective(3)).map((s) => s.locator) as [string, string, string];
    await w.api.subscriptions.terminate({ locator: b });
    const input = { idempotencyKey: "extend-mixed-1", endGracePeriodAfterDays: 10, selection: { locators: [a, b, c] } };
    const answer = await w.api.subscriptions.extendGraceMany(input);
    expect(answer.items.map((i) => [i.locator, i.ok])).toEqual([
      [a, true],
      [b, false],
      [c, true],
    ]);
    expect(answer.items[0]).toMatchObject({ ok: true, action: { status: "executed", subscriptionLocator: a } });
    expect(answer.items[1]).toMatchObject({ ok: false, error: { code: "BAD_REQUEST", rule: "state_not_extendable" } });
    const graceEnd = (await w.api.subscriptions.get({ locator: a })).grace?.end;
    expect(graceEnd).toBeTruthy();
    expect((await w.api.subscriptions.get({ locator: c })).grace?.end).toBe(graceEnd);
    const before = await tableChecksum(w.db, "subscription_actions");
    expect(await w.api.subscriptions.extendGraceMany(input)).toEqual(answer);
    expect(await tableChecksum(w.db, "subscription_actions")).toBe(before);
  });

  it("a filter selects its matches; exactly one of the end date or the days", async () => {
    const subs = await effective(2);
    const answer = await w.api.subscriptions.extendGraceMany({
      idempotencyKey: "extend-filter-1",
      endGracePeriodOn: "2027-04-30",
      selection: { filter: { accountLocator: subs[0]?.accountLocator } },
    });
    expect(answer.items).toEqual([
      expect.objectContaining({
        locator: subs[0]?.locator,
        ok: true,
        action: expect.objectContaining({ newGraceEnd: "2027-04-30" }),
      }),
    ]);
    const both = await expectTrpcError(
      w.api.subscriptions.extendGraceMany({
        idempotencyKey: "extend-both",
        endGracePeriodOn: "2027-04-30",
        endGracePeriodAfterDays: 3,
        selection: { locators: [subs[1]?.locator ?? ""] },
      }),
      "BAD_REQUEST",
    );
    expect(issuesOfTrpcError(both)).toEqual([
      expect.objectContaining({ path: "endGracePeriodOn", rule: "exactly_one_end" }),
    ]);
  });
});
