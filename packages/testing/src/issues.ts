/**
 * Reading the rule violations behind a refused call: the field issues of an
 * application error or of a zod error (the shape the API's error mapping
 * answers), and zod's own issues for form schemas.
 */
import { type AppError, type FieldIssue, isAppError } from "@holdfast/domain";
import { type PathAndRule, sortRules } from "@holdfast/domain/testing";
import { ZodError } from "zod";

export { type PathAndRule, sortRules };

/** Path and rule only, in the order given. */
export function rulesOf(issues: readonly PathAndRule[]): PathAndRule[] {
  return issues.map(({ path, rule }) => ({ path, rule }));
}

/**
 * Zod issues as field issues, read the way the API's error mapping reads them:
 * the path written `a.b[0].c` (`(input)` for the input itself), and a custom
 * issue's rule taken from its message, written `rule: message`.
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

/**
 * The field issues behind a refused call's error (a TRPCError, or any error
 * with a cause): the AppError's, or the zod schema's; none behind any other.
 */
export function issuesOfTrpcError(err: { cause?: unknown }): FieldIssue[] {
  const cause = err.cause;
  if (isAppError(cause)) return cause.issues;
  if (cause instanceof ZodError) return flattenZodIssues(cause);
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
