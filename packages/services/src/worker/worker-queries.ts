import { schema } from "@holdfast/db";
import { addDays, type BusinessDate, businessDateAt, daysBetween } from "@holdfast/domain";
import { and, desc, eq, gte, isNotNull, lt, sql } from "drizzle-orm";
import { reader, type ServiceContext } from "../context.ts";
import { splitPage } from "../paging.ts";
import { getTenant } from "../tenancy/tenants.ts";
import { publicWorkerId, TENANT_COUNT_PREFIX } from "./run-tick.ts";
import { dueForInvoicing } from "./subscription-jobs.ts";
import { workerLiveness } from "./worker-liveness.ts";

type TickRow = typeof schema.workerTicks.$inferSelect;

/**
 * A tick as a tenant sees it. Ticks serve every tenant: each shows only this
 * tenant's counts and errors, and the worker's opaque id (no host name or pid).
 */
function toTickOutput(t: TickRow, tenantId: string) {
  return {
    id: t.id,
    workerId: publicWorkerId(t.workerId),
    status: t.status,
    clockAt: t.clockAt.toISOString(),
    startedAt: t.startedAt.toISOString(),
    finishedAt: t.finishedAt?.toISOString() ?? null,
    counts: ownCounts(t.counts, tenantId),
    // Ticks serve every tenant: show only this tenant's errors, never another's.
    errors: t.errors.filter((e) => e.startsWith(`tenant ${tenantId}:`) || !e.startsWith("tenant ")),
  };
}

/** A tick's counts for one tenant (its `tenant:<id>:` keys, unprefixed); the totals over every tenant are left out. */
function ownCounts(counts: Record<string, number>, tenantId: string): Record<string, number> {
  const prefix = `${TENANT_COUNT_PREFIX}${tenantId}:`;
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(counts)) {
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  }
  return out;
}

/**
 * How far behind the worker is for the tenant: its catch-up mark, whole
 * business days not yet processed before today, and seconds since a tick last
 * finished (wall time, as the ticks' own times are).
 */
export async function workerLag(ctx: ServiceContext, today: BusinessDate) {
  const { tenantId } = ctx;
  const db = reader(ctx);
  const t = schema.workerTicks;
  const [lastFinished] = await db
    .select({ finishedAt: t.finishedAt })
    .from(t)
    .where(isNotNull(t.finishedAt))
    .orderBy(desc(t.startedAt))
    .limit(1);
  const [state] = await db
    .select()
    .from(schema.tenantWorkerState)
    .where(eq(schema.tenantWorkerState.tenantId, tenantId));
  return {
    processedThrough: state?.processedThrough ?? null,
    /** Whole business days not yet processed before today (0 when the worker is current). */
    lagDays: state ? Math.max(0, daysBetween(state.processedThrough, today) - 1) : null,
    /** Seconds since a tick last finished. */
    lagSeconds: lastFinished?.finishedAt
      ? Math.max(0, Math.round((Date.now() - lastFinished.finishedAt.getTime()) / 1000))
      : null,
  };
}

/**
 * The last ticks, the tenant's catch-up state and due invoices, how long since
 * a tick finished, the live workers and whether the worker is stalled.
 */
export async function workerStatus(ctx: ServiceContext, input: { limit?: number } = {}) {
  const { clock, tenantId } = ctx;
  const db = reader(ctx);
  const limit = input.limit ?? 20;
  const ticks = await db.select().from(schema.workerTicks).orderBy(desc(schema.workerTicks.startedAt)).limit(limit);
  const tenant = await getTenant(db, tenantId);
  const today = businessDateAt(clock.now(), tenant.timeZone);
  // Exactly what the worker's issueInvoices claims: subscriptions on accounts held for invoicing are not due.
  const [due] = await db
    .select({ invoices: sql<number>`count(*)::int` })
    .from(schema.subscriptions)
    .where(dueForInvoicing(tenantId, today));
  return {
    now: clock.now().toISOString(),
    today,
    ...(await workerLag(ctx, today)),
    dueInvoices: due?.invoices ?? 0,
    ...(await workerLiveness(db, publicWorkerId)),
    ticks: ticks.map((t) => toTickOutput(t, tenantId)),
  };
}

/** Tick history, newest first, keyset-paged by tick id (ULIDs follow start order). */
export async function listWorkerTicks(ctx: ServiceContext, input: { cursor?: string | null; limit: number }) {
  const t = schema.workerTicks;
  const rows = await reader(ctx)
    .select()
    .from(t)
    .where(input.cursor ? lt(t.id, input.cursor) : undefined)
    .orderBy(desc(t.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit);
  return { items: page.map((r) => toTickOutput(r, ctx.tenantId)), nextCursor };
}

/** The worker's effects per business day from `days` days before `today` to today, oldest first. */
export async function listDailyEffects(ctx: ServiceContext, { today, days }: { today: BusinessDate; days: number }) {
  const e = schema.workerDailyEffects;
  const rows = await reader(ctx)
    .select()
    .from(e)
    .where(and(eq(e.tenantId, ctx.tenantId), gte(e.day, addDays(today, -(days - 1))), sql`${e.day} <= ${today}`))
    .orderBy(e.day, e.effect);
  const byDay = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const effects = byDay.get(r.day) ?? {};
    effects[r.effect] = r.count;
    byDay.set(r.day, effects);
  }
  return [...byDay].map(([day, effects]) => ({ day, effects }));
}

/** The worker's effects per business day over the last `days` days up to the tenant's today. */
export async function listWorkerDailyEffects(ctx: ServiceContext, input: { days: number }) {
  const tenant = await getTenant(reader(ctx), ctx.tenantId);
  const today = businessDateAt(ctx.clock.now(), tenant.timeZone);
  return { today, days: await listDailyEffects(ctx, { today, days: input.days }) };
}
