import { schema } from "@holdfast/db";
import type { BusinessDate, HoldProcess } from "@holdfast/domain";
import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * The hold effect as a SQL predicate, for set-based worker claims: the account
 * is held for the process on `date` when a hold of it has that target, the
 * date lies within both the hold's and the target's dates, and the hold was in
 * force that day: activated on or before it and not released before the end of
 * it (business dates in the tenant's zone). For today and later dates this is
 * exactly the domain's `holdsInEffect` (an active hold; test/held-sql-agreement.int.test.ts
 * in packages/api checks the two agree); for a past day the
 * worker re-runs, it answers as of that day, so a hold released this morning
 * still held yesterday.
 */
export function accountHeldSql(
  tenantId: string,
  accountId: AnyPgColumn | SQL,
  process: HoldProcess,
  date: BusinessDate,
): SQL {
  const h = schema.holds;
  const t = schema.holdTargets;
  const tn = schema.tenants;
  const localDate = (at: AnyPgColumn) => sql`(${at} at time zone ${tn.timeZone})::date`;
  return sql`exists (
    select 1 from ${h} join ${t} on ${t.holdId} = ${h.id} join ${tn} on ${tn.id} = ${h.tenantId}
    where ${h.tenantId} = ${tenantId}
      and ${h.accountId} = ${accountId}
      and ${t.process} = ${process}
      and (${h.state} = 'active' or (${h.state} = 'released' and ${localDate(h.releasedAt)} > ${date}::date))
      and ${localDate(h.activatedAt)} <= ${date}::date
      and (${h.startDate} is null or ${h.startDate} <= ${date})
      and (${h.endDate} is null or ${h.endDate} >= ${date})
      and (coalesce(${t.startDate}, ${h.startDate}) is null or coalesce(${t.startDate}, ${h.startDate}) <= ${date})
      and (coalesce(${t.endDate}, ${h.endDate}) is null or coalesce(${t.endDate}, ${h.endDate}) >= ${date})
  )`;
}
