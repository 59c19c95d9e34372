import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError, type BusinessDate, businessDateAt } from "@holdfast/domain";
import { eq, sql } from "drizzle-orm";
import type { Clock } from "../clock.ts";
import { preparedQuery } from "../prepared-query.ts";

// Every tenant-scoped move reads its tenant (for today's date): built once, prepared.
const tenantById = preparedQuery("tenant_by_id", (db) =>
  db
    .select()
    .from(schema.tenants)
    .where(eq(schema.tenants.id, sql.placeholder("id"))),
);

export async function getTenant(db: DatabaseOrTransaction, tenantId: string) {
  const [tenant] = await tenantById(db, { id: tenantId });
  if (!tenant) throw AppError.notFound("tenant", tenantId);
  return tenant;
}

/** Today in the tenant's time zone, from the injected clock. */
export async function tenantToday(db: DatabaseOrTransaction, clock: Clock, tenantId: string): Promise<BusinessDate> {
  const tenant = await getTenant(db, tenantId);
  return businessDateAt(clock.now(), tenant.timeZone);
}
