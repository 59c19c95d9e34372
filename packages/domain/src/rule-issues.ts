import type { z } from "zod";
import type { FieldIssue } from "./errors.ts";

/**
 * A rule's name travels in the zod issue's `params.rule`; the message is the
 * sentence for people. `ruleIssue` raises one inside `superRefine`,
 * `ruleCheck` is the options object for `.refine`.
 */
export function ruleIssue(ctx: z.RefinementCtx, issue: { path?: PropertyKey[]; rule: string; message: string }): void {
  ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, params: { rule: issue.rule } });
}

export function ruleCheck(
  rule: string,
  message: string,
  path?: PropertyKey[],
): { error: string; params: { rule: string }; path?: PropertyKey[] } {
  return path ? { error: message, params: { rule }, path } : { error: message, params: { rule } };
}

/** The rule a zod issue names in `params.rule`, if it names one. */
export function issueRule(issue: z.core.$ZodIssue): string | undefined {
  const rule = issue.code === "custom" ? issue.params?.rule : undefined;
  return typeof rule === "string" ? rule : undefined;
}

/** `["targets", 0, "endDate"]` → `targets[0].endDate`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)),
    "",
  );
}

/** Zod issues flattened to field and rule: the rule named in `params`, else zod's own code. */
export function flattenZodError(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    path: issuePath(i.path) || "(input)",
    rule: issueRule(i) ?? i.code,
    message: i.message,
  }));
}
