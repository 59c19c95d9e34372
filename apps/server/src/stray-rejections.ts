import type { Logger } from "pino";

/** What postgres.js rejects a query with when its pool is ended under it (supervisePool replaces the pool). */
const POOL_TEARDOWN = new Set(["CONNECTION_DESTROYED", "CONNECTION_ENDED", "CONNECTION_CLOSED"]);

/**
 * A database outage makes the server replace its pool and end the old one;
 * queries still queued there are rejected, and one nobody waits for any more
 * must not end the server. Only those are logged and survived; any other
 * unhandled rejection still ends the process (exit 1), as Node would.
 */
export function surviveStrayPoolRejections(logger: Pick<Logger, "warn" | "fatal">): void {
  process.on("unhandledRejection", (reason) => {
    const code = (reason as { code?: unknown } | null)?.code;
    if (typeof code === "string" && POOL_TEARDOWN.has(code)) {
      logger.warn({ code }, "a query of a replaced database pool was rejected after its caller had gone");
      return;
    }
    logger.fatal({ err: reason }, "unhandled rejection");
    process.exit(1);
  });
}
