import { type BusinessDate, type DateRange, rangeContains, rangesOverlap, rangeWithin } from "../dates.ts";
import { AppError, type FieldIssue } from "../errors.ts";

export const HOLD_STATES = ["draft", "validated", "active", "released", "discarded"] as const;
export type HoldState = (typeof HOLD_STATES)[number];

/** Processes a hold can suspend, with their ORMB codes. */
export const HOLD_PROCESSES = ["invoicing", "delinquency", "autopay", "funding", "overdue", "refund"] as const;
export type HoldProcess = (typeof HOLD_PROCESSES)[number];
export const ORMB_PROCESS_CODES: Record<HoldProcess, string> = {
  invoicing: "BILL",
  delinquency: "DLNQ",
  autopay: "ATPY",
  funding: "FNDG",
  overdue: "OVDU",
  refund: "REFD",
};

export const HOLD_MOVES = ["update", "validate", "activate", "release", "reset", "discard", "amend"] as const;
export type HoldMove = (typeof HOLD_MOVES)[number];

export const FINAL_HOLD_STATES: readonly HoldState[] = ["released", "discarded"];

/**
 * The state machine (Socotra): which state each move starts from and where it goes.
 * `validate` goes to `validated` only when validation passes; otherwise the hold
 * stays in `draft` with its validationResult.
 */
export const HOLD_TRANSITIONS: Record<HoldMove, { from: readonly HoldState[]; to: HoldState }> = {
  update: { from: ["draft"], to: "draft" },
  validate: { from: ["draft"], to: "validated" },
  activate: { from: ["validated"], to: "active" },
  release: { from: ["active"], to: "released" },
  reset: { from: ["validated"], to: "draft" },
  discard: { from: ["draft", "validated"], to: "discarded" },
  amend: { from: ["active"], to: "active" },
};

/** The exact ORMB message for an amend on a hold that is not active. */
export const HOLD_NOT_ACTIVE_MESSAGE = "The hold request is not in the active status.";

/** The state machine's moves from a state, whatever the date. */
export function holdMovesFrom(state: HoldState): HoldMove[] {
  return HOLD_MOVES.filter((m) => HOLD_TRANSITIONS[m].from.includes(state));
}

/** What deciding whether a move can succeed needs: the hold's state and dates. */
export type HoldMoveFacts = Pick<HoldFacts, "state" | "startDate" | "endDate" | "targets">;

/**
 * The moves that succeed on `today` (the tenant's business date): the state
 * machine's moves from the hold's state, less `release` and `amend` once its
 * end date has passed (HOLD_ENDED), less `activate` once a date of the hold
 * or of a target lies before today (activating checks every rule again and
 * refuses a past date, `not_in_past`).
 */
export function allowedHoldMoves(hold: HoldMoveFacts, today: BusinessDate): HoldMove[] {
  return holdMovesFrom(hold.state).filter((m) => {
    if (m === "release" || m === "amend") return !hasHoldEnded(hold, today);
    if (m === "activate") return !hasPastDates(hold, today);
    return true;
  });
}

/**
 * Refuses a move the hold's state does not allow (INVALID_TRANSITION naming
 * the moves allowed today; HOLD_NOT_ACTIVE for an amend), and a release or
 * amend after the hold's end date (HOLD_ENDED). Returns the state the move
 * goes to. Activation's rules (past dates among them) are checkHold's.
 */
export function assertHoldMove(
  hold: HoldMoveFacts & Pick<HoldFacts, "locator">,
  move: HoldMove,
  today: BusinessDate,
): HoldState {
  const { state } = hold;
  const t = HOLD_TRANSITIONS[move];
  if (t.from.includes(state)) {
    if (move === "release" || move === "amend") assertHoldNotEnded(hold, today, move);
    return t.to;
  }
  if (move === "amend") {
    throw new AppError("HOLD_NOT_ACTIVE", HOLD_NOT_ACTIVE_MESSAGE, { details: { state, move } });
  }
  const allowed = allowedHoldMoves(hold, today);
  const tail = allowed.length
    ? `allowed moves: ${allowed.join(", ")}`
    : FINAL_HOLD_STATES.includes(state)
      ? `${state} is a final state and allows no moves`
      : `no move is allowed today: its end date ${hold.endDate} has passed`;
  throw new AppError("INVALID_TRANSITION", `Cannot ${move} a hold in state ${state}; ${tail}.`, {
    details: { state, move, allowedMoves: allowed },
  });
}

export interface HoldTarget {
  process: HoldProcess;
  startDate: BusinessDate | null;
  endDate: BusinessDate | null;
}

export interface HoldCharacteristic {
  type: string;
  value: string;
  effectiveDate: BusinessDate | null;
}

export interface ValidationResult {
  success: boolean;
  /** The business date the checks ran against. */
  checkedOn: BusinessDate;
  problems: FieldIssue[];
}

