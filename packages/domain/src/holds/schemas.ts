import { z } from "zod";
import {
  zBusinessDate,
  zLocator,
  zMutation,
  zPageCursor,
  zReason,
  zScope,
  zSortOrder,
  zTenantLocator,
  zText,
  zVersion,
} from "../common-schemas.ts";
import { ruleIssue } from "../rule-issues.ts";
import { HOLD_MOVES, HOLD_PROCESSES, HOLD_STATES } from "./hold.ts";

export const zHoldState = z.enum(HOLD_STATES);
export const zHoldProcess = z.enum(HOLD_PROCESSES);
export const zHoldMove = z.enum(HOLD_MOVES);

export const zHoldTarget = z.strictObject({
  process: zHoldProcess,
  startDate: zBusinessDate.nullish(),
  endDate: zBusinessDate.nullish(),
});

/** Each process at most once per hold. */
const zTargets = z
  .array(zHoldTarget)
  .min(1, { error: "a hold needs at least one target" })
  .max(HOLD_PROCESSES.length)
  .superRefine((targets, ctx) => {
    targets.forEach((t, i) => {
      if (targets.findIndex((o) => o.process === t.process) !== i) {
        ruleIssue(ctx, { path: [i, "process"], rule: "duplicate_target", message: `${t.process} is targeted twice` });
      }
    });
  });

export const zCharacteristic = z.strictObject({
  type: zText(60).min(1),
  value: zText(254),
  effectiveDate: zBusinessDate.nullish(),
});

/** Each characteristic type at most once per hold. */
const zCharacteristics = z
  .array(zCharacteristic)
  .max(50)
  .superRefine((chars, ctx) => {
    chars.forEach((c, i) => {
      if (chars.findIndex((o) => o.type === c.type) !== i) {
        ruleIssue(ctx, { path: [i, "type"], rule: "duplicate_characteristic", message: `${c.type} appears twice` });
      }
    });
  });

const holdFields = {
  startDate: zBusinessDate.nullish(),
  endDate: zBusinessDate.nullish(),
  comments: zText(2000).nullish(),
  characteristics: zCharacteristics.optional(),
  sourceSystem: zText(60).nullish(),
  externalSourceId: zText(120).nullish(),
  externalTransactionId: zText(120).nullish(),
  /** ORMB `entityEndDate`, stored as sent. */
  entityEndDate: zBusinessDate.nullish(),
};

/** An ORMB hold request id: a positive whole number, unique in the tenant. */
export const zOrmbId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const createHoldInput = z.strictObject({
  ...zMutation,
  accountLocator: zLocator,
  targets: zTargets,
  ...holdFields,
  /** An existing ORMB id (a migrated hold); without it the next free one is given. */
  ormbId: zOrmbId.optional(),
});
export type CreateHoldInput = z.infer<typeof createHoldInput>;

/** Edits a draft: only the fields sent change. */
export const updateHoldInput = z.strictObject({
  ...zMutation,
  locator: zLocator,
  expectedVersion: zVersion.optional(),
  accountLocator: zLocator.optional(),
  targets: zTargets.optional(),
  ...holdFields,
});
export type UpdateHoldInput = z.infer<typeof updateHoldInput>;

/** validate, activate, release, reset and discard. */
export const moveHoldInput = z.strictObject({
  ...zMutation,
  locator: zLocator,
  expectedVersion: zVersion.optional(),
});
export type MoveHoldInput = z.infer<typeof moveHoldInput>;

/** release and discard: final moves, with an optional reason (stored on the hold and its audit event). */
export const finalMoveHoldInput = moveHoldInput.extend({ reason: zReason.optional() });
export type FinalMoveHoldInput = z.infer<typeof finalMoveHoldInput>;

export const zAmendCharacteristic = z
  .strictObject({
    action: z.enum(["Update", "Delete"]),
    type: zText(60).min(1),
    value: zText(254).optional(),
    effectiveDate: zBusinessDate.nullish(),
  })
  .refine((c) => c.action === "Delete" || c.value !== undefined, {
    error: "value is required for an Update",
    path: ["value"],
  });

export const amendHoldInput = z.strictObject({
  ...zMutation,
  locator: zLocator,
  expectedVersion: zVersion.optional(),
  endDate: zBusinessDate.nullish(),
  targets: z
    .array(
      z.strictObject({
        process: zHoldProcess,
        startDate: zBusinessDate.nullish(),
        endDate: zBusinessDate.nullish(),
      }),
    )
    .max(HOLD_PROCESSES.length)
    .optional(),
  comments: zText(2000).nullish(),
  characteristics: z.array(zAmendCharacteristic).max(50).optional(),
  /** Stored as sent (ORMB's "update all the fields"). */
  entityEndDate: zBusinessDate.nullish(),
  sourceSystem: zText(60).nullish(),
  externalSourceId: zText(120).nullish(),
});
export type AmendHoldInput = z.infer<typeof amendHoldInput>;

