import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BusinessDate } from "../dates.ts";
import { AppError } from "../errors.ts";
import {
  type AmendableHold,
  allowedHoldMoves,
  amendHold,
  assertHoldMove,
  assertHoldNotEnded,
  checkHold,
  HOLD_MOVES,
  HOLD_NOT_ACTIVE_MESSAGE,
  HOLD_PROCESSES,
  HOLD_STATES,
  type HoldAmendment,
  type HoldFacts,
  type HoldMove,
  type HoldProcess,
  type HoldState,
  type HoldTarget,
  type HoldValidationContext,
  hasHoldEnded,
  holdSchedule,
  holdsInEffect,
  missingCharacteristicDeletes,
  ORMB_PROCESS_CODES,
  socotraTargetType,
  targetPeriod,
} from "./hold.ts";

/** Runs fn and returns what it threw; fails the test when it does not throw. */
function thrownBy(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error("expected the call to throw");
}

/** A hold in a state with no dates: only the state machine decides its moves. */
function holdIn(state: HoldState) {
  return { locator: "HOLD-1", state, startDate: null, endDate: null, targets: [] as HoldTarget[] };
}

function target(process: HoldProcess, startDate: BusinessDate | null = null, endDate: BusinessDate | null = null) {
  return { process, startDate, endDate } satisfies HoldTarget;
}

// ---------------------------------------------------------------------------------------------
// State machine
// ---------------------------------------------------------------------------------------------

/** Refused with INVALID_TRANSITION. */
const X = "INVALID_TRANSITION";
/** Refused with HOLD_NOT_ACTIVE (the ORMB amend message). */
const N = "HOLD_NOT_ACTIVE";
type Outcome = HoldState | typeof X | typeof N;

/**
 * The whole state machine written out by hand (Socotra + ORMB amend). Rows are the current
 * state, columns the move, cells the resulting state or the error code.
 */
const EXPECTED_MATRIX: Record<HoldState, Record<HoldMove, Outcome>> = {
  //          update    validate     activate  release     reset    discard      amend
  draft: { update: "draft", validate: "validated", activate: X, release: X, reset: X, discard: "discarded", amend: N },
  validated: { update: X, validate: X, activate: "active", release: X, reset: "draft", discard: "discarded", amend: N },
  active: { update: X, validate: X, activate: X, release: "released", reset: X, discard: X, amend: "active" },
  released: { update: X, validate: X, activate: X, release: X, reset: X, discard: X, amend: N },
  discarded: { update: X, validate: X, activate: X, release: X, reset: X, discard: X, amend: N },
};

const EXPECTED_ALLOWED: Record<HoldState, HoldMove[]> = {
  draft: ["update", "validate", "discard"],
  validated: ["activate", "reset", "discard"],
  active: ["release", "amend"],
  released: [],
  discarded: [],
};

/** The tail of the refusal message, per current state. */
const EXPECTED_REFUSAL_TAIL: Record<HoldState, string> = {
  draft: "allowed moves: update, validate, discard",
  validated: "allowed moves: activate, reset, discard",
  active: "allowed moves: release, amend",
  released: "released is a final state and allows no moves",
  discarded: "discarded is a final state and allows no moves",
};

describe("hold state machine", () => {
  it("the expected matrix covers exactly every state and every move", () => {
    expect(Object.keys(EXPECTED_MATRIX)).toEqual([...HOLD_STATES]);
    for (const row of Object.values(EXPECTED_MATRIX)) expect(Object.keys(row)).toEqual([...HOLD_MOVES]);
    expect(HOLD_STATES).toEqual(["draft", "validated", "active", "released", "discarded"]);
    expect(HOLD_MOVES).toEqual(["update", "validate", "activate", "release", "reset", "discard", "amend"]);
  });

  const cases = HOLD_STATES.flatMap((state) =>
    HOLD_MOVES.map((move) => ({ state, move, outcome: EXPECTED_MATRIX[state][move] })),
  );
  const allowedCases = cases.filter((c) => c.outcome !== X && c.outcome !== N);
  const refusedCases = cases.filter((c) => c.outcome === X);
  const notActiveCases = cases.filter((c) => c.outcome === N);

  it("has 35 (state, move) pairs: 8 allowed, 23 refused", () => {
    expect(cases).toHaveLength(35);
    expect(allowedCases).toHaveLength(8);
    expect(refusedCases.length + notActiveCases.length).toBe(27);
    expect(notActiveCases).toHaveLength(4);
  });

  it.each(allowedCases)("$state --$move--> $outcome", ({ state, move, outcome }) => {
    expect(assertHoldMove(holdIn(state), move, TODAY)).toBe(outcome);
  });

  it.each(refusedCases)("$state refuses $move with INVALID_TRANSITION", ({ state, move }) => {
    const err = thrownBy(() => assertHoldMove(holdIn(state), move, TODAY));
    expect(err.code).toBe("INVALID_TRANSITION");
    expect(err.message).toBe(`Cannot ${move} a hold in state ${state}; ${EXPECTED_REFUSAL_TAIL[state]}.`);
    expect(err.message).toContain(`state ${state}`);
    expect(err.details).toEqual({ state, move, allowedMoves: EXPECTED_ALLOWED[state] });
  });

  it.each(notActiveCases)("amend on $state fails with the exact ORMB message", ({ state, move }) => {
    const err = thrownBy(() => assertHoldMove(holdIn(state), move, TODAY));
    expect(err.code).toBe("HOLD_NOT_ACTIVE");
    expect(err.message).toBe("The hold request is not in the active status.");
    expect(HOLD_NOT_ACTIVE_MESSAGE).toBe("The hold request is not in the active status.");
    expect(err.details).toEqual({ state, move: "amend" });
  });

  it.each(HOLD_STATES.map((state) => ({ state, allowed: EXPECTED_ALLOWED[state] })))(
    "allowedHoldMoves of an undated $state hold is $allowed",
    ({ state, allowed }) => {
      expect(allowedHoldMoves(holdIn(state), TODAY)).toEqual(allowed);
    },
  );

  it("allowedHoldMoves agrees with assertHoldMove for every pair", () => {
    for (const state of HOLD_STATES) {
      for (const move of HOLD_MOVES) {
        const allowed = allowedHoldMoves(holdIn(state), TODAY).includes(move);
        if (allowed) expect(() => assertHoldMove(holdIn(state), move, TODAY)).not.toThrow();
        else expect(() => assertHoldMove(holdIn(state), move, TODAY)).toThrow(AppError);
      }
    }
  });
});

