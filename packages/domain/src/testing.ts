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
