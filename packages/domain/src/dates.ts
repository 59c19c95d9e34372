import { TZDate } from "@date-fns/tz";
import { addMonths as addMonthsFns, format } from "date-fns";

/** A business date, 'YYYY-MM-DD', with no time or zone. Compares as a string. */
export type BusinessDate = string;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

const DAY_MS = 86_400_000;

/**
 * Business dates are computed at midnight UTC, never in the server's own time zone: a zone
 * that skipped a whole day (Pacific/Apia skipped 2011-12-30) must not make that date invalid
 * or make addDays jump over it.
 */
function utcMidnight(date: BusinessDate): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function fromUtcMidnight(ms: number): BusinessDate {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isBusinessDate(value: string): boolean {
  if (!DATE_RE.test(value)) return false;
  const ms = utcMidnight(value);
  return !Number.isNaN(ms) && fromUtcMidnight(ms) === value;
}

/** Per time zone, the last second asked and its business date (every zone's offset is whole seconds). */
const lastDateOf = new Map<string, { second: number; date: BusinessDate }>();

/** The business date of an instant in a tenant's time zone. */
export function businessDateAt(instant: Date, timeZone: string): BusinessDate {
  const second = Math.floor(instant.getTime() / 1000);
  const last = lastDateOf.get(timeZone);
  if (last?.second === second) return last.date;
  const date = format(new TZDate(instant.getTime(), timeZone), "yyyy-MM-dd");
  if (lastDateOf.size >= 1000) lastDateOf.clear();
  lastDateOf.set(timeZone, { second, date });
  return date;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function addDays(date: BusinessDate, days: number): BusinessDate {
  return fromUtcMidnight(utcMidnight(date) + Math.trunc(days) * DAY_MS);
}

/**
 * Calendar months later, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29).
 * Always count from a fixed anchor (anchor + k months) so month ends do not drift.
 */
export function addMonths(date: BusinessDate, months: number): BusinessDate {
  return format(addMonthsFns(new TZDate(utcMidnight(date), "UTC"), Math.trunc(months)), "yyyy-MM-dd");
}

export function daysBetween(from: BusinessDate, to: BusinessDate): number {
  return Math.round((utcMidnight(to) - utcMidnight(from)) / DAY_MS);
}

/** Inclusive date ranges; a missing bound is open. */
export interface DateRange {
  start: BusinessDate | null;
  end: BusinessDate | null;
}

export function rangesOverlap(a: DateRange, b: DateRange): boolean {
  const aStartsAfterBEnds = a.start !== null && b.end !== null && a.start > b.end;
  const bStartsAfterAEnds = b.start !== null && a.end !== null && b.start > a.end;
  return !aStartsAfterBEnds && !bStartsAfterAEnds;
}

export function rangeContains(range: DateRange, date: BusinessDate): boolean {
  return (range.start === null || range.start <= date) && (range.end === null || date <= range.end);
}

/** Is `inner` inside `outer` (both inclusive, open bounds are infinite)? */
export function rangeWithin(inner: DateRange, outer: DateRange): boolean {
  const startOk = outer.start === null || (inner.start !== null && inner.start >= outer.start);
  const endOk = outer.end === null || (inner.end !== null && inner.end <= outer.end);
  return startOk && endOk;
}
