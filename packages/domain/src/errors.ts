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
  "TOO_MANY_REQUESTS",
  "DATABASE_TIMEOUT",
  "NOT_COMMITTED",
  "NOT_CONFIGURED",
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

  /** The database did not answer within the API's statement timeout; nothing was changed. */
  static databaseTimeout(): AppError {
    return new AppError("DATABASE_TIMEOUT", "the database took too long to answer; nothing was changed, try again");
  }

  /** The database rolled the transaction back instead of committing it; nothing was changed, a retry may succeed. */
  static notCommitted(): AppError {
    return new AppError(
      "NOT_COMMITTED",
      "the change was not saved: the database rolled it back; nothing was changed, try again",
    );
  }

  /** The deployment lacks a setting this needs (`details.setting` names the environment variable). */
  static notConfigured(setting: string, message: string): AppError {
    return new AppError("NOT_CONFIGURED", message, { details: { setting } });
  }

  /** The caller must wait (sign-in throttling): `details.retryAfterSeconds` says how long. */
  static tooManyRequests(message: string, retryAfterSeconds: number): AppError {
    return new AppError("TOO_MANY_REQUESTS", message, { details: { retryAfterSeconds } });
  }

  /**
   * The caller's `expectedVersion` is not the entity's current version.
   * `path`, when given, names the request item (`updates[1]`) the version came with.
   */
  static staleVersion(stale: {
    entity: string;
    locator: string;
    currentVersion: number;
    expectedVersion: number;
    path?: string;
  }): AppError {
    const { entity, locator, currentVersion, expectedVersion, path } = stale;
    const where = path === undefined ? "" : `${path}: `;
    return new AppError(
      "VERSION_CONFLICT",
      `${where}${entity} ${locator} is at version ${currentVersion}, not the expected ${expectedVersion}; reload and retry`,
      { details: { entity, locator, currentVersion, expectedVersion, ...(path === undefined ? {} : { path }) } },
    );
  }

  /**
   * Another request changed the entity between this request's read and its
   * write (or PostgreSQL aborted one of two requests that crossed: no entity then).
   */
  static concurrentChange(changed?: { entity: string; locator: string }): AppError {
    const what = changed ? `${changed.entity} ${changed.locator}` : "the same data";
    return new AppError("CONCURRENT_MODIFICATION", `${what} was changed by another request; reload and retry`, {
      details: changed ? { ...changed } : {},
    });
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
