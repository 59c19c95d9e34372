/**
 * The one application-error vocabulary. The API maps each code once to a tRPC
 * code and an HTTP status; compatibility endpoints map the same codes.
 */
export const APP_ERROR_CODES = [
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "INVALID_TRANSITION",
  "VERSION_CONFLICT",
  "CONCURRENT_MODIFICATION",
  "HOLD_NOT_ACTIVE",
  "HOLD_ENDED",
  "HOLD_INVALID",
  "IDEMPOTENCY_KEY_REUSED",
  "PAYLOAD_TOO_LARGE",
  "METHOD_NOT_ALLOWED",
] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

/** A problem with one field: where, which rule, and a sentence for people. */
export interface FieldIssue {
  path: string;
  rule: string;
  message: string;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly issues: FieldIssue[];
  readonly details: Record<string, unknown>;

  constructor(
    code: AppErrorCode,
    message: string,
    opts: { issues?: FieldIssue[]; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.issues = opts.issues ?? [];
    this.details = opts.details ?? {};
  }

  static badRequest(issues: FieldIssue[]): AppError {
    const message = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    return new AppError("BAD_REQUEST", message, { issues });
  }

  static notFound(entity: string, locator: string): AppError {
    return new AppError("NOT_FOUND", `${entity} ${locator} was not found`, { details: { entity, locator } });
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
