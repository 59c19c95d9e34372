/**
 * A pure model of holds, written from SPEC.md and the README's tables rather
 * than from the product's code: the Socotra state machine, the ORMB amend,
 * the validation rules (account open, overdue with delinquency, dates not in
 * the past, end not before start, targets inside the hold, and the overlap
 * rule: one validated or active hold per account and process over
 * overlapping dates), versions and the audit trail of each hold.
 *
 * The model never reuses `checkHold`, `assertHoldMove` or the date helpers
 * of `@holdfast/domain`: a rule implemented twice the same wrong way would
 * agree with itself.
 */
import type { Prediction } from "./outcome.ts";

/** Four processes among six: enough to make overlaps (and overdue with delinquency) frequent. */
export const MODEL_PROCESSES = ["invoicing", "delinquency", "overdue", "funding"] as const;
export type ModelProcess = (typeof MODEL_PROCESSES)[number];

export type ModelHoldState = "draft" | "validated" | "active" | "released" | "discarded";
export type ModelMove = "update" | "validate" | "activate" | "release" | "reset" | "discard" | "amend";
export const ALL_MOVES: readonly ModelMove[] = [
  "update",
  "validate",
  "activate",
  "release",
  "reset",
  "discard",
  "amend",
];

/** The README's move table. */
const MOVES_FROM: Record<ModelMove, readonly ModelHoldState[]> = {
  update: ["draft"],
  validate: ["draft"],
  activate: ["validated"],
  release: ["active"],
  reset: ["validated"],
  discard: ["draft", "validated"],
  amend: ["active"],
};

export function movesAllowedIn(state: ModelHoldState): ModelMove[] {
  return ALL_MOVES.filter((m) => MOVES_FROM[m].includes(state));
}

/**
 * The moves a hold advertises today: exactly those that succeed. Past its end
 * date an active hold can be neither released nor amended; a validated hold
 * with a date before today fails activation's re-check (not_in_past).
 */
export function movesAllowedOn(hold: ModelHold, today: string): ModelMove[] {
  const ended = hold.endDate !== null && hold.endDate < today;
  const past = [hold, ...hold.targets].some(
    (d) => (d.startDate !== null && d.startDate < today) || (d.endDate !== null && d.endDate < today),
  );
  return movesAllowedIn(hold.state).filter((m) =>
    m === "release" || m === "amend" ? !ended : m === "activate" ? !past : true,
  );
}

export interface ModelTarget {
  process: ModelProcess;
  startDate: string | null;
  endDate: string | null;
}

export interface ModelHold {
  locator: string;
  /** Index into the model's accounts. */
  account: number;
  state: ModelHoldState;
  version: number;
  startDate: string | null;
  endDate: string | null;
  targets: ModelTarget[];
  comments: string | null;
  /** The audit actions of this hold, in order: exactly the moves that applied. */
  audit: string[];
}

export interface ModelAccount {
  locator: string;
  open: boolean;
}

export interface HoldsModel {
  today: string;
  accounts: ModelAccount[];
  holds: ModelHold[];
}

/** A target's period: its own dates, falling back to the hold's. */
export function periodOf(hold: Pick<ModelHold, "startDate" | "endDate">, t: ModelTarget) {
  return { start: t.startDate ?? hold.startDate, end: t.endDate ?? hold.endDate };
}

/**
 * A pseudo-rule of the model: a target's period (its dates completed with the
 * hold's) ends before it starts. The product must refuse it, under a rule
 * name the model does not insist on.
 */
export const INVERTED_TARGET = "inverted_target_period";

/** A model hold with a target whose period is inverted (see INVERTED_TARGET). */
export function hasInvertedTarget(hold: Pick<ModelHold, "startDate" | "endDate" | "targets">): boolean {
  return hold.targets.some((t) => {
    const p = periodOf(hold, t);
    return p.start !== null && p.end !== null && p.start > p.end;
  });
}

