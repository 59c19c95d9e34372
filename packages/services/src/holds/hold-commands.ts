import { schema, type Transaction } from "@holdfast/db";
import {
  type AmendHoldInput,
  AppError,
  amendHold as applyAmendment,
  assertHoldMove,
  type BusinessDate,
  type CreateHoldInput,
  checkHold,
  type FinalMoveHoldInput,
  type HoldMove,
  type HoldOutput,
  type HoldState,
  type MoveHoldInput,
  missingCharacteristicDeletes,
  type UpdateHoldInput,
  type ValidationResult,
} from "@holdfast/domain";
import { eq } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import { actorLabel, type ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";
import { insertDraft, requireAccount } from "./hold-insert.ts";
import {
  claimsOf,
  getHoldForMove,
  type HoldRecord,
  type HoldRow,
  holdCheckInputs,
  isExclusionViolation,
  replaceChildren,
  replaceClaims,
  sameClaims,
  toHoldOutput,
  toRecord,
  updateHoldAtVersion,
} from "./hold-store.ts";

const strip = <T extends { idempotencyKey?: unknown; tenantLocator?: unknown }>(input: T) => {
  const { idempotencyKey: _k, tenantLocator: _t, ...rest } = input;
  return rest;
};

export function createHold(ctx: ServiceContext, input: CreateHoldInput): Promise<HoldOutput> {
  return runMutation(
    ctx,
    { operation: "holds.create", idempotencyKey: input.idempotencyKey, request: strip(input) },
    (tx) => insertDraft(tx, ctx, input),
  );
}

/**
 * Creates a hold, validates and activates it, all in one transaction: when a
 * rule fails, nothing is stored and the answer is HOLD_INVALID with every
 * problem. The ORMB `create`. Its history is the three steps, as if made one
 * after the other.
 */
export function createActiveHold(ctx: ServiceContext, input: CreateHoldInput): Promise<HoldOutput> {
  return runMutation(
    ctx,
    { operation: "holds.createActive", idempotencyKey: input.idempotencyKey, request: strip(input) },
    async (tx) => {
      const draft = await insertDraft(tx, ctx, input);
      const step = { locator: draft.locator };
      const validated = await moveInTransaction(tx, ctx, step, "validate", validation(ctx));
      if (validated.holdState !== "validated") {
        refuseInvalid("create an active", "hold", validated.validationResult ?? { problems: [] });
      }
      return moveInTransaction(tx, ctx, step, "activate", activation(ctx));
    },
  );
}

/** What a move changes: the row's columns and, when given, its children and claims. */
interface HoldChange {
  patch: Partial<HoldRow>;
  next?: HoldRecord;
  /** "replace": the hold claims its processes (validated, active); "drop": it no longer does. */
  claims?: "replace" | "drop";
  /** A claim clash found by the database: turn it into this result instead of failing. */
  onClash?: () => HoldChange;
  /** The reason given for a final move, written on the audit event too. */
  reason?: string | undefined;
}

type Decide = (
  current: HoldRecord,
  env: { tx: Transaction; today: BusinessDate; to: HoldState },
) => Promise<HoldChange>;

/** A move as its own use case: one transaction, bound to the input's idempotency key. */
function changeHold(
  ctx: ServiceContext,
  input: MoveHoldInput,
  move: HoldMove,
  request: unknown,
  decide: Decide,
): Promise<HoldOutput> {
  return runMutation(ctx, { operation: `holds.${move}`, idempotencyKey: input.idempotencyKey, request }, (tx) =>
    moveInTransaction(tx, ctx, input, move, decide),
  );
}

/**
 * The one mechanism behind every hold move: load within the tenant, check the
 * expected version, the state machine and the end date (assertHoldMove), apply, write with a version
 * predicate (a concurrent move gets CONFLICT), keep claims in step, and audit.
 */
async function moveInTransaction(
  tx: Transaction,
  ctx: ServiceContext,
  input: { locator: string; expectedVersion?: number | undefined },
  move: HoldMove,
  decide: Decide,
): Promise<HoldOutput> {
  const {
    today,
    record: current,
    claims: claimsNow,
  } = await getHoldForMove(tx, ctx.clock, ctx.tenantId, input.locator);
  if (input.expectedVersion !== undefined && input.expectedVersion !== current.row.version) {
    throw AppError.staleVersion({
      entity: "hold",
      locator: input.locator,
      currentVersion: current.row.version,
      expectedVersion: input.expectedVersion,
    });
  }
  const to = assertHoldMove(current, move, today);
  let change = await decide(current, { tx, today, to });
  const now = ctx.clock.now();
  const row = await updateHoldAtVersion(tx, current.row.id, current.row.version, {
    ...change.patch,
    version: current.row.version + 1,
    updatedAt: now,
    updatedBy: actorLabel(ctx.actor),
  });
  if (!row) throw AppError.concurrentChange({ entity: "hold", locator: input.locator });
  const targets = change.next?.targets ?? current.targets;
  const characteristics = change.next?.characteristics ?? current.characteristics;
  if (change.next) await replaceChildren(tx, row.id, targets, characteristics);
  let saved = toRecord(row, targets, characteristics);
  // Claims already as they should be (activating a validated hold): nothing to write (see getHoldForMove).
  if (change.claims === "replace" && !sameClaims(claimsNow, claimsOf(saved))) {
    try {
      await tx.transaction((sp) => replaceClaims(sp, saved, row.id));
    } catch (e) {
      if (!isExclusionViolation(e) || !change.onClash) throw e;
      change = change.onClash();
      const [again] = await tx.update(schema.holds).set(change.patch).where(eq(schema.holds.id, row.id)).returning();
      if (!again) throw new Error("hold vanished");
      saved = toRecord(again, targets, characteristics);
    }
  } else if (change.claims === "drop" && claimsNow.length > 0) {
    await replaceClaims(tx, null, row.id);
  }
  const out = toHoldOutput(saved, today);
  await recordAudit(tx, ctx, {
    tenantId: ctx.tenantId,
    entityType: "hold",
    entityId: row.id,
    action: move,
    before: toHoldOutput(current, today),
    after: out,
    reason: change.reason ?? null,
  });
  return out;
}

async function runChecks(
  tx: Transaction,
  tenantId: string,
  hold: HoldRecord,
  today: BusinessDate,
  unchanged?: HoldRecord,
) {
  const { account, others } = await holdCheckInputs(tx, tenantId, hold.accountLocator);
  return checkHold(
    hold,
    { today, account: account && account.id === hold.accountLocator ? account : null, otherHolds: others },
    unchanged ? { unchanged } : {},
  );
}

const clashProblem = (hold: HoldRecord) => ({
  path: "targets",
  rule: "overlapping_hold",
  message: `another validated or active hold of account ${hold.accountLocator} holds one of these processes over overlapping dates`,
});

function invalid(what: string, hold: string, result: Pick<ValidationResult, "problems">): AppError {
  return new AppError(
    "HOLD_INVALID",
    `Cannot ${what} ${hold}: ${result.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
    { issues: result.problems },
  );
}

function refuseInvalid(what: string, hold: string, result: Pick<ValidationResult, "problems">): never {
  throw invalid(what, hold, result);
}

/** An activation refused by its re-check: the refusal, and the result the hold keeps. */
class RecheckFailed extends Error {
  constructor(
    readonly refusal: AppError,
    readonly result: ValidationResult,
  ) {
    super(refusal.message);
  }
}

/** Edits a draft; only the fields sent change. A stale validation result is cleared. */
export function updateHold(ctx: ServiceContext, input: UpdateHoldInput) {
  return changeHold(ctx, input, "update", strip(input), async (current, { tx }) => {
    if (input.accountLocator !== undefined) await requireAccount(tx, ctx.tenantId, input.accountLocator);
    const patch: Partial<HoldRow> = { validationResult: null };
    if (input.accountLocator !== undefined) patch.accountId = input.accountLocator;
    for (const k of [
      "startDate",
      "endDate",
      "comments",
      "sourceSystem",
      "externalSourceId",
      "externalTransactionId",
      "entityEndDate",
    ] as const) {
      if (input[k] !== undefined) patch[k] = input[k] ?? null;
    }
    const next: HoldRecord = {
      ...current,
      targets:
        input.targets?.map((t) => ({
          process: t.process,
          startDate: t.startDate ?? null,
          endDate: t.endDate ?? null,
        })) ?? current.targets,
      characteristics:
        input.characteristics?.map((c) => ({ ...c, effectiveDate: c.effectiveDate ?? null })) ??
        current.characteristics,
    };
    return { patch, next };
  });
}

/** What validating decides: validated when every rule passes, else draft with every problem listed. */
const validation =
  (ctx: ServiceContext): Decide =>
  async (current, { tx, today }) => {
    const result = await runChecks(tx, ctx.tenantId, current, today);
    if (!result.success) return { patch: { state: "draft", validationResult: result } };
    const clash: ValidationResult = { success: false, checkedOn: today, problems: [clashProblem(current)] };
    return {
      patch: {
        state: "validated",
        validationResult: result,
        validatedAt: ctx.clock.now(),
        validatedBy: actorLabel(ctx.actor),
      },
      claims: "replace",
      // A racing validation took the claim first: the database refused ours.
      onClash: () => ({ patch: { state: "draft", validationResult: clash, validatedAt: null, validatedBy: null } }),
    };
  };

/** What activating decides: active, after every rule is checked again; HOLD_INVALID otherwise. */
const activation =
  (ctx: ServiceContext): Decide =>
  async (current, { tx, today }) => {
    const result = await runChecks(tx, ctx.tenantId, current, today);
    if (!result.success) throw new RecheckFailed(invalid("activate", `hold ${current.locator}`, result), result);
    return {
      patch: {
        state: "active",
        validationResult: result,
        activatedAt: ctx.clock.now(),
        activatedBy: actorLabel(ctx.actor),
      },
      claims: "replace",
      onClash: () => refuseInvalid("activate", `hold ${current.locator}`, { problems: [clashProblem(current)] }),
    };
  };

/** draft → validated when every rule passes; otherwise stays draft with every problem listed. */
export function validateHold(ctx: ServiceContext, input: MoveHoldInput) {
  return changeHold(ctx, input, "validate", strip(input), validation(ctx));
}

/**
 * validated → active, checking every rule again. When the re-check fails the
 * answer is HOLD_INVALID and the hold, still validated, keeps the new result
 * (audited as `activate_refused`), so it no longer shows a stale success.
 */
export async function activateHold(ctx: ServiceContext, input: MoveHoldInput) {
  try {
    return await changeHold(ctx, input, "activate", strip(input), activation(ctx));
  } catch (e) {
    if (!(e instanceof RecheckFailed)) throw e;
    await ctx.db.transaction((tx) => storeRecheck(tx, ctx, input.locator, e.result));
    throw e.refusal;
  }
}

/** Stores a failed re-check's result on a hold still validated at the version it was checked at. */
async function storeRecheck(tx: Transaction, ctx: ServiceContext, locator: string, result: ValidationResult) {
  const { today, record: current } = await getHoldForMove(tx, ctx.clock, ctx.tenantId, locator);
  if (current.state !== "validated") return;
  const row = await updateHoldAtVersion(tx, current.row.id, current.row.version, {
    validationResult: result,
    version: current.row.version + 1,
    updatedAt: ctx.clock.now(),
    updatedBy: actorLabel(ctx.actor),
  });
  if (!row) return;
  await recordAudit(tx, ctx, {
    tenantId: ctx.tenantId,
    entityType: "hold",
    entityId: row.id,
    action: "activate_refused",
    before: toHoldOutput(current, today),
    after: toHoldOutput(toRecord(row, current.targets, current.characteristics), today),
  });
}

/** active → released; the reason given is stored as the release reason ("released" when none is given). */
export function releaseHold(ctx: ServiceContext, input: FinalMoveHoldInput) {
  return changeHold(ctx, input, "release", strip(input), async () => {
    return {
      reason: input.reason,
      patch: {
        state: "released",
        releaseReason: input.reason ?? "released",
        releasedAt: ctx.clock.now(),
        releasedBy: actorLabel(ctx.actor),
      },
      claims: "drop",
    };
  });
}

export function resetHold(ctx: ServiceContext, input: MoveHoldInput) {
  return changeHold(ctx, input, "reset", strip(input), async () => ({
    patch: { state: "draft", validationResult: null, validatedAt: null, validatedBy: null },
    claims: "drop",
  }));
}

export function discardHold(ctx: ServiceContext, input: FinalMoveHoldInput) {
  return changeHold(ctx, input, "discard", strip(input), async () => ({
    reason: input.reason,
    patch: {
      state: "discarded",
      discardReason: input.reason ?? null,
      discardedAt: ctx.clock.now(),
      discardedBy: actorLabel(ctx.actor),
    },
    claims: "drop",
  }));
}

/**
 * The ORMB amend of an active hold: end dates, an added target, comments and
 * characteristics. The amended hold must still meet every rule.
 */
export function amendHold(ctx: ServiceContext, input: AmendHoldInput) {
  return changeHold(ctx, input, "amend", strip(input), async (current, { tx, today }) => {
    const missing = missingCharacteristicDeletes(current, input);
    if (missing.length) throw AppError.badRequest(missing);
    const amended = applyAmendment(current, input);
    // Re-read through toRecord so problem paths index the targets in answer order.
    const next = toRecord(
      { ...current.row, endDate: amended.endDate, comments: amended.comments },
      amended.targets,
      amended.characteristics,
    );
    const result = await runChecks(tx, ctx.tenantId, next, today, current);
    if (!result.success) throw AppError.badRequest(result.problems);
    return {
      patch: {
        endDate: next.endDate,
        comments: next.comments,
        validationResult: result,
        entityEndDate: input.entityEndDate,
        sourceSystem: input.sourceSystem,
        externalSourceId: input.externalSourceId,
      },
      next,
      claims: "replace",
      onClash: () => {
        throw AppError.badRequest([clashProblem(current)]);
      },
    };
  });
}
