import type { HoldProcess } from "@holdfast/domain";
import { ORMB_PROCESS_CODES } from "@holdfast/domain";

/*
 * Dates and times, one way across the dashboard. A business date (YYYY-MM-DD)
 * belongs to the tenant's time zone and is shown as written; an instant is
 * shown in the tenant's zone too, ISO-ordered, with the zone's name:
 * `2026-12-07 10:30 GMT+13`. So "activated" and "today" agree however far the
 * viewer is from the tenant.
 */

let displayZone = "UTC";

/** The zone instants are shown in: the tenant's (TenantZoneGate sets it before the screens render). */
export function setDisplayZone(timeZone: string): void {
  displayZone = timeZone;
}

export function getDisplayZone(): string {
  return displayZone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** An instant in a time zone (the tenant's unless given): `2026-12-07 10:30 GMT+13`. */
export function formatInstant(iso: string | null | undefined, timeZone: string = displayZone): string {
  if (!iso) return "—";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

/** A business date is shown as written (YYYY-MM-DD): it is a day in the tenant's zone. */
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
