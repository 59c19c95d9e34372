/**
 * The pure subscription rules, table by table: grace arithmetic (a date versus
 * a number of days, paused days, days left), business dates in time zones,
 * month ends and leap days in billing periods, the invoice due on a date
 * (day by day and the catch-up invoice), the extension rules and the state
 * machine.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, type BusinessDate, businessDateAt, daysBetween } from "../dates.ts";
import { AppError } from "../errors.ts";
import { sortRules } from "../testing.ts";
import {
  assertSubscriptionMove,
  type BillingPeriod,
  checkGraceExtension,
  EXTENDABLE_STATES,
  extendedGraceEnd,
  extendGracePeriodTo,
  type GracePeriod,
  graceDaysLeft,
  hasGraceEnded,
  type InvoiceDraft,
  invoiceDueOn,
  type PaymentModel,
  pauseGracePeriod,
  periodStart,
  resumeGracePeriod,
  SUBSCRIPTION_MOVES,
  SUBSCRIPTION_STATES,
  type SubscriptionMove,
  type SubscriptionState,
  startGracePeriod,
} from "./subscription.ts";

function thrownBy(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error("expected the call to throw");
}

/** Calendar dates from 2000 to 2099, for properties. */
const arbDate = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe("extendedGraceEnd: a date or a number of days from the day it is applied", () => {
  it.each<
    [
      string,
      { endGracePeriodOn?: BusinessDate | null; endGracePeriodAfterDays?: number | null },
      BusinessDate,
      BusinessDate,
    ]
  >([
    ["a date is taken as given", { endGracePeriodOn: "2027-03-01" }, "2027-02-20", "2027-03-01"],
    [
      "a date earlier than the day applied is still taken as given (the rules refuse it)",
      { endGracePeriodOn: "2027-01-01" },
      "2027-02-20",
      "2027-01-01",
    ],
    ["days count from the day applied", { endGracePeriodAfterDays: 10 }, "2027-02-20", "2027-03-02"],
    ["days across the end of a 28-day February", { endGracePeriodAfterDays: 9 }, "2027-02-20", "2027-03-01"],
    ["days across a leap day", { endGracePeriodAfterDays: 9 }, "2028-02-20", "2028-02-29"],
    ["days across a leap day into March", { endGracePeriodAfterDays: 10 }, "2028-02-20", "2028-03-01"],
    ["days across the year end", { endGracePeriodAfterDays: 10 }, "2027-12-25", "2028-01-04"],
    ["one day", { endGracePeriodAfterDays: 1 }, "2027-01-31", "2027-02-01"],
    ["a long extension", { endGracePeriodAfterDays: 366 }, "2027-03-01", "2028-03-01"],
    [
      "a date wins over days (the schema refuses both; the function must still be total)",
      { endGracePeriodOn: "2027-04-01", endGracePeriodAfterDays: 3 },
      "2027-03-01",
      "2027-04-01",
    ],
    [
      "a null date falls back to the days",
      { endGracePeriodOn: null, endGracePeriodAfterDays: 3 },
      "2027-03-01",
      "2027-03-04",
    ],
    ["neither: the day applied", {}, "2027-03-01", "2027-03-01"],
  ])("%s", (_name, req, appliedOn, expected) => {
    expect(extendedGraceEnd(req, appliedOn)).toBe(expected);
  });

  it("days: the end is always exactly that many days after the day applied", () => {
    fc.assert(
      fc.property(arbDate, fc.integer({ min: 1, max: 3650 }), (appliedOn, days) => {
        expect(daysBetween(appliedOn, extendedGraceEnd({ endGracePeriodAfterDays: days }, appliedOn))).toBe(days);
      }),
    );
  });
});

describe("startGracePeriod", () => {
  it.each<[BusinessDate, number, BusinessDate]>([
    ["2027-02-11", 14, "2027-02-25"],
    ["2027-02-20", 14, "2027-03-06"],
    ["2028-02-20", 14, "2028-03-05"],
    ["2027-12-25", 14, "2028-01-08"],
    ["2027-02-11", 0, "2027-02-11"],
    ["2027-02-11", 30, "2027-03-13"],
  ])("from %s for %i days ends on %s, not paused", (start, days, end) => {
    expect(startGracePeriod(start, days)).toEqual({ start, end, pausedOn: null });
  });
});

