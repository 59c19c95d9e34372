/**
 * Model-based test of holds (issue 6): random sequences of commands run
 * through the real tRPC router (a real token, the real database) and against
 * a pure model (test/model/holds-model.ts), written from the spec.
 *
 * Commands: create (random targets, dates and account among three), update,
 * validate, activate, release, reset, discard, amend — on any hold in any
 * state, so moves the state does not allow (activating a draft, releasing a
 * released hold, amending a draft) come up all the time — each optionally
 * with a stale expectedVersion; advancing the clock (dates fall into the
 * past, holds end); closing and reopening an account.
 *
 * After every command: the answer (or the refusal's tRPC and application
 * codes, and the failed rules) is the model's; a refused call changed no row
 * (database checksum); and the whole tenant matches the model: states,
 * versions (+1 per applied move or refused activation), targets, claims, the audit trail of each
 * hold (exactly the moves that applied and the refused activations, in order, from the table and from
 * `audit.history`), and no two validated or active holds of one account hold
 * one process over overlapping dates.
 */
import { createWorld, type World } from "@holdfast/api/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  failedRules,
  type HoldsModel,
  hasInvertedTarget,
  INVERTED_TARGET,
  MODEL_PROCESSES,
  type ModelAmend,
  type ModelHold,
  type ModelMove,
  type ModelProcess,
  type ModelRequest,
  type ModelTarget,
  type ModelUpdate,
  predictMove,
} from "./model/holds-model.ts";
import {
  advanceDays,
  checksum,
  expectAnswerMatches,
  expectHistoryMatches,
  expectTenantMatchesModel,
  type HoldsReal,
  newHoldsRun,
  RUN_START_DAY,
} from "./model/holds-world.ts";
import { attempt, mismatch, modelSeed, plusDays } from "./model/outcome.ts";

const RUNS = Number(process.env.HOLDS_MODEL_RUNS ?? 80);
const SEED = modelSeed(1);
const MAX_COMMANDS = 30;
const ACCOUNTS = 3;
/**
 * Local debugging only: skip the calls that hit the bug this suite found (a
 * target whose own start is after the hold's end passes validation and then
 * fails inside the database with INTERNAL_SERVER_ERROR), to see whether
 * anything else disagrees with the model. CI runs without it, so the suite
 * fails until the product refuses such a target.
 */
const AVOID_KNOWN_BUG = process.env.HOLDS_MODEL_AVOID_KNOWN_BUG === "1";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

type Cmd = fc.AsyncCommand<HoldsModel, HoldsReal>;

/** Dates are drawn as day offsets from the run's today at the time the command runs. */
type Offset = number | null;
const at = (model: HoldsModel, off: Offset) => (off === null ? null : plusDays(model.today, off));

interface TargetSpec {
  process: ModelProcess;
  start: Offset;
  end: Offset;
}
/** An offset in [min, max], or null (no date) with the given weight against 1. */
const offset = (min: number, max: number, nullWeight: number): fc.Arbitrary<Offset> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: nullWeight }, { arbitrary: fc.integer({ min, max }), weight: 1 });

const targetSpec: fc.Arbitrary<TargetSpec> = fc.record({
  process: fc.constantFrom(...MODEL_PROCESSES),
  // Mostly no dates of its own (the hold's apply); sometimes its own, sometimes outside the hold's.
  start: offset(-1, 20, 5),
  end: offset(0, 40, 5),
});
const targetsSpec = fc.uniqueArray(targetSpec, { minLength: 1, maxLength: 2, selector: (t) => t.process });
const holdDates = fc.record({
  start: offset(-1, 15, 1),
  // Relative to the start; negative now and then (end before start).
  length: offset(-1, 30, 1),
});
const resolveTargets = (model: HoldsModel, specs: TargetSpec[]): ModelTarget[] =>
  specs.map((t) => ({ process: t.process, startDate: at(model, t.start), endDate: at(model, t.end) }));
const resolveDates = (model: HoldsModel, d: { start: Offset; length: Offset }) => ({
  startDate: at(model, d.start),
  endDate: d.length === null ? null : at(model, (d.start ?? 0) + d.length),
});

const pick = (model: HoldsModel, i: number): ModelHold | undefined =>
  model.holds[model.holds.length - 1 - (i % Math.max(1, model.holds.length))];

