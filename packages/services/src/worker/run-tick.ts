import { type Database, schema } from "@holdfast/db";
import { businessDateAt } from "@holdfast/domain";
import { desc, eq, lt } from "drizzle-orm";
import type { Clock } from "../clock.ts";
import { newLocator } from "../ids.ts";
import { releaseEndedHolds } from "./release-ended-holds.ts";

export interface TickResult {
  tickId: string;
  status: "succeeded" | "failed";
  counts: Record<string, number>;
  errors: string[];
}

/**
 * One worker tick: for each tenant's business date, every job runs. Jobs are
 * safe to run concurrently in several workers. The tick is recorded
 * (started, finished, counts, errors) for the dashboard.
 */
export async function runTick(db: Database, clock: Clock, workerId: string): Promise<TickResult> {
  const tickId = newLocator();
  const startedAt = new Date();
  const clockAt = clock.now();
  await db.insert(schema.workerTicks).values({ id: tickId, workerId, status: "running", clockAt, startedAt });
  const counts: Record<string, number> = { tenants: 0, holdsReleased: 0, idempotencyKeysPurged: 0 };
  const errors: string[] = [];
  const ctx = { db, clock, actor: { type: "worker" as const, id: workerId, name: `worker ${workerId}` } };
  const tenants = await db.select().from(schema.tenants);
  for (const tenant of tenants) {
    counts.tenants = (counts.tenants ?? 0) + 1;
    const today = businessDateAt(clockAt, tenant.timeZone);
    try {
      counts.holdsReleased = (counts.holdsReleased ?? 0) + (await releaseEndedHolds(ctx, tenant.id, today));
    } catch (e) {
      errors.push(`tenant ${tenant.id}: releasing ended holds failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  try {
    const purged = await db
      .delete(schema.idempotencyKeys)
      .where(lt(schema.idempotencyKeys.expiresAt, clockAt))
      .returning({ key: schema.idempotencyKeys.key });
    counts.idempotencyKeysPurged = purged.length;
  } catch (e) {
    errors.push(`purging idempotency keys failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const status = errors.length ? "failed" : "succeeded";
  await db
    .update(schema.workerTicks)
    .set({ status, finishedAt: new Date(), counts, errors })
    .where(eq(schema.workerTicks.id, tickId));
  return { tickId, status, counts, errors };
}

export async function workerStatus(db: Database, clock: Clock, limit = 20) {
  const ticks = await db.select().from(schema.workerTicks).orderBy(desc(schema.workerTicks.startedAt)).limit(limit);
  const lastFinished = ticks.find((t) => t.finishedAt);
  const now = clock.now();
  return {
    now: now.toISOString(),
    lagSeconds: lastFinished?.finishedAt ? Math.max(0, Math.round((Date.now() - lastFinished.finishedAt.getTime()) / 1000)) : null,
    ticks: ticks.map((t) => ({
      id: t.id,
      workerId: t.workerId,
      status: t.status,
      clockAt: t.clockAt.toISOString(),
      startedAt: t.startedAt.toISOString(),
      finishedAt: t.finishedAt?.toISOString() ?? null,
      counts: t.counts,
      errors: t.errors,
    })),
  };
}
