import {
  AppError,
  type HoldOutput,
  ruleCheck,
  type ValidationResult,
  zBusinessDate,
  zHoldState,
  zLocator,
  zText,
} from "@holdfast/domain";
import { z } from "zod";

/**
 * Socotra's Billing Holds shapes (seeds/000), and how our hold maps onto them.
 *
 * Requests are checked here for their Socotra field names (so a 400 names
 * `targetType`, not our `targets[0].process`), then once more by the shared
 * domain schemas in front of the same services the tRPC procedures call.
 */

export const SOCOTRA_TARGET_TYPES = ["invoicing", "delinquency"] as const;
export const zTargetType = z.enum(SOCOTRA_TARGET_TYPES);
export type SocotraTargetType = z.infer<typeof zTargetType>;

/**
 * HoldCreateRequest: the seed's `accountLocator` and `targetType` (required),
 * plus three optional Holdfast fields a Socotra client may ignore: the hold's
 * `startDate` and `endDate` (YYYY-MM-DD; none: until released) and `comments`.
 * Unknown fields are refused with 400 (`unrecognized_keys`).
 */
export const zHoldCreateRequest = z.strictObject({
  accountLocator: zLocator,
  targetType: zTargetType,
  startDate: zBusinessDate.optional(),
  endDate: zBusinessDate.optional(),
  comments: zText(2000).optional(),
});
export type HoldCreateRequest = z.infer<typeof zHoldCreateRequest>;

/**
 * HoldUpdateRequest: only the fields sent change. A `targetType` replaces the
 * hold's targets with that one process (a Socotra hold has exactly one).
 */
export const zHoldUpdateRequest = z.strictObject({
  accountLocator: zLocator.optional(),
  targetType: zTargetType.optional(),
});
export type HoldUpdateRequest = z.infer<typeof zHoldUpdateRequest>;

/** Query parameters arrive as text: whole numbers and true/false only. */
const zQueryCount = z
  .string()
  .refine((v) => /^[0-9]{1,9}$/.test(v), ruleCheck("integer", "must be a whole number written with digits"))
  .transform(Number);
const zQueryBoolean = z
  .string()
  .refine((v) => v === "true" || v === "false", ruleCheck("boolean", "must be true or false"))
  .transform((v) => v === "true");

/**
 * The list query: `state`, `offset`, `count`, `extended`. Limits (count 1 to
 * 1000, default 100; offset from 0) are the shared schema's. Unknown or
 * repeated parameters are refused rather than silently ignored.
 */
export const zHoldListQuery = z.strictObject({
  state: zHoldState.optional(),
  offset: zQueryCount.optional(),
  count: zQueryCount.optional(),
  extended: zQueryBoolean.optional(),
});

/**
 * Socotra's ValidationResult, from our `{ success, problems[{ path, rule, message }] }`:
 *
 *     { "validationItems": [ { "elementType": "hold", "locator": "<hold>", "errors": ["<path>: <message>", …] } ],
 *       "success": false }
 *
 * Every problem is one string of the single `hold` item, naming the field
 * (our path, e.g. `targets[0].endDate`) and the reason; a passing result has
 * `validationItems: []` and `success: true`. The rule codes stay available
 * through tRPC (`holds.get`), which returns the same result in full.
 */
export interface SocotraValidationResult {
  validationItems: { elementType: "hold"; locator: string; errors: string[] }[];
  success: boolean;
}

export function toSocotraValidationResult(locator: string, result: ValidationResult): SocotraValidationResult {
  return {
    validationItems: result.problems.length
      ? [{ elementType: "hold", locator, errors: result.problems.map((p) => `${p.path}: ${p.message}`) }]
      : [],
    success: result.success,
  };
}

/** HoldResponse, in the seed's member order, then Holdfast's extra fields (a Socotra client ignores them). */
export interface SocotraHoldResponse {
  locator: string;
  accountLocator: string;
  holdState: HoldOutput["holdState"];
  targetType: SocotraTargetType;
  createdAt: string;
  updatedAt: string;
  validationResult?: SocotraValidationResult;
  /** Every process the hold holds, with its dates: only when it holds more than its `targetType`. */
  targets?: HoldOutput["targets"];
  /** `extended=true` only: the hold's own dates, comments and characteristics. */
  startDate?: string | null;
  endDate?: string | null;
  comments?: string | null;
  characteristics?: HoldOutput["characteristics"];
}

/**
 * The one Socotra target type of a hold: `invoicing` when it holds invoicing,
 * else `delinquency` when it holds delinquency, else none. A hold of neither
 * (say funding alone, an ORMB hold request) does not exist for the Socotra
 * routes: 404, and left out of their lists.
 */
export function socotraTargetTypeOf(hold: Pick<HoldOutput, "targets">): SocotraTargetType | null {
  const processes = hold.targets.map((t) => t.process);
  return SOCOTRA_TARGET_TYPES.find((p) => processes.includes(p)) ?? null;
}

/** The hold as a Socotra client sees it, or NOT_FOUND when it holds neither invoicing nor delinquency. */
export function visibleToSocotra(hold: HoldOutput): HoldOutput & { targetType: SocotraTargetType } {
  const targetType = socotraTargetTypeOf(hold);
  if (!targetType) throw AppError.notFound("hold", hold.locator);
  return { ...hold, targetType };
}

/**
 * The targets after a HoldUpdateRequest's `targetType`: only the Socotra-visible
 * target changes process (keeping its dates); the hold's other targets and
 * their dates stay. A process the hold already holds is not added twice: the
 * visible target is then dropped and the existing one kept.
 */
export function retargeted(hold: HoldOutput, targetType: SocotraTargetType) {
  const visible = socotraTargetTypeOf(hold);
  const already = hold.targets.some((t) => t.process === targetType);
  return hold.targets.flatMap((t) => {
    if (t.process !== visible || t.process === targetType) return [t];
    return already ? [] : [{ ...t, process: targetType }];
  });
}

/** `validationResult` is present once the hold has been validated (and kept through later moves). */
export function toSocotraHold(hold: HoldOutput, opts: { extended?: boolean } = {}): SocotraHoldResponse {
  const seen = visibleToSocotra(hold);
  const out: SocotraHoldResponse = {
    locator: hold.locator,
    accountLocator: hold.accountLocator,
    holdState: hold.holdState,
    targetType: seen.targetType,
    createdAt: hold.createdAt,
    updatedAt: hold.updatedAt,
  };
  if (hold.validationResult) out.validationResult = toSocotraValidationResult(hold.locator, hold.validationResult);
  if (hold.targets.length > 1 || opts.extended) out.targets = hold.targets;
  if (opts.extended) {
    out.startDate = hold.startDate;
    out.endDate = hold.endDate;
    out.comments = hold.comments;
    out.characteristics = hold.characteristics;
  }
  return out;
}

/** HoldListResponse; `extended` items are whole holds (see {@link toSocotraHold}). */
export function toSocotraList(list: { listCompleted: boolean; items: HoldOutput[] }, extended: boolean) {
  return { listCompleted: list.listCompleted, items: list.items.map((h) => toSocotraHold(h, { extended })) };
}
