/**
 * One tenant with one account and `count` holds, inserted set-based (the
 * services would take minutes for 10,000). Locators are valid ULIDs whose
 * order is the hold's number: hold `count` is the newest, shown first, and
 * hold 1 is the last row of the list.
 */
import { closeDb, createDb } from "@holdfast/db";
import { createAccount, fixedClock, forTenant, provisionTenant } from "@holdfast/services";

export const EMAIL = "bench@p4.test";
export const PASSWORD = "correct horse battery staple";

export function holdLocator(n: number): string {
  return `01J0000000${String(n).padStart(16, "0")}`;
}

export async function seedTenantWithHolds(databaseUrl: string, count: number, now: string) {
  const db = createDb(databaseUrl, { max: 2, name: "bench-p4-seed" });
  try {
    const clock = fixedClock(now);
    const tenant = await provisionTenant(db, { name: "P4 Holds Ltd", email: EMAIL, password: PASSWORD });
    const system = forTenant({ db, clock, actor: { type: "system", id: "bench", name: "bench p4" } }, tenant.tenantId);
    const account = await createAccount(system, { name: "Grand Hotel Prague" });
    const sql = db.$client;
    await sql`
      insert into holds (id, tenant_id, account_id, state, start_date, end_date, comments,
                         created_at, updated_at, created_by, updated_by)
      select '01J0000000' || lpad(n::text, 16, '0'), ${tenant.tenantId}::uuid, ${account.locator}, 'draft',
             date '2030-07-01' + (n % 60), date '2030-09-01' + (n % 60), 'seeded hold ' || n,
             timestamptz '2030-06-01T00:00:00Z' + n * interval '1 minute',
             timestamptz '2030-06-01T00:00:00Z' + n * interval '1 minute', 'seed', 'seed'
      from generate_series(1, ${count}::int) as n`;
    await sql`
      insert into hold_targets (hold_id, process)
      select '01J0000000' || lpad(n::text, 16, '0'), 'invoicing' from generate_series(1, ${count}::int) as n`;
    await sql`analyze holds`;
    await sql`analyze hold_targets`;
    const [row] = await sql<
      { n: number }[]
    >`select count(*)::int as n from holds where tenant_id = ${tenant.tenantId}::uuid`;
    return { tenantId: tenant.tenantId, accountLocator: account.locator, holds: row?.n ?? 0 };
  } finally {
    await closeDb(db);
  }
}