describe("ORMB process codes", () => {
  it("maps every process to its ORMB code", () => {
    expect(ORMB_PROCESS_CODES).toEqual({
      invoicing: "BILL",
      delinquency: "DLNQ",
      autopay: "ATPY",
      funding: "FNDG",
      overdue: "OVDU",
      refund: "REFD",
    });
    expect(Object.keys(ORMB_PROCESS_CODES).sort()).toEqual([...HOLD_PROCESSES].sort());
  });
});

// ---------------------------------------------------------------------------------------------
// checkHold
// ---------------------------------------------------------------------------------------------

const TODAY = "2026-03-10";

/** A valid draft hold: 2026-03-15 .. 2026-04-15 on invoicing. */
function hold(overrides: Partial<HoldFacts> = {}): HoldFacts {
  return {
    locator: "HOLD-SELF",
    accountLocator: "ACC-1",
    state: "draft",
    startDate: "2026-03-15",
    endDate: "2026-04-15",
    targets: [target("invoicing")],
    ...overrides,
  };
}

function other(overrides: Partial<HoldFacts> = {}): HoldFacts {
  return hold({ locator: "HOLD-OTHER", state: "active", ...overrides });
}

function ctx(overrides: Partial<HoldValidationContext> = {}): HoldValidationContext {
  return { today: TODAY, account: { status: "open" }, otherHolds: [], ...overrides };
}

type Problem = { path: string; rule: string };
const byPathRule = (a: Problem, b: Problem) => `${a.path}|${a.rule}`.localeCompare(`${b.path}|${b.rule}`);
function problemsOf(h: HoldFacts, c: HoldValidationContext): Problem[] {
  const r = checkHold(h, c);
  for (const p of r.problems) expect(p.message.length).toBeGreaterThan(0);
  expect(r.success).toBe(r.problems.length === 0);
  expect(r.checkedOn).toBe(c.today);
  return r.problems.map(({ path, rule }) => ({ path, rule })).sort(byPathRule);
}

interface CheckCase {
  name: string;
  hold: HoldFacts;
  ctx: HoldValidationContext;
  problems: Problem[];
}

