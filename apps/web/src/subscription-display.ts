/**
 * How a subscription is shown: the moves and the extension it offers, its days
 * of grace, its history in words. Pure.
 *
 * The tables below mirror the domain's (`assertSubscriptionMove`,
 * `EXTENDABLE_STATES`, `SUBSCRIPTION_VIEWS`; subscription-display.test.ts
 * holds them equal). They are
 * written out because importing the domain's subscription module at run time
 * into the detail screen makes the bundler split a shared chunk off the first
 * load (+1.5 kB gzip and a second request on every page). The server checks
 * again either way.
 */
import type { SubscriptionMove, SubscriptionOutput } from "@holdfast/domain";

type State = SubscriptionOutput["state"];

const MOVES_BY_STATE: Record<State, SubscriptionMove[]> = {
  draft: ["activate", "terminate"],
  effective: ["terminate"],
  not_effective: ["terminate"],
  terminated: [],
};

/**
 * The list's views (the domain's SUBSCRIPTION_VIEWS, which lives beside the
 * zod schemas: importing it would load zod with the list).
 */
export const SUBSCRIPTION_VIEWS = ["all", "in_grace", "lapsing", "lapsed"] as const;

/** The states whose grace period may be extended (CRM.COM: draft, effective, not effective). */
export const EXTENDABLE: readonly State[] = ["draft", "effective", "not_effective"];

/** The moves a subscription's state allows (for the buttons; the server checks again). */
export function allowedSubscriptionMoves(state: State): SubscriptionMove[] {
  return MOVES_BY_STATE[state];
}

export function isExtendable(state: State): boolean {
  return EXTENDABLE.includes(state);
}

/** "4 days left", "1 day left". A paused grace period does not count down. */
export function daysLeftText(daysLeft: number): string {
  return `${daysLeft} ${daysLeft === 1 ? "day" : "days"} left`;
}

interface Snapshot {
  state?: unknown;
  nextBillingDate?: unknown;
  grace?: unknown;
  lapsedOn?: unknown;
  businessDate?: unknown;
}

interface GraceSnapshot {
  start: string;
  end: string;
  pausedOn: string | null;
}

function asSnapshot(value: unknown): Snapshot | null {
  return value && typeof value === "object" ? (value as Snapshot) : null;
}

function graceOf(s: Snapshot | null): GraceSnapshot | null {
  const g = s?.grace;
  if (!g || typeof g !== "object") return null;
  const { start, end, pausedOn } = g as Record<string, unknown>;
  if (typeof start !== "string" || typeof end !== "string") return null;
  return { start, end, pausedOn: typeof pausedOn === "string" ? pausedOn : null };
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** The state a history snapshot records (a subscription answer or the worker's smaller snapshot). */
export function snapshotState(value: unknown): string | null {
  return str(asSnapshot(value)?.state);
}

/**
 * What a history event changed, in words: the grace period, the next billing
 * date, the lapse. Works on both snapshot shapes the history holds (the
 * service's full answer and the worker's smaller one).
 */
export function describeSubscriptionChange(before: unknown, after: unknown): string[] {
  const b = asSnapshot(before);
  const a = asSnapshot(after);
  if (!a) return [];
  const out: string[] = [];
  const gb = graceOf(b);
  const ga = graceOf(a);
  if (!gb && ga) out.push(`grace period ${ga.start} → ${ga.end}`);
  else if (gb && !ga) out.push(`grace period ended (was to end ${gb.end})`);
  else if (gb && ga) {
    if (gb.end !== ga.end) out.push(`grace end ${gb.end} → ${ga.end}`);
    if (!gb.pausedOn && ga.pausedOn) out.push(`grace paused on ${ga.pausedOn}`);
    if (gb.pausedOn && !ga.pausedOn) out.push(`grace resumed (paused since ${gb.pausedOn})`);
  }
  const nb = str(b?.nextBillingDate);
  const na = str(a.nextBillingDate);
  if (b && na && nb !== na) out.push(`next billing ${nb ?? "—"} → ${na}`);
  const lapsed = str(a.lapsedOn);
  if (lapsed && str(b?.lapsedOn) !== lapsed) out.push(`lapsed on ${lapsed}`);
  const day = str(a.businessDate);
  if (day) out.push(`business date ${day}`);
  return out;
}
