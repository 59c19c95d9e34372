/**
 * Helpers for tests that compare rule violations (exported as
 * `@holdfast/domain/testing`, and again by `@holdfast/testing/issues`; here so
 * the domain's own tests can use them without depending on the test package).
 */
import type { ZodType } from "zod";
import { flattenZodError } from "./rule-issues.ts";

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

/** The rules a schema finds broken in an input, in zod's order (read as the API reads them: flattenZodError). */
export function zodRulesOf(schema: ZodType, input: unknown): PathAndRule[] {
  const result = schema.safeParse(input);
  return result.success ? [] : flattenZodError(result.error).map(({ path, rule }) => ({ path, rule }));
}