const checkCases: CheckCase[] = [
  // --- valid holds
  { name: "a valid hold has no problems", hold: hold(), ctx: ctx(), problems: [] },
  {
    name: "an open-ended hold with no dates is valid",
    hold: hold({ startDate: null, endDate: null }),
    ctx: ctx(),
    problems: [],
  },
  {
    name: "dates equal to today are not in the past",
    hold: hold({ startDate: TODAY, endDate: TODAY, targets: [target("funding", TODAY, TODAY)] }),
    ctx: ctx(),
    problems: [],
  },
  {
    name: "a one-day hold (end = start) is valid",
    hold: hold({ startDate: "2026-03-20", endDate: "2026-03-20" }),
    ctx: ctx(),
    problems: [],
  },
  {
    name: "overdue alone is allowed",
    hold: hold({ targets: [target("overdue")] }),
    ctx: ctx(),
    problems: [],
  },
  {
    name: "delinquency with invoicing, autopay, funding and refund is allowed",
    hold: hold({
      targets: [target("delinquency"), target("invoicing"), target("autopay"), target("funding"), target("refund")],
    }),
    ctx: ctx(),
    problems: [],
  },
  {
    name: "target dates on the hold's bounds are inside (inclusive)",
    hold: hold({ targets: [target("invoicing", "2026-03-15", "2026-04-15")] }),
    ctx: ctx(),
    problems: [],
  },
  {
    name: "target dates inside an open-ended hold are inside",
    hold: hold({ startDate: null, endDate: null, targets: [target("invoicing", "2026-05-01", "2027-01-01")] }),
    ctx: ctx(),
    problems: [],
  },
  {
    name: "a target with only a start date inherits the hold's end date",
    hold: hold({ targets: [target("invoicing", "2026-03-20", null)] }),
    ctx: ctx(),
    problems: [],
  },

  // --- account
  {
    name: "account_not_found when the account does not exist",
    hold: hold(),
    ctx: ctx({ account: null }),
    problems: [{ path: "accountLocator", rule: "account_not_found" }],
  },
  {
    name: "account_closed when the account is closed",
    hold: hold(),
    ctx: ctx({ account: { status: "closed" } }),
    problems: [{ path: "accountLocator", rule: "account_closed" }],
  },

  // --- targets
  {
    name: "required when there are no targets",
    hold: hold({ targets: [] }),
    ctx: ctx(),
    problems: [{ path: "targets", rule: "required" }],
  },
  {
    name: "duplicate_target names the second occurrence",
    hold: hold({ targets: [target("invoicing"), target("funding"), target("invoicing")] }),
    ctx: ctx(),
    problems: [{ path: "targets[2].process", rule: "duplicate_target" }],
  },
  {
    name: "duplicate_target is reported for every repeat",
    hold: hold({ targets: [target("autopay"), target("autopay"), target("autopay")] }),
    ctx: ctx(),
    problems: [
      { path: "targets[1].process", rule: "duplicate_target" },
      { path: "targets[2].process", rule: "duplicate_target" },
    ],
  },
  {
    name: "duplicate_target even when the duplicates have different dates",
    hold: hold({ targets: [target("refund", "2026-03-15", "2026-03-20"), target("refund", "2026-04-01", null)] }),
    ctx: ctx(),
    problems: [{ path: "targets[1].process", rule: "duplicate_target" }],
  },
  {
    name: "overdue_with_delinquency when both are targeted",
    hold: hold({ targets: [target("delinquency"), target("invoicing"), target("overdue")] }),
    ctx: ctx(),
    problems: [{ path: "targets", rule: "overdue_with_delinquency" }],
  },

  // --- hold dates
  {
    name: "not_in_past for a hold start date before today",
    hold: hold({ startDate: "2026-03-09" }),
    ctx: ctx(),
    problems: [{ path: "startDate", rule: "not_in_past" }],
  },
  {
    name: "not_in_past for a hold end date before today",
    hold: hold({ startDate: null, endDate: "2026-03-09" }),
    ctx: ctx(),
    problems: [{ path: "endDate", rule: "not_in_past" }],
  },
  {
    name: "not_in_past for both hold dates and not_before_start when the end precedes the start",
    hold: hold({ startDate: "2026-03-05", endDate: "2026-03-01" }),
    ctx: ctx(),
    problems: [
      { path: "endDate", rule: "not_before_start" },
      { path: "endDate", rule: "not_in_past" },
      { path: "startDate", rule: "not_in_past" },
    ],
  },
  {
    name: "not_before_start for a future hold whose end precedes its start",
    hold: hold({ startDate: "2026-04-01", endDate: "2026-03-31" }),
    ctx: ctx(),
    problems: [{ path: "endDate", rule: "not_before_start" }],
  },

  // --- target dates
  {
    name: "not_in_past for a target start date before today",
    hold: hold({ startDate: null, endDate: null, targets: [target("funding", "2026-03-01", null)] }),
    ctx: ctx(),
    problems: [{ path: "targets[0].startDate", rule: "not_in_past" }],
  },
  {
    name: "not_in_past for a target end date before today",
    hold: hold({ startDate: null, endDate: null, targets: [target("funding", null, "2026-03-01")] }),
    ctx: ctx(),
    problems: [{ path: "targets[0].endDate", rule: "not_in_past" }],
  },
  {
    name: "not_before_start for a target whose end precedes its start",
    hold: hold({ startDate: null, endDate: null, targets: [target("funding", "2026-04-10", "2026-04-01")] }),
    ctx: ctx(),
    problems: [{ path: "targets[0].endDate", rule: "not_before_start" }],
  },
  {
    name: "target date problems use the target's index",
    hold: hold({
      startDate: null,
      endDate: null,
      targets: [target("invoicing"), target("funding", "2026-03-01", null)],
    }),
    ctx: ctx(),
    problems: [{ path: "targets[1].startDate", rule: "not_in_past" }],
  },

  // --- outside_hold_dates
  {
    name: "outside_hold_dates for a target starting before the hold",
    hold: hold({ targets: [target("invoicing", "2026-03-14", null)] }),
    ctx: ctx(),
    problems: [{ path: "targets[0]", rule: "outside_hold_dates" }],
  },
  {
    name: "outside_hold_dates for a target ending after the hold",
    hold: hold({ targets: [target("invoicing", null, "2026-04-16")] }),
    ctx: ctx(),
    problems: [{ path: "targets[0]", rule: "outside_hold_dates" }],
  },
  {
    name: "outside_hold_dates for a target starting after the hold ends (no end of its own)",
    hold: hold({ endDate: "2026-03-28", targets: [target("invoicing", "2026-03-29", null)] }),
    ctx: ctx(),
    problems: [{ path: "targets[0]", rule: "outside_hold_dates" }],
  },
  {
    name: "outside_hold_dates for a target ending before the hold starts (no start of its own)",
    hold: hold({ startDate: "2026-03-20", endDate: null, targets: [target("invoicing", null, "2026-03-19")] }),
    ctx: ctx(),
    problems: [{ path: "targets[0]", rule: "outside_hold_dates" }],
  },
  {
    name: "outside_hold_dates for the second target only",
    hold: hold({
      targets: [target("invoicing", "2026-03-20", "2026-03-25"), target("funding", "2026-04-01", "2026-05-01")],
    }),
    ctx: ctx(),
    problems: [{ path: "targets[1]", rule: "outside_hold_dates" }],
  },

  // --- overlapping_hold
  {
    name: "overlapping_hold against a validated hold of the same account",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ state: "validated", startDate: "2026-04-01", endDate: "2026-05-01" })] }),
    problems: [{ path: "targets[0].process", rule: "overlapping_hold" }],
  },
  {
    name: "overlapping_hold against an active hold of the same account",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ state: "active", startDate: "2026-03-01", endDate: "2026-03-20" })] }),
    problems: [{ path: "targets[0].process", rule: "overlapping_hold" }],
  },
  ...(["draft", "released", "discarded"] as const).map(
    (state): CheckCase => ({
      name: `no overlapping_hold against a ${state} hold`,
      hold: hold(),
      ctx: ctx({ otherHolds: [other({ state })] }),
      problems: [],
    }),
  ),
  {
    name: "no overlapping_hold against a hold of another account",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ accountLocator: "ACC-2" })] }),
    problems: [],
  },
  {
    name: "no overlapping_hold against another process",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ targets: [target("funding"), target("autopay")] })] }),
    problems: [],
  },
  {
    name: "no overlapping_hold when the other ends the day before",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ startDate: "2026-03-01", endDate: "2026-03-14" })] }),
    problems: [],
  },
  {
    name: "no overlapping_hold when the other starts the day after",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ startDate: "2026-04-16", endDate: null })] }),
    problems: [],
  },
  {
    name: "overlapping_hold when the other ends on the hold's start date (inclusive)",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ startDate: "2026-03-01", endDate: "2026-03-15" })] }),
    problems: [{ path: "targets[0].process", rule: "overlapping_hold" }],
  },
  {
    name: "overlapping_hold when the other starts on the hold's end date (inclusive)",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ startDate: "2026-04-15", endDate: "2026-06-01" })] }),
    problems: [{ path: "targets[0].process", rule: "overlapping_hold" }],
  },
  {
    name: "overlapping_hold against an open-ended other (no dates)",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ startDate: null, endDate: null })] }),
    problems: [{ path: "targets[0].process", rule: "overlapping_hold" }],
  },
  {
    name: "overlapping_hold for an open-ended hold against an other far in the future",
    hold: hold({ endDate: null }),
    ctx: ctx({ otherHolds: [other({ startDate: "2030-01-01", endDate: "2030-01-02" })] }),
    problems: [{ path: "targets[0].process", rule: "overlapping_hold" }],
  },
  {
    name: "overlapping_hold for an open-start other ending inside the hold",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ startDate: null, endDate: "2026-03-16" })] }),
    problems: [{ path: "targets[0].process", rule: "overlapping_hold" }],
  },
  {
    name: "no overlapping_hold for an open-ended other starting after the hold ends",
    hold: hold(),
    ctx: ctx({ otherHolds: [other({ startDate: "2026-05-01", endDate: null })] }),
    problems: [],
  },
  {
    name: "target dates, not hold dates, decide overlap: disjoint target dates in overlapping holds",
    hold: hold({ targets: [target("invoicing", "2026-03-15", "2026-03-20")] }),
    ctx: ctx({ otherHolds: [other({ targets: [target("invoicing", "2026-03-21", "2026-04-15")] })] }),
    problems: [],
  },
  {
    name: "target dates decide overlap: touching target dates clash",
    hold: hold({ targets: [target("invoicing", "2026-03-15", "2026-03-20")] }),
    ctx: ctx({ otherHolds: [other({ targets: [target("invoicing", "2026-03-20", "2026-04-15")] })] }),
    problems: [{ path: "targets[0].process", rule: "overlapping_hold" }],
  },
  {
    name: "overlapping_hold names the clashing target's index",
    hold: hold({ targets: [target("funding"), target("autopay"), target("invoicing")] }),
    ctx: ctx({ otherHolds: [other({ targets: [target("refund"), target("invoicing")] })] }),
    problems: [{ path: "targets[2].process", rule: "overlapping_hold" }],
  },
  {
    name: "overlapping_hold once per clashing other hold",
    hold: hold(),
    ctx: ctx({
      otherHolds: [other({ locator: "OTHER-A" }), other({ locator: "OTHER-B", state: "validated" })],
    }),
    problems: [
      { path: "targets[0].process", rule: "overlapping_hold" },
      { path: "targets[0].process", rule: "overlapping_hold" },
    ],
  },
  {
    name: "the hold itself among the other holds is ignored",
    hold: hold({ state: "validated" }),
    ctx: ctx({ otherHolds: [hold({ state: "validated" })] }),
    problems: [],
  },

  // --- everything at once
  {
    name: "every problem is reported at once, not only the first",
    hold: hold({
      startDate: "2026-03-01",
      endDate: "2026-03-31",
      targets: [
        target("overdue"),
        target("delinquency", "2026-03-20", "2026-03-15"),
        target("overdue", null, "2026-04-30"),
      ],
    }),
    ctx: ctx({
      account: { status: "closed" },
      otherHolds: [other({ startDate: null, endDate: null, targets: [target("delinquency")] })],
    }),
    problems: [
      { path: "accountLocator", rule: "account_closed" },
      { path: "targets[2].process", rule: "duplicate_target" },
      { path: "targets", rule: "overdue_with_delinquency" },
      { path: "startDate", rule: "not_in_past" },
      { path: "targets[1].endDate", rule: "not_before_start" },
      { path: "targets[2]", rule: "outside_hold_dates" },
      { path: "targets[1].process", rule: "overlapping_hold" },
    ].sort(byPathRule),
  },
];

