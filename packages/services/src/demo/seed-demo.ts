import { type Database, schema } from "@holdfast/db";
import { addDays, businessDateAt } from "@holdfast/domain";
import { addAutomations } from "../automations/automation-commands.ts";
import type { Clock } from "../clock.ts";
import { forTenant } from "../context.ts";
import { activateHold, createHold, validateHold } from "../holds/hold-commands.ts";
import { activateSubscription, createSubscription } from "../subscriptions/subscription-commands.ts";
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
  const ctx = forTenant({ db, clock, actor: { type: "system", id: "demo-seed", name: "demo seed" } }, tenantId);
  const today = businessDateAt(clock.now(), "UTC");
  const names = [
    "Acme Freight",
    "Blue Harbor Hotels",
    "Cedar Health",
    "Delta Dental Group",
    "Evergreen Schools",
    "Fjord Shipping",
  ];
  const accounts = [];
  for (const [i, name] of names.entries()) {
    accounts.push(await createAccount(ctx, { name, externalId: `CUST-${1001 + i}` }));
  }
  const [a0, a1, a2, a3, a4] = accounts;
  if (!a0 || !a1 || !a2 || !a3 || !a4) throw new Error("demo accounts missing");
  await createHold(ctx, {
    accountLocator: a0.locator,
    targets: [{ process: "invoicing" }],
    comments: "Disputed March invoice",
  });
  const v = await createHold(ctx, {
    accountLocator: a1.locator,
    targets: [{ process: "delinquency" }],
    endDate: addDays(today, 30),
    comments: "Payment plan agreed",
  });
  await validateHold(ctx, { locator: v.locator });
  for (const [acct, targets, comments, start] of [
    [a2, [{ process: "invoicing" as const }, { process: "funding" as const }], "Merger in progress", null],
    [a3, [{ process: "autopay" as const, endDate: addDays(today, 14) }], "Card replacement", null],
    [a4, [{ process: "delinquency" as const }], "Scheduled from next week", addDays(today, 7)],
  ] as const) {
    const h = await createHold(ctx, {
      accountLocator: acct.locator,
      targets: targets.map((t) => ({ ...t })),
      comments,
      startDate: start,
      endDate: addDays(today, 60),
      sourceSystem: "DEMO",
      externalTransactionId: `DEMO-${acct.locator.slice(-6)}`,
      characteristics: [{ type: "INVOICE_HOLD_REASON", value: "CMDP", effectiveDate: today }],
    });
    await validateHold(ctx, { locator: h.locator });
    await activateHold(ctx, { locator: h.locator });
  }
  await addAutomations(ctx, { automations: DEMO_AUTOMATIONS });
  // Subscriptions that started in the past; the worker's first tick catches up from 45 days ago,
  // so the demo shows issued invoices, a running grace period, a lapse and a paid-up customer.
  const subscriptions = [
    { account: a0, startDaysAgo: 44, priceMinor: 4900 },
    { account: a1, startDaysAgo: 20, priceMinor: 12900 },
    { account: a2, startDaysAgo: 5, priceMinor: 2500 },
    { account: a3, startDaysAgo: 33, priceMinor: 9900 },
  ];
  for (const [i, d] of subscriptions.entries()) {
    const sub = await createSubscription(ctx, {
      accountLocator: d.account.locator,
      number: `SUB-${2001 + i}`,
      paymentModel: i === 3 ? "pay_before_bill" : "pay_after_bill",
      priceMinor: d.priceMinor,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: addDays(today, -d.startDaysAgo),
      paymentTermDays: 10,
    });
    await activateSubscription(ctx, { locator: sub.locator });
  }
  await db
    .insert(schema.tenantWorkerState)
    .values({ tenantId, processedThrough: addDays(today, -45), updatedAt: clock.now() })
    .onConflictDoNothing();
  return { tenantId, email: DEMO_EMAIL, password: DEMO_PASSWORD, token };
}

const ROUTE_ALL = {
  spaceOrder: true,
  cityTax: true,
  allProducts: true,
  deposits: true,
  additionalExpenses: false,
  allCustomItems: false,
};
const NO_CONDITIONS = { rateIds: [], productCategoryIds: [], productIds: [], accountingCategoryAssignments: [] };

/** Two automations, one of each common shape, so the routing preview has something to route. */
const DEMO_AUTOMATIONS = [
  {
    name: "Harbor Travel: company pays everything",
    description: "Reservations booked through Harbor Travel go to one bill owned by the agency.",
    companies: [
      { companyId: "7f1d2c4e-5b6a-4c3d-8e9f-0a1b2c3d4e5f", relations: { partnerCompany: false, travelAgency: true } },
    ],
    prepayment: "All" as const,
    assignmentTargetType: "CompanyAsOwner" as const,
    triggerType: "Continuous" as const,
    billAggregationType: "AggregateAll" as const,
    processingStartOffset: null,
    orderItemConsumptionPeriod: null,
    assignments: [{ serviceId: "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b", routedItemTypes: ROUTE_ALL, ...NO_CONDITIONS }],
  },
  {
    name: "Monthly corporate statement",
    description: "Prepaid corporate stays routed monthly, one bill per customer.",
    companies: [],
    prepayment: "Prepaid" as const,
    assignmentTargetType: "CompanyAsDetails" as const,
    triggerType: "Recurring" as const,
    billAggregationType: "AggregateByCustomer" as const,
    processingStartOffset: "P1D",
    orderItemConsumptionPeriod: "MonthBefore" as const,
    assignments: [
      {
        serviceId: "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b",
        routedItemTypes: { ...ROUTE_ALL, allProducts: false, cityTax: false },
        ...NO_CONDITIONS,
        productCategoryIds: ["a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"],
      },
    ],
  },
];
