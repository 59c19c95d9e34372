import type { Database, DatabaseOrTransaction } from "@holdfast/db";
import { sql } from "drizzle-orm";

/**
 * audit_events is partitioned by month on `at` (migration 0009): one
 * partition per UTC month, named audit_events_YYYY_MM, and a DEFAULT
 * partition for rows of a month that has none.
 */
export const AUDIT_PARTITION_PREFIX = "audit_events_";
export const AUDIT_DEFAULT_PARTITION = "audit_events_default";

/** Months ahead of the current one kept partitioned by the worker. */
export const AUDIT_PARTITION_MONTHS_AHEAD = 3;

/** Advisory-lock key (transaction-scoped) under which partitions are created. */
const PARTITION_LOCK_ID = 724_611_004;

/** A UTC month as `YYYY-MM`. */
export type Month = string;

export function monthOf(at: Date): Month {
  return at.toISOString().slice(0, 7);
}

export function addMonths(month: Month, n: number): Month {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return monthOf(d);
}

export function partitionName(month: Month): string {
  return `${AUDIT_PARTITION_PREFIX}${month.replace("-", "_")}`;
}

/** The month a partition holds, from its name; null for the DEFAULT partition or any other table. */
export function partitionMonth(name: string): Month | null {
  const m = /^audit_events_(\d{4})_(\d{2})$/.exec(name);
  return m ? `${m[1]}-${m[2]}` : null;
}

/** The first instant of a month and of the next one, as ISO instants (UTC). */
export function monthBounds(month: Month): { from: string; to: string } {
  return { from: `${month}-01T00:00:00Z`, to: `${addMonths(month, 1)}-01T00:00:00Z` };
}

/** The monthly partitions attached to audit_events now, oldest first. */
export async function listAuditPartitions(db: DatabaseOrTransaction): Promise<Month[]> {
  const rows = (await db.execute(sql`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'audit_events'::regclass`)) as unknown as { name: string }[];
  return rows
    .map((r) => partitionMonth(r.name))
    .filter((m): m is Month => m !== null)
    .sort();
}

/**
 * Makes sure the current month (by `now`) and the next `monthsAhead` have a
 * partition; answers the months it created. Cheap when they exist (one
 * catalog read). Otherwise, in one transaction under an advisory lock (so
 * several workers at once create each partition once), each missing month's
 * table is created, the rows of that month the DEFAULT partition holds are
 * moved into it, and it is attached. Creating and attaching need ownership of
 * audit_events: a role without it gets the database's error.
 */
export async function ensureAuditPartitions(
  db: Database,
  now: Date,
  monthsAhead = AUDIT_PARTITION_MONTHS_AHEAD,
): Promise<Month[]> {
  const first = monthOf(now);
  const wanted = Array.from({ length: monthsAhead + 1 }, (_, i) => addMonths(first, i));
  const missingIn = (existing: Month[]) => wanted.filter((m) => !existing.includes(m));
  if (missingIn(await listAuditPartitions(db)).length === 0) return [];
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK_ID})`);
    // Only the table's owner may add partitions: a role with data rights only stops here, before it takes the lock.
    const [own] = (await tx.execute(
      sql`select pg_has_role(current_user, relowner, 'USAGE') as owner from pg_class where oid = 'audit_events'::regclass`,
    )) as unknown as { owner: boolean }[];
    if (!own?.owner) throw new Error("must be owner of table audit_events");
    // Writers of audit events wait here for the new partitions, instead of routing a row to DEFAULT with the
    // partitions they saw before (an insert waiting on DEFAULT while a month is attached then fails its check,
    // 23514), and the rows already in DEFAULT are all committed when that month's rows are moved out.
    await tx.execute(sql`lock table only audit_events in access exclusive mode`);
    // Read again under the lock: another worker may have created them meanwhile.
    const missing = missingIn(await listAuditPartitions(tx));
    for (const month of missing) {
      const table = sql.identifier(partitionName(month));
      const { from, to } = monthBounds(month);
      await tx.execute(
        sql`create table ${table} (like audit_events including defaults including constraints including storage)`,
      );
      // The bound as a constraint first: attaching then needs no scan of the new table.
      await tx.execute(
        sql`alter table ${table} add constraint ${sql.identifier(`${partitionName(month)}_bound`)}
              check (at >= ${sql.raw(`'${from}'`)}::timestamptz and at < ${sql.raw(`'${to}'`)}::timestamptz)`,
      );
      await tx.execute(sql`
        with moved as (
          delete from ${sql.identifier(AUDIT_DEFAULT_PARTITION)}
           where at >= ${from}::timestamptz and at < ${to}::timestamptz returning *)
        insert into ${table} select * from moved`);
      await tx.execute(
        sql`alter table audit_events attach partition ${table}
              for values from (${sql.raw(`'${from}'`)}) to (${sql.raw(`'${to}'`)})`,
      );
      await tx.execute(sql`alter table ${table} drop constraint ${sql.identifier(`${partitionName(month)}_bound`)}`);
    }
    return missing;
  });
}
