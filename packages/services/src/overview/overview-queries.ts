import { schema } from "@holdfast/db";
import { addDays, businessDateAt, OVERDUE_BUCKETS, OVERVIEW_DAYS, type OverviewOutput } from "@holdfast/domain";
import { sql } from "drizzle-orm";
import { reader, type ServiceContext } from "../context.ts";
import { getTenant } from "../tenancy/tenants.ts";
import { publicWorkerId } from "../worker/run-tick.ts";
import { workerLiveness } from "../worker/worker-liveness.ts";
import { listDailyEffects, workerLag } from "../worker/worker-queries.ts";

const s = schema.subscriptions;
const i = schema.invoices;
const c = schema.holdClaims;
const h = schema.holds;

/**
 * The tenant's overview for its business date today, each figure one
 * index-only aggregate (the indexes carry every column read): grace periods
 * running and paused by their end (subscriptions_grace_end_idx; the lapses due
 * are the running ones ending in the next 30 days), holds in effect today by
 * process (hold_claims_tenant_process_idx, the holds' states from
 * holds_tenant_state_idx), overdue invoices by age and currency
 * (invoices_open_due_idx), and the worker's daily effects and lag.
 */
export async function getOverview(ctx: ServiceContext): Promise<OverviewOutput> {
  const { clock, tenantId } = ctx;
  const db = reader(ctx);
  const tenant = await getTenant(db, tenantId);
  const today = businessDateAt(clock.now(), tenant.timeZone);
  const [grace, held, overdue, effects, lag, liveness] = await Promise.all([
    // Every running grace period by its end (one index-only pass over subscriptions_grace_end_idx): the lapses
    // due per day and the running and paused totals come from it.
    db
      .select({
        day: sql<string>`${s.graceEnd}::text`,
        running: sql<number>`count(*) filter (where ${s.gracePausedOn} is null)::int`,
        paused: sql<number>`count(*) filter (where ${s.gracePausedOn} is not null)::int`,
      })
      .from(s)
      .where(sql`${s.tenantId} = ${tenantId} and ${s.state} = 'effective' and ${s.graceEnd} is not null`)
      .groupBy(s.graceEnd),
    // The claims of an account and process never overlap (an exclusion constraint), and every claim counted here
    // contains today: each account is counted once per process, so the accounts held are the holds counted.
    db
      .select({ process: sql<string>`${c.process}::text`, holds: sql<number>`count(*)::int` })
      .from(c)
      .where(
        sql`${c.tenantId} = ${tenantId}
            and (${c.startDate} is null or ${c.startDate} <= ${today})
            and (${c.endDate} is null or ${c.endDate} >= ${today})
            and exists (select 1 from ${h} where ${h.tenantId} = ${tenantId} and ${h.state} = 'active'
                                               and ${h.id} = ${c.holdId})`,
      )
      .groupBy(c.process)
      .orderBy(c.process),
    db
      .select({
        bucket: sql<string>`case when ${i.dueOn} >= ${addDays(today, -30)}::date then '1-30'
                                 when ${i.dueOn} >= ${addDays(today, -60)}::date then '31-60'
                                 when ${i.dueOn} >= ${addDays(today, -90)}::date then '61-90'
                                 else '90+' end`,
        currency: i.currency,
        count: sql<number>`count(*)::int`,
        amountMinor: sql<string>`sum(${i.amountMinor} - ${i.paidMinor})::text`,
      })
      .from(i)
      .where(sql`${i.tenantId} = ${tenantId} and ${i.status} = 'open' and ${i.dueOn} < ${today}`)
      .groupBy(sql`1`, i.currency),
    listDailyEffects(ctx, { today, days: OVERVIEW_DAYS }),
    workerLag(ctx, today),
    workerLiveness(ctx.db, publicWorkerId),
  ]);
  const lapsesByDay = new Map(grace.map((r) => [r.day, r.running]));
  return {
    today,
    timeZone: tenant.timeZone,
    lapsesDue: Array.from({ length: OVERVIEW_DAYS }, (_, n) => {
      const day = addDays(today, n);
      return { day, count: lapsesByDay.get(day) ?? 0 };
    }),
    grace: {
      running: grace.reduce((n, r) => n + r.running, 0),
      paused: grace.reduce((n, r) => n + r.paused, 0),
    },
    heldToday: held.map((r) => ({ process: r.process, accounts: r.holds, holds: r.holds })),
    overdue: OVERDUE_BUCKETS.map((bucket) => {
      const rows = overdue.filter((r) => r.bucket === bucket).sort((a, b) => a.currency.localeCompare(b.currency));
      return {
        bucket,
        count: rows.reduce((n, r) => n + r.count, 0),
        amounts: rows.map((r) => ({ currency: r.currency, amountMinor: Number(r.amountMinor) })),
      };
    }),
    worker: { effects, ...lag, stalled: liveness.stalled },
  };
}
