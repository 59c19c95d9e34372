import { createHash } from "node:crypto";
import { type Database, schema, sessionLockClient } from "@holdfast/db";
import { addDays, type BusinessDate, businessDateAt, daysBetween } from "@holdfast/domain";
import { and, eq, lt } from "drizzle-orm";
import type { Clock } from "../clock.ts";
import { purgeDomainEvents, recordDayCompleted } from "../events/event-outbox.ts";
import { newLocator } from "../ids.ts";
import { addDailyEffects, WORKER_EFFECTS } from "./daily-effects.ts";
import { errorText } from "./error-text.ts";
import { releaseEndedHolds } from "./release-ended-holds.ts";
import { DEFAULT_TICKS_RETENTION_DAYS, keepAuditPartitions, purgeWorkerTicks } from "./retention.ts";
import {
  closeEndedGracePeriods,
  executeDueActions,
  issueInvoices,
  type JobContext,
  lapseSubscriptions,
  pauseAndResumeGracePeriods,
  startGracePeriods,
} from "./subscription-jobs.ts";
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

/** At most this many missed days are caught up in one tick. */
export const MAX_CATCH_UP_DAYS = 400;

const COUNT_KEYS = [
  "tenants",
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

/** The six steps for the context's tenant on one business date, in order. */
export async function runBusinessDay(
  ctx: JobContext,
  { date, graceDays }: { date: BusinessDate; graceDays: number },
  counts: Counts,
) {
  counts.actionsRun += await executeDueActions(ctx, { date });
  counts.invoicesIssued += await issueInvoices(ctx, { date });
  counts.gracePeriodsClosed += await closeEndedGracePeriods(ctx, { date });
  counts.gracePeriodsStarted += await startGracePeriods(ctx, { date, graceDays });
  const { paused, resumed } = await pauseAndResumeGracePeriods(ctx, { date });
  counts.gracePeriodsPaused += paused;
  counts.gracePeriodsResumed += resumed;
  counts.subscriptionsLapsed += await lapseSubscriptions(ctx, { date });
  counts.holdsReleased += await releaseEndedHolds(ctx, { today: date, batchSize: ctx.batchSize });
}

/**
 * One worker tick: for each tenant, every business date from the day after
 * the last one fully processed up to today (catching up days it missed), runs
 * the six steps. Today is processed on every tick; a past day is marked done
 * once processed. Safe to run in any number of workers at once.
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
      const behind = (await firstUnprocessedDay(db, tenant.id, today)) < today;
      const ran = await withDayLock(db, tenant.id, behind, async () => {
        // Read again under the lock: another worker may have caught the tenant up (and run today) between
        // the first read and the lock, and a past day must never run after a later one. The mark only moves
        // forward, so a worker holding the shared lock (nothing was behind) still finds nothing behind.
        const from = await firstUnprocessedDay(db, tenant.id, today);
        for (let d = from; d <= today && !opts.shouldStop?.(); d = addDays(d, 1)) {
          const beforeDay = { ...counts };
          try {
            await runBusinessDay(ctx, { date: d, graceDays: tenant.graceDays }, counts);
          } finally {
            // What this tick applied for the day (even if a step then failed) goes into the day's totals.
            const deltas = Object.fromEntries(WORKER_EFFECTS.map((k) => [k, counts[k] - beforeDay[k]]));
            await addDailyEffects(db, tenant.id, d, deltas);
          }
          // Stopped part-way through the day: leave it unmarked so the next tick runs it again.
          if (opts.shouldStop?.()) break;
          counts.daysProcessed++;
          if (d < today) await markProcessed(db, tenant.id, d);
          if (d < today)
            await db.transaction((tx) =>
              recordDayCompleted(tx, { tenantId: tenant.id, date: d, requestId: tickId, occurredAt: clockAt }),
            );
        }
      });
      if (!ran) counts.tenantsBusy++;
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

/** Advisory-lock namespace for a tenant's worker days. */
const DAY_LOCK_NS = 724_611_002;

/**
 * Each row must see a tenant's business days in order. Any number of workers
 * may work on today together (a shared lock), but catching up past days takes
 * the tenant alone (an exclusive lock), so no worker runs yesterday after
 * another has run today. A worker that cannot get the lock leaves the tenant
 * to the one that has it. The lock is a session lock on a reserved
 * connection (to the direct URL behind a pooler): a killed worker's lock ends
 * with its connection.
 */
async function withDayLock(
  db: Database,
  tenantId: string,
  exclusive: boolean,
  fn: () => Promise<void>,
): Promise<boolean> {
  // On DATABASE_DIRECT_URL when given: a transaction pooler would hand the unlock to another backend.
  const conn = await sessionLockClient(db).reserve();
  try {
    const [row] = exclusive
      ? await conn`select pg_try_advisory_lock(${DAY_LOCK_NS}, hashtext(${tenantId})) as locked`
      : await conn`select pg_try_advisory_lock_shared(${DAY_LOCK_NS}, hashtext(${tenantId})) as locked`;
    if (!row?.locked) return false;
    try {
      await fn();
      return true;
    } finally {
      await (exclusive
        ? conn`select pg_advisory_unlock(${DAY_LOCK_NS}, hashtext(${tenantId}))`
        : conn`select pg_advisory_unlock_shared(${DAY_LOCK_NS}, hashtext(${tenantId}))`);
    }
  } finally {
    conn.release();
  }
}

async function firstUnprocessedDay(db: Database, tenantId: string, today: BusinessDate): Promise<BusinessDate> {
  const w = schema.tenantWorkerState;
  // First sight of a tenant: nothing to catch up before yesterday.
  await db
    .insert(w)
    .values({ tenantId, processedThrough: addDays(today, -1), updatedAt: new Date() })
    .onConflictDoNothing();
  const [state] = await db.select().from(w).where(eq(w.tenantId, tenantId));
  const next = addDays(state?.processedThrough ?? addDays(today, -1), 1);
  return daysBetween(next, today) > MAX_CATCH_UP_DAYS ? addDays(today, -MAX_CATCH_UP_DAYS) : next;
}

async function markProcessed(db: Database, tenantId: string, date: BusinessDate) {
  const w = schema.tenantWorkerState;
  await db
    .update(w)
    .set({ processedThrough: date, updatedAt: new Date() })
    .where(and(eq(w.tenantId, tenantId), lt(w.processedThrough, date)));
}