/** How often each move ended each way, over all runs: the suite must have exercised both sides. */
const tally = new Map<string, number>();

/** Runs one call whose outcome the model predicted, and checks everything after it. */
async function runPredicted<T>(
  model: HoldsModel,
  real: HoldsReal,
  label: string,
  predicted: ReturnType<typeof predictMove>,
  hold: ModelHold,
  call: () => Promise<T>,
) {
  const before = predicted.prediction.ok ? null : await checksum(real);
  const outcome = await attempt(call());
  const key = `${label}: ${outcome.ok ? (predicted.next?.state ?? "applied") : outcome.appCode}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  const rules = outcome.ok
    ? label === "validate" && predicted.next?.state === "draft"
      ? failedRules(model, hold)
      : []
    : outcome.rules;
  for (const rule of rules) tally.set(`rule ${rule}`, (tally.get(`rule ${rule}`) ?? 0) + 1);
  const diff = mismatch(outcome, predicted.prediction);
  expect(diff, `${label} on a ${hold.state} hold (v${hold.version}, today ${model.today})`).toBeNull();
  if (outcome.ok && label === "validate" && predicted.next) {
    // A validation that fails lists every problem: the rules that failed are the model's.
    const result = (outcome.value as { validationResult: { success: boolean; problems: { rule: string }[] } | null })
      .validationResult;
    const expectedRules = failedRules(model, hold);
    expect(result?.success, "validationResult.success").toBe(expectedRules.length === 0);
    if (!expectedRules.includes(INVERTED_TARGET)) {
      expect([...new Set(result?.problems.map((p) => p.rule))].sort(), "validation problems").toEqual(expectedRules);
    }
  }
  if (outcome.ok && predicted.next) {
    Object.assign(hold, predicted.next);
    expectAnswerMatches(outcome.value as Parameters<typeof expectAnswerMatches>[0], hold, model);
  } else if (label === "activate" && !outcome.ok && outcome.appCode === "HOLD_INVALID") {
    // An activation whose re-check fails keeps the hold validated with the new result: one version, one audit event.
    hold.version += 1;
    hold.audit.push("activate_refused");
  } else {
    // Any other refused move changes nothing: no row in any table, not even an idempotency key.
    expect(await checksum(real), `${label} was refused but changed the database`).toBe(before);
  }
  await expectTenantMatchesModel(model, real);
  await expectHistoryMatches(real, hold);
}

class CreateCmd implements Cmd {
  constructor(
    readonly account: number,
    readonly dates: { start: Offset; length: Offset },
    readonly targets: TargetSpec[],
  ) {}
  check = () => true;
  async run(model: HoldsModel, real: HoldsReal) {
    const account = this.account % model.accounts.length;
    const dates = resolveDates(model, this.dates);
    const targets = resolveTargets(model, this.targets);
    const created = await real.api.holds.create({
      accountLocator: model.accounts[account]?.locator ?? "",
      ...dates,
      targets,
    });
    const hold: ModelHold = {
      locator: created.locator,
      account,
      state: "draft",
      version: 1,
      ...dates,
      targets,
      comments: null,
      audit: ["create"],
    };
    model.holds.push(hold);
    expectAnswerMatches(created, hold, model);
    await expectTenantMatchesModel(model, real);
  }
  toString = () => `create(account ${this.account}, ${JSON.stringify(this.dates)}, ${JSON.stringify(this.targets)})`;
}

type SimpleMove = Exclude<ModelMove, "update" | "amend">;
class MoveCmd implements Cmd {
  constructor(
    readonly move: SimpleMove,
    readonly hold: number,
    readonly stale: boolean,
  ) {}
  check = (m: Readonly<HoldsModel>) => m.holds.length > 0;
  async run(model: HoldsModel, real: HoldsReal) {
    const hold = pick(model, this.hold);
    if (!hold) throw new Error("no hold");
    const expectedVersion = this.stale ? hold.version + 1 : hold.version;
    if (AVOID_KNOWN_BUG && this.move === "validate" && hasInvertedTarget(hold)) return;
    const predicted = predictMove(model, hold, { move: this.move }, expectedVersion);
    await runPredicted(model, real, this.move, predicted, hold, () =>
      real.api.holds[this.move]({ locator: hold.locator, expectedVersion }),
    );
  }
  toString = () => `${this.move}(#${this.hold}${this.stale ? ", stale version" : ""})`;
}

/**
 * The hold's natural next move (draft: validate, validated: activate, active:
 * release or amend, final: validate, which is refused), so that holds travel
 * through their whole lifecycle often, not only when random moves line up.
 */
class NextMoveCmd implements Cmd {
  constructor(
    readonly hold: number,
    readonly amendEnd: Offset | undefined,
  ) {}
  check = (m: Readonly<HoldsModel>) => m.holds.length > 0;
  async run(model: HoldsModel, real: HoldsReal) {
    const hold = pick(model, this.hold);
    if (!hold) throw new Error("no hold");
    if (hold.state === "active" && this.amendEnd !== undefined) {
      return new AmendCmd(this.hold, { end: this.amendEnd }, false).run(model, real);
    }
    const move: SimpleMove = hold.state === "validated" ? "activate" : hold.state === "active" ? "release" : "validate";
    return new MoveCmd(move, this.hold, false).run(model, real);
  }
  toString = () => `next(#${this.hold}${this.amendEnd !== undefined ? `, or amend end ${this.amendEnd}` : ""})`;
}

class UpdateCmd implements Cmd {
  constructor(
    readonly hold: number,
    readonly change: {
      account?: number;
      dates?: { start: Offset; length: Offset };
      targets?: TargetSpec[];
      comments?: string;
    },
    readonly stale: boolean,
  ) {}
  check = (m: Readonly<HoldsModel>) => m.holds.length > 0;
  async run(model: HoldsModel, real: HoldsReal) {
    const hold = pick(model, this.hold);
    if (!hold) throw new Error("no hold");
    const change: ModelUpdate = {};
    if (this.change.account !== undefined) change.account = this.change.account % model.accounts.length;
    if (this.change.dates) Object.assign(change, resolveDates(model, this.change.dates));
    if (this.change.targets) change.targets = resolveTargets(model, this.change.targets);
    if (this.change.comments !== undefined) change.comments = this.change.comments;
    const req: ModelRequest = { move: "update", change };
    const expectedVersion = this.stale ? hold.version + 1 : undefined;
    const predicted = predictMove(model, hold, req, expectedVersion);
    await runPredicted(model, real, "update", predicted, hold, () =>
      real.api.holds.update({
        locator: hold.locator,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        ...(change.account !== undefined ? { accountLocator: model.accounts[change.account]?.locator ?? "" } : {}),
        ...(change.startDate !== undefined ? { startDate: change.startDate } : {}),
        ...(change.endDate !== undefined ? { endDate: change.endDate } : {}),
        ...(change.targets ? { targets: change.targets } : {}),
        ...(change.comments !== undefined ? { comments: change.comments } : {}),
      }),
    );
  }
  toString = () => `update(#${this.hold}, ${JSON.stringify(this.change)}${this.stale ? ", stale version" : ""})`;
}

class AmendCmd implements Cmd {
  constructor(
    readonly hold: number,
    readonly change: {
      end?: Offset;
      targets?: { process: ModelProcess; start?: Offset; end?: Offset }[];
      comments?: string;
    },
    readonly stale: boolean,
  ) {}
  check = (m: Readonly<HoldsModel>) => m.holds.length > 0;
  async run(model: HoldsModel, real: HoldsReal) {
    const hold = pick(model, this.hold);
    if (!hold) throw new Error("no hold");
    const change: ModelAmend = {};
    if (this.change.end !== undefined) change.endDate = at(model, this.change.end);
    if (this.change.targets) {
      change.targets = this.change.targets.map((t) => ({
        process: t.process,
        ...(t.start !== undefined ? { startDate: at(model, t.start) } : {}),
        ...(t.end !== undefined ? { endDate: at(model, t.end) } : {}),
      }));
    }
    if (this.change.comments !== undefined) change.comments = this.change.comments;
    const expectedVersion = this.stale ? hold.version + 1 : undefined;
    const predicted = predictMove(model, hold, { move: "amend", change }, expectedVersion);
    const p = predicted.prediction;
    if (AVOID_KNOWN_BUG && !p.ok && p.appCode === "BAD_REQUEST" && p.rules === undefined) return;
    await runPredicted(model, real, "amend", predicted, hold, () =>
      real.api.holds.amend({
        locator: hold.locator,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        ...change,
      }),
    );
  }
  toString = () => `amend(#${this.hold}, ${JSON.stringify(this.change)}${this.stale ? ", stale version" : ""})`;
}

class AdvanceClockCmd implements Cmd {
  constructor(readonly days: number) {}
  check = () => true;
  async run(model: HoldsModel, real: HoldsReal) {
    advanceDays(model, real, this.days);
    // Nothing moves by itself (no worker here), but every active hold's schedule is read again.
    for (const hold of model.holds) {
      expectAnswerMatches(await real.api.holds.get({ locator: hold.locator }), hold, model);
    }
  }
  toString = () => `advance ${this.days} days`;
}

class AccountStatusCmd implements Cmd {
  constructor(
    readonly account: number,
    readonly open: boolean,
  ) {}
  check = (m: Readonly<HoldsModel>) => m.accounts[this.account % m.accounts.length]?.open !== this.open;
  async run(model: HoldsModel, real: HoldsReal) {
    const account = model.accounts[this.account % model.accounts.length];
    if (!account) throw new Error("no account");
    const answer = this.open
      ? await real.api.accounts.reopen({ locator: account.locator })
      : await real.api.accounts.close({ locator: account.locator });
    account.open = this.open;
    expect(answer.status).toBe(this.open ? "open" : "closed");
    await expectTenantMatchesModel(model, real);
  }
  toString = () => `${this.open ? "reopen" : "close"} account ${this.account}`;
}

/** Which hold a command works on, counted from the newest: mostly the newest two, so holds travel far through their lifecycle. */
const holdIndex = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 1 }), weight: 3 },
  { arbitrary: fc.nat(29), weight: 2 },
);
/** A stale expectedVersion now and then (one in eight). */
const staleVersion = fc.integer({ min: 0, max: 7 }).map((n) => n === 0);

