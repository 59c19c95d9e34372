/**
 * Helpers for tests that compare rule violations (exported as
 * `@holdfast/domain/testing`, and again by `@holdfast/testing/issues`; here so
 * the domain's own tests can use them without depending on the test package).
 */

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

/** What a zod schema says about an input, as field issues. */
interface ZodSchemaLike {
  safeParse(input: unknown): {
    success: boolean;
    error?: { issues: readonly { code: string; path: readonly PropertyKey[]; message: string }[] };
  };
}

/**
 * The rules a schema finds broken in an input, in zod's order: the path with
 * its segments joined by dots, and the rule a custom issue carries (written
 * as its message's `rule: ` prefix), or zod's own code for any other issue.
 */
export function zodRulesOf(schema: ZodSchemaLike, input: unknown): PathAndRule[] {
  const result = schema.safeParse(input);
  return (result.error?.issues ?? []).map((i) => ({
    path: i.path.map(String).join("."),
    rule: (i.code === "custom" ? /^([a-z_]+): /.exec(i.message)?.[1] : undefined) ?? i.code,
  }));
}