describe("checkHold", () => {
  it.each(checkCases)("$name", ({ hold: h, ctx: c, problems }) => {
    expect(problemsOf(h, c)).toEqual(problems);
  });

  it("a valid hold gives success true, no problems and the date checked", () => {
    expect(checkHold(hold(), ctx())).toEqual({ success: true, checkedOn: TODAY, problems: [] });
  });

  it("a failing hold gives success false", () => {
    const r = checkHold(hold({ targets: [] }), ctx());
    expect(r.success).toBe(false);
    expect(r.problems).toEqual([{ path: "targets", rule: "required", message: "a hold needs at least one target" }]);
  });

  it("messages name the missing account, the past date and the clashing hold", () => {
    expect(checkHold(hold(), ctx({ account: null })).problems[0]?.message).toContain("ACC-1");
    expect(checkHold(hold({ startDate: "2026-03-09" }), ctx()).problems[0]?.message).toBe(
      "start date 2026-03-09 is before today (2026-03-10)",
    );
    const clash = checkHold(hold(), ctx({ otherHolds: [other({ locator: "OTHER-Z", state: "validated" })] }));
    expect(clash.problems[0]?.message).toContain("OTHER-Z");
    expect(clash.problems[0]?.message).toContain("validated");
    expect(clash.problems[0]?.message).toContain("invoicing");
  });

  it("does not modify its arguments", () => {
    const h = hold({ targets: [target("invoicing"), target("invoicing")] });
    const c = ctx({ otherHolds: [other()] });
    const before = structuredClone({ h, c });
    checkHold(h, c);
    expect({ h, c }).toEqual(before);
  });
});

describe("targetPeriod", () => {
  it.each([
    { t: target("invoicing"), want: { start: "2026-03-15", end: "2026-04-15" } },
    { t: target("invoicing", "2026-03-20", null), want: { start: "2026-03-20", end: "2026-04-15" } },
    { t: target("invoicing", null, "2026-03-30"), want: { start: "2026-03-15", end: "2026-03-30" } },
    { t: target("invoicing", "2026-03-20", "2026-03-30"), want: { start: "2026-03-20", end: "2026-03-30" } },
  ])(
    "target from $t.startDate to $t.endDate in a 2026-03-15 to 2026-04-15 hold covers $want.start to $want.end",
    ({ t, want }) => {
      expect(targetPeriod(hold(), t)).toEqual(want);
    },
  );

  it("is open where both the target and the hold are open", () => {
    expect(targetPeriod({ startDate: null, endDate: null }, target("funding"))).toEqual({ start: null, end: null });
  });
});

// ---------------------------------------------------------------------------------------------
// Property-based: checkHold
// ---------------------------------------------------------------------------------------------

/** Days 0..40 from 2026-03-01 so dates collide often. */
const DAY0 = Date.UTC(2026, 2, 1);
const dayToDate = (n: number): BusinessDate => new Date(DAY0 + n * 86_400_000).toISOString().slice(0, 10);
const dateToDay = (d: BusinessDate): number => Math.round((Date.parse(`${d}T00:00:00Z`) - DAY0) / 86_400_000);
const arbDate = fc.integer({ min: 0, max: 40 }).map(dayToDate);
const arbOptDate = fc.option(arbDate, { nil: null });
const arbProcess = fc.constantFrom(...HOLD_PROCESSES);
const arbTarget = fc.record({ process: arbProcess, startDate: arbOptDate, endDate: arbOptDate });
const arbState = fc.constantFrom(...HOLD_STATES);
const arbFacts = (locator: fc.Arbitrary<string>, state: fc.Arbitrary<HoldState>) =>
  fc.record({
    locator,
    accountLocator: fc.constantFrom("ACC-1", "ACC-2"),
    state,
    startDate: arbOptDate,
    endDate: arbOptDate,
    targets: fc.array(arbTarget, { maxLength: 7 }),
  });
