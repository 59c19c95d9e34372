/**
 * Subscription, invoice, automation and worker-day events come from the
 * real operations (the API and the worker's set-based writes), one each,
 * with the new state as the API answers it.
 */
import { runTick } from "@holdfast/services";
import { describe, expect, it } from "vitest";
import { eventsAfter, outboxMark, setupEventsWorld, theOne } from "./events-harness.ts";

const w = setupEventsWorld({ now: "2027-01-01T09:00:00Z" });

describe("subscription and invoice events", () => {
  it("issued, grace started, paused, resumed, extended, lapsed, reactivated, paid, terminated", async () => {
    const tenantId = await w().tenant("Billing events");
    const accountLocator = (await w().account(tenantId)).locator;
    const api = (requestId: string) => w().callerAs(tenantId, requestId);
    const setup = await api("r-setup");
    const sub = await setup.subscriptions.create({
      accountLocator,
      paymentModel: "pay_after_bill",
      priceMinor: 1999,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: "2027-01-01",
      paymentTermDays: 10,
    });
    await setup.subscriptions.activate({ locator: sub.locator });
    /** Ticks on `iso`; the tick's events for the subscription and its invoices, and the tick's id. */
    const day = async (iso: string) => {
      w().clock.set(`${iso}T09:00:00Z`);
      const mark = await outboxMark(w());
      const r = await runTick(w().db, w().clock, "events-worker");
      expect(r.errors).toEqual([]);
      return { tickId: r.tickId, events: await eventsAfter(w(), tenantId, mark) };
    };
    const step = async <T>(requestId: string, op: (a: Awaited<ReturnType<typeof api>>) => Promise<T>) => {
      const mark = await outboxMark(w());
      const out = await op(await api(requestId));
      return { out, events: await eventsAfter(w(), tenantId, mark) };
    };

    const first = await day("2027-01-01");
    const [invoice] = (await setup.invoices.list({ subscriptionLocator: sub.locator })).items;
    expect(first.events.map((e) => e.type)).toEqual(["invoice.issued"]);
    expect(theOne(first.events, "invoice.issued", invoice?.locator ?? "", first.tickId)).toEqual(invoice);

    const overdue = await day("2027-01-12");
    const started = theOne(overdue.events, "subscription.grace_started", sub.locator, overdue.tickId);
    expect(started).toEqual(await setup.subscriptions.get({ locator: sub.locator }));
    expect(started).toMatchObject({ grace: { start: "2027-01-12", end: "2027-01-26", daysLeft: 14 } });
    // The days 2027-01-01 to 01-11 are closed: one worker.day_completed each, with the day's counts.
    const closed = overdue.events.filter((e) => e.type === "worker.day_completed");
    expect(closed.map((e) => e.entityId)).toEqual(
      Array.from({ length: 11 }, (_, i) => `2027-01-${String(i + 1).padStart(2, "0")}`),
    );
    expect(closed[0]).toMatchObject({ entityType: "worker_day", requestId: overdue.tickId });
    expect(closed[0]?.data).toMatchObject({
      date: "2027-01-01",
      counts: { invoicesIssued: 1, gracePeriodsStarted: 0 },
    });
    // Ticking the same day again closes nothing again.
    expect((await day("2027-01-12")).events).toEqual([]);

    // Held for delinquency from the 12th: the next tick (closing the 12th) pauses it; released, it resumes.
    const hold = await setup.holds.create({ accountLocator, targets: [{ process: "delinquency" }] });
    await setup.holds.validate({ locator: hold.locator });
    await setup.holds.activate({ locator: hold.locator });
    const pausedDay = await day("2027-01-13");
    const paused = theOne(pausedDay.events, "subscription.grace_paused", sub.locator, pausedDay.tickId);
    expect(paused).toMatchObject({ grace: { pausedOn: "2027-01-12" }, heldFor: { delinquency: true } });
    await setup.holds.release({ locator: hold.locator });
    const resumedDay = await day("2027-01-13");
    const resumed = theOne(resumedDay.events, "subscription.grace_resumed", sub.locator, resumedDay.tickId);
    expect(resumed).toMatchObject({ grace: { pausedOn: null }, heldFor: { delinquency: false } });

    const extended = await step("r-extend", (a) =>
      a.subscriptions.extendGracePeriod({ subscriptionIdentifier: { id: sub.locator }, endGracePeriodAfterDays: 20 }),
    );
    expect(extended.events.map((e) => e.type)).toEqual(["subscription.grace_extended"]);
    expect(theOne(extended.events, "subscription.grace_extended", sub.locator, "r-extend")).toMatchObject({
      grace: { end: "2027-02-02" },
    });

    const lapseDay = await day("2027-02-04");
    expect(theOne(lapseDay.events, "subscription.lapsed", sub.locator, lapseDay.tickId)).toMatchObject({
      state: "not_effective",
      lapseReason: "grace_period_expired",
    });

    const back = await step("r-reactivate", (a) =>
      a.subscriptions.extendGracePeriod({
        subscriptionIdentifier: { id: sub.locator },
        endGracePeriodOn: "2027-02-20",
      }),
    );
    expect(back.events.map((e) => e.type)).toEqual(["subscription.grace_extended", "subscription.reactivated"]);
    expect(theOne(back.events, "subscription.reactivated", sub.locator, "r-reactivate")).toMatchObject({
      state: "effective",
    });

    const paid = await step("r-pay", (a) =>
      a.invoices.recordPayment({ invoiceLocator: invoice?.locator ?? "", amountMinor: 1999 }),
    );
    expect(theOne(paid.events, "invoice.paid", invoice?.locator ?? "", "r-pay")).toEqual(paid.out);
    expect(paid.out.status).toBe("paid");
    // A partial payment leaves the invoice open: no event.
    const [second] = (await setup.invoices.list({ subscriptionLocator: sub.locator, status: "open" })).items;
    const partial = await step("r-partial", (a) =>
      a.invoices.recordPayment({ invoiceLocator: second?.locator ?? "", amountMinor: 1 }),
    );
    expect(partial.events.filter((e) => e.entityType === "invoice")).toEqual([]);

    const ended = await step("r-terminate", (a) =>
      a.subscriptions.terminate({ locator: sub.locator, reason: "Moved" }),
    );
    expect(theOne(ended.events, "subscription.terminated", sub.locator, "r-terminate")).toEqual(ended.out);
  });
});