describe("paused days: a delinquency hold pauses the grace period; on release the end moves out by the days held", () => {
  const g = startGracePeriod("2027-02-11", 14); // ends 2027-02-25

  it.each<[string, BusinessDate, BusinessDate, BusinessDate, number]>([
    ["paused and resumed the same day: no days held", "2027-02-20", "2027-02-20", "2027-02-25", 0],
    ["held one day", "2027-02-20", "2027-02-21", "2027-02-26", 1],
    ["held 13 days across the end of February", "2027-02-20", "2027-03-05", "2027-03-10", 13],
    ["paused on the first grace day", "2027-02-11", "2027-02-18", "2027-03-04", 7],
    ["paused on the last grace day", "2027-02-25", "2027-03-01", "2027-03-01", 4],
    ["held across the year end", "2027-02-20", "2028-01-05", "2028-01-10", 319],
  ])("%s", (_name, pausedOn, resumedOn, newEnd, held) => {
    const paused = pauseGracePeriod(g, pausedOn);
    expect(paused).toEqual({ start: "2027-02-11", end: "2027-02-25", pausedOn });
    const resumed = resumeGracePeriod(paused, resumedOn);
    expect(resumed).toEqual({ start: "2027-02-11", end: newEnd, pausedOn: null });
    expect(daysBetween(g.end, resumed.end)).toBe(held);
  });

  it("across a leap day the days held are counted by the calendar", () => {
    const leap = startGracePeriod("2028-02-20", 14); // ends 2028-03-05
    const r = resumeGracePeriod(pauseGracePeriod(leap, "2028-02-27"), "2028-03-02"); // 27, 28, 29, 1 held
    expect(r.end).toBe("2028-03-09");
  });

  it("pausing twice keeps the first pause day", () => {
    const once = pauseGracePeriod(g, "2027-02-20");
    const twice = pauseGracePeriod(once, "2027-02-22");
    expect(twice.pausedOn).toBe("2027-02-20");
    expect(twice).toBe(once);
    expect(resumeGracePeriod(twice, "2027-03-05").end).toBe("2027-03-10");
  });

  it("resuming a period that is not paused changes nothing", () => {
    expect(resumeGracePeriod(g, "2027-03-05")).toBe(g);
  });

  it("a pause does not move the start or the end while it lasts", () => {
    const p = pauseGracePeriod(g, "2027-02-20");
    expect([p.start, p.end]).toEqual([g.start, g.end]);
  });

  it("property: the end moves by exactly the days between pause and resume, and the days left are the same before and after", () => {
    fc.assert(
      fc.property(
        arbDate,
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 400 }),
        (start, graceDays, pauseAfter, held) => {
          const grace = startGracePeriod(start, graceDays);
          const pausedOn = addDays(start, Math.min(pauseAfter, graceDays));
          const resumedOn = addDays(pausedOn, held);
          const paused = pauseGracePeriod(grace, pausedOn);
          const resumed = resumeGracePeriod(paused, resumedOn);
          expect(daysBetween(grace.end, resumed.end)).toBe(held);
          expect(graceDaysLeft(resumed, resumedOn)).toBe(graceDaysLeft(grace, pausedOn));
          expect(graceDaysLeft(paused, resumedOn)).toBe(graceDaysLeft(grace, pausedOn));
        },
      ),
    );
  });
});

