import { publicWorkerId, runTick } from "@holdfast/services";
import { describe, expect, it } from "vitest";
import { setupWorld } from "./harness.ts";

const w = setupWorld({ now: "2027-01-01T09:00:00Z", tenantName: "Worker status A" });

describe("worker.status", () => {
  it("shows a tenant its own counts and errors only, and the worker's opaque id, never its host name or pid", async () => {
    const other = await w.tenant("Worker status B");
    const otherApi = await w.caller(other);
    const accountLocator = await w.newAccount("Billed");
    const sub = await w.api.subscriptions.create({
      accountLocator,
      paymentModel: "pay_after_bill",
      priceMinor: 1000,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: "2027-01-01",
      paymentTermDays: 10,
    });
    await w.api.subscriptions.activate({ locator: sub.locator });
    const workerId = "build-host.internal-4242";
    const tick = await runTick(w.db, w.clock, workerId);
    expect(tick.counts.invoicesIssued).toBe(1);

    const mine = await w.api.worker.status();
    const theirs = await otherApi.worker.status();
    for (const status of [mine, theirs]) {
      const [last] = status.ticks;
      expect(last?.workerId).toBe(publicWorkerId(workerId));
      expect(JSON.stringify(status)).not.toContain("build-host");
      expect(JSON.stringify(status)).not.toContain("4242");
      // No totals over every tenant (how many tenants there are, keys purged for all of them).
      expect(Object.keys(last?.counts ?? {})).not.toContain("tenants");
      expect(Object.keys(last?.counts ?? {})).not.toContain("idempotencyKeysPurged");
    }
    expect(mine.ticks[0]?.counts).toMatchObject({ invoicesIssued: 1, daysProcessed: 1 });
    expect(theirs.ticks[0]?.counts).toEqual({ daysProcessed: 1 });
  });

  it("dueInvoices leaves out accounts held for invoicing today, as the worker's invoicing does", async () => {
    const tenantId = await w.tenant("Worker status held");
    const api = await w.caller(tenantId);
    const subscribe = async (name: string) => {
      const { locator: accountLocator } = await w.account(tenantId, name);
      const sub = await api.subscriptions.create({
        accountLocator,
        paymentModel: "pay_after_bill",
        priceMinor: 1000,
        currency: "EUR",
        billingPeriod: "monthly",
        startDate: "2027-01-01",
        paymentTermDays: 10,
      });
      await api.subscriptions.activate({ locator: sub.locator });
      return accountLocator;
    };
    await subscribe("Billed freely");
    const held = await subscribe("Held for invoicing");
    expect((await api.worker.status()).dueInvoices).toBe(2);

    const hold = await api.holds.create({ accountLocator: held, targets: [{ process: "invoicing" }] });
    await api.holds.validate({ locator: hold.locator });
    await api.holds.activate({ locator: hold.locator });
    expect((await api.worker.status()).dueInvoices).toBe(1);

    // The worker agrees: it invoices exactly the one counted, and then nothing is due.
    const tick = await runTick(w.db, w.clock, "due-invoices-worker");
    expect(tick.counts[`tenant:${tenantId}:invoicesIssued`]).toBe(1);
    expect((await api.worker.status()).dueInvoices).toBe(0);
  });
});
