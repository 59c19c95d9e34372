import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import {
  type ActionOutput,
  AppError,
  type BusinessDate,
  type GracePeriod,
  graceDaysLeft,
  type InvoiceOutput,
  type SubscriptionOutput,
} from "@holdfast/domain";
import { and, eq, inArray, or, sql } from "drizzle-orm";
import { accountHeldSql } from "../holds/held-sql.ts";

export type SubscriptionRow = typeof schema.subscriptions.$inferSelect;
export type InvoiceRow = typeof schema.invoices.$inferSelect;
export type ActionRow = typeof schema.subscriptionActions.$inferSelect;

export function graceOf(s: Pick<SubscriptionRow, "graceStart" | "graceEnd" | "gracePausedOn">): GracePeriod | null {
  return s.graceStart && s.graceEnd ? { start: s.graceStart, end: s.graceEnd, pausedOn: s.gracePausedOn } : null;
}

export async function getSubscriptionRow(db: DatabaseOrTransaction, tenantId: string, locator: string) {
  const [row] = await db
    .select()
    .from(schema.subscriptions)
    .where(and(eq(schema.subscriptions.tenantId, tenantId), eq(schema.subscriptions.id, locator)));
  if (!row) throw AppError.notFound("subscription", locator);
  return row;
}

/** A subscription by its locator or, failing that, its number (both unique in the tenant). */
export async function getSubscriptionRowByKey(db: DatabaseOrTransaction, tenantId: string, key: string) {
  const s = schema.subscriptions;
  const [row] = await db
    .select()
    .from(s)
    .where(and(eq(s.tenantId, tenantId), or(eq(s.id, key), eq(s.number, key))))
    .orderBy(sql`${s.id} = ${key} desc`)
    .limit(1);
  if (!row) throw AppError.notFound("subscription", key);
  return row;
}

/** Which of these accounts are held for invoicing and for delinquency on a date. */
export async function holdStatus(
  db: DatabaseOrTransaction,
  tenantId: string,
  accountIds: string[],
  date: BusinessDate,
) {
  const ids = [...new Set(accountIds)];
  if (ids.length === 0) return new Map<string, { invoicing: boolean; delinquency: boolean }>();
  const a = schema.accounts;
  const rows = await db
    .select({
      id: a.id,
      invoicing: sql<boolean>`${accountHeldSql(tenantId, a.id, "invoicing", date)}`,
      delinquency: sql<boolean>`${accountHeldSql(tenantId, a.id, "delinquency", date)}`,
    })
    .from(a)
    .where(and(eq(a.tenantId, tenantId), inArray(a.id, ids)));
  return new Map(rows.map((r) => [r.id, { invoicing: r.invoicing, delinquency: r.delinquency }]));
}

export function toSubscriptionOutput(
  s: SubscriptionRow,
  today: BusinessDate,
  heldFor: { invoicing: boolean; delinquency: boolean },
): SubscriptionOutput {
  const grace = graceOf(s);
  return {
    locator: s.id,
    tenantLocator: s.tenantId,
    accountLocator: s.accountId,
    number: s.number,
    state: s.state,
    paymentModel: s.paymentModel,
    priceMinor: s.priceMinor,
    currency: s.currency,
    billingPeriod: s.billingPeriod,
    anchorDate: s.anchorDate,
    nextBillingDate: s.nextBillingDate,
    paymentTermDays: s.paymentTermDays,
    grace: grace ? { ...grace, daysLeft: graceDaysLeft(grace, today) } : null,
    lapsedOn: s.lapsedOn,
    lapseReason: s.lapseReason,
    heldFor,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    activatedOn: s.activatedOn,
    terminatedOn: s.terminatedOn,
    terminationReason: s.terminationReason,
  };
}

export function toInvoiceOutput(i: InvoiceRow): InvoiceOutput {
  return {
    locator: i.id,
    subscriptionLocator: i.subscriptionId,
    accountLocator: i.accountId,
    number: i.number,
    amountMinor: i.amountMinor,
    paidMinor: i.paidMinor,
    currency: i.currency,
    periods: i.periods,
    periodStart: i.periodStart,
    periodEnd: i.periodEnd,
    issuedOn: i.issuedOn,
    dueOn: i.dueOn,
    status: i.status,
    paidOn: i.paidOn,
  };
}

type Ref = Record<string, string> | null;

export function toActionOutput(a: ActionRow, accountLocator: string): ActionOutput {
  const r = a.request;
  const ref = (k: string) => (r[k] as Ref | undefined) ?? null;
  const udf = Object.fromEntries(
    Object.entries(r).filter(([k, v]) => k.startsWith("udf") && v !== undefined),
  ) as Record<string, string | number>;
  const str = (k: string) => (typeof r[k] === "string" ? (r[k] as string) : null);
  return {
    locator: a.id,
    subscriptionLocator: a.subscriptionId,
    accountLocator,
    type: a.type,
    actionTypeIdentifier: ref("actionTypeIdentifier"),
    subActionTypeIdentifier: ref("subActionTypeIdentifier"),
    classificationIdentifier: ref("classificationIdentifier"),
    status: a.status,
    scheduledDate: a.scheduledDate,
    appliedOn: a.appliedOn,
    previousGraceEnd: a.previousGraceEnd,
    newGraceEnd: a.newGraceEnd,
    reactivated: a.reactivated === 1,
    transactionReferenceNumber: a.transactionReferenceNumber,
    paymentGatewayCardIdentifier: ref("paymentGatewayCardIdentifier"),
    performedByUserIdentifier: ref("performedByUserIdentifier"),
    performedByUnitIdentifier: ref("performedByUnitIdentifier"),
    performedByBusinessUnitIdentifier: ref("performedByBusinessUnitIdentifier"),
    performedOn: str("performedOn"),
    billingEffectiveDate: str("billingEffectiveDate"),
    billablePeriodStartDate: str("billablePeriodStartDate"),
    udf,
    failure: a.failure ?? null,
    createdAt: a.createdAt.toISOString(),
    createdBy: a.createdBy,
    executedAt: a.executedAt?.toISOString() ?? null,
    cancelledAt: a.cancelledAt?.toISOString() ?? null,
    version: a.version,
  };
}
