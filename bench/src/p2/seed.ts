/**
 * P2's data, written with set-based SQL (generate_series): one tenant (UTC)
 * whose `n` effective subscriptions are all in arrears with a grace period
 * that ended before today and an overdue open invoice, so on `today` the
 * worker's due effect for each of them is the lapse (SPEC: "moves
 * subscriptions whose grace period has ended, still unpaid, to
 * not_effective (reason: grace period expired)"). Nothing else is due: next
 * billing dates are after today, every grace period has started, no account
 * is held, no scheduled action, and the tenant has processed through
 * yesterday, so a tick runs today only.
 */
import { bulkLocatorSql, days, seedBulkAccounts, setProcessedThrough } from "@holdfast/testing/seed";
import type postgres from "postgres";

export const TENANT_ID = "6e1d3c1a-0000-4000-8000-00000000b002";

/** Subscriptions per account: a few accounts own several, as in real books. */
const SUBS_PER_ACCOUNT = 2;

export interface SeedPlan {
  n: number;
  /** The tenant's business date the worker runs on. */
  today: string;
  graceDays: number;
}

export async function seed(sql: postgres.Sql, plan: SeedPlan): Promise<void> {
  const { n, today: T, graceDays } = plan;
  const createdAt = `${days(T, -60)}T12:00:00Z`;
  await sql`insert into tenants (id, name, time_zone, grace_days) values (${TENANT_ID}, 'P2 bench', 'UTC', ${graceDays})`;
  await setProcessedThrough(sql, TENANT_ID, days(T, -1));
  await seedBulkAccounts(sql, { tenantId: TENANT_ID, tag: "p2", count: Math.ceil(n / SUBS_PER_ACCOUNT), createdAt });
  // Grace ended between 1 and 8 days before today; it started graceDays earlier, the day after the
  // period-0 invoice fell due (issued on the anchor, due 2 days later). Next billing (period 1) is a
  // month after the anchor, which is after today, so no invoice is due either.
  // Ids: 26-character ULID-shaped text like the product's, in random order relative to the grace dates.
  await sql`
    insert into subscriptions (id, tenant_id, account_id, number, state, payment_model, price_minor, currency,
                               billing_period, anchor_date, next_period_index, next_billing_date, payment_term_days,
                               grace_start, grace_end, activated_on, version, created_at, updated_at)
    select x.id, ${TENANT_ID}::uuid, ${sql.unsafe(bulkLocatorSql("p2", "acct", `((g + 1) / ${SUBS_PER_ACCOUNT})`))},
           'SUB-' || lpad(g::text, 7, '0'), 'effective', 'pay_after_bill', 1000 + g % 5000, 'EUR', 'monthly',
           x.anchor, 1, (x.anchor + interval '1 month')::date, 2,
           x.grace_end - ${graceDays}::int, x.grace_end, x.anchor, 1, ${createdAt}::timestamptz, ${createdAt}::timestamptz
      from generate_series(1, ${n}::int) g
      cross join lateral (
        select ${sql.unsafe(bulkLocatorSql("p2", "sub"))} as id,
               ${T}::date - 1 - (g % 8) as grace_end,
               ${T}::date - 1 - (g % 8) - ${graceDays}::int - 3 as anchor) x`;
  await sql`
    insert into invoices (id, tenant_id, subscription_id, account_id, number, amount_minor, currency, periods,
                          first_period_index, period_start, period_end, issued_on, due_on, status, created_at)
    select '01' || upper(substr(md5('p2:inv:' || s.id), 1, 24)), s.tenant_id, s.id, s.account_id,
           'SEED-' || s.number, s.price_minor, s.currency, 1, 0, s.anchor_date,
           (s.anchor_date + interval '1 month')::date - 1, s.anchor_date, s.anchor_date + 2, 'open', ${createdAt}::timestamptz
      from subscriptions s where s.tenant_id = ${TENANT_ID}`;
}

/** How many subscriptions are due for the lapse on `today`, by the SPEC's rule written here independently. */
export async function dueForLapse(sql: postgres.Sql, today: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from subscriptions s
     where s.tenant_id = ${TENANT_ID} and s.state = 'effective' and s.grace_end < ${today}::date
       and s.grace_paused_on is null
       and exists (select 1 from invoices i where i.subscription_id = s.id and i.status = 'open' and i.due_on < ${today}::date)
       and not exists (select 1 from holds h join hold_targets t on t.hold_id = h.id
                        where h.account_id = s.account_id and h.state = 'active' and t.process = 'delinquency')`;
  return row?.n ?? 0;
}
