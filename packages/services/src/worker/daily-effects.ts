import { type Database, schema } from "@holdfast/db";
import type { BusinessDate } from "@holdfast/domain";
import { sql } from "drizzle-orm";

/** The counts that are the worker's effects on a tenant's records (not its own housekeeping). */
export const WORKER_EFFECTS = [
  "actionsRun",
  "invoicesIssued",
  "gracePeriodsClosed",
  "gracePeriodsStarted",
  "gracePeriodsPaused",
  "gracePeriodsResumed",
  "subscriptionsLapsed",
  "holdsReleased",
] as const;
export type WorkerEffect = (typeof WORKER_EFFECTS)[number];

/**
 * Adds what one tick did for a tenant on one business day to that day's
 * totals (`worker_daily_effects`), non-zero effects only. Bookkeeping: every
 * effect itself is applied exactly once by its own guarded write, and each
 * tick adds only the effects it applied.
 */
export async function addDailyEffects(
  db: Database,
  tenantId: string,
  day: BusinessDate,
  deltas: Partial<Record<WorkerEffect, number>>,
): Promise<void> {
  const rows = WORKER_EFFECTS.filter((effect) => (deltas[effect] ?? 0) > 0).map((effect) => ({
    tenantId,
    day,
    effect,
    count: deltas[effect] ?? 0,
  }));
  if (rows.length === 0) return;
  const t = schema.workerDailyEffects;
  await db
    .insert(t)
    .values(rows)
    .onConflictDoUpdate({
      target: [t.tenantId, t.day, t.effect],
      set: { count: sql`${t.count} + excluded.count` },
    });
}
