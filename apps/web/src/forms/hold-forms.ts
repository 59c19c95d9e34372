/**
 * Form-shaped schemas for the hold forms, derived from the API's own input
 * schemas: a form's values (strings from inputs, rows from field arrays) are
 * turned into a `createHoldInput` / `amendHoldInput` and parsed by that very
 * schema, so the form refuses what the server would refuse at the same paths.
 * On top, the domain's own `checkHold` runs the rules that need no server data
 * (end before start, a target outside the hold's dates, overdue with
 * delinquency). Rules that need the server (today in the tenant's time zone,
 * the account's status, other holds) come back as server issues.
 */
import {
  amendHold,
  amendHoldInput,
  checkHold,
  createHoldInput,
  HOLD_PROCESSES,
  type HoldFacts,
  type HoldOutput,
  ruleIssue,
  zHoldProcess,
  zLocator,
} from "@holdfast/domain";
import { z } from "zod";
import { issuePathSegments } from "./issue-paths.ts";

/** The checks that need the server's knowledge, made neutral for a client-side check. */
const NEUTRAL_CONTEXT = { today: "0000-01-01", account: { status: "open" as const }, otherHolds: [] };
/** Rules the input schema already reports, so they are not shown twice. */
const REPORTED_BY_SCHEMA = new Set(["duplicate_target", "required"]);

/** An empty input means "no value": null for the API. */
const orNull = (s: string): string | null => (s.trim() === "" ? null : s.trim());

function addDomainProblems(hold: HoldFacts, ctx: z.RefinementCtx, unchanged?: HoldFacts) {
  const result = checkHold(hold, NEUTRAL_CONTEXT, unchanged ? { unchanged } : {});
  for (const p of result.problems) {
    if (REPORTED_BY_SCHEMA.has(p.rule)) continue;
    ruleIssue(ctx, { path: issuePathSegments(p.path), rule: p.rule, message: p.message });
  }
}

// ---- Create and edit (a draft) ----

const targetRow = z.object({ process: zHoldProcess, startDate: z.string(), endDate: z.string() });
const characteristicRow = z.object({ type: z.string(), value: z.string(), effectiveDate: z.string() });

const holdFormShape = z.object({
  accountLocator: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  comments: z.string(),
  targets: z.array(targetRow),
  characteristics: z.array(characteristicRow),
});
export type HoldFormValues = z.input<typeof holdFormShape>;

export const holdForm = holdFormShape
  .transform(
    (v): z.input<typeof createHoldInput> => ({
      accountLocator: v.accountLocator,
      targets: v.targets.map((t) => ({
        process: t.process,
        startDate: orNull(t.startDate),
        endDate: orNull(t.endDate),
      })),
      startDate: orNull(v.startDate),
      endDate: orNull(v.endDate),
      comments: v.comments.trim() === "" ? null : v.comments,
      characteristics: v.characteristics.map((c) => ({
        type: c.type.trim(),
        value: c.value,
        effectiveDate: orNull(c.effectiveDate),
      })),
    }),
  )
  .pipe(
    createHoldInput
      // The locator's own message speaks of ULIDs; a person left the account unchosen.
      .extend({ accountLocator: z.string().min(1, { error: "Choose an account" }).pipe(zLocator) })
      .superRefine((input, ctx) => {
        if (!Array.isArray(input.targets)) return;
        addDomainProblems(
          {
            locator: "",
            accountLocator: input.accountLocator,
            state: "draft",
            startDate: input.startDate ?? null,
            endDate: input.endDate ?? null,
            targets: input.targets.map((t) => ({
              process: t.process,
              startDate: t.startDate ?? null,
              endDate: t.endDate ?? null,
            })),
          },
          ctx,
        );
      }),
  );

export const emptyTargetRow = (process: HoldFormValues["targets"][number]["process"] = "invoicing") => ({
  process,
  startDate: "",
  endDate: "",
});
export const emptyCharacteristicRow = () => ({ type: "", value: "", effectiveDate: "" });