/** Seed 001's add sample, in Holdfast's camelCase (as automations-flow uses). */
const automation = {
  name: "Company A billing automation",
  description: "Routes Company A's reservations to its bills.",
  companies: [
    { companyId: "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f", relations: { partnerCompany: true, travelAgency: false } },
  ],
  prepayment: "All" as const,
  assignmentTargetType: "CompanyAsOwner" as const,
  triggerType: "Continuous" as const,
  billAggregationType: "AggregateAll" as const,
  assignments: [],
};

describe("automation events", () => {
  it("added, updated (fields and assignments), deleted", async () => {
    const tenantId = await w().tenant("Automation events");
    const api = (requestId: string) => w().callerAs(tenantId, requestId);
    let mark = await outboxMark(w());
    const [created] = (await (await api("r-add")).automations.add({ automations: [automation] })).automations;
    const id = created?.id ?? "";
    let events = await eventsAfter(w(), tenantId, mark);
    expect(theOne(events, "automation.added", id, "r-add")).toEqual(created);

    mark = await outboxMark(w());
    const [updated] = (await (await api("r-update")).automations.update({ updates: [{ automationId: id, name: "B" }] }))
      .automations;
    events = await eventsAfter(w(), tenantId, mark);
    expect(theOne(events, "automation.updated", id, "r-update")).toEqual(updated);

    mark = await outboxMark(w());
    await (await api("r-delete")).automations.delete({ automationIds: [id] });
    events = await eventsAfter(w(), tenantId, mark);
    expect(theOne(events, "automation.deleted", id, "r-delete")).toMatchObject({ id, name: "B" });
  });
});