const create = fc.tuple(fc.nat(ACCOUNTS - 1), holdDates, targetsSpec).map(([a, d, t]) => new CreateCmd(a, d, t));
const commandArbs: fc.Arbitrary<Cmd>[] = [
  // Creation carries weight: the moves need holds to work on.
  create,
  create,
  create,
  // Validate and activate carry more weight: they are where the rules live.
  ...(["validate", "validate", "activate", "activate", "release", "reset", "discard"] as const).map((move) =>
    fc.tuple(holdIndex, staleVersion).map(([h, s]) => new MoveCmd(move, h, s)),
  ),
  fc
    .tuple(
      holdIndex,
      fc.record(
        {
          account: fc.nat(ACCOUNTS - 1),
          dates: holdDates,
          targets: targetsSpec,
          comments: fc.constantFrom("edited", "disputed invoice"),
        },
        { requiredKeys: [] },
      ),
      staleVersion,
    )
    .map(([h, c, s]) => new UpdateCmd(h, c, s)),
  fc
    .tuple(
      holdIndex,
      fc.record(
        {
          end: offset(-2, 45, 1),
          targets: fc.uniqueArray(
            fc.record(
              {
                process: fc.constantFrom(...MODEL_PROCESSES),
                start: offset(-1, 10, 2),
                end: offset(-1, 40, 1),
              },
              { requiredKeys: ["process"] },
            ),
            { minLength: 1, maxLength: 2, selector: (t) => t.process },
          ),
          comments: fc.constantFrom("amended", "extended"),
        },
        { requiredKeys: [] },
      ),
      staleVersion,
    )
    .map(([h, c, s]) => new AmendCmd(h, c, s)),
  ...[1, 2, 3, 4, 5].map(() =>
    fc
      .tuple(holdIndex, fc.option(offset(-1, 40, 1), { nil: undefined, freq: 2 }))
      .map(([h, end]) => new NextMoveCmd(h, end)),
  ),
  fc.integer({ min: 1, max: 12 }).map((d) => new AdvanceClockCmd(d)),
  fc.integer({ min: 10, max: 40 }).map((d) => new AdvanceClockCmd(d)),
  fc.integer({ min: 10, max: 40 }).map((d) => new AdvanceClockCmd(d)),
  fc.tuple(fc.nat(ACCOUNTS - 1), fc.boolean()).map(([a, open]) => new AccountStatusCmd(a, open)),
];