describe("graceDaysLeft and hasGraceEnded", () => {
  const running: GracePeriod = { start: "2027-02-11", end: "2027-02-25", pausedOn: null };
  const paused: GracePeriod = { start: "2027-02-11", end: "2027-02-25", pausedOn: "2027-02-20" };

  it.each<[string, GracePeriod, BusinessDate, number, boolean]>([
    ["running, first day", running, "2027-02-11", 14, false],
    ["running, mid-way", running, "2027-02-20", 5, false],
    ["running, the end day itself is still grace", running, "2027-02-25", 0, false],
    ["running, the day after the end", running, "2027-02-26", 0, true],
    ["running, long after the end", running, "2027-06-01", 0, true],
    ["running, before it starts (counts to the end)", running, "2027-02-01", 24, false],
    ["paused, on the pause day", paused, "2027-02-20", 5, false],
    ["paused, frozen the day after", paused, "2027-02-21", 5, false],
    ["paused, frozen on the old end", paused, "2027-02-25", 5, false],
    ["paused, frozen past the old end: never ended while paused", paused, "2027-03-31", 5, false],
    ["paused, a date before the pause day counts normally", paused, "2027-02-15", 10, false],
  ])("%s (%s on %s): %i days left, ended %s", (_name, g, date, left, ended) => {
    expect(graceDaysLeft(g, date)).toBe(left);
    expect(hasGraceEnded(g, date)).toBe(ended);
  });
});

describe("businessDateAt: the same instant is a different business date in different time zones", () => {
  it.each<[string, string, BusinessDate, BusinessDate]>([
    // Kiritimati is UTC+14 all year; Los Angeles UTC-8 in winter, UTC-7 in summer.
    [
      "2027-01-31T10:00:00Z",
      "the first minute of Feb 1 in Kiritimati, still the night of Jan 31 in LA",
      "2027-02-01",
      "2027-01-31",
    ],
    ["2027-01-31T09:59:59Z", "the last second of Jan 31 in Kiritimati", "2027-01-31", "2027-01-31"],
    ["2027-01-31T07:59:59Z", "the last second of Jan 30 in LA", "2027-01-31", "2027-01-30"],
    ["2027-01-31T08:00:00Z", "midnight of Jan 31 in LA", "2027-01-31", "2027-01-31"],
    ["2027-02-28T10:00:00Z", "March already in Kiritimati, February in LA", "2027-03-01", "2027-02-28"],
    ["2028-02-28T10:00:00Z", "the leap day in Kiritimati", "2028-02-29", "2028-02-28"],
    ["2028-02-29T12:00:00Z", "March in Kiritimati, the leap day in LA", "2028-03-01", "2028-02-29"],
    ["2027-07-01T06:59:59Z", "summer: still June 30 in LA (UTC-7)", "2027-07-01", "2027-06-30"],
    ["2027-07-01T07:00:00Z", "summer: July 1 in LA (UTC-7)", "2027-07-01", "2027-07-01"],
    ["2027-12-31T10:00:00Z", "a new year in Kiritimati, the old one in LA", "2028-01-01", "2027-12-31"],
  ])("%s: %s", (instant, _what, kiritimati, losAngeles) => {
    expect(businessDateAt(new Date(instant), "Pacific/Kiritimati")).toBe(kiritimati);
    expect(businessDateAt(new Date(instant), "America/Los_Angeles")).toBe(losAngeles);
  });

  it("an invoice falls due in one zone and not yet in the other at the same instant", () => {
    const sub = {
      anchorDate: "2027-02-01",
      billingPeriod: "monthly" as const,
      nextPeriodIndex: 0,
      priceMinor: 2500,
      paymentTermDays: 10,
    };
    const at = new Date("2027-01-31T10:00:00Z");
    expect(invoiceDueOn(sub, businessDateAt(at, "Pacific/Kiritimati"))).toMatchObject({
      periods: 1,
      issuedOn: "2027-02-01",
      dueOn: "2027-02-11",
    });
    expect(invoiceDueOn(sub, businessDateAt(at, "America/Los_Angeles"))).toBeNull();
    expect(invoiceDueOn(sub, businessDateAt(at, "UTC"))).toBeNull();
  });

  it("a grace period ends on a different instant in each zone", () => {
    const g = startGracePeriod("2027-02-11", 14); // ends 2027-02-25; ended from 2027-02-26
    const at = new Date("2027-02-25T12:00:00Z"); // Feb 26 02:00 in Kiritimati, Feb 25 04:00 in LA
    expect(hasGraceEnded(g, businessDateAt(at, "Pacific/Kiritimati"))).toBe(true);
    expect(hasGraceEnded(g, businessDateAt(at, "America/Los_Angeles"))).toBe(false);
  });
});

