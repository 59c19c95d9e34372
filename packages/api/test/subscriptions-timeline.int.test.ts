/**
 * 90-day timelines of one monthly subscription (2500 minor units, payment term
 * 10 days, started 2027-01-31 so Feb 28 is a period start), driven day by day:
 * the injected clock moves to 09:00 UTC of each day, the real worker tick runs
 * in-process, then the day's calls go through the real router (after the
 * morning tick, so the next tick re-processes that day with them). Each day
 * the subscription is read into a log; the log of changes, every invoice, the
 * actions and the audit history are compared with literal expectations.
 *
 * Then the same with an invoicing hold (one catch-up invoice after release),
 * with delinquency holds (no grace start while held, a running grace period
 * paused and moved out by the days held, no lapse while held), a worker that
 * skips days, and two findings about the worker.
 */
import { addDays, type InvoiceOutput, type SubscriptionOutput } from "@holdfast/domain";
import { runTick } from "@holdfast/services";
import { describe, expect, it } from "vitest";
import { type Caller, createWorld, setupWorld, type World } from "./harness.ts";

const START = "2027-01-31";
const DAYS = 90; // 2027-01-31 .. 2027-04-30
const TIMEOUT = 180_000;

interface Env {
  db: World["db"];
  clock: World["clock"];
  api: Caller;
}

interface Day extends Env {
  date: string;
  subscriptionLocator: string;
  accountLocator: string;
  holds: Map<string, string>;
}

type Actions = Record<string, (d: Day) => Promise<void>>;

async function tick(env: Env) {
  const r = await runTick(env.db, env.clock, "timeline-worker");
  expect(r.errors).toEqual([]);
  expect(r.status).toBe("succeeded");
  return r;
}

async function invoicesOf(api: Caller, subscriptionLocator: string): Promise<InvoiceOutput[]> {
  const page = await api.invoices.list({ subscriptionLocator, limit: 500 });
  expect(page.nextCursor).toBeNull();
  return [...page.items].sort((a, b) => a.periodStart.localeCompare(b.periodStart));
}

function describeDay(s: SubscriptionOutput, invoices: InvoiceOutput[]): string {
  const grace = s.grace
    ? `${s.grace.start}..${s.grace.end}${s.grace.pausedOn ? ` paused ${s.grace.pausedOn}` : ""}`
    : "none";
  const lapsed = s.state === "not_effective" ? ` (lapsed ${s.lapsedOn}: ${s.lapseReason})` : "";
  const held =
    [s.heldFor.invoicing ? "invoicing" : "", s.heldFor.delinquency ? "delinquency" : ""].filter(Boolean).join("+") ||
    "none";
  const open = invoices.filter((i) => i.status === "open").length;
  return `${s.state}${lapsed} | next ${s.nextBillingDate} | grace ${grace} | held ${held} | invoices ${invoices.length} (${open} open)`;
}

/** A monthly subscription started and activated on START. */
async function startSubscription(api: Caller, accountLocator: string, number: string) {
  const sub = await api.subscriptions.create({
    accountLocator,
    number,
    paymentModel: "pay_after_bill",
    priceMinor: 2500,
    currency: "EUR",
    billingPeriod: "monthly",
    startDate: START,
    paymentTermDays: 10,
  });
  expect(sub).toMatchObject({ state: "draft", nextBillingDate: START, anchorDate: START, grace: null });
  const active = await api.subscriptions.activate({ locator: sub.locator });
  expect(active).toMatchObject({ state: "effective", activatedOn: START });
  return active;
}

/** A hold with these targets and dates brought to active through the router. */
async function placeHold(
  api: Caller,
  accountLocator: string,
  targets: { process: "invoicing" | "delinquency" }[],
  dates: { startDate?: string; endDate?: string } = {},
) {
  const draft = await api.holds.create({ accountLocator, targets, ...dates });
  const validated = await api.holds.validate({ locator: draft.locator });
  expect(validated.holdState, JSON.stringify(validated.validationResult)).toBe("validated");
  const active = await api.holds.activate({ locator: draft.locator });
  expect(active.holdState).toBe("active");
  return active.locator;
}

/** Pays what is outstanding on the invoice issued on that date. */
async function pay(d: Day, issuedOn: string) {
  const inv = (await invoicesOf(d.api, d.subscriptionLocator)).find((i) => i.issuedOn === issuedOn);
  if (!inv) throw new Error(`no invoice issued on ${issuedOn}`);
  const paid = await d.api.invoices.recordPayment({
    invoiceLocator: inv.locator,
    amountMinor: inv.amountMinor - inv.paidMinor,
  });
  expect(paid).toMatchObject({ status: "paid", paidOn: d.date, paidMinor: inv.amountMinor });
}

async function extend(d: Day, body: { endGracePeriodOn?: string; endGracePeriodAfterDays?: number }, expected: object) {
  const out = await d.api.subscriptions.extendGracePeriod({
    subscriptionIdentifier: { id: d.subscriptionLocator },
    transactionReferenceNumber: `TRN-${d.subscriptionLocator}-${d.date}`,
    ...body,
  });
  expect(out).toMatchObject({ status: "executed", appliedOn: d.date, ...expected });
}

