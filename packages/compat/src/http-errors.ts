import { type AppErrorCode, type FieldIssue, flattenZodError, isAppError } from "@holdfast/domain";
import { databaseAppError } from "@holdfast/services";
import { z } from "zod";

/** Each application error code, mapped once to an HTTP status for the compatibility routes. */
export const APP_TO_HTTP: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  VERSION_CONFLICT: 409,
  CONCURRENT_MODIFICATION: 409,
  HOLD_NOT_ACTIVE: 409,
  HOLD_ENDED: 409,
  HOLD_INVALID: 412,
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  METHOD_NOT_ALLOWED: 405,
  TOO_MANY_REQUESTS: 429,
  DATABASE_TIMEOUT: 503,
  NOT_COMMITTED: 503,
  NOT_CONFIGURED: 412,
};

/** The codes a compatibility route answers with: the application codes, and INTERNAL for anything else. */
export type HttpErrorCode = AppErrorCode | "INTERNAL";

export interface HttpProblem {
  status: number;
  code: HttpErrorCode;
  message: string;
  issues: FieldIssue[];
}

/** Any thrown error as status + message + field issues; never a stack or SQL. */
export function toHttpProblem(thrown: unknown): HttpProblem {
  const e = databaseAppError(thrown) ?? thrown;
  if (isAppError(e)) return { status: APP_TO_HTTP[e.code], code: e.code, message: e.message, issues: e.issues };
  if (e instanceof z.ZodError) {
    const issues = flattenZodError(e);
    return {
      status: 400,
      code: "BAD_REQUEST",
      message: issues.map((i) => `${i.path}: ${i.message}`).join("; "),
      issues,
    };
  }
  return { status: 500, code: "INTERNAL", message: "Internal error; it has been logged.", issues: [] };
}
