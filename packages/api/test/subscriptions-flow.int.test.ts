import { runTick } from "@holdfast/services";
import { describe, expect, it } from "vitest";
import { setupWorld } from "./harness.ts";

const w = setupWorld({ now: "2027-01-01T09:00:00Z", tenantName: "Subscriptions" });

describe("subscriptions, invoices and the grace period", () => {
  it("invoices, goes overdue, starts grace, is extended, lapses and is reactivated", async () => {
    const api = w.api;
    const accountLocator = await w.newAccount("Grace customer");
    const sub = await api.subscriptions.create({
      accountLocator,
      paymentModel: "pay_after_bill",
      priceMinor: 1999,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: "2027-01-01",
      paymentTermDays: 10,
    });
    await api.subscriptions.activate({ locator: sub.locator });
    const tick = () => runTick(w.db, w.clock, "test-worker");
    const day = async (iso: string) => {
      w.clock.set(`${iso}T09:00:00Z`);
      const r = await tick();
      expect(r.errors).toEqual([]);
      return r;
    };
    await day("2027-01-01");
    const invoices = await api.invoices.list({ subscriptionLocator: sub.locator });
    expect(invoices.items).toHaveLength(1);
    expect(invoices.items[0]).toMatchObject({
      amountMinor: 1999,
      issuedOn: "2027-01-01",
      dueOn: "2027-01-11",
      periods: 1,
    });

    await day("2027-01-12"); // catches up 11 days; overdue since the 12th
    let s = await api.subscriptions.get({ locator: sub.locator });
    expect(s.grace).toMatchObject({ start: "2027-01-12", end: "2027-01-26" });

    const ext = await api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: sub.locator },
      endGracePeriodAfterDays: 20,
      transactionReferenceNumber: "TRN-1",
    });
    expect(ext).toMatchObject({ status: "executed", previousGraceEnd: "2027-01-26", newGraceEnd: "2027-02-01" });

    await day("2027-02-02");
    s = await api.subscriptions.get({ locator: sub.locator });
    expect(s).toMatchObject({ state: "not_effective", lapseReason: "grace_period_expired", lapsedOn: "2027-02-02" });

    const again = await api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { number: sub.number },
      endGracePeriodOn: "2027-02-20",
    });
    expect(again).toMatchObject({ reactivated: true, newGraceEnd: "2027-02-20" });
    s = await api.subscriptions.get({ locator: sub.locator });
    expect(s.state).toBe("effective");
    const status = await api.worker.status();
    expect(status.processedThrough).toBe("2027-02-01");
  });
});
