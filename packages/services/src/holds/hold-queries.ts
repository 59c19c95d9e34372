import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import {
  AppError,
  type getHoldInput,
  type HoldFilter,
  type HoldOutput,
  type HoldSort,
  type holdEffectInput,
  holdsInEffect,
  type ListAccountHoldsInput,
  type ListHoldsInput,
} from "@holdfast/domain";
import { and, asc, desc, eq, exists, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { reader, type ServiceContext } from "../context.ts";
import { defaultOrderCursor, encodeSortCursor, sortedKeyset, splitPage } from "../paging.ts";
import { findAccount } from "../tenancy/accounts.ts";
import { tenantToday } from "../tenancy/tenants.ts";
import { allInOrder, anyOf, getHoldRecord, loadHoldRecords, toHoldOutput, toRecord } from "./hold-store.ts";

export async function getHold(ctx: ServiceContext, input: z.output<typeof getHoldInput>): Promise<HoldOutput> {
  const { db, clock, tenantId } = ctx;
  const [record, today] = await Promise.all([
    getHoldRecord(db, tenantId, input.locator),
    tenantToday(db, clock, tenantId),
  ]);
  return toHoldOutput(record, today);
}

/** A hold of the context's tenant by its ORMB hold request id; NOT_FOUND when the tenant has none. */
export async function getHoldByOrmbId(ctx: ServiceContext, input: { ormbId: number }): Promise<HoldOutput> {
  const [found] = await ctx.db
    .select({ id: schema.holds.id })
    .from(schema.holds)
    .where(and(eq(schema.holds.tenantId, ctx.tenantId), eq(schema.holds.ormbId, input.ormbId)));
  if (!found) throw AppError.notFound("hold request", String(input.ormbId));
  return getHold(ctx, { locator: found.id });
}

async function requireAccountInTenant(db: DatabaseOrTransaction, tenantId: string, accountLocator: string) {
  const account = await findAccount(db, tenantId, accountLocator);
  if (!account || account.id !== accountLocator) throw AppError.notFound("account", accountLocator);
  return account;
}

/**
 * Socotra's per-account listing: state filter, offset and count, and
 * `listCompleted` when no more items follow; `processes` keeps only holds that
 * hold one of them. Without `extended`, items leave out characteristics and
 * the validation result (one query fewer).
 */
export async function listAccountHolds(ctx: ServiceContext, input: ListAccountHoldsInput) {
  const { clock, tenantId } = ctx;
  const db = reader(ctx);
  // The account check, today and the page do not depend on each other: sent at
  // once, they cost one round trip of waiting instead of three.
  const [, today, rows] = await allInOrder([
    requireAccountInTenant(db, tenantId, input.accountLocator),
    tenantToday(db, clock, tenantId),
    db
      .select()
      .from(schema.holds)
      .where(
        and(
          eq(schema.holds.tenantId, tenantId),
          eq(schema.holds.accountId, input.accountLocator),
          input.state ? eq(schema.holds.state, input.state) : undefined,
          input.processes
            ? exists(
                db
                  .select({ one: schema.holdTargets.holdId })
                  .from(schema.holdTargets)
                  .where(
                    and(
                      eq(schema.holdTargets.holdId, schema.holds.id),
                      inArray(schema.holdTargets.process, input.processes),
                    ),
                  ),
              )
            : undefined,
        ),
      )
      .orderBy(asc(schema.holds.id))
      .offset(input.offset)
      .limit(input.count + 1)
      .prepare("account_holds_page")
      .execute(),
  ]);
  const page = rows.slice(0, input.count);
  let records: Awaited<ReturnType<typeof loadHoldRecords>>;
  if (input.extended) {
    records = await loadHoldRecords(db, page);
  } else {
    const ids = page.map((r) => r.id);
    const targets = ids.length
      ? await db
          .select()
          .from(schema.holdTargets)
          .where(anyOf(schema.holdTargets.holdId, ids))
          .prepare("hold_targets_of")
          .execute()
      : [];
    records = page.map((r) =>
      toRecord(
        { ...r, validationResult: null },
        targets
          .filter((t) => t.holdId === r.id)
          .map(({ process, startDate, endDate }) => ({ process, startDate, endDate })),
        [],
      ),
    );
  }
  return { listCompleted: rows.length <= input.count, items: records.map((r) => toHoldOutput(r, today)) };
}

/** The tenant's holds that a list filter matches (the list's and the bulk selection's condition). */
export function holdFilterWhere(db: DatabaseOrTransaction, tenantId: string, filter: HoldFilter): SQL | undefined {
  const h = schema.holds;
  return and(
    eq(h.tenantId, tenantId),
    filter.states?.length ? inArray(h.state, filter.states) : undefined,
    filter.accountLocator ? eq(h.accountId, filter.accountLocator) : undefined,
    filter.externalTransactionId ? eq(h.externalTransactionId, filter.externalTransactionId) : undefined,
    filter.process
      ? exists(
          db
            .select({ one: schema.holdTargets.holdId })
            .from(schema.holdTargets)
            .where(and(eq(schema.holdTargets.holdId, h.id), eq(schema.holdTargets.process, filter.process))),
        )
      : undefined,
  );
}

/** Tenant-wide listing for the dashboard: filters and keyset paging, newest first. */
export async function listHolds(ctx: ServiceContext, input: ListHoldsInput) {
  if (input.sort) return listHoldsSorted(ctx, input, input.sort);
  const { clock, tenantId } = ctx;
  const db = reader(ctx);
  const h = schema.holds;
  const cursor = input.cursor ? defaultOrderCursor(input.cursor) : undefined;
  // Today and the page are independent: sent at once.
  const [today, rows] = await allInOrder([
    tenantToday(db, clock, tenantId),
    db
      .select()
      .from(h)
      .where(and(holdFilterWhere(db, tenantId, input), cursor ? lt(h.id, cursor) : undefined))
      .orderBy(desc(h.id))
      // Not a prepared statement on purpose: a cached generic plan cannot see
      // the tenant's size, and for a small tenant walking the primary key
      // backwards (what the planner picks for big ones) would be a bad plan.
      .limit(input.limit + 1),
  ]);
  const { page, nextCursor } = splitPage(rows, input.limit);
  const records = await loadHoldRecords(db, page);
  return { items: records.map((r) => toHoldOutput(r, today)), nextCursor };
}

function holdSortValue(sort: HoldSort): SQL {
  const h = schema.holds;
  const a = schema.accounts;
  switch (sort) {
    case "createdAt":
      return sql`${h.createdAt}`;
    case "startDate":
      return sql`${h.startDate}`;
    case "endDate":
      return sql`${h.endDate}`;
    case "state":
      return sql`${h.state}`;
    case "account":
      return sql`(select ${a.name} from ${a} where ${a.id} = ${h.accountId})`;
  }
}

/** The holds list sorted by a column, ties by locator, with a (value, locator) keyset cursor. */
async function listHoldsSorted(ctx: ServiceContext, input: ListHoldsInput, sort: HoldSort) {
  const { clock, tenantId } = ctx;
  const db = reader(ctx);
  const h = schema.holds;
  const order = input.order ?? "asc";
  const name = `${sort}:${order}`;
  const value = holdSortValue(sort);
  const keyset = sortedKeyset({ name, value, id: h.id, order }, input.cursor);
  const [today, rows] = await allInOrder([
    tenantToday(db, clock, tenantId),
    db
      .select({ hold: h, sortValue: sql<string | null>`(${value})::text` })
      .from(h)
      .where(and(holdFilterWhere(db, tenantId, input), keyset.after))
      .orderBy(...keyset.orderBy)
      .limit(input.limit + 1),
  ]);
  const { page } = splitPage(rows, input.limit, (r) => r.hold.id);
  const last = page.at(-1);
  const nextCursor = rows.length > input.limit && last ? encodeSortCursor(name, last.sortValue, last.hold.id) : null;
  const records = await loadHoldRecords(
    db,
    page.map((r) => r.hold),
  );
  return { items: records.map((r) => toHoldOutput(r, today)), nextCursor };
}

/** Is the account held for this process on this date (default: today in the tenant's zone)? */
export async function getHoldEffect(ctx: ServiceContext, input: z.output<typeof holdEffectInput>) {
  const { db, clock, tenantId } = ctx;
  await requireAccountInTenant(db, tenantId, input.accountLocator);
  const date = input.date ?? (await tenantToday(db, clock, tenantId));
  const rows = await db
    .select()
    .from(schema.holds)
    .where(
      and(
        eq(schema.holds.tenantId, tenantId),
        eq(schema.holds.accountId, input.accountLocator),
        eq(schema.holds.state, "active"),
      ),
    );
  const records = await loadHoldRecords(db, rows);
  const inEffect = holdsInEffect(records, input.accountLocator, input.process, date);
  return {
    accountLocator: input.accountLocator,
    process: input.process,
    date,
    held: inEffect.length > 0,
    holdLocators: inEffect.map((r) => r.locator),
  };
}
