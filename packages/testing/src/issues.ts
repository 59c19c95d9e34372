/**
 * Reading the rule violations behind a refused call: the field issues of an
 * application error or of a zod error (the shape the API's error mapping
 * answers), and zod's own issues for form schemas.
 */
import { type AppError, type FieldIssue, flattenZodError, isAppError } from "@holdfast/domain";
import { type PathAndRule, sortRules } from "@holdfast/domain/testing";
import { ZodError } from "zod";

export { type PathAndRule, sortRules };

/** Path and rule only, in the order given. */
export function rulesOf(issues: readonly PathAndRule[]): PathAndRule[] {
  return issues.map(({ path, rule }) => ({ path, rule }));
}

/**
 * The field issues behind a refused call's error (a TRPCError, or any error
 * with a cause): the AppError's, or the zod schema's; none behind any other.
 */
export function issuesOfTrpcError(err: { cause?: unknown }): FieldIssue[] {
  const cause = err.cause;
  if (isAppError(cause)) return cause.issues;
  if (cause instanceof ZodError) return flattenZodError(cause);
  return [];
}

/** The AppError behind an error (a TRPCError's cause). */
export function appErrorOf(err: { cause?: unknown }): AppError {
  const cause = err.cause;
  if (!isAppError(cause)) throw new Error(`expected an AppError cause, got ${String(cause)}`);
  return cause;
}

/** A zod parse result's issues as `path: message` lines (path segments joined with dots); none for a success. */
export function issuesOfZod(result: {
  success: boolean;
  error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
}): string[] {
  return (result.error?.issues ?? []).map((i) => `${i.path.map(String).join(".")}: ${i.message}`);
}