describe("periodStart: month ends and leap days, counted from the anchor so they do not drift", () => {
  it.each<[string, BusinessDate, BillingPeriod, BusinessDate[]]>([
    [
      "monthly from Jan 31 (2027, not a leap year)",
      "2027-01-31",
      "monthly",
      [
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
        "2027-04-30",
        "2027-05-31",
        "2027-06-30",
        "2027-07-31",
        "2027-08-31",
        "2027-09-30",
        "2027-10-31",
        "2027-11-30",
        "2027-12-31",
        "2028-01-31",
        "2028-02-29",
        "2028-03-31",
      ],
    ],
    [
      "monthly from Jan 31 (2028, a leap year)",
      "2028-01-31",
      "monthly",
      ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30"],
    ],
    ["monthly from Jan 30", "2027-01-30", "monthly", ["2027-01-30", "2027-02-28", "2027-03-30", "2027-04-30"]],
    ["monthly from Jan 29 in a leap year", "2028-01-29", "monthly", ["2028-01-29", "2028-02-29", "2028-03-29"]],
    ["monthly from Feb 28 stays on the 28th", "2027-02-28", "monthly", ["2027-02-28", "2027-03-28", "2027-04-28"]],
    ["monthly from Feb 29", "2028-02-29", "monthly", ["2028-02-29", "2028-03-29", "2028-04-29"]],
    [
      "quarterly from Feb 29",
      "2028-02-29",
      "quarterly",
      ["2028-02-29", "2028-05-29", "2028-08-29", "2028-11-29", "2029-02-28", "2029-05-29"],
    ],
    [
      "quarterly from Nov 30 through February",
      "2027-11-30",
      "quarterly",
      ["2027-11-30", "2028-02-29", "2028-05-30", "2028-08-30"],
    ],
    [
      "semiannual from Aug 31",
      "2027-08-31",
      "semiannual",
      ["2027-08-31", "2028-02-29", "2028-08-31", "2029-02-28", "2029-08-31"],
    ],
    [
      "annual from Feb 29",
      "2028-02-29",
      "annual",
      ["2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"],
    ],
    ["annual from Dec 31", "2027-12-31", "annual", ["2027-12-31", "2028-12-31", "2029-12-31"]],
  ])("%s", (_name, anchor, period, starts) => {
    expect(starts.map((_, k) => periodStart(anchor, period, k))).toEqual(starts);
  });

  it("property: period starts always increase and never drift below the anchor's day when the month has it", () => {
    fc.assert(
      fc.property(
        arbDate,
        fc.constantFrom<BillingPeriod>("monthly", "quarterly", "semiannual", "annual"),
        fc.integer({ min: 0, max: 40 }),
        (anchor, period, k) => {
          const a = periodStart(anchor, period, k);
          const b = periodStart(anchor, period, k + 1);
          expect(a < b).toBe(true);
          const anchorDay = Number(anchor.slice(8));
          const day = Number(a.slice(8));
          // The anchor's day, or the last day of a shorter month.
          expect(day === anchorDay || (day < anchorDay && addDays(a, 1).slice(8) === "01")).toBe(true);
        },
      ),
    );
  });
});

