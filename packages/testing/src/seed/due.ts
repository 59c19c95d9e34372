/** Subscriptions falling due on one business date, in bulk, for the tests of workers sharing dates. */
import type postgres from "postgres";
import { bulkLocatorSql, seedBulkAccounts } from "./tenants.ts";

/**
 * Subscriptions of the tenant that fall due on `date`, one account each: `invoices` due an invoice on it,
 * `graceStarts` whose open invoice fell due the day before (a grace period starts on it), `lapses` whose grace
 * period ended the day before, unpaid (they lapse on it). None of them is due anything on an earlier date.
 */
export async function seedDueSubscriptions(
  sql: postgres.Sql,
  tenantId: string,
  tag: string,
  date: string,
  n: { invoices: number; graceStarts?: number; lapses?: number },
) {
  // kind, count, then the anchor, next period index, grace start, grace end and the open invoice's due date.
  const kinds: [string, number, string[]][] = [
    ["inv", n.invoices, ["$3::date", "0", "null::date", "null::date", "null::date"]],
    ["gs", n.graceStarts ?? 0, ["$3::date - 20", "1", "null::date", "null::date", "$3::date - 1"]],
    ["la", n.lapses ?? 0, ["$3::date - 40", "2", "$3::date - 15", "$3::date - 1", "$3::date - 16"]],
  ];
  for (const [kind, count, cols] of kinds) {
    if (count === 0) continue;
    const t = `${tag}-${kind}`;
    await seedBulkAccounts(sql, { tenantId, tag: t, count });
    await sql.unsafe(
      `with x as (select g, ${cols.map((c, i) => `${c} as c${i}`).join(", ")} from generate_series(1, $2::int) g),
       s as (
         insert into subscriptions (id, tenant_id, account_id, number, state, payment_model, price_minor, currency,
                                    billing_period, anchor_date, next_period_index, next_billing_date,
                                    payment_term_days, activated_on, grace_start, grace_end, version, created_at, updated_at)
         select ${bulkLocatorSql(t, "sub")}, $1::uuid, ${bulkLocatorSql(t, "acct")}, 'SUB-${t}-' || g, 'effective',
                'pay_after_bill', 1000, 'EUR', 'monthly', x.c0, x.c1, (x.c0 + make_interval(months => x.c1))::date,
                14, x.c0, x.c2, x.c3, 1, now(), now()
           from x returning id, account_id, anchor_date, number)
       insert into invoices (id, tenant_id, subscription_id, account_id, number, amount_minor, currency, periods,
                             first_period_index, period_start, period_end, issued_on, due_on, status, created_at)
       select ${bulkLocatorSql(t, "inv")}, $1::uuid, s.id, s.account_id, 'SEED-${t}-' || x.g, 1000, 'EUR', 1, 0,
              s.anchor_date, s.anchor_date + 29, s.anchor_date, x.c4, 'open', now()
         from s join x on s.number = 'SUB-${t}-' || x.g where x.c4 is not null`,
      [tenantId, count, date],
    );
  }
}