export const getHoldInput = z.strictObject({ ...zScope, locator: zLocator });

export const listAccountHoldsInput = z.strictObject({
  ...zScope,
  accountLocator: zLocator,
  state: zHoldState.optional(),
  offset: z.number().int().min(0).max(1_000_000).default(0),
  count: z.number().int().min(1).max(1000).default(100),
  extended: z.boolean().default(false),
  /** Only holds that hold any of these processes (the Socotra routes: invoicing or delinquency). */
  processes: z.array(zHoldProcess).min(1).max(6).optional(),
});
export type ListAccountHoldsInput = z.infer<typeof listAccountHoldsInput>;

/** Columns the holds list sorts by; `account` is the account's name. */
export const HOLD_SORTS = ["createdAt", "startDate", "endDate", "state", "account"] as const;
export type HoldSort = (typeof HOLD_SORTS)[number];

/** The holds list's filters: what `holds.list` pages through and `holds.releaseMany` selects. */
export const holdFilterFields = {
  states: z.array(zHoldState).max(HOLD_STATES.length).optional(),
  process: zHoldProcess.optional(),
  accountLocator: zLocator.optional(),
  externalTransactionId: zText(120).optional(),
};
export const holdFilter = z.strictObject(holdFilterFields);
export type HoldFilter = z.infer<typeof holdFilter>;

export const listHoldsInput = z.strictObject({
  ...zScope,
  ...holdFilterFields,
  /** Keyset cursor, as the previous page answered it. */
  cursor: zPageCursor.nullish(),
  /** Sent by tRPC's infinite queries; pages always run in the list's order. */
  direction: z.enum(["forward", "backward"]).optional(),
  limit: z.number().int().min(1).max(500).default(50),
  /** A column to sort by (ties by locator); without it, newest first. Nulls sort last in either order. */
  sort: z.enum(HOLD_SORTS).optional(),
  /** With sort: ascending by default. */
  order: zSortOrder.optional(),
});
export type ListHoldsInput = z.infer<typeof listHoldsInput>;

export const holdEffectInput = z.strictObject({
  ...zScope,
  accountLocator: zLocator,
  process: zHoldProcess,
  /** Defaults to today in the tenant's time zone. */
  date: zBusinessDate.optional(),
});

const zIssue = z.object({ path: z.string(), rule: z.string(), message: z.string() });
export const zValidationResult = z.object({
  success: z.boolean(),
  checkedOn: z.string(),
  problems: z.array(zIssue),
});

export const holdOutput = z.object({
  locator: z.string(),
  /** The ORMB hold request id: numeric, unique in the tenant. */
  ormbId: z.number().int(),
  tenantLocator: zTenantLocator,
  accountLocator: z.string(),
  holdState: zHoldState,
  /** Socotra's single target type, when the hold has one invoicing or delinquency target. */
  targetType: z.enum(["invoicing", "delinquency"]).nullable(),
  targets: z.array(
    z.object({ process: zHoldProcess, startDate: z.string().nullable(), endDate: z.string().nullable() }),
  ),
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
  comments: z.string().nullable(),
  characteristics: z.array(z.object({ type: z.string(), value: z.string(), effectiveDate: z.string().nullable() })),
  sourceSystem: z.string().nullable(),
  externalSourceId: z.string().nullable(),
  externalTransactionId: z.string().nullable(),
  entityEndDate: z.string().nullable(),
  validationResult: zValidationResult.nullable(),
  /** The reason given on release; "released" when none was given, "end_date_reached" when the worker released it. */
  releaseReason: z.string().nullable(),
  discardReason: z.string().nullable(),
  /** For active holds: scheduled (future start), in effect, or ended (awaiting the worker). */
  schedule: z.enum(["scheduled", "in_effect", "ended"]).nullable(),
  allowedMoves: z.array(zHoldMove),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  updatedBy: z.string(),
  validatedAt: z.string().nullable(),
  validatedBy: z.string().nullable(),
  activatedAt: z.string().nullable(),
  activatedBy: z.string().nullable(),
  releasedAt: z.string().nullable(),
  releasedBy: z.string().nullable(),
  discardedAt: z.string().nullable(),
  discardedBy: z.string().nullable(),
});
export type HoldOutput = z.infer<typeof holdOutput>;

export const accountHoldListOutput = z.object({
  listCompleted: z.boolean(),
  items: z.array(holdOutput),
});

export const holdPageOutput = z.object({
  items: z.array(holdOutput),
  nextCursor: z.string().nullable(),
});

export const holdEffectOutput = z.object({
  accountLocator: z.string(),
  process: zHoldProcess,
  date: z.string(),
  held: z.boolean(),
  holdLocators: z.array(z.string()),
});
