import { z } from "zod";
import { zBusinessDate, zIdempotencyKey, zLocator, zReason, zScope } from "./common-schemas.ts";
import { holdFilter, holdOutput } from "./holds/schemas.ts";
import { ruleIssue } from "./rule-issues.ts";
import { actionOutput, subscriptionFilter } from "./subscriptions/schemas.ts";

/** The most items one bulk call acts on, by locators or by a filter's matches. */
export const BULK_MAX_ITEMS = 500;

/** Exactly one of: these locators (each once), or every row a list filter matches (at most BULK_MAX_ITEMS). */
const zSelection = <F extends z.ZodType>(filter: F) =>
  z
    .strictObject({
      locators: z.array(zLocator).min(1).max(BULK_MAX_ITEMS).optional(),
      filter: filter.optional(),
    })
    .superRefine((v, ctx) => {
      if ((v.locators === undefined) === (v.filter === undefined)) {
        ruleIssue(ctx, { rule: "exactly_one", message: "give exactly one of locators or filter" });
      }
      const seen = new Set<string>();
      v.locators?.forEach((l, i) => {
        if (seen.has(l)) {
          ruleIssue(ctx, { path: ["locators", i], rule: "duplicate_locator", message: `${l} is selected twice` });
        }
        seen.add(l);
      });
    });

/** What every bulk call takes besides its own fields: a required key, the selection, and the count the caller saw. */
const bulkFields = <F extends z.ZodType>(filter: F) => ({
  ...zScope,
  /** Required: a retry with the same key answers the same per-item results. */
  idempotencyKey: zIdempotencyKey,
  /** When given, the call is refused (nothing done) unless the selection resolves to exactly this many items. */
  expectedCount: z.number().int().min(1).max(BULK_MAX_ITEMS).optional(),
  selection: zSelection(filter),
});

export const releaseHoldsInput = z.strictObject({
  ...bulkFields(holdFilter),
  /** Required in bulk: stored on every released hold and its audit event. */
  reason: zReason,
});
export type ReleaseHoldsInput = z.output<typeof releaseHoldsInput>;

export const extendGraceManyInput = z
  .strictObject({
    ...bulkFields(subscriptionFilter),
    /** As the single extend-grace call: exactly one of a new end date or a number of days. */
    endGracePeriodOn: zBusinessDate.optional(),
    endGracePeriodAfterDays: z.number().int().min(1).max(3650).optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.endGracePeriodOn === undefined) === (v.endGracePeriodAfterDays === undefined)) {
      ruleIssue(ctx, {
        path: ["endGracePeriodOn"],
        rule: "exactly_one_end",
        message: "give exactly one of endGracePeriodOn or endGracePeriodAfterDays",
      });
    }
  });
export type ExtendGraceManyInput = z.output<typeof extendGraceManyInput>;

/** Why one item of a bulk call was refused: the application error's code, its message, and its first rule. */
export const bulkItemError = z.object({ code: z.string(), message: z.string(), rule: z.string().optional() });
export type BulkItemError = z.infer<typeof bulkItemError>;

const bulkOutput = <K extends string, T extends z.ZodType>(key: K, item: T) =>
  z.object({
    items: z.array(
      z.discriminatedUnion("ok", [
        z.object({ locator: z.string(), ok: z.literal(true), [key]: item } as {
          locator: z.ZodString;
          ok: z.ZodLiteral<true>;
        } & Record<K, T>),
        z.object({ locator: z.string(), ok: z.literal(false), error: bulkItemError }),
      ]),
    ),
  });

export const releaseHoldsOutput = bulkOutput("hold", holdOutput);
export type ReleaseHoldsOutput = z.infer<typeof releaseHoldsOutput>;
export const extendGraceManyOutput = bulkOutput("action", actionOutput.partial());
export type ExtendGraceManyOutput = z.infer<typeof extendGraceManyOutput>;