type Range = { start: string | null; end: string | null };

/** Inclusive ranges, a missing bound open. */
export function overlaps(a: Range, b: Range): boolean {
  if (a.start !== null && b.end !== null && a.start > b.end) return false;
  if (b.start !== null && a.end !== null && b.start > a.end) return false;
  return true;
}

function inside(inner: Range, outer: Range): boolean {
  const startOk = outer.start === null || (inner.start !== null && inner.start >= outer.start);
  const endOk = outer.end === null || (inner.end !== null && inner.end <= outer.end);
  return startOk && endOk;
}

/**
 * The validation rules, as the set of rule names that fail. `before` is the
 * hold before an amendment: a date it already had is not refused for lying in
 * the past.
 */
export function failedRules(model: HoldsModel, hold: ModelHold, before?: ModelHold): string[] {
  const rules = new Set<string>();
  const account = model.accounts[hold.account];
  if (!account?.open) rules.add("account_closed");
  const processes = hold.targets.map((t) => t.process);
  if (new Set(processes).size !== processes.length) rules.add("duplicate_target");
  if (processes.includes("overdue") && processes.includes("delinquency")) rules.add("overdue_with_delinquency");

  const dates = (d: { startDate: string | null; endDate: string | null }, was: typeof d | undefined) => {
    if (d.startDate !== null && d.startDate < model.today && d.startDate !== was?.startDate) rules.add("not_in_past");
    if (d.endDate !== null && d.endDate < model.today && d.endDate !== was?.endDate) rules.add("not_in_past");
    if (d.startDate !== null && d.endDate !== null && d.endDate < d.startDate) rules.add("not_before_start");
  };
  dates(hold, before);
  for (const t of hold.targets) {
    dates(
      t,
      before?.targets.find((b) => b.process === t.process),
    );
    const period = periodOf(hold, t);
    if (!inside(period, { start: hold.startDate, end: hold.endDate })) rules.add("outside_hold_dates");
    // The spec: "each target's dates lie inside the hold's". A target whose own start is after the
    // hold's end (or own end before the hold's start) does not, even when its period, completed with
    // the hold's dates, passes the check above as an inverted range. Which rule the product should
    // name is not said; the model only demands a refusal (see INVERTED_TARGET).
    if (period.start !== null && period.end !== null && period.start > period.end) rules.add(INVERTED_TARGET);
  }

  for (const other of model.holds) {
    if (other.locator === hold.locator || other.account !== hold.account) continue;
    if (other.state !== "validated" && other.state !== "active") continue;
    for (const t of hold.targets) {
      if (other.targets.some((o) => o.process === t.process && overlaps(periodOf(other, o), periodOf(hold, t)))) {
        rules.add("overlapping_hold");
      }
    }
  }
  return [...rules].sort();
}

/** What an update of a draft changes: only the fields sent. */
export interface ModelUpdate {
  account?: number;
  startDate?: string | null;
  endDate?: string | null;
  targets?: ModelTarget[];
  comments?: string | null;
}

/** The ORMB amend: hold end date, target dates (an unknown process is added), comments. */
export interface ModelAmend {
  endDate?: string | null;
  targets?: { process: ModelProcess; startDate?: string | null; endDate?: string | null }[];
  comments?: string | null;
}

export type ModelRequest =
  | { move: "update"; change: ModelUpdate }
  | { move: "amend"; change: ModelAmend }
  | { move: Exclude<ModelMove, "update" | "amend"> };

/** The rules a refusal must name; none compared when the model holds a pseudo-rule it cannot name. */
const rulesToCompare = (rules: string[]) => (rules.includes(INVERTED_TARGET) ? undefined : rules);

const refuse = (trpcCode: Extract<Prediction, { ok: false }>["trpcCode"], appCode: string, rules?: string[]) =>
  ({ ok: false, trpcCode, appCode, ...(rules ? { rules } : {}) }) as const;

