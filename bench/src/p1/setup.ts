/** P1's world: a tenant, an API token with every permission, and a validated template hold made by the real services. */
import { createDb, type Database, schema } from "@holdfast/db";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { createAccount, createApiToken, forTenant, newTenantLocator, systemClock } from "@holdfast/services";
import { seedHold } from "@holdfast/testing/seed";

export interface P1World {
  db: Database;
  tenantId: string;
  token: string;
  templateHoldId: string;
}

export async function createP1World(url: string): Promise<P1World> {
  const db = createDb(url, { name: "bench-p1-setup", max: 4 });
  const tenantId = newTenantLocator();
  await db.insert(schema.tenants).values({ id: tenantId, name: "P1 tenant", timeZone: "Europe/Paris" });
  const token = await createApiToken(db, { name: "p1 bench", grants: [{ tenantId, permissions: ALL_PERMISSIONS }] });
  const system = forTenant({ db, clock: systemClock, actor: { type: "system", id: "bench", name: "bench" } }, tenantId);
  const account = await createAccount(system, { name: "P1 template account" });
  // A typical hold: two processes, a comment, one characteristic, no dates (open-ended).
  const template = await seedHold(
    system,
    {
      accountLocator: account.locator,
      targets: [{ process: "invoicing" }, { process: "delinquency" }],
      comments: "customer disputes the March invoice",
      characteristics: [{ type: "reason", value: "dispute" }],
      sourceSystem: "bench",
    },
    "validated",
  );
  return { db, tenantId, token: token.secret, templateHoldId: template.locator };
}