const arbCtx = fc.record({
  today: arbDate,
  account: fc.option(fc.record({ status: fc.constantFrom("open" as const, "closed" as const) }), { nil: null }),
  otherHolds: fc.array(arbFacts(fc.constantFrom("H-A", "H-B", "H-C", "H-D"), arbState), { maxLength: 4 }),
});

/** Processes of `a` that checkHold reports as clashing with `b`. */
function clashingProcesses(a: HoldFacts, b: HoldFacts): Set<HoldProcess> {
  const r = checkHold(a, { today: "2000-01-01", account: { status: "open" }, otherHolds: [b] });
  const out = new Set<HoldProcess>();
  for (const p of r.problems) {
    if (p.rule !== "overlapping_hold") continue;
    const m = /^targets\[(\d+)\]\.process$/.exec(p.path);
    const t = m ? a.targets[Number(m[1])] : undefined;
    if (!t) throw new Error(`unexpected overlapping_hold path ${p.path}`);
    out.add(t.process);
  }
  return out;
}

/** An oracle independent of dates.ts: do the effective day sets of two targets share a day? */
function daysShared(a: HoldFacts, ta: HoldTarget, b: HoldFacts, tb: HoldTarget): boolean {
  const lo = -5;
  const hi = 45;
  const span = (h: HoldFacts, t: HoldTarget) => {
    const s = t.startDate ?? h.startDate;
    const e = t.endDate ?? h.endDate;
    return { s: s === null ? lo : dateToDay(s), e: e === null ? hi : dateToDay(e) };
  };
  const x = span(a, ta);
  const y = span(b, tb);
  for (let d = lo; d <= hi; d++) if (x.s <= d && d <= x.e && y.s <= d && d <= y.e) return true;
  return false;
}