/** What the rules need to know about a hold. */
export interface HoldFacts {
  locator: string;
  accountLocator: string;
  state: HoldState;
  startDate: BusinessDate | null;
  endDate: BusinessDate | null;
  targets: HoldTarget[];
}

/** A target's own dates, falling back to the hold's. */
export function targetPeriod(hold: Pick<HoldFacts, "startDate" | "endDate">, target: HoldTarget): DateRange {
  return { start: target.startDate ?? hold.startDate, end: target.endDate ?? hold.endDate };
}

export interface HoldValidationContext {
  today: BusinessDate;
  account: { status: "open" | "closed" } | null;
  /** Other holds of the same account (any state; only validated and active ones count). */
  otherHolds: HoldFacts[];
}

/**
 * Every rule a hold must meet to be validated, activated or amended. Returns
 * every problem, not the first. When amending, `unchanged` is the hold before
 * the amendment: a date it already had is not refused for lying in the past
 * (an active hold that started last week keeps its start date).
 */
export function checkHold(
  hold: HoldFacts,
  ctx: HoldValidationContext,
  opts: { unchanged?: HoldFacts } = {},
): ValidationResult {
  const problems: FieldIssue[] = [];
  const add = (path: string, rule: string, message: string) => problems.push({ path, rule, message });

  if (!ctx.account) add("accountLocator", "account_not_found", `account ${hold.accountLocator} does not exist`);
  else if (ctx.account.status !== "open") add("accountLocator", "account_closed", "the account is closed");

  if (hold.targets.length === 0) add("targets", "required", "a hold needs at least one target");

  const seen = new Set<HoldProcess>();
  hold.targets.forEach((t, i) => {
    if (seen.has(t.process)) add(`targets[${i}].process`, "duplicate_target", `${t.process} is targeted twice`);
    seen.add(t.process);
  });
  if (seen.has("overdue") && seen.has("delinquency")) {
    add("targets", "overdue_with_delinquency", "overdue and delinquency cannot be on the same hold");
  }

  const before = opts.unchanged;
  checkDates("", hold, before, ctx.today, add);
  const holdRange: DateRange = { start: hold.startDate, end: hold.endDate };
  hold.targets.forEach((t, i) => {
    checkDates(
      `targets[${i}].`,
      t,
      before?.targets.find((b) => b.process === t.process),
      ctx.today,
      add,
    );
    const period = targetPeriod(hold, t);
    // A target dated on one side only takes the other side from the hold: a start after
    // the hold's end (or an end before its start) leaves it an empty period, outside the hold.
    // (Inverted dates of the target's own or of the hold's are reported by checkDates.)
    const oneSided = (t.startDate === null) !== (t.endDate === null);
    const inverted = oneSided && period.start !== null && period.end !== null && period.start > period.end;
    if (inverted || !rangeWithin(period, holdRange)) {
      add(`targets[${i}]`, "outside_hold_dates", "the target's dates must lie inside the hold's dates");
    }
  });

  for (const other of ctx.otherHolds) {
    if (other.locator === hold.locator || other.accountLocator !== hold.accountLocator) continue;
    if (other.state !== "validated" && other.state !== "active") continue;
    hold.targets.forEach((t, i) => {
      const clash = other.targets.find(
        (o) => o.process === t.process && rangesOverlap(targetPeriod(other, o), targetPeriod(hold, t)),
      );
      if (clash) {
        add(
          `targets[${i}].process`,
          "overlapping_hold",
          `hold ${other.locator} (${other.state}) already holds ${t.process} for this account over overlapping dates`,
        );
      }
    });
  }

  return { success: problems.length === 0, checkedOn: ctx.today, problems };
}

type Dated = { startDate: BusinessDate | null; endDate: BusinessDate | null };
function checkDates(
  prefix: string,
  d: Dated,
  before: Dated | undefined,
  today: BusinessDate,
  add: (path: string, rule: string, message: string) => void,
) {
  if (d.startDate !== null && d.startDate < today && d.startDate !== before?.startDate) {
    add(`${prefix}startDate`, "not_in_past", `start date ${d.startDate} is before today (${today})`);
  }
  if (d.endDate !== null && d.endDate < today && d.endDate !== before?.endDate) {
    add(`${prefix}endDate`, "not_in_past", `end date ${d.endDate} is before today (${today})`);
  }
  if (d.startDate !== null && d.endDate !== null && d.endDate < d.startDate) {
    add(`${prefix}endDate`, "not_before_start", "end date must not be before start date");
  }
}

/** Whether a start or end date of the hold or of one of its targets lies before today. */
export function hasPastDates(hold: Pick<HoldFacts, "startDate" | "endDate" | "targets">, today: BusinessDate): boolean {
  return [hold, ...hold.targets].some(
    (d) => (d.startDate !== null && d.startDate < today) || (d.endDate !== null && d.endDate < today),
  );
}

/** A hold whose end date has passed can no longer be released or amended: the worker ends it. */
export function hasHoldEnded(hold: Pick<HoldFacts, "endDate">, today: BusinessDate): boolean {
  return hold.endDate !== null && hold.endDate < today;
}

