import { schema } from "@holdfast/db";
import {
  addDays,
  type BusinessDate,
  type getSubscriptionInput,
  type ListSubscriptionsInput,
  type listActionsInput,
  type listInvoicesInput,
  type SubscriptionFilter,
  type SubscriptionSort,
} from "@holdfast/domain";
import { and, desc, eq, inArray, isNotNull, lt, lte, sql } from "drizzle-orm";
import type { z } from "zod";
import { reader, type ServiceContext } from "../context.ts";
import { defaultOrderCursor, encodeSortCursor, sortedKeyset, splitPage } from "../paging.ts";
import { tenantToday } from "../tenancy/tenants.ts";
import {
  getSubscriptionRowByKey,
  holdStatus,
  type SubscriptionRow,
  toActionOutput,
  toInvoiceOutput,
  toSubscriptionOutput,
} from "./subscription-store.ts";

export async function getSubscription(ctx: ServiceContext, input: z.output<typeof getSubscriptionInput>) {
  const { db, clock, tenantId } = ctx;
  const today = await tenantToday(db, clock, tenantId);
  const row = await getSubscriptionRowByKey(db, tenantId, input.locator);
  const held = await holdStatus(db, tenantId, [row.accountId], today);
  return toSubscriptionOutput(row, today, held.get(row.accountId) ?? { invoicing: false, delinquency: false });
}

/** The dashboard's lists: all, in grace, lapsing within N days, lapsed; newest first with keyset paging. */
const SORT_COLUMNS = {
  number: schema.subscriptions.number,
  state: schema.subscriptions.state,
  nextBillingDate: schema.subscriptions.nextBillingDate,
  graceEnd: schema.subscriptions.graceEnd,
} satisfies Record<SubscriptionSort, unknown>;

/** The tenant's subscriptions that a list filter matches on `today` (the list's and the bulk selection's condition). */
export function subscriptionFilterWhere(tenantId: string, today: BusinessDate, filter: SubscriptionFilter) {
  const s = schema.subscriptions;
  const view =
    filter.view === "in_grace"
      ? and(eq(s.state, "effective"), isNotNull(s.graceEnd))
      : filter.view === "lapsing"
        ? and(
            eq(s.state, "effective"),
            isNotNull(s.graceEnd),
            lte(s.graceEnd, addDays(today, filter.lapsingWithinDays ?? 0)),
          )
        : filter.view === "lapsed"
          ? eq(s.state, "not_effective")
          : undefined;
  return and(
    eq(s.tenantId, tenantId),
    view,
    filter.states?.length ? inArray(s.state, filter.states) : undefined,
    filter.accountLocator ? eq(s.accountId, filter.accountLocator) : undefined,
  );
}

export async function listSubscriptions(ctx: ServiceContext, input: ListSubscriptionsInput) {
  const { clock, tenantId } = ctx;
  const db = reader(ctx);
  const today = await tenantToday(db, clock, tenantId);
  const s = schema.subscriptions;
  let page: SubscriptionRow[];
  let nextCursor: string | null;
  if (input.sort) {
    const order = input.order ?? "asc";
    const name = `${input.sort}:${order}`;
    const value = sql`${SORT_COLUMNS[input.sort]}`;
    const keyset = sortedKeyset({ name, value, id: s.id, order }, input.cursor);
    const rows = await db
      .select({ sub: s, sortValue: sql<string | null>`(${value})::text` })
      .from(s)
      .where(and(subscriptionFilterWhere(tenantId, today, input), keyset.after))
      .orderBy(...keyset.orderBy)
      .limit(input.limit + 1);
    const split = splitPage(rows, input.limit, (r) => r.sub.id);
    const last = split.page.at(-1);
    page = split.page.map((r) => r.sub);
    nextCursor = rows.length > input.limit && last ? encodeSortCursor(name, last.sortValue, last.sub.id) : null;
  } else {
    const cursor = input.cursor ? defaultOrderCursor(input.cursor) : undefined;
    const rows = await db
      .select()
      .from(s)
      .where(and(subscriptionFilterWhere(tenantId, today, input), cursor ? lt(s.id, cursor) : undefined))
      .orderBy(desc(s.id))
      .limit(input.limit + 1);
    ({ page, nextCursor } = splitPage(rows, input.limit));
  }
  const held = await holdStatus(
    db,
    tenantId,
    page.map((r) => r.accountId),
    today,
  );
  return {
    items: page.map((r) =>
      toSubscriptionOutput(r, today, held.get(r.accountId) ?? { invoicing: false, delinquency: false }),
    ),
    nextCursor,
  };
}

export async function listInvoices(ctx: ServiceContext, input: z.output<typeof listInvoicesInput>) {
  const i = schema.invoices;
  const rows = await reader(ctx)
    .select()
    .from(i)
    .where(
      and(
        eq(i.tenantId, ctx.tenantId),
        input.subscriptionLocator ? eq(i.subscriptionId, input.subscriptionLocator) : undefined,
        input.accountLocator ? eq(i.accountId, input.accountLocator) : undefined,
        input.status ? eq(i.status, input.status) : undefined,
        input.cursor ? lt(i.id, input.cursor) : undefined,
      ),
    )
    .orderBy(desc(i.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit);
  return { items: page.map(toInvoiceOutput), nextCursor };
}

/** Extensions, scheduled and run: all of the tenant's or one subscription's, newest first. */
export async function listSubscriptionActions(ctx: ServiceContext, input: z.output<typeof listActionsInput>) {
  const a = schema.subscriptionActions;
  const rows = await reader(ctx)
    .select({ action: a, accountId: schema.subscriptions.accountId })
    .from(a)
    .innerJoin(schema.subscriptions, eq(schema.subscriptions.id, a.subscriptionId))
    .where(
      and(
        eq(a.tenantId, ctx.tenantId),
        input.subscriptionLocator ? eq(a.subscriptionId, input.subscriptionLocator) : undefined,
        input.status ? eq(a.status, input.status) : undefined,
        input.cursor ? lt(a.id, input.cursor) : undefined,
      ),
    )
    .orderBy(desc(a.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit, (r) => r.action.id);
  return {
    items: page.map((r) => toActionOutput(r.action, r.accountId)),
    nextCursor,
  };
}
