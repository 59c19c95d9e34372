/**
 * Server issues name their field as `targets[0].endDate`; react-hook-form names
 * it `targets.0.endDate`. Both come from the same path segments.
 */
export type PathSegment = string | number;

export function issuePathSegments(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[1] !== undefined) segments.push(match[1]);
  }
  return segments;
}

export function toFieldName(path: string): string {
  return issuePathSegments(path).join(".");
}

export interface FieldIssue {
  path: string;
  rule: string;
  message: string;
}

/**
 * Splits server issues into those the form can show beside a field (keyed by
 * the field, row or list that shows them) and the rest, shown at the top of
 * the form. `slotFor` names where the form shows a field name's messages, or
 * null when it has no place for them.
 */
export function placeIssues(
  issues: readonly FieldIssue[],
  slotFor: (fieldName: string) => string | null,
): { byField: Record<string, string[]>; unplaced: FieldIssue[] } {
  const byField: Record<string, string[]> = {};
  const unplaced: FieldIssue[] = [];
  for (const issue of issues) {
    const name = toFieldName(issue.path);
    const slot = name ? slotFor(name) : null;
    if (slot) byField[slot] = [...(byField[slot] ?? []), issue.message];
    else unplaced.push(issue);
  }
  return { byField, unplaced };
}
