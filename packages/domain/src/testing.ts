/**
 * Helpers for tests that compare rule violations (exported as
 * `@holdfast/domain/testing`, and again by `@holdfast/testing/issues`; here so
 * the domain's own tests can use them without depending on the test package).
 */
import type { ZodError, ZodType } from "zod";
import type { FieldIssue } from "./errors.ts";

/** A broken rule: where, and which. */
export interface PathAndRule {
  path: string;
  rule: string;
}

/** Path and rule only, sorted, so a list of problems compares as a set. */
export function sortRules(issues: readonly PathAndRule[]): PathAndRule[] {
  return issues
    .map(({ path, rule }) => ({ path, rule }))
    .sort((a, b) => `${a.path} ${a.rule}`.localeCompare(`${b.path} ${b.rule}`));
}

/**
 * Zod issues as field issues, read the way the API's error mapping reads them:
 * the path written `a.b[0].c` (`(input)` for the input itself), and a custom
 * issue's rule taken from its message, written `rule: message`. The one place
 * the tests read a rule out of a zod issue.
 */
export function flattenZodIssues(error: ZodError): FieldIssue[] {
  return error.issues.map((i) => {
    const path = i.path.reduce<string>(
      (acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)),
      "",
    );
    const custom = i.code === "custom" ? /^([a-z_]+): (.*)$/.exec(i.message) : null;
    return { path: path || "(input)", rule: custom?.[1] ?? i.code, message: custom?.[2] ?? i.message };
  });
}

/** The rules a schema finds broken in an input, in zod's order (read by flattenZodIssues). */
export function zodRulesOf(schema: ZodType, input: unknown): PathAndRule[] {
  const result = schema.safeParse(input);
  return result.success ? [] : flattenZodIssues(result.error).map(({ path, rule }) => ({ path, rule }));
}
