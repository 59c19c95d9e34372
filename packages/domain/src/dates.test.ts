import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  addDays,
  businessDateAt,
  type DateRange,
  daysBetween,
  isBusinessDate,
  isValidTimeZone,
  rangeContains,
  rangesOverlap,
  rangeWithin,
} from "./dates.ts";

describe("isBusinessDate", () => {
  it.each(["2026-01-01", "2026-12-31", "2024-02-29", "2000-02-29", "2026-04-30", "1999-01-31"])(
    "accepts %s",
    (value) => {
      expect(isBusinessDate(value)).toBe(true);
    },
  );

  it.each([
    ["2023-02-29", "not a leap year"],
    ["1900-02-29", "century, not a leap year"],
    ["2026-02-30", "February has no 30th"],
    ["2026-04-31", "April has 30 days"],
    ["2026-13-01", "month 13"],
    ["2026-00-10", "month 0"],
    ["2026-01-00", "day 0"],
    ["2026-01-32", "day 32"],
    ["2026-1-01", "one-digit month"],
    ["2026-01-1", "one-digit day"],
    ["26-01-01", "two-digit year"],
    ["20260101", "basic format"],
    ["2026/01/01", "slashes"],
    ["01-01-2026", "day first"],
    ["2026-01-01T00:00:00Z", "a timestamp"],
    ["2026-01-01 ", "trailing space"],
    [" 2026-01-01", "leading space"],
    ["2026-01-01\n", "trailing newline"],
    ["+2026-01-01", "signed year"],
    ["2026-W01-1", "week date"],
    ["", "empty"],
    ["today", "a word"],
  ])("rejects %j (%s)", (value) => {
    expect(isBusinessDate(value)).toBe(false);
  });
});

describe("isValidTimeZone", () => {
  it.each([
    ["UTC", true],
    ["America/New_York", true],
    ["Pacific/Kiritimati", true],
    ["Asia/Kolkata", true],
    ["Mars/Olympus_Mons", false],
    ["", false],
    ["not a zone", false],
  ])("%j -> %s", (tz, ok) => {
    expect(isValidTimeZone(tz)).toBe(ok);
  });
});

