import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { addDays, type ListSubscriptionsInput } from "@holdfast/domain";
import { and, desc, eq, inArray, isNotNull, lt, lte } from "drizzle-orm";
import type { Clock } from "../clock.ts";
import { tenantToday } from "../tenancy/tenants.ts";
import { getSubscriptionRow, holdStatus, toInvoiceOutput, toSubscriptionOutput } from "./subscription-store.ts";

export async function getSubscription(db: DatabaseOrTransaction, clock: Clock, tenantId: string, locator: string) {
  const today = await tenantToday(db, clock, tenantId);
  const row = await getSubscriptionRow(db, tenantId, locator);
  const held = await holdStatus(db, tenantId, [row.accountId], today);
  return toSubscriptionOutput(row, today, held.get(row.accountId) ?? { invoicing: false, delinquency: false });
}

/** The dashboard's lists: all, in grace, lapsing within N days, lapsed; newest first with keyset paging. */
export async function listSubscriptions(
  db: DatabaseOrTransaction,
  clock: Clock,
  input: Omit<ListSubscriptionsInput, "tenantLocator"> & { tenantId: string },
) {
  const today = await tenantToday(db, clock, input.tenantId);
  const s = schema.subscriptions;
  const view =
    input.view === "in_grace"
      ? and(eq(s.state, "effective"), isNotNull(s.graceEnd))
      : input.view === "lapsing"
        ? and(
            eq(s.state, "effective"),
            isNotNull(s.graceEnd),
            lte(s.graceEnd, addDays(today, input.lapsingWithinDays ?? 0)),
          )
        : input.view === "lapsed"
          ? eq(s.state, "not_effective")
          : undefined;
  const rows = await db
    .select()
    .from(s)
    .where(
      and(
        eq(s.tenantId, input.tenantId),
        view,
        input.states?.length ? inArray(s.state, input.states) : undefined,
        input.accountLocator ? eq(s.accountId, input.accountLocator) : undefined,
        input.cursor ? lt(s.id, input.cursor) : undefined,
      ),
    )
    .orderBy(desc(s.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const held = await holdStatus(
    db,
    input.tenantId,
    page.map((r) => r.accountId),
    today,
  );
  return {
    items: page.map((r) =>
      toSubscriptionOutput(r, today, held.get(r.accountId) ?? { invoicing: false, delinquency: false }),
    ),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export async function listInvoices(
  db: DatabaseOrTransaction,
  input: {
    tenantId: string;
    subscriptionLocator?: string | undefined;
    accountLocator?: string | undefined;
    status?: "open" | "paid" | "void" | undefined;
    cursor?: string | null | undefined;
    limit: number;
  },
) {
  const i = schema.invoices;
  const rows = await db
    .select()
    .from(i)
    .where(
      and(
        eq(i.tenantId, input.tenantId),
        input.subscriptionLocator ? eq(i.subscriptionId, input.subscriptionLocator) : undefined,
        input.accountLocator ? eq(i.accountId, input.accountLocator) : undefined,
        input.status ? eq(i.status, input.status) : undefined,
        input.cursor ? lt(i.id, input.cursor) : undefined,
      ),
    )
    .orderBy(desc(i.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { items: page.map(toInvoiceOutput), nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}