/**
 * Runs the days: clock to 09:00 UTC, one tick, the day's calls, then reads the
 * subscription. Returns the log of changes (a line only when the day differs
 * from the day before) and each day's grace days left.
 */
async function runDays(env: Env, day0: Omit<Day, "date" | keyof Env>, actions: Actions, from = START, days = DAYS) {
  const log: string[] = [];
  const daysLeft: Record<string, number | null> = {};
  let previous = "";
  for (let i = 0; i < days; i++) {
    const date = addDays(from, i);
    env.clock.set(`${date}T09:00:00Z`);
    await tick(env);
    const d: Day = { ...env, ...day0, date };
    await actions[date]?.(d);
    const s = await env.api.subscriptions.get({ locator: day0.subscriptionLocator });
    const invoices = await invoicesOf(env.api, day0.subscriptionLocator);
    // Invariants that hold every day.
    expect(s.lapsedOn !== null, date).toBe(s.state === "not_effective");
    expect(s.lapseReason !== null, date).toBe(s.state === "not_effective");
    if (s.grace) expect(s.grace.start <= s.grace.end, date).toBe(true);
    daysLeft[date] = s.grace?.daysLeft ?? null;
    const line = describeDay(s, invoices);
    if (line !== previous) log.push(`${date} ${line}`);
    previous = line;
  }
  const unknown = Object.keys(actions).filter((k) => k < from || k >= addDays(from, days));
  expect(unknown, "actions outside the timeline").toEqual([]);
  return { log, daysLeft };
}

const invoiceRow = (i: InvoiceOutput) =>
  `${i.issuedOn} ${i.periods}×${i.periodStart}..${i.periodEnd} ${i.amountMinor} ${i.currency} due ${i.dueOn} ${i.status}${i.paidOn ? ` ${i.paidOn}` : ""} paid ${i.paidMinor}`;

async function auditTrail(api: Caller, subscriptionLocator: string) {
  const events = await api.audit.history({ entityType: "subscription", entityId: subscriptionLocator });
  return events.map((e) => {
    const bd = (e.after as { businessDate?: string } | null)?.businessDate;
    return `${e.at.slice(0, 10)} ${e.action}${bd ? ` [${bd}]` : ""}`;
  });
}

function expectDaysLeft(actual: Record<string, number | null>, expected: Record<string, number | null>) {
  expect(Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k]]))).toEqual(expected);
}

// ---------------------------------------------------------------------------

