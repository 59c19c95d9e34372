/**
 * One tenant with one account and `count` holds, inserted set-based by the
 * shared seed (`seedHolds`): hold `count` is the newest, shown first, and
 * hold 1 is the last row of the list.
 */
import { closeDb, createDb } from "@holdfast/db";
import { createAccount, fixedClock, forTenant, provisionTenant } from "@holdfast/services";
import { seedHolds } from "@holdfast/testing/seed";

export const EMAIL = "bench@p4.test";
export const PASSWORD = "correct horse battery staple";

export async function seedTenantWithHolds(databaseUrl: string, count: number, now: string) {
  const db = createDb(databaseUrl, { max: 2, name: "bench-p4-seed" });
  try {
    const clock = fixedClock(now);
    const tenant = await provisionTenant(db, { name: "P4 Holds Ltd", email: EMAIL, password: PASSWORD });
    const system = forTenant({ db, clock, actor: { type: "system", id: "bench", name: "bench p4" } }, tenant.tenantId);
    const account = await createAccount(system, { name: "Grand Hotel Prague" });
    const holds = await seedHolds(db, { tenantId: tenant.tenantId, accountLocator: account.locator, count });
    await db.$client`analyze holds`;
    await db.$client`analyze hold_targets`;
    return { tenantId: tenant.tenantId, accountLocator: account.locator, holds };
  } finally {
    await closeDb(db);
  }
}
