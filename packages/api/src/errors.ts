import { type AppErrorCode, type FieldIssue, flattenZodError, isAppError } from "@holdfast/domain";
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { ZodError } from "zod";

/** Each application error code, mapped once to a tRPC code (and so to an HTTP status). */
export const APP_TO_TRPC: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  INVALID_TRANSITION: "CONFLICT",
  VERSION_CONFLICT: "CONFLICT",
  CONCURRENT_MODIFICATION: "CONFLICT",
  HOLD_NOT_ACTIVE: "CONFLICT",
  HOLD_ENDED: "CONFLICT",
  HOLD_INVALID: "PRECONDITION_FAILED",
  IDEMPOTENCY_KEY_REUSED: "UNPROCESSABLE_CONTENT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  METHOD_NOT_ALLOWED: "METHOD_NOT_SUPPORTED",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  DATABASE_TIMEOUT: "SERVICE_UNAVAILABLE",
  NOT_COMMITTED: "SERVICE_UNAVAILABLE",
  NOT_CONFIGURED: "PRECONDITION_FAILED",
};

/** The error data every client sees: code, field issues, details. Never a stack or SQL. */
export interface ErrorData {
  appCode: AppErrorCode | "INTERNAL" | "INPUT";
  issues: FieldIssue[];
  details: Record<string, unknown>;
}

export function toTrpcError(e: unknown): TRPCError {
  if (e instanceof TRPCError) return e;
  if (isAppError(e)) return new TRPCError({ code: APP_TO_TRPC[e.code], message: e.message, cause: e });
  if (e instanceof ZodError) return new TRPCError({ code: "BAD_REQUEST", message: "invalid input", cause: e });
  return new TRPCError({
    code: "INTERNAL_SERVER_ERROR",
    message: "internal error",
    cause: e instanceof Error ? e : undefined,
  });
}

export function errorData(error: TRPCError): { message: string; data: ErrorData } {
  const cause = error.cause;
  if (cause instanceof ZodError) {
    const issues = flattenZodError(cause);
    return {
      message: issues.map((i) => `${i.path}: ${i.message}`).join("; "),
      data: { appCode: "INPUT", issues, details: {} },
    };
  }
  if (isAppError(cause))
    return { message: cause.message, data: { appCode: cause.code, issues: cause.issues, details: cause.details } };
  if (error.code === "INTERNAL_SERVER_ERROR") {
    return {
      message: "Internal error; it has been logged. Quote the request id to support.",
      data: { appCode: "INTERNAL", issues: [], details: {} },
    };
  }
  return { message: error.message, data: { appCode: "INPUT", issues: [], details: {} } };
}

/**
 * The response headers an answer's errors call for: `Retry-After` (the
 * longest wait) when a call was refused with TOO_MANY_REQUESTS. For the HTTP
 * adapter's `responseMeta`.
 */
export function responseHeadersFor(errors: readonly TRPCError[]): Record<string, string> {
  const waits = errors
    .map((e) =>
      isAppError(e.cause) && e.cause.code === "TOO_MANY_REQUESTS" ? e.cause.details.retryAfterSeconds : null,
    )
    .filter((s): s is number => typeof s === "number");
  return waits.length ? { "retry-after": String(Math.max(...waits)) } : {};
}