describe("a 90-day timeline: invoice, overdue, grace, extension, lapse, reactivation", () => {
  const w = setupWorld({ now: `${START}T09:00:00Z`, tenantName: "Timeline" });

  it(
    "every day, every invoice, every state change and the audit history",
    async () => {
      const accountLocator = await w.newAccount("Timeline customer");
      const sub = await startSubscription(w.api, accountLocator, "TL-A");
      const actions: Actions = {
        // Overdue since 02-11 (due 02-10): 14 days of grace to 02-25, extended by 10 days from today.
        "2027-02-20": (d) =>
          extend(
            d,
            { endGracePeriodAfterDays: 10 },
            { previousGraceEnd: "2027-02-25", newGraceEnd: "2027-03-02", reactivated: false },
          ),
        // Lapsed on 03-03; an extension to a future date makes it effective again (still unpaid).
        "2027-03-10": (d) =>
          extend(
            d,
            { endGracePeriodOn: "2027-03-20" },
            { previousGraceEnd: "2027-03-02", newGraceEnd: "2027-03-20", reactivated: true },
          ),
        // Paying the first invoice leaves the second overdue: grace goes on.
        "2027-03-15": (d) => pay(d, "2027-01-31"),
        // Paying the second settles the overdue invoices: grace ends.
        "2027-03-16": (d) => pay(d, "2027-02-28"),
        // Lapsed again on 04-26; paid, then extended: effective again.
        "2027-04-28": async (d) => {
          await pay(d, "2027-03-31");
          const s = await d.api.subscriptions.get({ locator: d.subscriptionLocator });
          expect(s.state).toBe("not_effective");
          await extend(
            d,
            { endGracePeriodAfterDays: 5 },
            // The payment settled everything, which closed the old grace period: the extension opens a new one.
            { previousGraceEnd: null, newGraceEnd: "2027-05-03", reactivated: true },
          );
        },
      };
      const { log, daysLeft } = await runDays(
        w,
        { subscriptionLocator: sub.locator, accountLocator, holds: new Map() },
        actions,
      );

      expect(log).toEqual([
        "2027-01-31 effective | next 2027-02-28 | grace none | held none | invoices 1 (1 open)",
        "2027-02-11 effective | next 2027-02-28 | grace 2027-02-11..2027-02-25 | held none | invoices 1 (1 open)",
        "2027-02-20 effective | next 2027-02-28 | grace 2027-02-11..2027-03-02 | held none | invoices 1 (1 open)",
        "2027-02-28 effective | next 2027-03-31 | grace 2027-02-11..2027-03-02 | held none | invoices 2 (2 open)",
        "2027-03-03 not_effective (lapsed 2027-03-03: grace_period_expired) | next 2027-03-31 | grace 2027-02-11..2027-03-02 | held none | invoices 2 (2 open)",
        "2027-03-10 effective | next 2027-03-31 | grace 2027-02-11..2027-03-20 | held none | invoices 2 (2 open)",
        "2027-03-15 effective | next 2027-03-31 | grace 2027-02-11..2027-03-20 | held none | invoices 2 (1 open)",
        "2027-03-16 effective | next 2027-03-31 | grace none | held none | invoices 2 (0 open)",
        "2027-03-31 effective | next 2027-04-30 | grace none | held none | invoices 3 (1 open)",
        "2027-04-11 effective | next 2027-04-30 | grace 2027-04-11..2027-04-25 | held none | invoices 3 (1 open)",
        "2027-04-26 not_effective (lapsed 2027-04-26: grace_period_expired) | next 2027-04-30 | grace 2027-04-11..2027-04-25 | held none | invoices 3 (1 open)",
        "2027-04-28 effective | next 2027-04-30 | grace 2027-04-28..2027-05-03 | held none | invoices 3 (0 open)",
        "2027-04-30 effective | next 2027-05-31 | grace 2027-04-28..2027-05-03 | held none | invoices 4 (1 open)",
      ]);
      expectDaysLeft(daysLeft, {
        "2027-02-10": null,
        "2027-02-11": 14,
        "2027-02-19": 6,
        "2027-02-20": 10,
        "2027-03-02": 0,
        "2027-03-10": 10,
        "2027-03-16": null,
        "2027-04-11": 14,
        "2027-04-25": 0,
        "2027-04-28": 5,
        "2027-04-30": 3,
      });

      expect((await invoicesOf(w.api, sub.locator)).map(invoiceRow)).toEqual([
        "2027-01-31 1×2027-01-31..2027-02-27 2500 EUR due 2027-02-10 paid 2027-03-15 paid 2500",
        "2027-02-28 1×2027-02-28..2027-03-30 2500 EUR due 2027-03-10 paid 2027-03-16 paid 2500",
        "2027-03-31 1×2027-03-31..2027-04-29 2500 EUR due 2027-04-10 paid 2027-04-28 paid 2500",
        "2027-04-30 1×2027-04-30..2027-05-30 2500 EUR due 2027-05-10 open paid 0",
      ]);

      expect(await auditTrail(w.api, sub.locator)).toEqual([
        "2027-01-31 create",
        "2027-01-31 activate",
        "2027-01-31 issueInvoice [2027-01-31]",
        "2027-02-11 startGracePeriod [2027-02-11]",
        "2027-02-20 extendGracePeriod",
        "2027-02-28 issueInvoice [2027-02-28]",
        "2027-03-03 lapse [2027-03-03]",
        "2027-03-10 extendGracePeriodAndReactivate",
        "2027-03-16 endGracePeriod",
        "2027-03-31 issueInvoice [2027-03-31]",
        "2027-04-11 startGracePeriod [2027-04-11]",
        "2027-04-26 lapse [2027-04-26]",
        "2027-04-28 endGracePeriod",
        "2027-04-28 extendGracePeriodAndReactivate",
        "2027-04-30 issueInvoice [2027-04-30]",
      ]);
      const history = await w.api.audit.history({ entityType: "subscription", entityId: sub.locator });
      const lapse = history.find((e) => e.action === "lapse");
      expect(lapse?.before).toMatchObject({ state: "effective", lapsedOn: null });
      expect(lapse?.after).toMatchObject({
        state: "not_effective",
        lapsedOn: "2027-03-03",
        lapseReason: "grace_period_expired",
      });
      expect(lapse?.actorType).toBe("worker");
      const reactivation = history.find((e) => e.action === "extendGracePeriodAndReactivate");
      expect(reactivation?.before).toMatchObject({ state: "not_effective" });
      expect(reactivation?.after).toMatchObject({ state: "effective", lapsedOn: null, lapseReason: null });

      const actions3 = await w.api.subscriptions.listActions({ subscriptionLocator: sub.locator });
      expect(
        actions3.items.map((a) => [a.status, a.appliedOn, a.previousGraceEnd, a.newGraceEnd, a.reactivated]).reverse(),
      ).toEqual([
        ["executed", "2027-02-20", "2027-02-25", "2027-03-02", false],
        ["executed", "2027-03-10", "2027-03-02", "2027-03-20", true],
        ["executed", "2027-04-28", null, "2027-05-03", true],
      ]);

      const status = await w.api.worker.status();
      expect(status).toMatchObject({ today: "2027-04-30", processedThrough: "2027-04-29", lagDays: 0 });
    },
    TIMEOUT,
  );
});

