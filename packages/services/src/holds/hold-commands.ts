import { schema, type Transaction } from "@holdfast/db";
import {
  type AmendHoldInput,
  AppError,
  amendHold as applyAmendment,
  assertHoldMove,
  assertHoldNotEnded,
  type BusinessDate,
  type CreateHoldInput,
  checkHold,
  type HoldMove,
  type HoldOutput,
  type HoldState,
  type MoveHoldInput,
  type UpdateHoldInput,
  type ValidationResult,
} from "@holdfast/domain";
import { eq } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import { actorLabel, type ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";
import { newLocator } from "../ids.ts";
import { findAccount } from "../tenancy/accounts.ts";
import { tenantToday } from "../tenancy/tenants.ts";
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

type Scoped<T> = Omit<T, "tenantLocator"> & { tenantId: string };

const strip = <T extends { idempotencyKey?: unknown; tenantLocator?: unknown }>(input: T) => {
  const { idempotencyKey: _k, tenantLocator: _t, ...rest } = input;
  return rest;
};

async function requireAccount(tx: Transaction, tenantId: string, accountLocator: string) {
  const account = await findAccount(tx, tenantId, accountLocator);
  if (!account || account.id !== accountLocator) {
    throw AppError.badRequest([
      {
        path: "accountLocator",
        rule: "account_not_found",
        message: `account ${accountLocator} does not exist in this tenant`,
      },
    ]);
  }
  return account;
}

export async function createHold(ctx: ServiceContext, input: Scoped<CreateHoldInput>): Promise<HoldOutput> {
  return runMutation(
    ctx,
    {
      tenantId: input.tenantId,
      operation: "holds.create",
      idempotencyKey: input.idempotencyKey,
      request: strip(input),
    },
    async (tx) => {
      await requireAccount(tx, input.tenantId, input.accountLocator);
      const today = await tenantToday(tx, ctx.clock, input.tenantId);
      const now = ctx.clock.now();
      const by = actorLabel(ctx.actor);
      const [row] = await tx
        .insert(schema.holds)
        .values({
          id: newLocator(),
          tenantId: input.tenantId,
          accountId: input.accountLocator,
          state: "draft",
          startDate: input.startDate ?? null,
          endDate: input.endDate ?? null,
          comments: input.comments ?? null,
          sourceSystem: input.sourceSystem ?? null,
          externalSourceId: input.externalSourceId ?? null,
          externalTransactionId: input.externalTransactionId ?? null,
          createdAt: now,
          updatedAt: now,
          createdBy: by,
          updatedBy: by,
        })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      const targets = input.targets.map((t) => ({
        process: t.process,
        startDate: t.startDate ?? null,
        endDate: t.endDate ?? null,
      }));
      const characteristics = (input.characteristics ?? []).map((c) => ({
        ...c,
        effectiveDate: c.effectiveDate ?? null,
      }));
      await replaceChildren(tx, row.id, targets, characteristics);
      const out = toHoldOutput(toRecord(row, targets, characteristics), today);
      await recordAudit(tx, ctx, {
        tenantId: input.tenantId,
        entityType: "hold",
        entityId: row.id,
        action: "create",
        before: null,
        after: out,
      });
      return out;
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
}

/**
 * The one mechanism behind every hold move: load within the tenant, check the
 * expected version and the state machine, apply, write with a version
 * predicate (a concurrent move gets CONFLICT), keep claims in step, and audit.
 */
async function changeHold(
  ctx: ServiceContext,
  input: Scoped<MoveHoldInput>,
  move: HoldMove,
  request: unknown,
  decide: (current: HoldRecord, env: { tx: Transaction; today: BusinessDate; to: HoldState }) => Promise<HoldChange>,
): Promise<HoldOutput> {
  return runMutation(
    ctx,
    { tenantId: input.tenantId, operation: `holds.${move}`, idempotencyKey: input.idempotencyKey, request },
    async (tx) => {
      const {
        today,
        record: current,
        claims: claimsNow,
      } = await getHoldForMove(tx, ctx.clock, input.tenantId, input.locator);
      if (input.expectedVersion !== undefined && input.expectedVersion !== current.row.version) {
        throw new AppError(
          "VERSION_CONFLICT",
          `hold ${input.locator} is at version ${current.row.version}, not the expected ${input.expectedVersion}; reload and retry`,
          { details: { currentVersion: current.row.version } },
        );
      }
      const to = assertHoldMove(current.state, move);
      let change = await decide(current, { tx, today, to });
      const now = ctx.clock.now();
      const row = await updateHoldAtVersion(tx, current.row.id, current.row.version, {
        ...change.patch,
        version: current.row.version + 1,
        updatedAt: now,
        updatedBy: actorLabel(ctx.actor),
      });
      if (!row) {
        throw new AppError(
          "CONCURRENT_MODIFICATION",
          `hold ${input.locator} was changed by another request; reload and retry`,
        );
      }
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
          const [again] = await tx
            .update(schema.holds)
            .set(change.patch)
            .where(eq(schema.holds.id, row.id))
            .returning();
          if (!again) throw new Error("hold vanished");
          saved = toRecord(again, targets, characteristics);
        }
      } else if (change.claims === "drop" && claimsNow.length > 0) {
        await replaceClaims(tx, null, row.id);
      }
      const out = toHoldOutput(saved, today);
      await recordAudit(tx, ctx, {
        tenantId: input.tenantId,
        entityType: "hold",
        entityId: row.id,
        action: move,
        before: toHoldOutput(current, today),
        after: out,
      });
      return out;
    },
  );
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

function refuseInvalid(move: HoldMove, locator: string, result: ValidationResult): never {
  throw new AppError(
    "HOLD_INVALID",
    `Cannot ${move} hold ${locator}: ${result.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
    {
      issues: result.problems,
    },
  );
}

/** Edits a draft; only the fields sent change. A stale validation result is cleared. */
export function updateHold(ctx: ServiceContext, input: Scoped<UpdateHoldInput>) {
  return changeHold(ctx, input, "update", strip(input), async (current, { tx }) => {
    if (input.accountLocator !== undefined) await requireAccount(tx, input.tenantId, input.accountLocator);
    const patch: Partial<HoldRow> = { validationResult: null };
    if (input.accountLocator !== undefined) patch.accountId = input.accountLocator;
    for (const k of [
      "startDate",
      "endDate",
      "comments",
      "sourceSystem",
      "externalSourceId",
      "externalTransactionId",
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

/** draft → validated when every rule passes; otherwise stays draft with every problem listed. */
export function validateHold(ctx: ServiceContext, input: Scoped<MoveHoldInput>) {
  return changeHold(ctx, input, "validate", strip(input), async (current, { tx, today }) => {
    const result = await runChecks(tx, input.tenantId, current, today);
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
  });
}

/** validated → active, checking every rule again. */
export function activateHold(ctx: ServiceContext, input: Scoped<MoveHoldInput>) {
  return changeHold(ctx, input, "activate", strip(input), async (current, { tx, today }) => {
    const result = await runChecks(tx, input.tenantId, current, today);
    if (!result.success) refuseInvalid("activate", current.locator, result);
    return {
      patch: {
        state: "active",
        validationResult: result,
        activatedAt: ctx.clock.now(),
        activatedBy: actorLabel(ctx.actor),
      },
      claims: "replace",
      onClash: () =>
        refuseInvalid("activate", current.locator, {
          success: false,
          checkedOn: today,
          problems: [clashProblem(current)],
        }),
    };
  });
}

export function releaseHold(ctx: ServiceContext, input: Scoped<MoveHoldInput>) {
  return changeHold(ctx, input, "release", strip(input), async (current, { today }) => {
    assertHoldNotEnded(current, today, "release");
    return {
      patch: {
        state: "released",
        releaseReason: "released",
        releasedAt: ctx.clock.now(),
        releasedBy: actorLabel(ctx.actor),
      },
      claims: "drop",
    };
  });
}

export function resetHold(ctx: ServiceContext, input: Scoped<MoveHoldInput>) {
  return changeHold(ctx, input, "reset", strip(input), async () => ({
    patch: { state: "draft", validationResult: null, validatedAt: null, validatedBy: null },
    claims: "drop",
  }));
}

export function discardHold(ctx: ServiceContext, input: Scoped<MoveHoldInput>) {
  return changeHold(ctx, input, "discard", strip(input), async () => ({
    patch: { state: "discarded", discardedAt: ctx.clock.now(), discardedBy: actorLabel(ctx.actor) },
    claims: "drop",
  }));
}

/**
 * The ORMB amend of an active hold: end dates, an added target, comments and
 * characteristics. The amended hold must still meet every rule.
 */
export function amendHold(ctx: ServiceContext, input: Scoped<AmendHoldInput>) {
  return changeHold(ctx, input, "amend", strip(input), async (current, { tx, today }) => {
    assertHoldNotEnded(current, today, "amend");
    const amended = applyAmendment(current, input);
    // Re-read through toRecord so problem paths index the targets in answer order.
    const next = toRecord(
      { ...current.row, endDate: amended.endDate, comments: amended.comments },
      amended.targets,
      amended.characteristics,
    );
    const result = await runChecks(tx, input.tenantId, next, today, current);
    if (!result.success) throw AppError.badRequest(result.problems);
    return {
      patch: { endDate: next.endDate, comments: next.comments, validationResult: result },
      next,
      claims: "replace",
      onClash: () => {
        throw AppError.badRequest([clashProblem(current)]);
      },
    };
  });
}