describe("invoiceDueOn", () => {
  type Sub = Parameters<typeof invoiceDueOn>[0];
  const monthly: Sub = {
    anchorDate: "2027-01-31",
    billingPeriod: "monthly",
    nextPeriodIndex: 0,
    priceMinor: 2500,
    paymentTermDays: 10,
  };

  it.each<[string, Sub, BusinessDate, InvoiceDraft | null]>([
    ["no invoice before the start", monthly, "2027-01-30", null],
    ["long before the start", monthly, "2026-06-01", null],
    [
      "the first period on the start day",
      monthly,
      "2027-01-31",
      {
        periods: 1,
        periodStart: "2027-01-31",
        periodEnd: "2027-02-27",
        amountMinor: 2500,
        issuedOn: "2027-01-31",
        dueOn: "2027-02-10",
        nextPeriodIndex: 1,
      },
    ],
    [
      "the first period already invoiced: nothing until the next start",
      { ...monthly, nextPeriodIndex: 1 },
      "2027-02-27",
      null,
    ],
    [
      "the February period starts on Feb 28 and ends on Mar 30",
      { ...monthly, nextPeriodIndex: 1 },
      "2027-02-28",
      {
        periods: 1,
        periodStart: "2027-02-28",
        periodEnd: "2027-03-30",
        amountMinor: 2500,
        issuedOn: "2027-02-28",
        dueOn: "2027-03-10",
        nextPeriodIndex: 2,
      },
    ],
    [
      "a catch-up invoice: two periods in one",
      { ...monthly, nextPeriodIndex: 1 },
      "2027-04-05",
      {
        periods: 2,
        periodStart: "2027-02-28",
        periodEnd: "2027-04-29",
        amountMinor: 5000,
        issuedOn: "2027-04-05",
        dueOn: "2027-04-15",
        nextPeriodIndex: 3,
      },
    ],
    [
      "a catch-up invoice issued on a period start includes that period",
      { ...monthly, nextPeriodIndex: 1 },
      "2027-04-30",
      {
        periods: 3,
        periodStart: "2027-02-28",
        periodEnd: "2027-05-30",
        amountMinor: 7500,
        issuedOn: "2027-04-30",
        dueOn: "2027-05-10",
        nextPeriodIndex: 4,
      },
    ],
    [
      "a subscription started in the past: every started period at once",
      monthly,
      "2027-03-31",
      {
        periods: 3,
        periodStart: "2027-01-31",
        periodEnd: "2027-04-29",
        amountMinor: 7500,
        issuedOn: "2027-03-31",
        dueOn: "2027-04-10",
        nextPeriodIndex: 3,
      },
    ],
    [
      "payment term 0: due the day it is issued",
      { ...monthly, paymentTermDays: 0 },
      "2027-01-31",
      {
        periods: 1,
        periodStart: "2027-01-31",
        periodEnd: "2027-02-27",
        amountMinor: 2500,
        issuedOn: "2027-01-31",
        dueOn: "2027-01-31",
        nextPeriodIndex: 1,
      },
    ],
    [
      "quarterly from a leap day",
      {
        anchorDate: "2028-02-29",
        billingPeriod: "quarterly",
        nextPeriodIndex: 0,
        priceMinor: 9000,
        paymentTermDays: 14,
      },
      "2028-02-29",
      {
        periods: 1,
        periodStart: "2028-02-29",
        periodEnd: "2028-05-28",
        amountMinor: 9000,
        issuedOn: "2028-02-29",
        dueOn: "2028-03-14",
        nextPeriodIndex: 1,
      },
    ],
    [
      "annual from a leap day: the next year starts Feb 28",
      {
        anchorDate: "2028-02-29",
        billingPeriod: "annual",
        nextPeriodIndex: 1,
        priceMinor: 120000,
        paymentTermDays: 30,
      },
      "2029-02-28",
      {
        periods: 1,
        periodStart: "2029-02-28",
        periodEnd: "2030-02-27",
        amountMinor: 120000,
        issuedOn: "2029-02-28",
        dueOn: "2029-03-30",
        nextPeriodIndex: 2,
      },
    ],
    [
      "annual catch-up over a leap year",
      { anchorDate: "2027-02-28", billingPeriod: "annual", nextPeriodIndex: 0, priceMinor: 100, paymentTermDays: 0 },
      "2028-03-01",
      {
        periods: 2,
        periodStart: "2027-02-28",
        periodEnd: "2029-02-27",
        amountMinor: 200,
        issuedOn: "2028-03-01",
        dueOn: "2028-03-01",
        nextPeriodIndex: 2,
      },
    ],
  ])("%s", (_name, sub, date, expected) => {
    expect(invoiceDueOn(sub, date)).toEqual(expected);
  });

  /** Calls invoiceDueOn for each date in turn, carrying nextPeriodIndex forward as the worker does. */
  function invoicesOver(sub: Sub, dates: BusinessDate[]): InvoiceDraft[] {
    const out: InvoiceDraft[] = [];
    let next = sub.nextPeriodIndex;
    for (const d of dates) {
      const draft = invoiceDueOn({ ...sub, nextPeriodIndex: next }, d);
      if (draft) {
        out.push(draft);
        next = draft.nextPeriodIndex;
      }
    }
    return out;
  }
  const daysFrom = (start: BusinessDate, n: number) => Array.from({ length: n }, (_, i) => addDays(start, i));

  it("day by day for 90 days: one period per invoice, on each period start, back to back", () => {
    const drafts = invoicesOver(monthly, daysFrom("2027-01-25", 96)); // 2027-01-25 .. 2027-04-30
    expect(drafts.map((d) => [d.issuedOn, d.periods, d.periodStart, d.periodEnd, d.dueOn, d.amountMinor])).toEqual([
      ["2027-01-31", 1, "2027-01-31", "2027-02-27", "2027-02-10", 2500],
      ["2027-02-28", 1, "2027-02-28", "2027-03-30", "2027-03-10", 2500],
      ["2027-03-31", 1, "2027-03-31", "2027-04-29", "2027-04-10", 2500],
      ["2027-04-30", 1, "2027-04-30", "2027-05-30", "2027-05-10", 2500],
    ]);
  });

  it("a second call on the same day, after the first was recorded, gives nothing", () => {
    const first = invoiceDueOn(monthly, "2027-01-31");
    expect(first).not.toBeNull();
    expect(invoiceDueOn({ ...monthly, nextPeriodIndex: first?.nextPeriodIndex ?? 0 }, "2027-01-31")).toBeNull();
  });

  it("property: however the days are sampled, the invoices cover every period exactly once, back to back, for periods × price", () => {
    fc.assert(
      fc.property(
        arbDate,
        fc.constantFrom<BillingPeriod>("monthly", "quarterly", "semiannual", "annual"),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 20 }),
        (anchor, period, price, steps) => {
          const sub: Sub = {
            anchorDate: anchor,
            billingPeriod: period,
            nextPeriodIndex: 0,
            priceMinor: price,
            paymentTermDays: 7,
          };
          const dates: BusinessDate[] = [];
          let d = anchor;
          for (const s of steps) {
            d = addDays(d, s);
            dates.push(d);
          }
          const drafts = invoicesOver(sub, dates);
          let expectedIndex = 0;
          for (const draft of drafts) {
            expect(draft.periodStart).toBe(periodStart(anchor, period, expectedIndex));
            expectedIndex += draft.periods;
            expect(draft.periodEnd).toBe(addDays(periodStart(anchor, period, expectedIndex), -1));
            expect(draft.nextPeriodIndex).toBe(expectedIndex);
            expect(draft.amountMinor).toBe(draft.periods * price);
            expect(draft.dueOn).toBe(addDays(draft.issuedOn, 7));
            expect(periodStart(anchor, period, expectedIndex) > draft.issuedOn).toBe(true);
          }
          // Every period whose start has come by the last date is invoiced.
          const last = dates.at(-1) ?? anchor;
          let started = 0;
          while (periodStart(anchor, period, started) <= last) started++;
          expect(expectedIndex).toBe(started);
        },
      ),
    );
  });
});