describe("the same timeline with an invoicing hold placed and released mid-way", () => {
  const w = setupWorld({ now: `${START}T09:00:00Z`, tenantName: "Timeline invoicing hold" });

  it(
    "invoices stop while held; exactly one catch-up invoice covers the missed periods after release",
    async () => {
      const accountLocator = await w.newAccount("Invoicing hold customer");
      const sub = await startSubscription(w.api, accountLocator, "TL-B");
      const holds = new Map<string, string>();
      const actions: Actions = {
        "2027-02-15": async (d) => {
          d.holds.set("invoicing", await placeHold(d.api, d.accountLocator, [{ process: "invoicing" }]));
        },
        // An invoicing hold does not stop delinquency: the grace period runs, and a payment ends it.
        "2027-02-18": (d) => pay(d, "2027-01-31"),
        // 02-28 and 03-31 pass without invoices; released on 04-01.
        "2027-04-01": async (d) => {
          const released = await d.api.holds.release({ locator: d.holds.get("invoicing") ?? "" });
          expect(released).toMatchObject({ holdState: "released", releaseReason: "released" });
        },
        "2027-04-28": async (d) => {
          await pay(d, "2027-04-01");
          await extend(
            d,
            { endGracePeriodAfterDays: 5 },
            { previousGraceEnd: null, newGraceEnd: "2027-05-03", reactivated: true },
          );
        },
      };
      const { log } = await runDays(w, { subscriptionLocator: sub.locator, accountLocator, holds }, actions);

      expect(log).toEqual([
        "2027-01-31 effective | next 2027-02-28 | grace none | held none | invoices 1 (1 open)",
        "2027-02-11 effective | next 2027-02-28 | grace 2027-02-11..2027-02-25 | held none | invoices 1 (1 open)",
        "2027-02-15 effective | next 2027-02-28 | grace 2027-02-11..2027-02-25 | held invoicing | invoices 1 (1 open)",
        "2027-02-18 effective | next 2027-02-28 | grace none | held invoicing | invoices 1 (0 open)",
        "2027-04-01 effective | next 2027-02-28 | grace none | held none | invoices 1 (0 open)",
        // The tick of 04-02 re-processes 04-01, the day of the release: the catch-up invoice is dated 04-01.
        "2027-04-02 effective | next 2027-04-30 | grace none | held none | invoices 2 (1 open)",
        "2027-04-12 effective | next 2027-04-30 | grace 2027-04-12..2027-04-26 | held none | invoices 2 (1 open)",
        "2027-04-27 not_effective (lapsed 2027-04-27: grace_period_expired) | next 2027-04-30 | grace 2027-04-12..2027-04-26 | held none | invoices 2 (1 open)",
        "2027-04-28 effective | next 2027-04-30 | grace 2027-04-28..2027-05-03 | held none | invoices 2 (0 open)",
        "2027-04-30 effective | next 2027-05-31 | grace 2027-04-28..2027-05-03 | held none | invoices 3 (1 open)",
      ]);

      const invoices = await invoicesOf(w.api, sub.locator);
      expect(invoices.map(invoiceRow)).toEqual([
        "2027-01-31 1×2027-01-31..2027-02-27 2500 EUR due 2027-02-10 paid 2027-02-18 paid 2500",
        "2027-04-01 2×2027-02-28..2027-04-29 5000 EUR due 2027-04-11 paid 2027-04-28 paid 5000",
        "2027-04-30 1×2027-04-30..2027-05-30 2500 EUR due 2027-05-10 open paid 0",
      ]);
      expect(invoices.filter((i) => i.periods > 1)).toHaveLength(1);

      expect(await auditTrail(w.api, sub.locator)).toEqual([
        "2027-01-31 create",
        "2027-01-31 activate",
        "2027-01-31 issueInvoice [2027-01-31]",
        "2027-02-11 startGracePeriod [2027-02-11]",
        "2027-02-18 endGracePeriod",
        "2027-04-02 issueCatchUpInvoice [2027-04-01]",
        "2027-04-12 startGracePeriod [2027-04-12]",
        "2027-04-27 lapse [2027-04-27]",
        "2027-04-28 endGracePeriod",
        "2027-04-28 extendGracePeriodAndReactivate",
        "2027-04-30 issueInvoice [2027-04-30]",
      ]);
      const holdHistory = await w.api.audit.history({ entityType: "hold", entityId: holds.get("invoicing") ?? "" });
      expect(holdHistory.map((e) => `${e.at.slice(0, 10)} ${e.action}`)).toEqual([
        "2027-02-15 create",
        "2027-02-15 validate",
        "2027-02-15 activate",
        "2027-04-01 release",
      ]);
    },
    TIMEOUT,
  );
});

