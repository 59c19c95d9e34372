import { type Database, schema } from "@holdfast/db";
import { addDays, businessDateAt } from "@holdfast/domain";
import type { Clock } from "../clock.ts";
import type { ServiceContext } from "../context.ts";
import { activateHold, createHold, validateHold } from "../holds/hold-commands.ts";
import { createAccount } from "../tenancy/accounts.ts";
import { provisionTenant } from "../tenancy/provision.ts";

export const DEMO_EMAIL = "demo@holdfast.local";
export const DEMO_PASSWORD = "holdfast-demo";

/**
 * On first start (no tenant yet) creates a demo tenant, its user and token,
 * accounts and holds in every state. Returns null when data already exists.
 */
export async function seedDemo(db: Database, clock: Clock) {
  const [existing] = await db.select({ id: schema.tenants.id }).from(schema.tenants).limit(1);
  if (existing) return null;
  const { tenantId, token } = await provisionTenant(db, {
    name: "Demo Insurance Co.",
    email: DEMO_EMAIL,
    password: DEMO_PASSWORD,
    userName: "Demo Billing Ops",
  });
  const ctx: ServiceContext = { db, clock, actor: { type: "system", id: "demo-seed", name: "demo seed" } };
  const today = businessDateAt(clock.now(), "UTC");
  const names = ["Acme Freight", "Blue Harbor Hotels", "Cedar Health", "Delta Dental Group", "Evergreen Schools", "Fjord Shipping"];
  const accounts = [];
  for (const [i, name] of names.entries()) {
    accounts.push(await createAccount(ctx, { tenantId, name, externalId: `CUST-${1001 + i}` }));
  }
  const [a0, a1, a2, a3, a4] = accounts;
  if (!a0 || !a1 || !a2 || !a3 || !a4) throw new Error("demo accounts missing");
  await createHold(ctx, { tenantId, accountLocator: a0.locator, targets: [{ process: "invoicing" }], comments: "Disputed March invoice" });
  const v = await createHold(ctx, {
    tenantId,
    accountLocator: a1.locator,
    targets: [{ process: "delinquency" }],
    endDate: addDays(today, 30),
    comments: "Payment plan agreed",
  });
  await validateHold(ctx, { tenantId, locator: v.locator });
  for (const [acct, targets, comments, start] of [
    [a2, [{ process: "invoicing" as const }, { process: "funding" as const }], "Merger in progress", null],
    [a3, [{ process: "autopay" as const, endDate: addDays(today, 14) }], "Card replacement", null],
    [a4, [{ process: "delinquency" as const }], "Scheduled from next week", addDays(today, 7)],
  ] as const) {
    const h = await createHold(ctx, {
      tenantId,
      accountLocator: acct.locator,
      targets: targets.map((t) => ({ ...t })),
      comments,
      startDate: start,
      endDate: addDays(today, 60),
      sourceSystem: "DEMO",
      externalTransactionId: `DEMO-${acct.locator.slice(-6)}`,
      characteristics: [{ type: "INVOICE_HOLD_REASON", value: "CMDP", effectiveDate: today }],
    });
    await validateHold(ctx, { tenantId, locator: h.locator });
    await activateHold(ctx, { tenantId, locator: h.locator });
  }
  return { tenantId, email: DEMO_EMAIL, password: DEMO_PASSWORD, token };
}