/**
 * Predicts a move on a hold: refused (and with which codes), or applied with
 * the hold it leaves. `expectedVersion` is what the caller sends (undefined:
 * none). Pure: the model is not changed.
 */
export function predictMove(
  model: HoldsModel,
  hold: ModelHold,
  req: ModelRequest,
  expectedVersion: number | undefined,
): { prediction: Prediction; next?: ModelHold } {
  // Order of the checks: the version the caller expects, then the state machine, then the move's own rules.
  if (expectedVersion !== undefined && expectedVersion !== hold.version) {
    return { prediction: refuse("CONFLICT", "VERSION_CONFLICT") };
  }
  if (!MOVES_FROM[req.move].includes(hold.state)) {
    return {
      prediction:
        req.move === "amend" ? refuse("CONFLICT", "HOLD_NOT_ACTIVE") : refuse("CONFLICT", "INVALID_TRANSITION"),
    };
  }
  const ended = hold.endDate !== null && hold.endDate < model.today;
  const applied = (next: Omit<ModelHold, "version" | "audit">) => ({
    prediction: { ok: true } as const,
    next: { ...next, version: hold.version + 1, audit: [...hold.audit, req.move] },
  });
  switch (req.move) {
    case "update": {
      const c = req.change;
      return applied({
        ...hold,
        account: c.account ?? hold.account,
        startDate: c.startDate !== undefined ? c.startDate : hold.startDate,
        endDate: c.endDate !== undefined ? c.endDate : hold.endDate,
        targets: c.targets ? c.targets.map((t) => ({ ...t })) : hold.targets,
        comments: c.comments !== undefined ? c.comments : hold.comments,
      });
    }
    case "validate": {
      // A failed validation is still a move: the hold stays draft with its problems, version and audit advance.
      const ok = failedRules(model, hold).length === 0;
      return applied({ ...hold, state: ok ? "validated" : "draft" });
    }
    case "activate": {
      const rules = failedRules(model, hold);
      if (rules.length) return { prediction: refuse("PRECONDITION_FAILED", "HOLD_INVALID", rulesToCompare(rules)) };
      return applied({ ...hold, state: "active" });
    }
    case "release":
      if (ended) return { prediction: refuse("CONFLICT", "HOLD_ENDED") };
      return applied({ ...hold, state: "released" });
    case "reset":
      return applied({ ...hold, state: "draft" });
    case "discard":
      return applied({ ...hold, state: "discarded" });
    case "amend": {
      if (ended) return { prediction: refuse("CONFLICT", "HOLD_ENDED") };
      const c = req.change;
      const targets = hold.targets.map((t) => ({ ...t }));
      for (const change of c.targets ?? []) {
        const existing = targets.find((t) => t.process === change.process);
        if (existing) {
          if (change.startDate !== undefined) existing.startDate = change.startDate;
          if (change.endDate !== undefined) existing.endDate = change.endDate;
        } else {
          targets.push({
            process: change.process,
            startDate: change.startDate ?? null,
            endDate: change.endDate ?? null,
          });
        }
      }
      const amended: ModelHold = {
        ...hold,
        endDate: c.endDate !== undefined ? c.endDate : hold.endDate,
        comments: c.comments !== undefined ? c.comments : hold.comments,
        targets,
      };
      const rules = failedRules(model, amended, hold);
      if (rules.length) return { prediction: refuse("BAD_REQUEST", "BAD_REQUEST", rulesToCompare(rules)) };
      return applied(amended);
    }
  }
}

/** How an active hold stands today: a future start is scheduled, a past end awaits the worker. */
export function scheduleOf(hold: ModelHold, today: string): "scheduled" | "in_effect" | "ended" | null {
  if (hold.state !== "active") return null;
  if (hold.startDate !== null && hold.startDate > today) return "scheduled";
  if (hold.endDate !== null && hold.endDate < today) return "ended";
  return "in_effect";
}
