import { schema } from "@holdfast/db";
import type { BusinessDate, HoldProcess } from "@holdfast/domain";
import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * The hold effect as a SQL predicate, for set-based worker claims: true when
 * an active hold of the account has the process as a target and the date lies
 * within both the hold's and the target's dates. It is the same rule as the
 * domain's `holdsInEffect`; a property test keeps the two in agreement.
 */
export function accountHeldSql(
  tenantId: string,
  accountId: AnyPgColumn | SQL,
  process: HoldProcess,
  date: BusinessDate,
): SQL {
  const h = schema.holds;
  const t = schema.holdTargets;
  return sql`exists (
    select 1 from ${h} join ${t} on ${t.holdId} = ${h.id}
    where ${h.tenantId} = ${tenantId}
      and ${h.accountId} = ${accountId}
      and ${h.state} = 'active'
      and ${t.process} = ${process}
      and (${h.startDate} is null or ${h.startDate} <= ${date})
      and (${h.endDate} is null or ${h.endDate} >= ${date})
      and (coalesce(${t.startDate}, ${h.startDate}) is null or coalesce(${t.startDate}, ${h.startDate}) <= ${date})
      and (coalesce(${t.endDate}, ${h.endDate}) is null or coalesce(${t.endDate}, ${h.endDate}) >= ${date})
  )`;
}
