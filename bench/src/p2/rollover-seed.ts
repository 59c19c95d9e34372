/**
 * P2 at rollover: one UTC tenant whose `n` effective subscriptions all become
 * due on `today` (the first business date after midnight), in the state the
 * workers naturally leave them in before midnight: nothing was due yesterday,
 * and the tenant is processed through the day before yesterday (yesterday was
 * "today" for the workers, which never mark today processed). Subscription g
 * is, by g mod 3:
 *   0: due an invoice (its next billing date is today);
 *   1: due a grace start (its open invoice fell due yesterday, so it is overdue today);
 *   2: due a lapse (its grace period ended yesterday, the invoice still open).
 * Written with set-based SQL (generate_series), so 1M rows seed in minutes.
 */
import { bulkLocatorSql, days, seedBulkAccounts, setProcessedThrough } from "@holdfast/testing/seed";
import type postgres from "postgres";

export const ROLLOVER_TENANT_ID = "6e1d3c1a-0000-4000-8000-00000000b012";
const SUBS_PER_ACCOUNT = 2;

export interface RolloverPlan {
  n: number;
  today: string;
  graceDays: number;
}

/** How many subscriptions of each kind a plan of `n` seeds. */
export function rolloverKinds(n: number) {
  // g runs 1..n: g mod 3 = 1 for ceil(n/3) of them, = 2 for floor((n+1)/3), = 0 for floor(n/3).
  const grace = Math.ceil(n / 3);
  const lapse = Math.floor((n + 1) / 3);
  return { invoice: n - grace - lapse, grace, lapse };
}

export async function seedRollover(sql: postgres.Sql, plan: RolloverPlan): Promise<void> {
  const { n, today: T, graceDays } = plan;
  const createdAt = `${days(T, -90)}T12:00:00Z`;
  const t = ROLLOVER_TENANT_ID;
  await sql`insert into tenants (id, name, time_zone, grace_days) values (${t}, 'P2 rollover bench', 'UTC', ${graceDays})`;
  await setProcessedThrough(sql, t, days(T, -2));
  await seedBulkAccounts(sql, { tenantId: t, tag: "p2r", count: Math.ceil(n / SUBS_PER_ACCOUNT), createdAt });
  // anchor: kind 0 a month before today (period 1 starts today); kind 1 three days before (period 0's invoice,
  // issued on the anchor with 2 payment days, fell due yesterday); kind 2 three days before its grace start,
  // whose grace (graceDays long) ended yesterday.
  await sql`
    insert into subscriptions (id, tenant_id, account_id, number, state, payment_model, price_minor, currency,
                               billing_period, anchor_date, next_period_index, next_billing_date, payment_term_days,
                               grace_start, grace_end, activated_on, version, created_at, updated_at)
    select x.id, ${t}::uuid, ${sql.unsafe(bulkLocatorSql("p2r", "acct", `((g + 1) / ${SUBS_PER_ACCOUNT})`))},
           'SUB-' || lpad(g::text, 7, '0'), 'effective', 'pay_after_bill', 1000 + g % 5000, 'EUR', 'monthly',
           x.anchor, 1, (x.anchor + interval '1 month')::date, 2,
           x.grace_end - ${graceDays}::int, x.grace_end, x.anchor, 1, ${createdAt}::timestamptz, ${createdAt}::timestamptz
      from generate_series(1, ${n}::int) g
      cross join lateral (
        select ${sql.unsafe(bulkLocatorSql("p2r", "sub"))} as id,
               case when g % 3 = 2 then ${T}::date - 1 end as grace_end,
               case g % 3 when 0 then (${T}::date - interval '1 month')::date
                          when 1 then ${T}::date - 3
                          else ${T}::date - 1 - ${graceDays}::int - 3 end as anchor) x`;
  // Period 0's invoice, still open, for the subscriptions in arrears (kinds 1 and 2).
  await sql`
    insert into invoices (id, tenant_id, subscription_id, account_id, number, amount_minor, currency, periods,
                          first_period_index, period_start, period_end, issued_on, due_on, status, created_at)
    select '01' || upper(substr(md5('p2r:inv:' || s.id), 1, 24)), s.tenant_id, s.id, s.account_id,
           'SEED-' || s.number, s.price_minor, s.currency, 1, 0, s.anchor_date,
           (s.anchor_date + interval '1 month')::date - 1, s.anchor_date, s.anchor_date + 2, 'open', ${createdAt}::timestamptz
      from subscriptions s where s.tenant_id = ${t} and s.next_billing_date > ${T}::date`;
}

/** What is still due on `date`, by the SPEC's rules written here independently (no holds are seeded). */
export async function dueOn(sql: postgres.Sql, date: string) {
  const t = ROLLOVER_TENANT_ID;
  const overdue = sql`exists (select 1 from invoices i where i.subscription_id = s.id and i.status = 'open' and i.due_on < ${date}::date)`;
  const [row] = await sql<{ invoice: number; grace: number; lapse: number }[]>`
    select count(*) filter (where s.next_billing_date <= ${date}::date)::int as invoice,
           count(*) filter (where s.grace_start is null and ${overdue})::int as grace,
           count(*) filter (where s.grace_end < ${date}::date and s.grace_paused_on is null and ${overdue})::int as lapse
      from subscriptions s where s.tenant_id = ${t} and s.state = 'effective'`;
  return row ?? { invoice: 0, grace: 0, lapse: 0 };
}