describe("the same timeline with delinquency holds placed and released mid-way", () => {
  const w = setupWorld({ now: `${START}T09:00:00Z`, tenantName: "Timeline delinquency hold" });

  it(
    "no grace start while held; a running grace period pauses and moves out by the days held; no lapse while held",
    async () => {
      const accountLocator = await w.newAccount("Delinquency hold customer");
      const sub = await startSubscription(w.api, accountLocator, "TL-C");
      const holds = new Map<string, string>();
      const actions: Actions = {
        // H1, no dates, placed before the invoice falls overdue (02-11) and released on 02-15.
        "2027-02-08": async (d) => {
          d.holds.set("H1", await placeHold(d.api, d.accountLocator, [{ process: "delinquency" }]));
        },
        "2027-02-15": async (d) => {
          await d.api.holds.release({ locator: d.holds.get("H1") ?? "" });
        },
        // H2 from 02-20 to 03-04 (scheduled the day before), over the grace end 03-01; the worker releases it.
        "2027-02-19": async (d) => {
          d.holds.set(
            "H2",
            await placeHold(d.api, d.accountLocator, [{ process: "delinquency" }], {
              startDate: "2027-02-20",
              endDate: "2027-03-04",
            }),
          );
          const h = await d.api.holds.get({ locator: d.holds.get("H2") ?? "" });
          expect(h.schedule).toBe("scheduled");
        },
        // Lapsed on 03-15; extended to a future date: effective again.
        "2027-03-20": (d) =>
          extend(
            d,
            { endGracePeriodOn: "2027-03-25" },
            { previousGraceEnd: "2027-03-14", newGraceEnd: "2027-03-25", reactivated: true },
          ),
        "2027-03-22": async (d) => {
          await pay(d, "2027-01-31");
          await pay(d, "2027-02-28");
        },
        // H3, no dates, placed during the grace period that started 04-11 and released after its end (04-25).
        "2027-04-20": async (d) => {
          d.holds.set("H3", await placeHold(d.api, d.accountLocator, [{ process: "delinquency" }]));
        },
        "2027-04-28": async (d) => {
          await d.api.holds.release({ locator: d.holds.get("H3") ?? "" });
        },
      };
      const { log, daysLeft } = await runDays(w, { subscriptionLocator: sub.locator, accountLocator, holds }, actions);

      expect(log).toEqual([
        "2027-01-31 effective | next 2027-02-28 | grace none | held none | invoices 1 (1 open)",
        "2027-02-08 effective | next 2027-02-28 | grace none | held delinquency | invoices 1 (1 open)",
        // Overdue since 02-11, but held: no grace period until the release.
        "2027-02-15 effective | next 2027-02-28 | grace none | held none | invoices 1 (1 open)",
        "2027-02-16 effective | next 2027-02-28 | grace 2027-02-15..2027-03-01 | held none | invoices 1 (1 open)",
        "2027-02-20 effective | next 2027-02-28 | grace 2027-02-15..2027-03-01 paused 2027-02-20 | held delinquency | invoices 1 (1 open)",
        "2027-02-28 effective | next 2027-03-31 | grace 2027-02-15..2027-03-01 paused 2027-02-20 | held delinquency | invoices 2 (2 open)",
        // Held 02-20..03-04 (13 days): the end moves from 03-01 to 03-14. No lapse on 03-02.
        "2027-03-05 effective | next 2027-03-31 | grace 2027-02-15..2027-03-14 | held none | invoices 2 (2 open)",
        "2027-03-15 not_effective (lapsed 2027-03-15: grace_period_expired) | next 2027-03-31 | grace 2027-02-15..2027-03-14 | held none | invoices 2 (2 open)",
        "2027-03-20 effective | next 2027-03-31 | grace 2027-02-15..2027-03-25 | held none | invoices 2 (2 open)",
        "2027-03-22 effective | next 2027-03-31 | grace none | held none | invoices 2 (0 open)",
        "2027-03-31 effective | next 2027-04-30 | grace none | held none | invoices 3 (1 open)",
        "2027-04-11 effective | next 2027-04-30 | grace 2027-04-11..2027-04-25 | held none | invoices 3 (1 open)",
        "2027-04-20 effective | next 2027-04-30 | grace 2027-04-11..2027-04-25 | held delinquency | invoices 3 (1 open)",
        "2027-04-21 effective | next 2027-04-30 | grace 2027-04-11..2027-04-25 paused 2027-04-20 | held delinquency | invoices 3 (1 open)",
        // Released during 04-28 (after that day's tick): paused until the next tick re-processes 04-28.
        "2027-04-28 effective | next 2027-04-30 | grace 2027-04-11..2027-04-25 paused 2027-04-20 | held none | invoices 3 (1 open)",
        // Held 04-20..04-27 (8 days): 04-25 → 05-03. No lapse on 04-26.
        "2027-04-29 effective | next 2027-04-30 | grace 2027-04-11..2027-05-03 | held none | invoices 3 (1 open)",
        "2027-04-30 effective | next 2027-05-31 | grace 2027-04-11..2027-05-03 | held none | invoices 4 (2 open)",
      ]);
      expectDaysLeft(daysLeft, {
        "2027-02-11": null,
        "2027-02-16": 13,
        "2027-02-19": 10,
        "2027-02-20": 9,
        "2027-02-25": 9,
        "2027-03-01": 9,
        "2027-03-04": 9,
        "2027-03-05": 9,
        "2027-03-06": 8,
        "2027-03-14": 0,
        "2027-04-20": 5,
        "2027-04-24": 5,
        "2027-04-27": 5,
        "2027-04-28": 5,
        "2027-04-29": 4,
      });

      expect((await invoicesOf(w.api, sub.locator)).map(invoiceRow)).toEqual([
        "2027-01-31 1×2027-01-31..2027-02-27 2500 EUR due 2027-02-10 paid 2027-03-22 paid 2500",
        "2027-02-28 1×2027-02-28..2027-03-30 2500 EUR due 2027-03-10 paid 2027-03-22 paid 2500",
        "2027-03-31 1×2027-03-31..2027-04-29 2500 EUR due 2027-04-10 open paid 0",
        "2027-04-30 1×2027-04-30..2027-05-30 2500 EUR due 2027-05-10 open paid 0",
      ]);

      expect(await auditTrail(w.api, sub.locator)).toEqual([
        "2027-01-31 create",
        "2027-01-31 activate",
        "2027-01-31 issueInvoice [2027-01-31]",
        "2027-02-16 startGracePeriod [2027-02-15]",
        "2027-02-20 pauseGracePeriod [2027-02-20]",
        "2027-02-28 issueInvoice [2027-02-28]",
        "2027-03-05 resumeGracePeriod [2027-03-05]",
        "2027-03-15 lapse [2027-03-15]",
        "2027-03-20 extendGracePeriodAndReactivate",
        "2027-03-22 endGracePeriod",
        "2027-03-31 issueInvoice [2027-03-31]",
        "2027-04-11 startGracePeriod [2027-04-11]",
        "2027-04-21 pauseGracePeriod [2027-04-20]",
        "2027-04-29 resumeGracePeriod [2027-04-28]",
        "2027-04-30 issueInvoice [2027-04-30]",
      ]);

      const [h1, h2, h3] = await Promise.all(
        ["H1", "H2", "H3"].map((k) => w.api.holds.get({ locator: holds.get(k) ?? "" })),
      );
      expect(h1).toMatchObject({ holdState: "released", releaseReason: "released" });
      expect(h2).toMatchObject({ holdState: "released", releaseReason: "end_date_reached" });
      expect(h2?.releasedAt?.slice(0, 10)).toBe("2027-03-05");
      expect(h3).toMatchObject({ holdState: "released", releaseReason: "released" });
    },
    TIMEOUT,
  );
});