export function holdFormDefaults(hold?: HoldOutput): HoldFormValues {
  if (!hold) {
    return {
      accountLocator: "",
      startDate: "",
      endDate: "",
      comments: "",
      targets: [emptyTargetRow()],
      characteristics: [],
    };
  }
  return {
    accountLocator: hold.accountLocator,
    startDate: hold.startDate ?? "",
    endDate: hold.endDate ?? "",
    comments: hold.comments ?? "",
    targets: hold.targets.map((t) => ({ process: t.process, startDate: t.startDate ?? "", endDate: t.endDate ?? "" })),
    characteristics: hold.characteristics.map((c) => ({
      type: c.type,
      value: c.value,
      effectiveDate: c.effectiveDate ?? "",
    })),
  };
}

// ---- Amend (an active hold) ----

const amendFormShape = z.object({
  endDate: z.string(),
  comments: z.string(),
  /** Existing targets first, in the hold's order (only their end date changes), then added ones. */
  targets: z.array(targetRow.extend({ existing: z.boolean() })),
  characteristics: z.array(characteristicRow.extend({ action: z.enum(["Update", "Delete"]) })),
});
export type AmendFormValues = z.input<typeof amendFormShape>;

function factsOf(hold: HoldOutput) {
  return {
    locator: hold.locator,
    accountLocator: hold.accountLocator,
    state: hold.holdState,
    startDate: hold.startDate,
    endDate: hold.endDate,
    targets: hold.targets,
    comments: hold.comments,
    characteristics: hold.characteristics,
  };
}

/**
 * The amend form for one hold. Only what changed is sent. When any target
 * changes, every target is sent, existing ones first in the hold's order, so
 * the server's `targets[i]` names the same row as the form's.
 */
export function amendForm(hold: HoldOutput) {
  const before = factsOf(hold);
  return amendFormShape
    .superRefine((v, ctx) => {
      v.targets.forEach((t, i) => {
        if (v.targets.findIndex((o) => o.process === t.process) !== i) {
          ctx.addIssue({
            code: "custom",
            path: ["targets", i, "process"],
            message: `${t.process} is already a target`,
          });
        }
      });
    })
    .transform((v): z.input<typeof amendHoldInput> => {
      const endDate = orNull(v.endDate);
      const comments = v.comments.trim() === "" ? null : v.comments;
      const targetsChanged = v.targets.some((t, i) => {
        const was = hold.targets[i];
        return !t.existing || !was || orNull(t.endDate) !== was.endDate;
      });
      return {
        locator: hold.locator,
        expectedVersion: hold.version,
        ...(endDate !== hold.endDate ? { endDate } : {}),
        ...(comments !== hold.comments ? { comments } : {}),
        ...(targetsChanged
          ? {
              targets: v.targets.map((t) =>
                t.existing
                  ? { process: t.process, endDate: orNull(t.endDate) }
                  : { process: t.process, startDate: orNull(t.startDate), endDate: orNull(t.endDate) },
              ),
            }
          : {}),
        ...(v.characteristics.length
          ? {
              characteristics: v.characteristics.map((c) =>
                c.action === "Delete"
                  ? { action: c.action, type: c.type.trim() }
                  : { action: c.action, type: c.type.trim(), value: c.value, effectiveDate: orNull(c.effectiveDate) },
              ),
            }
          : {}),
      };
    })
    .pipe(
      amendHoldInput.superRefine((input, ctx) => {
        const amended = amendHold(before, {
          ...(input.endDate !== undefined ? { endDate: input.endDate } : {}),
          ...(input.comments !== undefined ? { comments: input.comments } : {}),
          ...(input.targets ? { targets: input.targets } : {}),
          ...(input.characteristics ? { characteristics: input.characteristics } : {}),
        });
        addDomainProblems(amended, ctx, before);
      }),
    );
}

export function amendFormDefaults(hold: HoldOutput): AmendFormValues {
  return {
    endDate: hold.endDate ?? "",
    comments: hold.comments ?? "",
    targets: hold.targets.map((t) => ({
      process: t.process,
      existing: true,
      startDate: t.startDate ?? "",
      endDate: t.endDate ?? "",
    })),
    characteristics: [],
  };
}

/** Processes an added target may still choose. */
export function freeProcesses(taken: readonly string[]) {
  return HOLD_PROCESSES.filter((p) => !taken.includes(p));
}