describe("checkGraceExtension", () => {
  type Sub = Parameters<typeof checkGraceExtension>[0];
  const grace: GracePeriod = { start: "2027-02-11", end: "2027-02-25", pausedOn: null };
  const effective: Sub = { state: "effective", paymentModel: "pay_after_bill", grace };
  const card = { id: "CARD-1" };
  const applied = "2027-02-20";

  it.each<
    [
      string,
      Sub,
      { paymentGatewayCardIdentifier?: unknown; endGracePeriodOn?: unknown },
      BusinessDate,
      { path: string; rule: string }[],
    ]
  >([
    ["a later date on an effective subscription", effective, { endGracePeriodOn: "2027-03-01" }, "2027-03-01", []],
    ["a later end by days", effective, {}, "2027-03-02", []],
    [
      "a draft subscription",
      { ...effective, state: "draft", grace: null },
      { endGracePeriodOn: "2027-03-01" },
      "2027-03-01",
      [],
    ],
    [
      "a not-effective subscription",
      { ...effective, state: "not_effective" },
      { endGracePeriodOn: "2027-03-01" },
      "2027-03-01",
      [],
    ],
    [
      "a terminated subscription",
      { ...effective, state: "terminated" },
      { endGracePeriodOn: "2027-03-01" },
      "2027-03-01",
      [{ path: "subscriptionIdentifier", rule: "state_not_extendable" }],
    ],
    [
      "pay-before-bill without a card",
      { ...effective, paymentModel: "pay_before_bill" },
      { endGracePeriodOn: "2027-03-01" },
      "2027-03-01",
      [{ path: "paymentGatewayCardIdentifier", rule: "required_for_pay_before_bill" }],
    ],
    [
      "pay-before-bill with a card",
      { ...effective, paymentModel: "pay_before_bill" },
      { endGracePeriodOn: "2027-03-01", paymentGatewayCardIdentifier: card },
      "2027-03-01",
      [],
    ],
    ["pay-after-bill needs no card", effective, {}, "2027-03-01", []],
    [
      "the same end as now (by date)",
      effective,
      { endGracePeriodOn: "2027-02-25" },
      "2027-02-25",
      [{ path: "endGracePeriodOn", rule: "not_later_than_current" }],
    ],
    [
      "an earlier end than now (by date)",
      effective,
      { endGracePeriodOn: "2027-02-24" },
      "2027-02-24",
      [{ path: "endGracePeriodOn", rule: "not_later_than_current" }],
    ],
    [
      "an earlier end than now (by days)",
      effective,
      {},
      "2027-02-23",
      [{ path: "endGracePeriodAfterDays", rule: "not_later_than_current" }],
    ],
    ["one day later than now", effective, {}, "2027-02-26", []],
    [
      "no grace period and an end before the day applied",
      { ...effective, grace: null },
      { endGracePeriodOn: "2027-02-19" },
      "2027-02-19",
      [{ path: "endGracePeriodOn", rule: "not_in_past" }],
    ],
    [
      "no grace period and an end on the day applied",
      { ...effective, grace: null },
      { endGracePeriodOn: applied },
      applied,
      [],
    ],
    [
      "later than an ended grace period but still in the past",
      { ...effective, grace: { start: "2027-01-01", end: "2027-01-15", pausedOn: null } },
      { endGracePeriodOn: "2027-02-01" },
      "2027-02-01",
      [{ path: "endGracePeriodOn", rule: "not_in_past" }],
    ],
    [
      "every rule at once",
      { state: "terminated", paymentModel: "pay_before_bill", grace },
      { endGracePeriodOn: "2027-02-01" },
      "2027-02-01",
      [
        { path: "endGracePeriodOn", rule: "not_later_than_current" },
        { path: "paymentGatewayCardIdentifier", rule: "required_for_pay_before_bill" },
        { path: "subscriptionIdentifier", rule: "state_not_extendable" },
      ],
    ],
  ])("%s", (_name, sub, req, newEnd, expected) => {
    const problems = checkGraceExtension(sub, req, newEnd, applied);
    expect(sortRules(problems)).toEqual(sortRules(expected.map((e) => ({ ...e, message: "" }))));
    for (const p of problems) expect(p.message.length).toBeGreaterThan(0);
  });

  it.each(SUBSCRIPTION_STATES)(
    "state %s is extendable exactly when it is draft, effective or not effective",
    (state) => {
      const problems = checkGraceExtension(
        { state, paymentModel: "pay_after_bill", grace: null },
        {},
        "2027-03-01",
        applied,
      );
      expect(problems.some((p) => p.rule === "state_not_extendable")).toBe(!EXTENDABLE_STATES.includes(state));
      expect(EXTENDABLE_STATES.includes(state)).toBe(state !== "terminated");
    },
  );

  it.each<[PaymentModel, boolean, boolean]>([
    ["pay_before_bill", false, true],
    ["pay_before_bill", true, false],
    ["pay_after_bill", false, false],
    ["pay_after_bill", true, false],
  ])("%s, card given %s: card required %s", (paymentModel, withCard, refused) => {
    const problems = checkGraceExtension(
      { state: "effective", paymentModel, grace: null },
      withCard ? { paymentGatewayCardIdentifier: card } : {},
      "2027-03-01",
      applied,
    );
    expect(problems.some((p) => p.rule === "required_for_pay_before_bill")).toBe(refused);
  });

  it("the message names the current and the new end", () => {
    const [p] = checkGraceExtension(effective, { endGracePeriodOn: "2027-02-24" }, "2027-02-24", applied);
    expect(p?.message).toContain("2027-02-24");
    expect(p?.message).toContain("2027-02-25");
  });
});

