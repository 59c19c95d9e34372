import { type Database, schema } from "@holdfast/db";
import { and, asc, inArray, lt, ne } from "drizzle-orm";
import { ensureAuditPartitions } from "../audit-partitions.ts";
import type { Clock } from "../clock.ts";
import { errorText } from "./error-text.ts";

/** Finished worker ticks older than this many days are purged (WORKER_TICKS_RETENTION_DAYS). */
export const DEFAULT_TICKS_RETENTION_DAYS = 30;

/** Rows one purge statement deletes, and the most statements one tick runs. */
const PURGE_BATCH = 5000;
const PURGE_MAX_BATCHES = 20;

/**
 * Deletes finished ticks (succeeded or failed) that started more than
 * `retentionDays` before now, oldest first, in batches read through
 * worker_ticks_started_idx; a running tick is never deleted. At most
 * PURGE_BATCH × PURGE_MAX_BATCHES rows per call (a backlog goes over several
 * ticks). Answers how many it deleted. A tick's `started_at` is wall-clock
 * time, so "now" is the injected clock's, but never later than the wall
 * clock's: a clock frozen in the future (a demo, a test) does not purge the
 * ticks that just ran.
 */
export async function purgeWorkerTicks(db: Database, clock: Clock, retentionDays: number): Promise<number> {
  const t = schema.workerTicks;
  const now = Math.min(clock.now().getTime(), Date.now());
  const cutoff = new Date(now - retentionDays * 86_400_000);
  let purged = 0;
  for (let i = 0; i < PURGE_MAX_BATCHES; i++) {
    const batch = db
      .select({ id: t.id })
      .from(t)
      .where(and(lt(t.startedAt, cutoff), ne(t.status, "running")))
      .orderBy(asc(t.startedAt))
      .limit(PURGE_BATCH);
    const deleted = await db.delete(t).where(inArray(t.id, batch)).returning({ id: t.id });
    purged += deleted.length;
    if (deleted.length < PURGE_BATCH) break;
  }
  return purged;
}

/** After a failure to create audit partitions (typically a runtime role without ownership), wait this long. */
const PARTITION_RETRY_MS = 3_600_000;
const partitionRetryAt = new WeakMap<Database, number>();

/**
 * The worker's per-tick partition upkeep: ensures audit partitions for the
 * current and next months. Never throws: a failure (a role that may not
 * create tables) is reported through `warn` and retried an hour later (by the
 * clock); meanwhile the DEFAULT partition takes the rows. Answers how many
 * partitions it created.
 */
export async function keepAuditPartitions(db: Database, clock: Clock, warn: (message: string) => void) {
  const now = clock.now();
  const retryAt = partitionRetryAt.get(db);
  if (retryAt !== undefined && now.getTime() < retryAt) return 0;
  try {
    const created = await ensureAuditPartitions(db, now);
    partitionRetryAt.delete(db);
    return created.length;
  } catch (e) {
    partitionRetryAt.set(db, now.getTime() + PARTITION_RETRY_MS);
    const cause = errorText(e);
    warn(
      `could not create audit_events partitions (${cause}); new events go to audit_events_default. ` +
        "The worker's role needs ownership of audit_events (or run `holdfast audit-partitions` monthly as its owner); retrying in an hour",
    );
    return 0;
  }
}