describe("businessDateAt", () => {
  it.each([
    // New Year's night, UTC-5 in winter
    ["2026-01-01T02:00:00Z", "America/New_York", "2025-12-31"],
    ["2026-01-01T02:00:00Z", "UTC", "2026-01-01"],
    ["2026-01-01T04:59:59Z", "America/New_York", "2025-12-31"],
    ["2026-01-01T05:00:00Z", "America/New_York", "2026-01-01"],
    // UTC+14: the first place on earth to reach a new day
    ["2025-12-31T09:59:59Z", "Pacific/Kiritimati", "2025-12-31"],
    ["2025-12-31T10:00:00Z", "Pacific/Kiritimati", "2026-01-01"],
    ["2025-12-31T10:00:00Z", "UTC", "2025-12-31"],
    ["2026-01-01T02:00:00Z", "Pacific/Kiritimati", "2026-01-01"],
    // UTC-11: one of the last
    ["2026-01-01T10:59:59Z", "Pacific/Pago_Pago", "2025-12-31"],
    ["2026-01-01T11:00:00Z", "Pacific/Pago_Pago", "2026-01-01"],
    // half-hour offset, across a month end
    ["2026-01-31T18:29:59Z", "Asia/Kolkata", "2026-01-31"],
    ["2026-01-31T18:30:00Z", "Asia/Kolkata", "2026-02-01"],
    // daylight saving: New York is UTC-4 in summer
    ["2026-07-01T03:59:59Z", "America/New_York", "2026-06-30"],
    ["2026-07-01T04:00:00Z", "America/New_York", "2026-07-01"],
    // leap day
    ["2024-02-29T23:30:00Z", "Europe/Paris", "2024-03-01"],
    ["2024-03-01T00:30:00Z", "America/Los_Angeles", "2024-02-29"],
  ])("%s in %s is %s", (iso, tz, expected) => {
    expect(businessDateAt(new Date(iso), tz)).toBe(expected);
  });

  it("answers each call for its own instant and zone, one after another across midnight (the per-second memo)", () => {
    const ny = "America/New_York";
    expect(businessDateAt(new Date("2026-01-01T04:59:59.001Z"), ny)).toBe("2025-12-31");
    expect(businessDateAt(new Date("2026-01-01T04:59:59.999Z"), ny)).toBe("2025-12-31");
    expect(businessDateAt(new Date("2026-01-01T04:59:59.999Z"), "UTC")).toBe("2026-01-01");
    expect(businessDateAt(new Date("2026-01-01T05:00:00.000Z"), ny)).toBe("2026-01-01");
    expect(businessDateAt(new Date("2026-01-01T04:59:59.500Z"), ny)).toBe("2025-12-31");
    expect(businessDateAt(new Date("2026-01-01T05:00:00.000Z"), "Pacific/Pago_Pago")).toBe("2025-12-31");
  });

  it("the same instant is three different business dates around the world", () => {
    const instant = new Date("2026-01-01T10:30:00Z");
    expect(businessDateAt(instant, "Pacific/Pago_Pago")).toBe("2025-12-31");
    expect(businessDateAt(instant, "UTC")).toBe("2026-01-01");
    expect(businessDateAt(instant, "Pacific/Kiritimati")).toBe("2026-01-02");
  });

  it("always returns a business date", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }),
        fc.constantFrom("UTC", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata"),
        (instant, tz) => {
          const d = businessDateAt(instant, tz);
          expect(isBusinessDate(d)).toBe(true);
          // never more than a day away from the UTC date
          expect(Math.abs(daysBetween(instant.toISOString().slice(0, 10), d))).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe("addDays", () => {
  it.each([
    ["2026-01-31", 1, "2026-02-01"],
    ["2026-02-28", 1, "2026-03-01"],
    ["2024-02-28", 1, "2024-02-29"],
    ["2024-02-29", 1, "2024-03-01"],
    ["2024-03-01", -1, "2024-02-29"],
    ["2023-03-01", -1, "2023-02-28"],
    ["2025-12-31", 1, "2026-01-01"],
    ["2026-01-01", -1, "2025-12-31"],
    ["2026-03-10", 0, "2026-03-10"],
    ["2024-01-01", 366, "2025-01-01"],
    ["2023-01-01", 365, "2024-01-01"],
    ["2026-04-30", 31, "2026-05-31"],
    ["2026-03-08", 1, "2026-03-09"], // US spring-forward day
    ["2026-11-01", 1, "2026-11-02"], // US fall-back day
    ["2026-03-29", 1, "2026-03-30"], // EU spring-forward day
  ] as const)("%s %+d days is %s", (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it("is undone by the opposite number of days", () => {
    const start = Date.UTC(1990, 0, 1);
    const arbDate = fc
      .integer({ min: 0, max: 40_000 })
      .map((n) => new Date(start + n * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(arbDate, fc.integer({ min: -3000, max: 3000 }), (date, n) => {
        const later = addDays(date, n);
        expect(isBusinessDate(later)).toBe(true);
        expect(addDays(later, -n)).toBe(date);
        expect(daysBetween(date, later)).toBe(n);
      }),
    );
  });
});

describe("daysBetween", () => {
  it.each([
    ["2026-03-10", "2026-03-10", 0],
    ["2026-03-10", "2026-03-11", 1],
    ["2026-03-11", "2026-03-10", -1],
    ["2026-01-31", "2026-03-01", 29],
    ["2024-01-31", "2024-03-01", 30],
    ["2024-01-01", "2025-01-01", 366],
    ["2025-01-01", "2026-01-01", 365],
    ["2026-03-01", "2026-04-01", 31], // across US/EU spring-forward
    ["2026-10-01", "2026-11-30", 60], // across fall-back
  ] as const)("from %s to %s is %d", (from, to, expected) => {
    expect(daysBetween(from, to)).toBe(expected);
  });
});

/**
 * Business dates have no time or zone: the server's own TZ must not change them.
 * Node applies a new process.env.TZ immediately; each case checks the switch took effect.
 */
describe("business-date arithmetic does not depend on the server's time zone", () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it.each([
    "UTC",
    "America/New_York",
    "America/Sao_Paulo", // midnight DST transitions: some days have no 00:00
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "Pacific/Kiritimati",
    "Pacific/Apia", // skipped 2011-12-30 entirely when it crossed the date line
    "Australia/Lord_Howe", // half-hour DST
  ])("under TZ=%s", (tz) => {
    process.env.TZ = tz;
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(tz === "UTC" ? "UTC" : tz);

    expect(isBusinessDate("2011-12-30")).toBe(true);
    expect(isBusinessDate("2018-11-04")).toBe(true);
    expect(isBusinessDate("2024-02-29")).toBe(true);
    expect(isBusinessDate("2023-02-29")).toBe(false);
    expect(addDays("2011-12-29", 1)).toBe("2011-12-30");
    expect(addDays("2011-12-31", -1)).toBe("2011-12-30");
    expect(addDays("2018-11-03", 1)).toBe("2018-11-04");
    expect(addDays("2024-09-07", 1)).toBe("2024-09-08");
    expect(addDays("2026-03-08", 1)).toBe("2026-03-09");
    expect(addDays("2024-02-28", 2)).toBe("2024-03-01");
    expect(daysBetween("2011-12-29", "2011-12-31")).toBe(2);
    expect(daysBetween("2018-11-03", "2018-11-05")).toBe(2);
    expect(daysBetween("2026-03-01", "2026-04-01")).toBe(31);
    expect(businessDateAt(new Date("2026-01-01T02:00:00Z"), "America/New_York")).toBe("2025-12-31");
    expect(businessDateAt(new Date("2026-01-01T02:00:00Z"), "UTC")).toBe("2026-01-01");
  });
});

// ---------------------------------------------------------------------------------------------
// Ranges (inclusive; null is an open bound)
// ---------------------------------------------------------------------------------------------

const r = (start: string | null, end: string | null): DateRange => ({ start, end });

describe("rangesOverlap", () => {
  it.each([
    { a: r("2026-03-01", "2026-03-10"), b: r("2026-03-05", "2026-03-20"), want: true, why: "partial overlap" },
    { a: r("2026-03-01", "2026-03-10"), b: r("2026-03-10", "2026-03-20"), want: true, why: "touching end = start" },
    { a: r("2026-03-01", "2026-03-10"), b: r("2026-03-11", "2026-03-20"), want: false, why: "adjacent days" },
    { a: r("2026-03-01", "2026-03-31"), b: r("2026-03-10", "2026-03-12"), want: true, why: "containment" },
    { a: r("2026-03-05", "2026-03-05"), b: r("2026-03-05", "2026-03-05"), want: true, why: "same single day" },
    { a: r(null, null), b: r("2030-01-01", "2030-01-01"), want: true, why: "fully open" },
    { a: r(null, "2026-03-10"), b: r("2026-03-10", null), want: true, why: "open ends touching" },
    { a: r(null, "2026-03-09"), b: r("2026-03-10", null), want: false, why: "open ends apart" },
    { a: r("2026-03-10", null), b: r(null, "2026-03-09"), want: false, why: "open ends apart, swapped" },
    { a: r("2026-03-10", null), b: r("2099-01-01", null), want: true, why: "both open-ended" },
    { a: r(null, "2026-03-10"), b: r(null, "1999-01-01"), want: true, why: "both open-started" },
    { a: r("2026-03-10", null), b: r("2026-01-01", "2026-03-09"), want: false, why: "closed before open-ended" },
    { a: r("2026-03-10", null), b: r("2026-01-01", "2026-03-10"), want: true, why: "closed ending on the open start" },
    { a: r("2025-12-31", "2026-01-01"), b: r("2026-01-01", "2026-02-01"), want: true, why: "across a year end" },
  ])("$why", ({ a, b, want }) => {
    expect(rangesOverlap(a, b)).toBe(want);
    expect(rangesOverlap(b, a)).toBe(want);
  });
});

describe("rangeContains", () => {
  it.each([
    { range: r("2026-03-01", "2026-03-10"), date: "2026-03-01", want: true },
    { range: r("2026-03-01", "2026-03-10"), date: "2026-03-10", want: true },
    { range: r("2026-03-01", "2026-03-10"), date: "2026-03-05", want: true },
    { range: r("2026-03-01", "2026-03-10"), date: "2026-02-28", want: false },
    { range: r("2026-03-01", "2026-03-10"), date: "2026-03-11", want: false },
    { range: r(null, "2026-03-10"), date: "1900-01-01", want: true },
    { range: r(null, "2026-03-10"), date: "2026-03-11", want: false },
    { range: r("2026-03-01", null), date: "2999-12-31", want: true },
    { range: r("2026-03-01", null), date: "2026-02-28", want: false },
    { range: r(null, null), date: "2026-03-05", want: true },
  ])("[$range.start, $range.end] contains $date: $want", ({ range, date, want }) => {
    expect(rangeContains(range, date)).toBe(want);
  });
});

describe("rangeWithin", () => {
  it.each([
    { inner: r("2026-03-05", "2026-03-06"), outer: r("2026-03-01", "2026-03-10"), want: true, why: "strictly inside" },
    {
      inner: r("2026-03-01", "2026-03-10"),
      outer: r("2026-03-01", "2026-03-10"),
      want: true,
      why: "equal (inclusive)",
    },
    { inner: r("2026-02-28", "2026-03-06"), outer: r("2026-03-01", "2026-03-10"), want: false, why: "starts before" },
    { inner: r("2026-03-05", "2026-03-11"), outer: r("2026-03-01", "2026-03-10"), want: false, why: "ends after" },
    {
      inner: r(null, "2026-03-06"),
      outer: r("2026-03-01", "2026-03-10"),
      want: false,
      why: "open start in a bounded outer",
    },
    {
      inner: r("2026-03-05", null),
      outer: r("2026-03-01", "2026-03-10"),
      want: false,
      why: "open end in a bounded outer",
    },
    { inner: r(null, null), outer: r(null, null), want: true, why: "open in open" },
    { inner: r("2026-03-05", "2026-03-06"), outer: r(null, null), want: true, why: "bounded in fully open" },
    { inner: r(null, "2026-03-06"), outer: r(null, "2026-03-10"), want: true, why: "open start in open start" },
    { inner: r(null, "2026-03-11"), outer: r(null, "2026-03-10"), want: false, why: "open start, ends after" },
    { inner: r("2026-03-05", null), outer: r("2026-03-01", null), want: true, why: "open end in open end" },
    { inner: r("2026-02-05", null), outer: r("2026-03-01", null), want: false, why: "open end, starts before" },
    { inner: r(null, null), outer: r("2026-03-01", null), want: false, why: "open in half-open" },
  ])("$why", ({ inner, outer, want }) => {
    expect(rangeWithin(inner, outer)).toBe(want);
  });

  it("a range within another overlaps it and contains each of its bounds", () => {
    const day = fc.integer({ min: 0, max: 30 }).map((n) => `2026-03-${String(n + 1).padStart(2, "0")}`);
    const arbRange = fc
      .tuple(fc.option(day, { nil: null }), fc.option(day, { nil: null }))
      .map(([a, b]) => (a !== null && b !== null && a > b ? r(b, a) : r(a, b)));
    fc.assert(
      fc.property(arbRange, arbRange, (inner, outer) => {
        fc.pre(rangeWithin(inner, outer));
        expect(rangesOverlap(inner, outer)).toBe(true);
        if (inner.start !== null) expect(rangeContains(outer, inner.start)).toBe(true);
        if (inner.end !== null) expect(rangeContains(outer, inner.end)).toBe(true);
      }),
    );
  });
});