describe("assertSubscriptionMove: every state × move", () => {
  const allowed: Record<SubscriptionState, SubscriptionMove[]> = {
    draft: ["activate", "terminate"],
    effective: ["terminate"],
    not_effective: ["terminate"],
    terminated: [],
  };
  const cases = SUBSCRIPTION_STATES.flatMap((state) =>
    SUBSCRIPTION_MOVES.map((move) => [state, move, allowed[state].includes(move)] as const),
  );

  it("the table covers every state and move", () => {
    expect(cases).toHaveLength(SUBSCRIPTION_STATES.length * SUBSCRIPTION_MOVES.length);
  });

  it.each(cases)("%s + %s allowed: %s", (state, move, ok) => {
    if (ok) {
      expect(() => assertSubscriptionMove(state, move)).not.toThrow();
      return;
    }
    const e = thrownBy(() => assertSubscriptionMove(state, move));
    expect(e.code).toBe("INVALID_TRANSITION");
    expect(e.details).toEqual({ state, move, allowedMoves: allowed[state] });
    expect(e.message).toContain(state);
    expect(e.message).toContain(move);
    if (allowed[state].length) expect(e.message).toContain(`allowed moves: ${allowed[state].join(", ")}`);
    else expect(e.message).toContain("final state");
  });
});

