/**
 * Every table's contents as a checksum. The tables are listed from
 * information_schema (not written out), so a table added by a later migration
 * is covered without anyone remembering to add it here.
 */
import type { Database } from "@holdfast/db";

export type Checksums = Record<string, string>;

/**
 * Every base table outside PostgreSQL's own schemas, as "schema"."table". A
 * partition (audit_events' months) is covered by its partitioned table.
 */
export async function listTables(db: Database): Promise<string[]> {
  const rows = await db.$client<{ schema: string; name: string }[]>`
    select table_schema as schema, table_name as name
    from information_schema.tables t
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
      and not exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                       where n.nspname = t.table_schema and c.relname = t.table_name and c.relispartition)
    order by 1, 2`;
  return rows.map((r) => `"${r.schema}"."${r.name}"`);
}

/** One md5 per table over all its rows (as text, in a fixed order). */
export async function allTableChecksums(db: Database): Promise<Checksums> {
  const tables = await listTables(db);
  const sums = await Promise.all(
    tables.map(async (t) => {
      const rows = await db.$client.unsafe(
        `select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as sum, count(*)::int as n from ${t} t`,
      );
      return [t, `${rows[0]?.n}:${rows[0]?.sum}`] as const;
    }),
  );
  return Object.fromEntries(sums);
}

/** The tables whose checksum differs (empty when nothing changed). */
export function changedTables(before: Checksums, after: Checksums): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((t) => before[t] !== after[t]).sort();
}
