import { type BusinessDate, daysBetween, extendedGraceEnd, isBusinessDate } from "@holdfast/domain";

export interface GracePreview {
  /** The day the extension is applied: today, or the scheduled date when that is later. */
  appliedOn: BusinessDate;
  countsFrom: "today" | "scheduled date";
  newEnd: BusinessDate;
  /** Days from the current end to the new one; null with no grace period running. */
  difference: number | null;
  /** The server's rule the new end breaks, said the same way; null when it meets them. */
  problem: string | null;
}

/**
 * The new grace end an extension would set, computed as the server computes it
 * (`extendedGraceEnd`, days counted from the day it is applied), to show before
 * submitting. Null while the form does not yet say an end.
 */
export function previewGraceExtension(input: {
  endBy: "days" | "date";
  days: string;
  date: string;
  scheduledDate: string;
  /** The tenant's today (the server's). */
  today: BusinessDate;
  currentEnd: BusinessDate | null;
}): GracePreview | null {
  const scheduled = isBusinessDate(input.scheduledDate) && input.scheduledDate > input.today;
  const appliedOn = scheduled ? input.scheduledDate : input.today;
  let newEnd: BusinessDate;
  if (input.endBy === "days") {
    if (!/^\d{1,4}$/.test(input.days.trim())) return null;
    newEnd = extendedGraceEnd({ endGracePeriodAfterDays: Number(input.days.trim()) }, appliedOn);
  } else {
    if (!isBusinessDate(input.date)) return null;
    newEnd = extendedGraceEnd({ endGracePeriodOn: input.date }, appliedOn);
  }
  const current = input.currentEnd;
  let problem: string | null = null;
  if (current !== null && newEnd <= current) problem = `must be later than the current end ${current}`;
  else if (newEnd < appliedOn) problem = `is before ${appliedOn}, the day it is applied`;
  return {
    appliedOn,
    countsFrom: scheduled ? "scheduled date" : "today",
    newEnd,
    difference: current === null ? null : daysBetween(current, newEnd),
    problem,
  };
}

/** "New end 2026-12-21 (+10 days from the current end 2026-12-11)". */
export function describeGracePreview(p: GracePreview, currentEnd: BusinessDate | null): string {
  if (p.difference === null || currentEnd === null)
    return `New end ${p.newEnd} (a new grace period from ${p.appliedOn})`;
  const sign = p.difference > 0 ? "+" : p.difference < 0 ? "−" : "±";
  const n = Math.abs(p.difference);
  return `New end ${p.newEnd} (${sign}${n} day${n === 1 ? "" : "s"} from the current end ${currentEnd})`;
}