describe("a worker that skipped days catches up", () => {
  /** One world: a subscription with an invoicing hold and a delinquency hold on dates, ticked on the given days. */
  async function run(tickDays: string[], workers = 1) {
    const world = await createWorld({ now: `${START}T09:00:00Z` });
    try {
      const tenantId = await world.tenant("Catch-up");
      const api = await world.caller(tenantId);
      // A long grace period, so the subscription stays effective and keeps being invoiced.
      await api.settings.update({ graceDays: 365 });
      const accountLocator = (await world.account(tenantId, "Catch-up customer")).locator;
      const sub = await startSubscription(api, accountLocator, "TL-D");
      await placeHold(api, accountLocator, [{ process: "invoicing" }], {
        startDate: "2027-02-20",
        endDate: "2027-04-10",
      });
      await placeHold(api, accountLocator, [{ process: "delinquency" }], {
        startDate: "2027-03-01",
        endDate: "2027-03-10",
      });
      let processed = 0;
      for (const day of tickDays) {
        world.clock.set(`${day}T09:00:00Z`);
        // Several workers tick at once against one database: each effect must still happen once.
        const results = await Promise.all(
          Array.from({ length: workers }, (_, i) => runTick(world.db, world.clock, `worker-${i}`)),
        );
        for (const r of results) expect(r.errors, day).toEqual([]);
        processed += results.reduce((n, r) => n + (r.counts.daysProcessed ?? 0), 0);
      }
      const s = await api.subscriptions.get({ locator: sub.locator });
      const invoices = (await invoicesOf(api, sub.locator)).map(invoiceRow);
      const events = await api.audit.history({ entityType: "subscription", entityId: sub.locator });
      const worker = events
        .filter((e) => e.actorType === "worker")
        .map((e) => `${(e.after as { businessDate?: string }).businessDate} ${e.action}`);
      const holds = await api.holds.list({ accountLocator });
      return {
        processed,
        subscription: { state: s.state, nextBillingDate: s.nextBillingDate, grace: s.grace, lapsedOn: s.lapsedOn },
        invoices,
        worker,
        holds: holds.items.map((h) => `${h.targets[0]?.process} ${h.holdState} ${h.releaseReason}`).sort(),
      };
    } finally {
      await world.close();
    }
  }

  it(
    "jumping 10 days per tick gives the same invoices, grace period and worker history as day by day",
    async () => {
      const daily = Array.from({ length: DAYS }, (_, i) => addDays(START, i));
      const jumps = [
        START,
        ...Array.from({ length: 8 }, (_, i) => addDays(START, 10 * (i + 1))),
        addDays(START, DAYS - 1),
      ];
      expect(jumps).toEqual([
        "2027-01-31",
        "2027-02-10",
        "2027-02-20",
        "2027-03-02",
        "2027-03-12",
        "2027-03-22",
        "2027-04-01",
        "2027-04-11",
        "2027-04-21",
        "2027-04-30",
      ]);
      const byDay = await run(daily);
      const byJumps = await run(jumps);

      const expectedInvoices = [
        "2027-01-31 1×2027-01-31..2027-02-27 2500 EUR due 2027-02-10 open paid 0",
        // Held for invoicing 02-20..04-10: 02-28 and 03-31 are caught up in one invoice on 04-11.
        "2027-04-11 2×2027-02-28..2027-04-29 5000 EUR due 2027-04-21 open paid 0",
        "2027-04-30 1×2027-04-30..2027-05-30 2500 EUR due 2027-05-10 open paid 0",
      ];
      expect(byDay.invoices).toEqual(expectedInvoices);
      expect(byJumps.invoices).toEqual(expectedInvoices);

      const expectedWorker = [
        "2027-01-31 issueInvoice",
        "2027-02-11 startGracePeriod",
        "2027-03-01 pauseGracePeriod",
        "2027-03-11 resumeGracePeriod",
        "2027-04-11 issueCatchUpInvoice",
        "2027-04-30 issueInvoice",
      ];
      expect(byDay.worker).toEqual(expectedWorker);
      expect(byJumps.worker).toEqual(expectedWorker);

      const expectedSubscription = {
        state: "effective",
        nextBillingDate: "2027-05-31",
        // 2027-02-11 + 365 days, moved out by the 10 days held (03-01..03-10).
        grace: { start: "2027-02-11", end: "2028-02-21", pausedOn: null, daysLeft: 297 },
        lapsedOn: null,
      };
      expect(byDay.subscription).toEqual(expectedSubscription);
      expect(byJumps.subscription).toEqual(expectedSubscription);

      const expectedHolds = ["delinquency released end_date_reached", "invoicing released end_date_reached"];
      expect(byDay.holds).toEqual(expectedHolds);
      expect(byJumps.holds).toEqual(expectedHolds);

      // Every day is processed once as a past day, and the days that were "today" once more.
      expect(byDay.processed).toBe(DAYS + DAYS - 1);
      expect(byJumps.processed).toBe(DAYS + jumps.length - 1);

      // Three workers ticking at once, day by day: the same result, nothing twice.
      const byThree = await run(daily, 3);
      expect(byThree.invoices).toEqual(expectedInvoices);
      expect(byThree.worker).toEqual(expectedWorker);
      expect(byThree.subscription).toEqual(expectedSubscription);
      expect(byThree.holds).toEqual(expectedHolds);
    },
    TIMEOUT,
  );

  it(
    "each tenant's worker day is its own business date: Kiritimati invoices 22 hours before Los Angeles",
    async () => {
      const world = await createWorld({ now: "2027-01-31T09:00:00Z" });
      try {
        const zones = { kiritimati: "Pacific/Kiritimati", losAngeles: "America/Los_Angeles" } as const;
        const subs: Record<string, { api: Caller; locator: string }> = {};
        for (const [name, zone] of Object.entries(zones)) {
          const tenantId = await world.tenant(name, zone);
          const api = await world.caller(tenantId);
          const accountLocator = (await world.account(tenantId)).locator;
          const sub = await api.subscriptions.create({
            accountLocator,
            paymentModel: "pay_after_bill",
            priceMinor: 2500,
            currency: "EUR",
            billingPeriod: "monthly",
            startDate: "2027-02-01",
            paymentTermDays: 10,
          });
          await api.subscriptions.activate({ locator: sub.locator });
          subs[name] = { api, locator: sub.locator };
        }
        const issued = async () => {
          const out: Record<string, string[]> = {};
          for (const [name, s] of Object.entries(subs)) {
            out[name] = (await s.api.invoices.list({ subscriptionLocator: s.locator })).items.map(
              (i) => `${i.issuedOn} due ${i.dueOn}`,
            );
          }
          return out;
        };
        const at = async (instant: string) => {
          world.clock.set(instant);
          const r = await runTick(world.db, world.clock, "zones");
          expect(r.errors).toEqual([]);
          return issued();
        };
        expect(await at("2027-01-31T09:59:59Z")).toEqual({ kiritimati: [], losAngeles: [] });
        expect(await at("2027-01-31T10:00:00Z")).toEqual({ kiritimati: ["2027-02-01 due 2027-02-11"], losAngeles: [] });
        expect(await at("2027-02-01T07:59:59Z")).toEqual({ kiritimati: ["2027-02-01 due 2027-02-11"], losAngeles: [] });
        expect(await at("2027-02-01T08:00:00Z")).toEqual({
          kiritimati: ["2027-02-01 due 2027-02-11"],
          losAngeles: ["2027-02-01 due 2027-02-11"],
        });
        // The grace period starts on the first local day after the due date, in each zone.
        await at("2027-02-11T10:00:00Z"); // Feb 12 in Kiritimati, Feb 11 in Los Angeles
        const k = await subs.kiritimati?.api.subscriptions.get({ locator: subs.kiritimati.locator });
        const l = await subs.losAngeles?.api.subscriptions.get({ locator: subs.losAngeles.locator });
        expect(k?.grace).toMatchObject({ start: "2027-02-12", end: "2027-02-26" });
        expect(l?.grace).toBeNull();
      } finally {
        await world.close();
      }
    },
    TIMEOUT,
  );
});