describe("extendGracePeriodTo: a pause pushes an extended end out only by the days held after it was applied", () => {
  const paused: GracePeriod = { start: "2027-02-11", end: "2027-02-25", pausedOn: "2027-02-15" };

  it("an explicit end given on 2027-02-18 while paused since 2027-02-15, resumed on 2027-02-18: the end stays as requested", () => {
    const extended = extendGracePeriodTo(paused, "2027-02-20", "2027-02-18");
    expect(extended).toEqual({ start: "2027-02-11", end: "2027-02-20", pausedOn: "2027-02-18" });
    expect(resumeGracePeriod(extended, "2027-02-18").end).toBe("2027-02-20");
  });

  it("resumed later: only the days held after the extension count (2 days, not the 5 of the whole pause)", () => {
    const extended = extendGracePeriodTo(paused, "2027-02-20", "2027-02-18");
    expect(resumeGracePeriod(extended, "2027-02-20").end).toBe("2027-02-22");
    // The whole pause would have made it 2027-02-25.
    expect(resumeGracePeriod({ ...paused, end: "2027-02-20" }, "2027-02-20").end).toBe("2027-02-25");
  });

  it("days left while paused count from the day the extension was applied", () => {
    const extended = extendGracePeriodTo(paused, "2027-02-20", "2027-02-18");
    expect(graceDaysLeft(extended, "2027-02-19")).toBe(2);
  });

  it("a grace period that is not paused keeps running; none yet starts on the day applied", () => {
    expect(extendGracePeriodTo({ ...paused, pausedOn: null }, "2027-03-01", "2027-02-18")).toEqual({
      start: "2027-02-11",
      end: "2027-03-01",
      pausedOn: null,
    });
    expect(extendGracePeriodTo(null, "2027-03-01", "2027-02-18")).toEqual({
      start: "2027-02-18",
      end: "2027-03-01",
      pausedOn: null,
    });
  });

  it("a pause that starts after the day applied keeps its own start", () => {
    expect(extendGracePeriodTo({ ...paused, pausedOn: "2027-02-19" }, "2027-03-01", "2027-02-18").pausedOn).toBe(
      "2027-02-19",
    );
  });
});
