import { type Database, type DatabaseOrTransaction, schema } from "@holdfast/db";
import {
  type AuditedChange,
  type BusinessDate,
  EVENT_RETENTION_DAYS,
  EVENT_VERSIONS,
  type EventDraft,
  eventsForChange,
} from "@holdfast/domain";
import { and, asc, eq, inArray, lt } from "drizzle-orm";
import type { Clock } from "../clock.ts";
import { newLocator } from "../ids.ts";
import { WORKER_EFFECTS } from "../worker/daily-effects.ts";

/** Where and when events happen: the tenant, the instant of the change (the injected clock) and its request. */
export interface EventOrigin {
  tenantId: string;
  at: Date;
  requestId: string | null;
}

/**
 * Inserts events into the outbox (`domain_events`); call it inside the
 * transaction that makes the change, so the events commit or roll back with it.
 */
export async function writeEvents(tx: DatabaseOrTransaction, origin: EventOrigin, drafts: EventDraft[]): Promise<void> {
  if (drafts.length === 0) return;
  await tx.insert(schema.domainEvents).values(
    drafts.map((d) => ({
      id: newLocator(),
      tenantId: origin.tenantId,
      type: d.type,
      version: EVENT_VERSIONS[d.type],
      entityType: d.entity.type,
      entityId: d.entity.id,
      occurredAt: origin.at,
      requestId: origin.requestId,
      data: d.data,
    })),
  );
}

/** The events an audited change makes (the domain's `eventsForChange`), written beside its audit row. */
export function writeEventsForChange(tx: DatabaseOrTransaction, origin: EventOrigin, change: AuditedChange) {
  return writeEvents(tx, origin, eventsForChange(change));
}

/**
 * `worker.day_completed`: the worker closed `date` for the tenant (a past
 * business date, all its steps done), with the day's stored totals
 * (worker_daily_effects). Called in `closeDate`'s transaction by the one
 * worker whose compare-and-set closed the date, so it is written once.
 */
export async function recordDayCompleted(
  tx: DatabaseOrTransaction,
  input: { tenantId: string; date: BusinessDate; requestId: string | null; occurredAt: Date },
): Promise<void> {
  const counts = Object.fromEntries(WORKER_EFFECTS.map((k) => [k, 0])) as Record<string, number>;
  const d = schema.workerDailyEffects;
  const rows = await tx
    .select()
    .from(d)
    .where(and(eq(d.tenantId, input.tenantId), eq(d.day, input.date)));
  for (const r of rows) counts[r.effect] = r.count;
  await writeEvents(tx, { tenantId: input.tenantId, at: input.occurredAt, requestId: input.requestId }, [
    {
      type: "worker.day_completed",
      entity: { type: "worker_day", id: input.date },
      data: { date: input.date, counts },
    },
  ]);
}

/** Rows one purge statement deletes, and the most statements one call runs. */
const PURGE_BATCH = 5000;
const PURGE_MAX_BATCHES = 20;

/**
 * Deletes events that occurred more than EVENT_RETENTION_DAYS before the
 * injected clock's now, oldest first, in batches through
 * domain_events_occurred_idx (a backlog goes over several ticks). Answers how
 * many it deleted. Part of the worker's per-tick upkeep.
 */
export async function purgeDomainEvents(db: Database, clock: Clock): Promise<number> {
  const e = schema.domainEvents;
  const cutoff = new Date(clock.now().getTime() - EVENT_RETENTION_DAYS * 86_400_000);
  let purged = 0;
  for (let i = 0; i < PURGE_MAX_BATCHES; i++) {
    const batch = db
      .select({ id: e.id })
      .from(e)
      .where(lt(e.occurredAt, cutoff))
      .orderBy(asc(e.occurredAt))
      .limit(PURGE_BATCH);
    const deleted = await db.delete(e).where(inArray(e.id, batch)).returning({ id: e.id });
    purged += deleted.length;
    if (deleted.length < PURGE_BATCH) break;
  }
  return purged;
}
