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
});
