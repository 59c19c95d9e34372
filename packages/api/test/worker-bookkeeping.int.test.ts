import { schema } from "@holdfast/db";
import { runTick } from "@holdfast/services";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupWorld } from "./harness.ts";

const w = setupWorld({ now: "2027-01-01T09:00:00Z", tenantName: "Worker bookkeeping" });

/** The tenant's worker_daily_effects rows as `day effect → count`. */
async function dailyEffects(tenantId: string) {
  const rows = await w.db
    .select()
    .from(schema.workerDailyEffects)
    .where(eq(schema.workerDailyEffects.tenantId, tenantId));
  return Object.fromEntries(rows.map((r) => [`${r.day} ${r.effect}`, r.count]));
}

describe("the worker's bookkeeping", () => {
  it("adds each tick's effects to the business day they were applied on, and tags its audit events with the tick id", async () => {
    const other = await w.tenant("Worker bookkeeping other");
    const accountLocator = await w.newAccount("Lapsing customer");
    const subs = [];
    for (let i = 0; i < 2; i++) {
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
      subs.push(sub);
    }
    const day = async (iso: string) => {
      w.clock.set(`${iso}T09:00:00Z`);
      const r = await runTick(w.db, w.clock, "bookkeeping-worker");
      expect(r.errors).toEqual([]);
      return r;
    };
    const first = await day("2027-01-01");
    expect(first.counts.invoicesIssued).toBe(2);
    expect(await dailyEffects(w.tenantId)).toEqual({ "2027-01-01 invoicesIssued": 2 });

    // Running today again adds nothing: nothing more was applied.
    await day("2027-01-01");
    expect(await dailyEffects(w.tenantId)).toEqual({ "2027-01-01 invoicesIssued": 2 });

    // One tick catches up to 2 February: grace starts on the 12th, lapses on the 27th, February's invoices are not issued
    // (the subscriptions lapsed). Each effect is counted on the day it was applied.
    const catchUp = await day("2027-02-02");
    expect(catchUp.counts).toMatchObject({ gracePeriodsStarted: 2, subscriptionsLapsed: 2 });
    expect(await dailyEffects(w.tenantId)).toEqual({
      "2027-01-01 invoicesIssued": 2,
      "2027-01-12 gracePeriodsStarted": 2,
      "2027-01-27 subscriptionsLapsed": 2,
    });
    // Another tenant with nothing to do has no rows.
    expect(await dailyEffects(other)).toEqual({});

    // Every audit event the catch-up tick wrote carries its id as the request id, and the first tick's its own.
    const byTick = await w.db
      .select()
      .from(schema.auditEvents)
      .where(and(eq(schema.auditEvents.tenantId, w.tenantId), eq(schema.auditEvents.requestId, catchUp.tickId)));
    expect(byTick.map((e) => e.action).sort()).toEqual(["lapse", "lapse", "startGracePeriod", "startGracePeriod"]);
    expect(new Set(byTick.map((e) => e.entityId))).toEqual(new Set(subs.map((s) => s.locator)));
    const issued = await w.db
      .select()
      .from(schema.auditEvents)
      .where(and(eq(schema.auditEvents.tenantId, w.tenantId), eq(schema.auditEvents.action, "issueInvoice")));
    expect(issued.map((e) => e.requestId)).toEqual([first.tickId, first.tickId]);
  });

  it("records a failed query as the database's message and SQLSTATE, never its SQL or parameters", async () => {
    const accountLocator = await w.newAccount("Failing invoice customer");
    const sub = await w.api.subscriptions.create({
      accountLocator,
      paymentModel: "pay_after_bill",
      priceMinor: 1000,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: "2027-03-01",
      paymentTermDays: 10,
    });
    await w.api.subscriptions.activate({ locator: sub.locator });
    await w.db.$client.unsafe(`
      create function refuse_invoice() returns trigger language plpgsql as $$
      begin raise exception 'invoices are refused in this test'; end $$;
      create trigger refuse_invoice before insert on invoices for each row execute function refuse_invoice();`);
    try {
      w.clock.set("2027-03-01T09:00:00Z");
      const r = await runTick(w.db, w.clock, "failing-worker");
      expect(r.status).toBe("failed");
      const mine = r.errors.filter((e) => e.includes("invoices are refused"));
      expect(mine.length).toBeGreaterThan(0);
      for (const e of mine) {
        expect(e).toContain("(SQLSTATE P0001)");
        expect(e).not.toMatch(/Failed query|insert into|params:/i);
      }
    } finally {
      await w.db.$client.unsafe("drop trigger refuse_invoice on invoices; drop function refuse_invoice();");
    }
  });
});
