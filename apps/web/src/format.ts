import type { HoldProcess } from "@holdfast/domain";
import { ORMB_PROCESS_CODES } from "@holdfast/domain";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** An instant, in the viewer's own time zone. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return "—";
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : dateTime.format(ms);
}

/** A business date is shown as written (YYYY-MM-DD): it has no time zone. */
export function formatDate(date: string | null | undefined, none = "—"): string {
  return date ?? none;
}

export function formatRange(start: string | null, end: string | null): string {
  if (!start && !end) return "until released";
  return `${start ?? "now"} → ${end ?? "until released"}`;
}

/** ULIDs share their leading time part; the tail tells holds apart at a glance. */
export function shortLocator(locator: string): string {
  return locator.length > 10 ? `…${locator.slice(-8)}` : locator;
}

export function processLabel(process: HoldProcess): string {
  return `${process} (${ORMB_PROCESS_CODES[process]})`;
}