describe("findings about the worker", () => {
  const w = setupWorld({ now: `${START}T09:00:00Z` });

  async function freshTenant(name: string) {
    const tenantId = await w.tenant(name);
    const api = await w.caller(tenantId);
    const accountLocator = (await w.account(tenantId, `${name} customer`)).locator;
    return { tenantId, api, accountLocator, env: { db: w.db, clock: w.clock, api } };
  }
  async function at(env: Env, day: string) {
    env.clock.set(`${day}T09:00:00Z`);
    return tick(env);
  }

  it(
    "a grace period left over from a reactivation does not stand in for the next one: the next overdue invoice starts a fresh grace period",
    async () => {
      const t = await freshTenant("Leftover grace (reactivation)");
      const sub = await startSubscription(t.api, t.accountLocator, "TL-F1");
      await at(t.env, START);
      await at(t.env, "2027-02-26"); // grace 02-11..02-25, lapsed 02-26
      let s = await t.api.subscriptions.get({ locator: sub.locator });
      expect(s).toMatchObject({
        state: "not_effective",
        lapsedOn: "2027-02-26",
        grace: { start: "2027-02-11", end: "2027-02-25" },
      });
      // Payment + extension: settled and effective again.
      const [inv1] = await invoicesOf(t.api, sub.locator);
      await t.api.invoices.recordPayment({ invoiceLocator: inv1?.locator ?? "", amountMinor: 2500 });
      await t.api.subscriptions.extendGracePeriod({
        subscriptionIdentifier: { id: sub.locator },
        endGracePeriodAfterDays: 5,
      });
      s = await t.api.subscriptions.get({ locator: sub.locator });
      expect(s.state).toBe("effective");
      await at(t.env, "2027-02-28"); // next invoice, due 03-10
      expect((await invoicesOf(t.api, sub.locator)).map((i) => `${i.issuedOn} due ${i.dueOn} ${i.status}`)).toEqual([
        "2027-01-31 due 2027-02-10 paid",
        "2027-02-28 due 2027-03-10 open",
      ]);
      // Overdue on 03-11: a new grace period of 14 days, not an immediate lapse on the old end (03-03).
      await at(t.env, "2027-03-11");
      s = await t.api.subscriptions.get({ locator: sub.locator });
      expect({ state: s.state, lapsedOn: s.lapsedOn, grace: s.grace && [s.grace.start, s.grace.end] }).toEqual({
        state: "effective",
        lapsedOn: null,
        grace: ["2027-03-11", "2027-03-25"],
      });
    },
    TIMEOUT,
  );

  it(
    "an extension given while nothing is overdue does not leave a grace period that swallows the next one",
    async () => {
      const t = await freshTenant("Leftover grace (goodwill)");
      const sub = await startSubscription(t.api, t.accountLocator, "TL-F2");
      await at(t.env, START);
      const [inv1] = await invoicesOf(t.api, sub.locator);
      await t.api.invoices.recordPayment({ invoiceLocator: inv1?.locator ?? "", amountMinor: 2500 });
      // Nothing is owed; an extension is still allowed on an effective subscription.
      await t.api.subscriptions.extendGracePeriod({
        subscriptionIdentifier: { id: sub.locator },
        endGracePeriodAfterDays: 3,
      });
      await at(t.env, "2027-02-28"); // invoice due 03-10
      await at(t.env, "2027-03-11");
      const s = await t.api.subscriptions.get({ locator: sub.locator });
      expect({ state: s.state, lapsedOn: s.lapsedOn, grace: s.grace && [s.grace.start, s.grace.end] }).toEqual({
        state: "effective",
        lapsedOn: null,
        grace: ["2027-03-11", "2027-03-25"],
      });
    },
    TIMEOUT,
  );

  it(
    "an invoicing hold released before the day's tick still held the day before: the catch-up invoice is dated the release day",
    async () => {
      const t = await freshTenant("Release before the tick");
      const sub = await startSubscription(t.api, t.accountLocator, "TL-E");
      await at(t.env, START);
      const [inv1] = await invoicesOf(t.api, sub.locator);
      await t.api.invoices.recordPayment({ invoiceLocator: inv1?.locator ?? "", amountMinor: 2500 });
      const hold = await placeHold(t.api, t.accountLocator, [{ process: "invoicing" }]);
      await at(t.env, "2027-03-09"); // 02-28 passes held; the last tick before the release
      expect(await invoicesOf(t.api, sub.locator)).toHaveLength(1);
      // Released at 08:00 on 03-10, an hour before that day's tick: the account was held all of 03-09.
      t.env.clock.set("2027-03-10T08:00:00Z");
      await t.api.holds.release({ locator: hold });
      await at(t.env, "2027-03-10");
      const invoices = await invoicesOf(t.api, sub.locator);
      expect(invoices.map((i) => `${i.issuedOn} ${i.periods}×${i.periodStart}..${i.periodEnd} due ${i.dueOn}`)).toEqual(
        ["2027-01-31 1×2027-01-31..2027-02-27 due 2027-02-10", "2027-03-10 1×2027-02-28..2027-03-30 due 2027-03-20"],
      );
    },
    TIMEOUT,
  );
});