export function assertHoldNotEnded(hold: Pick<HoldFacts, "endDate" | "locator">, today: BusinessDate, move: HoldMove) {
  if (hasHoldEnded(hold, today)) {
    throw new AppError(
      "HOLD_ENDED",
      `Cannot ${move} hold ${hold.locator}: its end date ${hold.endDate} has passed; the worker releases it.`,
      { details: { endDate: hold.endDate, today } },
    );
  }
}

/** How an active hold stands on a date, for display: a future start shows as scheduled. */
export type HoldSchedule = "scheduled" | "in_effect" | "ended";
export function holdSchedule(hold: HoldFacts, today: BusinessDate): HoldSchedule | null {
  if (hold.state !== "active") return null;
  if (hold.startDate !== null && hold.startDate > today) return "scheduled";
  if (hasHoldEnded(hold, today)) return "ended";
  return "in_effect";
}

/**
 * The effect: an account is held for a process on a date when an active hold
 * has that target and the date lies within the hold's and the target's dates.
 */
export function holdsInEffect<H extends HoldFacts>(
  holds: readonly H[],
  accountLocator: string,
  process: HoldProcess,
  date: BusinessDate,
): H[] {
  return holds.filter(
    (h) =>
      h.state === "active" &&
      h.accountLocator === accountLocator &&
      rangeContains({ start: h.startDate, end: h.endDate }, date) &&
      h.targets.some((t) => t.process === process && rangeContains(targetPeriod(h, t), date)),
  );
}

/** The ORMB amend of an active hold. */
export interface HoldAmendment {
  endDate?: BusinessDate | null;
  /** An existing process gets new end (and start) dates; a new one is added. */
  targets?: { process: HoldProcess; startDate?: BusinessDate | null; endDate?: BusinessDate | null }[];
  comments?: string | null;
  characteristics?: {
    action: "Update" | "Delete";
    type: string;
    value?: string;
    effectiveDate?: BusinessDate | null;
  }[];
}

export interface AmendableHold extends HoldFacts {
  comments: string | null;
  characteristics: HoldCharacteristic[];
}

/** Applies an amendment and returns the amended hold. Rules are checked with checkHold afterwards. */
export function amendHold<H extends AmendableHold>(hold: H, a: HoldAmendment): H {
  const targets = hold.targets.map((t) => ({ ...t }));
  for (const change of a.targets ?? []) {
    const existing = targets.find((t) => t.process === change.process);
    if (existing) {
      if (change.startDate !== undefined) existing.startDate = change.startDate;
      if (change.endDate !== undefined) existing.endDate = change.endDate;
    } else {
      targets.push({ process: change.process, startDate: change.startDate ?? null, endDate: change.endDate ?? null });
    }
  }
  const characteristics = hold.characteristics.map((c) => ({ ...c }));
  for (const c of a.characteristics ?? []) {
    const idx = characteristics.findIndex((x) => x.type === c.type);
    if (c.action === "Delete") {
      if (idx >= 0) characteristics.splice(idx, 1);
    } else {
      const next = { type: c.type, value: c.value ?? "", effectiveDate: c.effectiveDate ?? null };
      if (idx >= 0) characteristics[idx] = next;
      else characteristics.push(next);
    }
  }
  return {
    ...hold,
    endDate: a.endDate !== undefined ? a.endDate : hold.endDate,
    comments: a.comments !== undefined ? a.comments : hold.comments,
    targets,
    characteristics,
  };
}

/** Socotra's single targetType: a hold with exactly one invoicing or delinquency target. */
export function socotraTargetType(targets: readonly HoldTarget[]): "invoicing" | "delinquency" | null {
  const only = targets.length === 1 ? targets[0] : undefined;
  return only && (only.process === "invoicing" || only.process === "delinquency") ? only.process : null;
}

/**
 * An amendment's Deletes that name no characteristic of the hold: a Delete
 * matches by type, and by value and effective date when it sends them (what
 * ORMB keeps of a characteristic). Each is an issue at `characteristics[i]`.
 */
export function missingCharacteristicDeletes(hold: AmendableHold, a: HoldAmendment): FieldIssue[] {
  const issues: FieldIssue[] = [];
  (a.characteristics ?? []).forEach((c, i) => {
    if (c.action !== "Delete") return;
    const found = hold.characteristics.some(
      (x) =>
        x.type === c.type &&
        (c.value === undefined || x.value === c.value) &&
        (c.effectiveDate === undefined || c.effectiveDate === null || x.effectiveDate === c.effectiveDate),
    );
    if (!found) {
      const sent = [c.value, c.effectiveDate].filter((v) => v !== undefined && v !== null);
      issues.push({
        path: `characteristics[${i}]`,
        rule: "characteristic_not_found",
        message: `the hold has no characteristic ${c.type}${sent.length ? ` (${sent.join(", ")})` : ""} to delete`,
      });
    }
  });
  return issues;
}
