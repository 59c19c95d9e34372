import { createHash } from "node:crypto";
import { type Database, schema } from "@holdfast/db";
import { businessDateAt } from "@holdfast/domain";
import { eq, lt } from "drizzle-orm";
import type { Clock } from "../clock.ts";
import { purgeDomainEvents } from "../events/event-outbox.ts";
import { newLocator } from "../ids.ts";
import { errorText } from "./error-text.ts";
import { DEFAULT_TICKS_RETENTION_DAYS, keepAuditPartitions, purgeWorkerTicks } from "./retention.ts";
import { shareTenantDays } from "./shared-days.ts";
import type { JobContext } from "./subscription-jobs.ts";
import { closeAbandonedTicks, DEFAULT_INTERVAL_MS, markWorkerTicked, touchWorker } from "./worker-liveness.ts";

export interface TickResult {
  tickId: string;
  status: "succeeded" | "failed";
  /** Totals over every tenant, and each tenant's own non-zero ones as `tenant:<id>:<count>`. */
  counts: Record<string, number>;
  errors: string[];
}

/**
 * Rows claimed per transaction. A subscription batch costs four round trips
 * (BEGIN, claim, one write statement, COMMIT) whatever its size, so larger
 * batches cut per-row overhead; beyond ~1,000 the gain is lost in noise while
 * locks are held longer and a killed worker's rolled-back batch grows
 * (P2 in bench/).
 */
export const DEFAULT_BATCH_SIZE = 1000;

const COUNT_KEYS = [
  "tenants",
  /**
   * Tenants this tick left because another worker held one of its steps for a whole minute (a hung worker).
   * Workers share every date, so a tenant is no longer "busy" merely because another worker is on it.
   */
  "tenantsBusy",
  "daysProcessed",
  "actionsRun",
  "invoicesIssued",
  "gracePeriodsClosed",
  "gracePeriodsStarted",
  "gracePeriodsPaused",
  "gracePeriodsResumed",
  "subscriptionsLapsed",
  "holdsReleased",
  "idempotencyKeysPurged",
  "workerTicksPurged",
  "auditPartitionsCreated",
] as const;
type Counts = Record<(typeof COUNT_KEYS)[number], number>;

export const TENANT_COUNT_PREFIX = "tenant:";

/**
 * A worker's id as tenants see it: opaque and stable (a hash), never the
 * host name and process id it is made of.
 */
export function publicWorkerId(workerId: string): string {
  return `w-${createHash("sha256").update(workerId).digest("hex").slice(0, 10)}`;
}

/**
 * One worker tick: for each tenant, every business date from the day after
 * the last one fully processed up to today (catching up days it missed) runs
 * its steps in order, shared with every other worker ticking at the same time
 * (`shareTenantDays`). Today is passed over on every tick; a past date is
 * closed once a pass over it that began after it ended is complete.
 */
export async function runTick(
  db: Database,
  clock: Clock,
  workerId: string,
  opts: {
    batchSize?: number;
    shouldStop?: () => boolean;
    /** Finished ticks older than this many days are purged (default 30). */
    ticksRetentionDays?: number;
    /** Where upkeep that must not fail the tick (audit partitions) reports a problem. */
    warn?: (message: string) => void;
    heartbeatMs?: number;
    intervalMs?: number;
  } = {},
): Promise<TickResult> {
  const tickId = newLocator();
  const clockAt = clock.now();
  await touchWorker(db, { workerId, intervalMs: opts.intervalMs ?? DEFAULT_INTERVAL_MS });
  await db
    .insert(schema.workerTicks)
    .values({ id: tickId, workerId, status: "running", clockAt, startedAt: new Date() });
  const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as Counts;
  const errors: string[] = [];
  const tick: Omit<JobContext, "tenantId"> = {
    db,
    clock,
    actor: { type: "worker", id: workerId, name: `worker ${workerId}` },
    // The tick's id is the request id of every audit event it writes: a tick links to the records it changed.
    requestId: tickId,
    batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE,
    errors,
    shouldStop: opts.shouldStop,
  };
  const tenants = await db.select().from(schema.tenants);
  // Each tenant's own figures too, stored beside the totals as `tenant:<id>:<count>` (non-zero ones only).
  const byTenant: Record<string, number> = {};
  for (const tenant of tenants) {
    if (opts.shouldStop?.()) break;
    const before = { ...counts };
    counts.tenants++;
    const ctx: JobContext = { ...tick, tenantId: tenant.id };
    const today = businessDateAt(clockAt, tenant.timeZone);
    try {
      const outcome = await shareTenantDays(ctx, { today, graceDays: tenant.graceDays }, counts);
      if (outcome === "busy") counts.tenantsBusy++;
    } catch (e) {
      errors.push(`tenant ${tenant.id}: ${errorText(e)}`);
    }
    for (const key of COUNT_KEYS) {
      const delta = counts[key] - before[key];
      if (delta && key !== "tenants") byTenant[`${TENANT_COUNT_PREFIX}${tenant.id}:${key}`] = delta;
    }
  }
  try {
    const purged = await db
      .delete(schema.idempotencyKeys)
      .where(lt(schema.idempotencyKeys.expiresAt, clockAt))
      .returning({ key: schema.idempotencyKeys.key });
    counts.idempotencyKeysPurged = purged.length;
  } catch (e) {
    errors.push(`purging idempotency keys failed: ${errorText(e)}`);
  }
  try {
    counts.workerTicksPurged = await purgeWorkerTicks(
      db,
      clock,
      opts.ticksRetentionDays ?? DEFAULT_TICKS_RETENTION_DAYS,
    );
  } catch (e) {
    errors.push(`purging worker ticks failed: ${errorText(e)}`);
  }
  try {
    await purgeDomainEvents(db, clock);
  } catch (e) {
    errors.push(`purging domain events failed: ${errorText(e)}`);
  }
  counts.auditPartitionsCreated = await keepAuditPartitions(db, clock, opts.warn ?? (() => undefined));
  const status = errors.length ? "failed" : "succeeded";
  await db
    .update(schema.workerTicks)
    .set({ status, finishedAt: new Date(), counts: { ...counts, ...byTenant }, errors })
    .where(eq(schema.workerTicks.id, tickId));
  await markWorkerTicked(db, workerId);
  // Once per tick, at its end: a worker that died before or during this (maybe long) tick is not left running.
  await closeAbandonedTicks(db, workerId, opts.heartbeatMs);
  return { tickId, status, counts: { ...counts, ...byTenant }, errors };
}

/** The database connection name of a worker process (shown in pg_stat_activity; liveness is its heartbeat). */
export function workerConnectionName(workerId: string) {
  return `holdfast-worker-${workerId}`;
}
