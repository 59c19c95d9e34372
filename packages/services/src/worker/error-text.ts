/**
 * What a tick records about a failure: the database's own message and
 * SQLSTATE when a query failed (Drizzle wraps it in "Failed query: <sql>
 * params: …", which must not reach a tenant's tick history), else the
 * error's message.
 */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause as { message?: unknown; code?: unknown } | undefined;
  if (cause && typeof cause.message === "string") {
    return typeof cause.code === "string" ? `${cause.message} (SQLSTATE ${cause.code})` : cause.message;
  }
  return e.message;
}
