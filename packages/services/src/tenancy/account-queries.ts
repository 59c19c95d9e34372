import { schema } from "@holdfast/db";
import {
  ACCOUNT_PAGE_LIMIT,
  type AccountSummaryOutput,
  AppError,
  HOLD_PROCESSES,
  holdsInEffect,
  type ListAccountsInput,
} from "@holdfast/domain";
import { and, desc, eq, like, or, type SQL, sql } from "drizzle-orm";
import { callerMay, reader, type ServiceContext } from "../context.ts";
import { accountHeldSql } from "../holds/held-sql.ts";
import { loadHoldRecords, toHoldOutput } from "../holds/hold-store.ts";
import { escapeLike } from "../like.ts";
import { splitPage } from "../paging.ts";
import { holdStatus, toInvoiceOutput, toSubscriptionOutput } from "../subscriptions/subscription-store.ts";
import { findAccount, toAccountOutput } from "./accounts.ts";
import { tenantToday } from "./tenants.ts";

const a = schema.accounts;

/** The sort column as SQL, and as text for the cursor (exact, so no row is skipped or repeated). */
const SORT_KEYS = {
  id: { key: sql`${a.id}`, text: sql<string>`${a.id}`, cast: (v: string) => sql`${v}` },
  name: { key: sql`${a.name}`, text: sql<string>`${a.name}`, cast: (v: string) => sql`${v}` },
  externalId: {
    key: sql`coalesce(${a.externalId}, '')`,
    text: sql<string>`coalesce(${a.externalId}, '')`,
    cast: (v: string) => sql`${v}`,
  },
  createdAt: {
    key: sql`${a.createdAt}`,
    text: sql<string>`${a.createdAt}::text`,
    cast: (v: string) => sql`${v}::timestamptz`,
  },
} as const;

function encodeCursor(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString("base64url");
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === "string")) {
      return parsed as [string, string];
    }
  } catch {}
  throw AppError.badRequest([
    { path: "cursor", rule: "cursor", message: "must be the nextCursor of a previous page of this list" },
  ]);
}

/**
 * The accounts list: optionally only names containing `search` or external
 * ids starting with it, only accounts held today for `heldFor`, sorted by a
 * column with the locator breaking ties, keyset-paged.
 */
export async function listAccounts(ctx: ServiceContext, input: ListAccountsInput) {
  const { clock, tenantId } = ctx;
  const db = reader(ctx);
  const sort = SORT_KEYS[input.sort];
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const today = input.heldFor ? await tenantToday(db, clock, tenantId) : null;
  const search = input.search ? escapeLike(input.search) : "";
  const keyset: SQL | undefined = after
    ? input.order === "asc"
      ? sql`(${sort.key}, ${a.id}) > (${sort.cast(after[0])}, ${after[1]})`
      : sql`(${sort.key}, ${a.id}) < (${sort.cast(after[0])}, ${after[1]})`
    : undefined;
  const direction = input.order === "asc" ? sql`asc` : sql`desc`;
  const rows = await db
    .select({ account: a, cursorValue: sort.text })
    .from(a)
    .where(
      and(
        eq(a.tenantId, tenantId),
        search
          ? or(sql`lower(${a.name}) like ${`%${search.toLowerCase()}%`}`, like(a.externalId, `${search}%`))
          : undefined,
        input.heldFor && today ? accountHeldSql(tenantId, a.id, input.heldFor, today) : undefined,
        keyset,
      ),
    )
    .orderBy(sql`${sort.key} ${direction}`, sql`${a.id} ${direction}`)
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit, (r) => encodeCursor(r.cursorValue, r.account.id));
  return { items: page.map((r) => toAccountOutput(r.account)), nextCursor };
}

/**
 * An account's page, by locator or external id: what is held today per
 * process and by which holds, its newest holds, and (for callers who may read
 * subscriptions) its newest subscriptions, open invoices and open balance per currency.
 */
export async function getAccountSummary(
  ctx: ServiceContext,
  input: { account: string },
): Promise<AccountSummaryOutput> {
  const { db, clock, tenantId } = ctx;
  const account = await findAccount(db, tenantId, input.account);
  if (!account) throw AppError.notFound("account", input.account);
  const today = await tenantToday(db, clock, tenantId);
  const h = schema.holds;
  const s = schema.subscriptions;
  const i = schema.invoices;
  const withSubscriptions = callerMay(ctx, "subscriptions:read");
  const [activeRows, recentRows, subRows, invoiceRows, balance] = await Promise.all([
    db
      .select()
      .from(h)
      .where(and(eq(h.tenantId, tenantId), eq(h.accountId, account.id), eq(h.state, "active"))),
    db
      .select()
      .from(h)
      .where(and(eq(h.tenantId, tenantId), eq(h.accountId, account.id)))
      .orderBy(desc(h.id))
      .limit(ACCOUNT_PAGE_LIMIT + 1),
    withSubscriptions
      ? db
          .select()
          .from(s)
          .where(and(eq(s.tenantId, tenantId), eq(s.accountId, account.id)))
          .orderBy(desc(s.id))
          .limit(ACCOUNT_PAGE_LIMIT)
      : Promise.resolve([]),
    withSubscriptions
      ? db
          .select()
          .from(i)
          .where(and(eq(i.tenantId, tenantId), eq(i.accountId, account.id), eq(i.status, "open")))
          .orderBy(i.dueOn, i.id)
          .limit(ACCOUNT_PAGE_LIMIT)
      : Promise.resolve([]),
    withSubscriptions
      ? db
          .select({ currency: i.currency, amountMinor: sql<string>`sum(${i.amountMinor} - ${i.paidMinor})` })
          .from(i)
          .where(and(eq(i.tenantId, tenantId), eq(i.accountId, account.id), eq(i.status, "open")))
          .groupBy(i.currency)
          .orderBy(i.currency)
      : Promise.resolve([]),
  ]);
  const active = await loadHoldRecords(db, activeRows);
  const recent = await loadHoldRecords(db, recentRows.slice(0, ACCOUNT_PAGE_LIMIT));
  const heldToday = HOLD_PROCESSES.map((process) => ({
    process,
    holds: holdsInEffect(active, account.id, process, today).map((r) => ({
      locator: r.locator,
      startDate: r.startDate,
      endDate: r.endDate,
      externalTransactionId: r.row.externalTransactionId,
    })),
  })).filter((p) => p.holds.length > 0);
  const held = withSubscriptions ? await holdStatus(db, tenantId, [account.id], today) : new Map();
  const heldFor = held.get(account.id) ?? { invoicing: false, delinquency: false };
  return {
    account: toAccountOutput(account),
    today,
    heldToday,
    holds: recent.map((r) => toHoldOutput(r, today)),
    moreHolds: recentRows.length > ACCOUNT_PAGE_LIMIT,
    subscriptions: withSubscriptions ? subRows.map((r) => toSubscriptionOutput(r, today, heldFor)) : null,
    openInvoices: withSubscriptions ? invoiceRows.map(toInvoiceOutput) : null,
    openBalance: withSubscriptions
      ? balance.map((b) => ({ currency: b.currency, amountMinor: Number(b.amountMinor) }))
      : null,
  };
}
