/**
 * Tenants and accounts in bulk, for the worker tests and the benchmarks:
 * set-based SQL (generate_series) with deterministic ULID-shaped locators.
 */
import type postgres from "postgres";

/**
 * The SQL expression of the locator of row `g` of `kind` in the bulk seed
 * tagged `tag`: 26 ULID-shaped characters, the same on every run, in an order
 * unrelated to g.
 */
export function bulkLocatorSql(tag: string, kind: string, g = "g"): string {
  if (!/^[a-z0-9-]+$/.test(`${tag}${kind}`)) throw new Error(`bulk seed tags are plain words, got ${tag}:${kind}`);
  return `('01' || upper(substr(md5('${tag}:${kind}:' || ${g}), 1, 24)))`;
}

/** `count` accounts of a tenant ("Bulk account 1" …), locators from bulkLocatorSql(tag, "acct"). */
export async function seedBulkAccounts(
  sql: postgres.Sql,
  opts: { tenantId: string; tag: string; count: number; createdAt?: string },
): Promise<void> {
  const createdAt = opts.createdAt ?? new Date().toISOString();
  await sql.unsafe(
    `insert into accounts (id, tenant_id, name, created_at, updated_at)
     select ${bulkLocatorSql(opts.tag, "acct")}, $1::uuid, 'Bulk account ' || g, $3::timestamptz, $3::timestamptz
       from generate_series(1, $2::int) g`,
    [opts.tenantId, opts.count, createdAt],
  );
}

/** The tenant's worker state: processed through `date`, so the next tick starts the day after. */
export async function setProcessedThrough(sql: postgres.Sql, tenantId: string, date: string): Promise<void> {
  await sql`insert into tenant_worker_state (tenant_id, processed_through, updated_at)
            values (${tenantId}, ${date}, now())`;
}