it(`holds follow the model through the real API and database (${RUNS} runs of up to ${MAX_COMMANDS} commands)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: "max" }), async (cmds) => {
      await fc.asyncModelRun(() => newHoldsRun(world, ACCOUNTS), cmds);
    }),
    // Shrinking replays whole runs against the database: on in local debugging (MODEL_SHRINK=1), off in CI.
    { numRuns: RUNS, seed: SEED, endOnFailure: process.env.MODEL_SHRINK !== "1" },
  );
  const seen = Object.fromEntries([...tally].sort(([a], [b]) => a.localeCompare(b)));
  console.log(`holds model: ${RUNS} runs`, seen);
  // The runs exercised both sides of the rules: a generator that never produced a case proves nothing about it.
  for (const key of [
    "validate: validated",
    "validate: draft",
    "activate: active",
    "activate: INVALID_TRANSITION",
    "release: released",
    "release: INVALID_TRANSITION",
    "amend: active",
    "rule overlapping_hold",
    "rule not_in_past",
    "rule outside_hold_dates",
    "rule account_closed",
    "rule overdue_with_delinquency",
    "amend: HOLD_NOT_ACTIVE",
    "discard: discarded",
    "update: draft",
  ]) {
    expect(seen[key] ?? 0, `never saw ${key}`).toBeGreaterThan(0);
  }
  // An ended hold refusing release and amend (HOLD_ENDED) is rarer: an active hold with an end date, then the
  // clock past it. Some seeds never reach it, so it is tallied above, not required; the fixed cases in
  // packages/api/test/holds-amend.int.test.ts and the domain tests pin it down.
  expect(Object.keys(seen).some((k) => k.endsWith("VERSION_CONFLICT"))).toBe(true);
}, 600_000);

/**
 * The bug the model found, as a fixed case: a target with its own start date
 * after the hold's end date (and no end date of its own) passes validation,
 * because the check compares the target's period completed with the hold's
 * dates (start 03-29, end 03-28: an inverted range that "lies inside"); the
 * claim insert then fails inside PostgreSQL (a daterange whose lower bound is
 * above its upper bound) and the call answers INTERNAL_SERVER_ERROR instead of
 * keeping the hold in draft with a validation problem. The spec: "each
 * target's dates lie inside the hold's". Amending an active hold's end date
 * to before a target's own start fails the same way.
 */
describe("a target that starts after the hold ends (found by the model)", () => {
  it("validate keeps the hold in draft with a validation problem (not INTERNAL_SERVER_ERROR)", async () => {
    world.clock.set(`${RUN_START_DAY}T09:00:00Z`);
    const tenantId = await world.tenant("Inverted target");
    const api = await world.caller(tenantId);
    const account = (await world.account(tenantId, "Inverted")).locator;
    const draft = await api.holds.create({
      accountLocator: account,
      endDate: plusDays(RUN_START_DAY, 18),
      targets: [{ process: "invoicing", startDate: plusDays(RUN_START_DAY, 19) }],
    });
    const outcome = await attempt(api.holds.validate({ locator: draft.locator }));
    expect(outcome.ok ? null : `${outcome.trpcCode}: ${outcome.message}`).toBeNull();
    if (outcome.ok) {
      expect(outcome.value.holdState).toBe("draft");
      expect(outcome.value.validationResult?.success).toBe(false);
    }
  });

  it("amend refuses an end date before a target's own start with BAD_REQUEST", async () => {
    world.clock.set(`${RUN_START_DAY}T09:00:00Z`);
    const tenantId = await world.tenant("Inverted target (amend)");
    const api = await world.caller(tenantId);
    const account = (await world.account(tenantId, "Inverted")).locator;
    const draft = await api.holds.create({
      accountLocator: account,
      targets: [{ process: "invoicing", startDate: plusDays(RUN_START_DAY, 10) }],
    });
    await api.holds.validate({ locator: draft.locator });
    const active = await api.holds.activate({ locator: draft.locator });
    expect(active.holdState).toBe("active");
    const outcome = await attempt(api.holds.amend({ locator: draft.locator, endDate: plusDays(RUN_START_DAY, 5) }));
    expect(outcome.ok ? "applied" : `${outcome.trpcCode}/${outcome.appCode}`).toBe("BAD_REQUEST/BAD_REQUEST");
  });
});