describe("checkHold properties", () => {
  it("never throws, is deterministic, and success means no problems", () => {
    fc.assert(
      fc.property(arbFacts(fc.constantFrom("H-A", "H-SELF"), arbState), arbCtx, (h, c) => {
        const snapshot = structuredClone({ h, c });
        const first = checkHold(h, c);
        const second = checkHold(structuredClone(h), structuredClone(c));
        expect(second).toEqual(first);
        expect({ h, c }).toEqual(snapshot);
        expect(first.success).toBe(first.problems.length === 0);
        expect(first.checkedOn).toBe(c.today);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary strings for dates and locators", () => {
    const anyStr = fc.string({ maxLength: 12 });
    const optStr = fc.option(anyStr, { nil: null });
    const t = fc.record({ process: arbProcess, startDate: optStr, endDate: optStr });
    const facts = fc.record({
      locator: anyStr,
      accountLocator: anyStr,
      state: arbState,
      startDate: optStr,
      endDate: optStr,
      targets: fc.array(t, { maxLength: 5 }),
    });
    fc.assert(
      fc.property(facts, anyStr, fc.array(facts, { maxLength: 3 }), (h, today, others) => {
        const c = { today, account: { status: "open" as const }, otherHolds: others };
        expect(checkHold(h, c)).toEqual(checkHold(h, c));
      }),
      { numRuns: 300 },
    );
  });

  const arbLive = fc.constantFrom("validated" as const, "active" as const);
  const arbPair = fc.tuple(
    arbFacts(fc.constant("H-A"), arbLive).map((h) => ({ ...h, accountLocator: "ACC-1" })),
    arbFacts(fc.constant("H-B"), arbLive).map((h) => ({ ...h, accountLocator: "ACC-1" })),
  );

  it("overlap is symmetric: A clashes with B on a process iff B clashes with A on it", () => {
    fc.assert(
      fc.property(arbPair, ([a, b]) => {
        expect([...clashingProcesses(a, b)].sort()).toEqual([...clashingProcesses(b, a)].sort());
      }),
      { numRuns: 1000 },
    );
  });

  /** Every target's effective period is a real (non-empty) range, as checkHold guarantees for live holds. */
  const wellFormed = (h: HoldFacts) =>
    h.targets.every((t) => {
      const p = targetPeriod(h, t);
      return p.start === null || p.end === null || p.start <= p.end;
    });

  it("overlap matches a day-by-day oracle on the targets' effective dates", () => {
    fc.assert(
      fc.property(arbPair, ([a, b]) => {
        fc.pre(wellFormed(a) && wellFormed(b));
        const expected = new Set<HoldProcess>();
        for (const ta of a.targets)
          for (const tb of b.targets)
            if (ta.process === tb.process && daysShared(a, ta, b, tb)) expected.add(ta.process);
        expect([...clashingProcesses(a, b)].sort()).toEqual([...expected].sort());
      }),
      { numRuns: 1000 },
    );
  });

  it("holds in other accounts or in draft/released/discarded never clash", () => {
    fc.assert(
      fc.property(arbFacts(fc.constant("H-A"), arbState), arbFacts(fc.constant("H-B"), arbState), (a, b) => {
        fc.pre(a.accountLocator !== b.accountLocator || !(b.state === "validated" || b.state === "active"));
        expect(clashingProcesses(a, b).size).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Ending, schedule, effect
// ---------------------------------------------------------------------------------------------

describe("hasHoldEnded / assertHoldNotEnded", () => {
  it.each([
    { endDate: null, today: TODAY, ended: false },
    { endDate: "2026-03-11", today: TODAY, ended: false },
    { endDate: TODAY, today: TODAY, ended: false },
    { endDate: "2026-03-09", today: TODAY, ended: true },
    { endDate: "2025-12-31", today: "2026-01-01", ended: true },
  ])("end $endDate on $today: ended=$ended", ({ endDate, today, ended }) => {
    expect(hasHoldEnded({ endDate }, today)).toBe(ended);
    const h = { endDate, locator: "HOLD-9" };
    if (ended) {
      const err = thrownBy(() => assertHoldNotEnded(h, today, "release"));
      expect(err.code).toBe("HOLD_ENDED");
      expect(err.message).toContain("release");
      expect(err.message).toContain("HOLD-9");
      expect(err.message).toContain(String(endDate));
      expect(err.details).toEqual({ endDate, today });
    } else {
      expect(() => assertHoldNotEnded(h, today, "amend")).not.toThrow();
    }
  });

  it("names the move that was refused", () => {
    const err = thrownBy(() => assertHoldNotEnded({ endDate: "2026-03-01", locator: "HOLD-9" }, TODAY, "amend"));
    expect(err.message).toBe("Cannot amend hold HOLD-9: its end date 2026-03-01 has passed; the worker releases it.");
  });
});

describe("holdSchedule", () => {
  it.each([
    { state: "draft", startDate: "2026-04-01", endDate: null, want: null },
    { state: "validated", startDate: null, endDate: null, want: null },
    { state: "released", startDate: null, endDate: "2026-03-01", want: null },
    { state: "discarded", startDate: null, endDate: null, want: null },
    { state: "active", startDate: "2026-03-11", endDate: null, want: "scheduled" },
    { state: "active", startDate: "2026-03-11", endDate: "2026-03-20", want: "scheduled" },
    { state: "active", startDate: TODAY, endDate: null, want: "in_effect" },
    { state: "active", startDate: null, endDate: null, want: "in_effect" },
    { state: "active", startDate: "2026-03-01", endDate: TODAY, want: "in_effect" },
    { state: "active", startDate: "2026-03-01", endDate: "2026-03-31", want: "in_effect" },
    { state: "active", startDate: "2026-03-01", endDate: "2026-03-09", want: "ended" },
    { state: "active", startDate: null, endDate: "2026-03-09", want: "ended" },
  ] as const)(
    "$state hold from $startDate to $endDate on 2026-03-10 is $want",
    ({ state, startDate, endDate, want }) => {
      expect(holdSchedule(hold({ state, startDate, endDate }), TODAY)).toBe(want);
    },
  );
});

describe("holdsInEffect", () => {
  type Tagged = HoldFacts & { tag: string };
  const mk = (tag: string, overrides: Partial<HoldFacts>): Tagged => ({
    ...hold({ locator: tag, state: "active", targets: [target("funding")] }),
    ...overrides,
    tag,
  });

  interface EffectCase {
    name: string;
    holds: Tagged[];
    date: BusinessDate;
    process?: HoldProcess;
    account?: string;
    want: string[];
  }

  const cases: EffectCase[] = [
    { name: "an active hold on the date holds the account", holds: [mk("a", {})], date: "2026-03-20", want: ["a"] },
    ...(["draft", "validated", "released", "discarded"] as const).map(
      (state): EffectCase => ({
        name: `a ${state} hold has no effect`,
        holds: [mk("a", { state })],
        date: "2026-03-20",
        want: [],
      }),
    ),
    {
      name: "another account is not held",
      holds: [mk("a", {})],
      date: "2026-03-20",
      account: "ACC-2",
      want: [],
    },
    {
      name: "another process is not held",
      holds: [mk("a", { targets: [target("invoicing"), target("autopay")] })],
      date: "2026-03-20",
      want: [],
    },
    { name: "the hold's start date is in effect", holds: [mk("a", {})], date: "2026-03-15", want: ["a"] },
    { name: "the hold's end date is in effect", holds: [mk("a", {})], date: "2026-04-15", want: ["a"] },
    { name: "the day before the hold starts is not", holds: [mk("a", {})], date: "2026-03-14", want: [] },
    { name: "the day after the hold ends is not", holds: [mk("a", {})], date: "2026-04-16", want: [] },
    {
      name: "an open-ended hold holds any date",
      holds: [mk("a", { startDate: null, endDate: null })],
      date: "2099-12-31",
      want: ["a"],
    },
    ...(
      [
        ["2026-03-19", []],
        ["2026-03-20", ["a"]],
        ["2026-03-25", ["a"]],
        ["2026-03-26", []],
      ] as const
    ).map(
      ([date, want]): EffectCase => ({
        name: `a target's own narrower dates 03-20..03-25 decide: ${date}`,
        holds: [mk("a", { targets: [target("funding", "2026-03-20", "2026-03-25")] })],
        date,
        want: [...want],
      }),
    ),
    {
      name: "both the hold's and the target's dates must contain the date (target wider than hold)",
      holds: [mk("a", { targets: [target("funding", "2026-03-01", "2026-05-01")] })],
      date: "2026-03-12",
      want: [],
    },
    {
      name: "a target on another process with matching dates does not count",
      holds: [mk("a", { targets: [target("invoicing", "2026-03-20", null), target("funding", "2026-04-01", null)] })],
      date: "2026-03-25",
      want: [],
    },
    {
      name: "every matching hold is returned, in input order",
      holds: [
        mk("a", {}),
        mk("b", { state: "validated" }),
        mk("c", { startDate: null, endDate: null }),
        mk("d", { accountLocator: "ACC-2" }),
      ],
      date: "2026-03-20",
      want: ["a", "c"],
    },
  ];

  it.each(cases)("$name", ({ holds, date, process, account, want }) => {
    const result = holdsInEffect(holds, account ?? "ACC-1", process ?? "funding", date);
    expect(result.map((h) => h.tag)).toEqual(want);
    for (const h of result) expect(holds).toContain(h);
  });
});

// ---------------------------------------------------------------------------------------------
// amendHold
// ---------------------------------------------------------------------------------------------

describe("amendHold", () => {
  type Stored = AmendableHold & { version: number };
  const base = (): Stored => ({
    locator: "HOLD-1",
    accountLocator: "ACC-1",
    state: "active",
    startDate: "2026-03-15",
    endDate: "2026-04-15",
    targets: [target("invoicing", null, null), target("funding", "2026-03-20", "2026-03-31")],
    comments: "original",
    characteristics: [
      { type: "REASON", value: "dispute", effectiveDate: "2026-03-15" },
      { type: "TICKET", value: "T-1", effectiveDate: null },
    ],
    version: 7,
  });

  interface AmendCase {
    name: string;
    amendment: HoldAmendment;
    expect: (before: Stored) => Stored;
  }

  const cases: AmendCase[] = [
    { name: "an empty amendment changes nothing", amendment: {}, expect: (b) => b },
    {
      name: "changes the hold end date",
      amendment: { endDate: "2026-05-01" },
      expect: (b) => ({ ...b, endDate: "2026-05-01" }),
    },
    {
      name: "clears the hold end date with null",
      amendment: { endDate: null },
      expect: (b) => ({ ...b, endDate: null }),
    },
    {
      name: "updates an existing target's end date, keeping its start",
      amendment: { targets: [{ process: "funding", endDate: "2026-04-10" }] },
      expect: (b) => ({ ...b, targets: [target("invoicing"), target("funding", "2026-03-20", "2026-04-10")] }),
    },
    {
      name: "updates an existing target's start and end dates",
      amendment: { targets: [{ process: "invoicing", startDate: "2026-03-16", endDate: "2026-03-18" }] },
      expect: (b) => ({
        ...b,
        targets: [target("invoicing", "2026-03-16", "2026-03-18"), target("funding", "2026-03-20", "2026-03-31")],
      }),
    },
    {
      name: "null clears a target's end date",
      amendment: { targets: [{ process: "funding", endDate: null }] },
      expect: (b) => ({ ...b, targets: [target("invoicing"), target("funding", "2026-03-20", null)] }),
    },
    {
      name: "adds a new target with its dates",
      amendment: { targets: [{ process: "autopay", startDate: "2026-03-25", endDate: "2026-04-01" }] },
      expect: (b) => ({ ...b, targets: [...b.targets, target("autopay", "2026-03-25", "2026-04-01")] }),
    },
    {
      name: "adds a new target with open dates when none are sent",
      amendment: { targets: [{ process: "refund" }] },
      expect: (b) => ({ ...b, targets: [...b.targets, target("refund", null, null)] }),
    },
    {
      name: "replaces the comments",
      amendment: { comments: "amended by ORMB" },
      expect: (b) => ({ ...b, comments: "amended by ORMB" }),
    },
    {
      name: "clears the comments with null",
      amendment: { comments: null },
      expect: (b) => ({ ...b, comments: null }),
    },
    {
      name: "Update replaces the characteristic of the same type in place",
      amendment: {
        characteristics: [{ action: "Update", type: "REASON", value: "fraud", effectiveDate: "2026-03-20" }],
      },
      expect: (b) => ({
        ...b,
        characteristics: [
          { type: "REASON", value: "fraud", effectiveDate: "2026-03-20" },
          { type: "TICKET", value: "T-1", effectiveDate: null },
        ],
      }),
    },
    {
      name: "Update without an effective date stores null",
      amendment: { characteristics: [{ action: "Update", type: "REASON", value: "fraud" }] },
      expect: (b) => ({
        ...b,
        characteristics: [
          { type: "REASON", value: "fraud", effectiveDate: null },
          { type: "TICKET", value: "T-1", effectiveDate: null },
        ],
      }),
    },
    {
      name: "Update of a new type appends it",
      amendment: { characteristics: [{ action: "Update", type: "OWNER", value: "ops" }] },
      expect: (b) => ({
        ...b,
        characteristics: [...b.characteristics, { type: "OWNER", value: "ops", effectiveDate: null }],
      }),
    },
    {
      name: "Delete removes the characteristic of that type",
      amendment: { characteristics: [{ action: "Delete", type: "REASON" }] },
      expect: (b) => ({ ...b, characteristics: [{ type: "TICKET", value: "T-1", effectiveDate: null }] }),
    },
    {
      name: "Delete of an absent type is a no-op",
      amendment: { characteristics: [{ action: "Delete", type: "NOPE" }] },
      expect: (b) => b,
    },
    {
      name: "several changes apply in order (update, delete, re-add)",
      amendment: {
        characteristics: [
          { action: "Update", type: "TICKET", value: "T-2" },
          { action: "Delete", type: "REASON" },
          { action: "Update", type: "REASON", value: "again" },
        ],
      },
      expect: (b) => ({
        ...b,
        characteristics: [
          { type: "TICKET", value: "T-2", effectiveDate: null },
          { type: "REASON", value: "again", effectiveDate: null },
        ],
      }),
    },
    {
      name: "a full ORMB amend changes only what was sent",
      amendment: {
        endDate: "2026-06-30",
        targets: [{ process: "funding", endDate: "2026-06-30" }, { process: "autopay" }],
        comments: "extended",
        characteristics: [{ action: "Delete", type: "TICKET" }],
      },
      expect: (b) => ({
        ...b,
        endDate: "2026-06-30",
        targets: [target("invoicing"), target("funding", "2026-03-20", "2026-06-30"), target("autopay")],
        comments: "extended",
        characteristics: [{ type: "REASON", value: "dispute", effectiveDate: "2026-03-15" }],
      }),
    },
  ];

  it.each(cases)("$name", ({ amendment, expect: want }) => {
    const before = base();
    const snapshot = structuredClone(before);
    const after = amendHold(before, amendment);
    expect(after).toEqual(want(snapshot));
    // the input is never modified, and the result shares no target or characteristic objects with it
    expect(before).toEqual(snapshot);
    expect(after).not.toBe(before);
    for (const t of after.targets) expect(before.targets).not.toContain(t);
    for (const c of after.characteristics) expect(before.characteristics).not.toContain(c);
  });

  it("never changes identity, account, state, start date or extra fields", () => {
    const after = amendHold(base(), {
      endDate: "2026-07-01",
      targets: [{ process: "overdue", startDate: "2026-04-01" }],
      comments: "x",
      characteristics: [{ action: "Update", type: "A", value: "b" }],
    });
    expect(after.locator).toBe("HOLD-1");
    expect(after.accountLocator).toBe("ACC-1");
    expect(after.state).toBe("active");
    expect(after.startDate).toBe("2026-03-15");
    expect(after.version).toBe(7);
  });
});

describe("socotraTargetType", () => {
  it.each([
    { targets: [], want: null },
    { targets: [target("invoicing")], want: "invoicing" },
    { targets: [target("delinquency", "2026-03-15", null)], want: "delinquency" },
    { targets: [target("funding")], want: null },
    { targets: [target("autopay")], want: null },
    { targets: [target("overdue")], want: null },
    { targets: [target("refund")], want: null },
    { targets: [target("invoicing"), target("delinquency")], want: null },
    { targets: [target("invoicing"), target("funding")], want: null },
  ])("$targets.length target(s) $targets.0.process -> $want", ({ targets, want }) => {
    expect(socotraTargetType(targets)).toBe(want);
  });
});

// ---------------------------------------------------------------------------------------------
// allowedHoldMoves on a date: exactly the moves that succeed
// ---------------------------------------------------------------------------------------------

describe("allowedHoldMoves on a date", () => {
  const PAST_END = {
    locator: "HOLD-7",
    accountLocator: "ACC-1",
    state: "active" as const,
    startDate: "2026-03-01",
    endDate: "2026-03-09",
  };
  const pastEnd = { ...PAST_END, targets: [target("invoicing")] };

  it("an active hold past its end date advertises no move; release and amend are refused with HOLD_ENDED", () => {
    expect(allowedHoldMoves(pastEnd, TODAY)).toEqual([]);
    for (const move of ["release", "amend"] as const) {
      const err = thrownBy(() => assertHoldMove(pastEnd, move, TODAY));
      expect(err.code).toBe("HOLD_ENDED");
      expect(err.details).toEqual({ endDate: "2026-03-09", today: TODAY });
    }
    // On its last day it still may be released and amended.
    expect(allowedHoldMoves(pastEnd, "2026-03-09")).toEqual(["release", "amend"]);
  });

  it("a refused move on an ended active hold lists the moves allowed today: none", () => {
    const err = thrownBy(() => assertHoldMove(pastEnd, "validate", TODAY));
    expect(err.code).toBe("INVALID_TRANSITION");
    expect(err.details).toEqual({ state: "active", move: "validate", allowedMoves: [] });
    expect(err.message).toBe(
      "Cannot validate a hold in state active; no move is allowed today: its end date 2026-03-09 has passed.",
    );
  });

  it("a validated hold whose start date has passed does not advertise activate (the re-check refuses it)", () => {
    const hold = { ...pastEnd, state: "validated" as const, endDate: null };
    expect(allowedHoldMoves(hold, TODAY)).toEqual(["reset", "discard"]);
    expect(checkHold(hold, { today: TODAY, account: { status: "open" }, otherHolds: [] }).problems).toEqual([
      expect.objectContaining({ path: "startDate", rule: "not_in_past" }),
    ]);
    expect(allowedHoldMoves(hold, "2026-03-01")).toEqual(["activate", "reset", "discard"]);
  });

  /**
   * A hold that met every rule on the day it was validated (its dates on or after that day, each
   * target inside the hold), in any state, seen on any later or earlier day.
   */
  const arbMovable = fc
    .record({
      state: arbState,
      validatedOn: fc.integer({ min: 0, max: 20 }),
      start: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
      length: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
      targets: fc.uniqueArray(
        fc.record({
          process: fc.constantFrom("invoicing", "funding", "refund") as fc.Arbitrary<HoldProcess>,
          from: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
          length: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
        }),
        { selector: (t) => t.process, minLength: 1, maxLength: 3 },
      ),
      today: fc.integer({ min: 0, max: 40 }),
    })
    .map((g) => {
      const start = g.start === null ? null : g.validatedOn + g.start;
      const base = start ?? g.validatedOn;
      const end = g.length === null ? null : base + g.length;
      const clip = (n: number) => (end === null ? n : Math.min(n, end));
      const targets = g.targets.map((t) => {
        const tStart = t.from === null ? null : clip(base + t.from);
        const tEnd = t.length === null ? null : clip((tStart ?? base) + t.length);
        return target(t.process, tStart === null ? null : dayToDate(tStart), tEnd === null ? null : dayToDate(tEnd));
      });
      const hold: AmendableHold = {
        locator: "HOLD-P",
        accountLocator: "ACC-1",
        state: g.state,
        startDate: start === null ? null : dayToDate(start),
        endDate: end === null ? null : dayToDate(end),
        targets,
        comments: null,
        characteristics: [],
      };
      return { hold, validatedOn: dayToDate(g.validatedOn), today: dayToDate(g.today) };
    });

  /** Whether the move succeeds through the domain's rules: the state machine, then the move's own checks. */
  function succeeds(hold: AmendableHold, move: HoldMove, today: BusinessDate): boolean {
    try {
      assertHoldMove(hold, move, today);
    } catch (e) {
      if (e instanceof AppError) return false;
      throw e;
    }
    const ctx: HoldValidationContext = { today, account: { status: "open" }, otherHolds: [] };
    if (move === "activate") return checkHold(hold, ctx).success;
    if (move === "amend") return checkHold(amendHold(hold, {}), ctx, { unchanged: hold }).success;
    return true;
  }

  it("for every state and date, each advertised move succeeds and each other move is refused", () => {
    fc.assert(
      fc.property(arbMovable, ({ hold, validatedOn, today }) => {
        // The generator's holds are valid on their validation day.
        const onValidation = checkHold(hold, { today: validatedOn, account: { status: "open" }, otherHolds: [] });
        expect(onValidation.problems).toEqual([]);
        const advertised = allowedHoldMoves(hold, today);
        for (const move of HOLD_MOVES) {
          expect(succeeds(hold, move, today), `${hold.state} ${move} on ${today}`).toBe(advertised.includes(move));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("missingCharacteristicDeletes", () => {
  const hold: AmendableHold = {
    locator: "HOLD-1",
    accountLocator: "ACC-1",
    state: "active",
    startDate: null,
    endDate: null,
    targets: [target("invoicing", null, null)],
    comments: null,
    characteristics: [
      { type: "REASON", value: "dispute", effectiveDate: "2026-03-15" },
      { type: "TICKET", value: "T-1", effectiveDate: null },
    ],
  };
  const del = (type: string, value?: string, effectiveDate?: string | null) => ({
    action: "Delete" as const,
    type,
    ...(value === undefined ? {} : { value }),
    ...(effectiveDate === undefined ? {} : { effectiveDate }),
  });

  it.each([
    ["by type", del("REASON")],
    ["by type and value", del("REASON", "dispute")],
    ["by type, value and effective date", del("REASON", "dispute", "2026-03-15")],
    ["with a null effective date (not sent)", del("TICKET", "T-1", null)],
  ])("a Delete that names one the hold has: no issue (%s)", (_name, d) => {
    expect(missingCharacteristicDeletes(hold, { characteristics: [d] })).toEqual([]);
  });

  it("each Delete naming none the hold has is an issue at its index; Updates are never one", () => {
    expect(
      missingCharacteristicDeletes(hold, {
        characteristics: [
          { action: "Update", type: "NEW", value: "x" },
          del("NOPE"),
          del("REASON", "other"),
          del("REASON", "dispute", "2026-03-16"),
        ],
      }),
    ).toEqual([
      {
        path: "characteristics[1]",
        rule: "characteristic_not_found",
        message: "the hold has no characteristic NOPE to delete",
      },
      {
        path: "characteristics[2]",
        rule: "characteristic_not_found",
        message: "the hold has no characteristic REASON (other) to delete",
      },
      {
        path: "characteristics[3]",
        rule: "characteristic_not_found",
        message: "the hold has no characteristic REASON (dispute, 2026-03-16) to delete",
      },
    ]);
  });
});
