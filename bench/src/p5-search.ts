/**
 * P5: the header's global search (`search.global`) with 1,000,000 holds in the
 * table (P3's bulk load), plus accounts with varied names and external ids and 100,000
 * subscriptions and invoices with numbers, spread over the same tenants. Each
 * query kind (an account name fragment, an external transaction id prefix, a
 * subscription number prefix) is timed server-side by calling the service the
 * procedure calls, in process, in the biggest tenant; every statement of one
 * call is shown with EXPLAIN (ANALYZE, BUFFERS), to show the indexes serve it.
 */
import { createDb } from "@holdfast/db";
import { globalSearchInput } from "@holdfast/domain";
import { forTenant, searchGlobal, systemClock } from "@holdfast/services";
import { seed, seedShape } from "./p3/seed.ts";
import { createTracingDb, explainAnalyze } from "./shared/sql-trace.ts";
import { round3, summarize } from "./shared/stats.ts";
import type { Benchmark, Figure, TargetCheck } from "./types.ts";

const TARGET_P99_MS = 50;
export const FAMILY =
  `Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Dubois Martin Bernard Moreau
  Laurent Lefebvre Rossi Russo Ferrari Esposito Bianchi Romano Smith Jones Taylor Brown Williams Wilson Evans Thomas
  Jansen Visser Bakker Smit Novak Horvat Kovacs Nagy Nowak Kowalski Garcia Lopez Martinez Sanchez Perez Silva Santos
  Ferreira Andersen Nielsen Hansen Larsen Berg Lund Alpine Riverside Harbour Lakeside Nordic Baltic`.split(/\s+/);
export const TRADE =
  `Hotel Hotels Resorts Inn Lodge Apartments Suites Hostel Residences Guesthouse Camping Spa Travel Tours
  Catering Restaurant Bistro Bakery Events Properties Holdings Hospitality Leisure Estates Group`.split(/\s+/);
export const FORM = ["GmbH", "GmbH", "Ltd", "AG", "SARL", "B.V.", "Inc.", "S.p.A."];
export const words = (list: string[]) => `array[${list.map((w) => `'${w}'`).join(", ")}]`;

const bench: Benchmark = async (ctx) => {
  const shape = seedShape(Math.round(1_000_000 * ctx.scale));
  const subscriptions = Math.max(1000, Math.round(100_000 * ctx.scale));
  const calls = Math.max(100, Math.round(500 * ctx.scale));
  const url = await ctx.freshDatabase("bench_p5");
  const db = createDb(url, { name: "bench-p5", max: 4 });
  const traced = createTracingDb(url, 1);
  const figures: Figure[] = [];
  const targets: TargetCheck[] = [];
  const details: string[] = [];
  try {
    ctx.log(`  seeding ${shape.holds} holds, ${shape.accounts} accounts, ${subscriptions} subscriptions and invoices`);
    const t0 = performance.now();
    await seed(db, shape, ctx.log);
    const sql = db.$client;
    await sql.unsafe(`update accounts set external_id = 'CRM-' || ltrim(substr(id, 2), '0')`);
    // Varied names, as real customers have (P3's seed names every account "Account <n>", so that any fragment of
    // "account" matched them all): a family or place name, a trade and a legal form, 12,000 combinations; a
    // quarter of the accounts are a GmbH (the common fragment searched below).
    await sql.unsafe(`
      update accounts set name = (${words(FAMILY)})[1 + substr(id, 2)::bigint % 60]
        || ' ' || (${words(TRADE)})[1 + (substr(id, 2)::bigint / 60) % 25]
        || ' ' || (${words(FORM)})[1 + (substr(id, 2)::bigint / 1500) % 8]`);
    await sql.unsafe(`
      insert into subscriptions (id, tenant_id, account_id, number, state, payment_model, price_minor, currency,
                                 billing_period, anchor_date, next_billing_date, payment_term_days, created_at, updated_at)
      select '2' || lpad(n::text, 25, '0'), a.tenant_id, a.id, 'SUB-' || lpad(n::text, 7, '0'), 'effective',
             'pay_after_bill', 2500, 'EUR', 'monthly', date '2030-01-01', date '2030-07-01', 14, now(), now()
      from generate_series(0, ${subscriptions - 1}) n
      join accounts a on a.id = '1' || lpad((n % ${shape.accounts})::text, 25, '0')`);
    await sql.unsafe(`
      insert into invoices (id, tenant_id, subscription_id, account_id, number, amount_minor, currency, periods,
                            first_period_index, period_start, period_end, issued_on, due_on, created_at)
      select '3' || substr(s.id, 2), s.tenant_id, s.id, s.account_id, 'INV-' || s.number || '-1', 2500, 'EUR', 1, 0,
             date '2030-01-01', date '2030-01-31', date '2030-01-01', date '2030-01-15', now()
      from subscriptions s`);
    // As autovacuum leaves the tables after the updates above: statistics, and no dead row versions in the indexes.
    await sql.unsafe("vacuum analyze");
    figures.push({ name: "seeding", value: round3((performance.now() - t0) / 1000), unit: "s" });

    // The biggest tenant, and a real account, hold and subscription of it to search for.
    const [big] = await sql<{ tenantId: string; holds: number }[]>`
      select tenant_id as "tenantId", count(*)::int as holds from holds group by tenant_id order by 2 desc limit 1`;
    if (!big) throw new Error("no tenant");
    const [sample] = await sql<{ name: string; trx: string; sub: string }[]>`
      select a.name, (select external_transaction_id from holds h where h.account_id = a.id limit 1) as trx,
             (select number from subscriptions s where s.account_id = a.id limit 1) as sub
      from accounts a where a.tenant_id = ${big.tenantId}
        and exists (select 1 from subscriptions s where s.account_id = a.id) limit 1`;
    if (!sample) throw new Error("no sample account");
    figures.push({ name: "holds in the searched tenant", value: big.holds, unit: "" });

    const kinds: { name: string; q: string }[] = [
      { name: "account name fragment", q: sample.name.slice(2).toLowerCase() },
      { name: "account name, common fragment", q: "gmbh" },
      { name: "external transaction id prefix", q: sample.trx.slice(0, -1) },
      { name: "subscription number prefix", q: sample.sub.slice(0, -1).toLowerCase() },
    ];
    const acting = { db, clock: systemClock, actor: { type: "system" as const, id: "bench", name: "bench" } };
    const svc = forTenant(acting, big.tenantId);
    for (const kind of kinds) {
      const input = globalSearchInput.parse({ q: kind.q });
      for (let i = 0; i < 20; i++) await searchGlobal(svc, input);
      const samples: number[] = [];
      let found = "";
      for (let i = 0; i < calls; i++) {
        const start = performance.now();
        const r = await searchGlobal(svc, input);
        samples.push(performance.now() - start);
        found = Object.entries(r)
          .map(([k, v]) => `${k} ${v.length}`)
          .join(", ");
      }
      const s = summarize(samples);
      ctx.log(`  ${kind.name} "${kind.q}": p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms (${found})`);
      figures.push({ name: `search.global p99, ${kind.name}`, value: round3(s.p99), unit: "ms", note: `"${kind.q}"` });
      figures.push({ name: `search.global p50, ${kind.name}`, value: round3(s.p50), unit: "ms", note: found });
      targets.push({
        target: `search.global p99 < ${TARGET_P99_MS} ms at 1,000,000 holds (${kind.name})`,
        measured: `${s.p99.toFixed(2)} ms`,
        met: s.p99 < TARGET_P99_MS,
      });
      await traced.record(() => searchGlobal(forTenant({ ...acting, db: traced.db }, big.tenantId), input));
      const plans: string[] = [];
      for (const st of traced.statements) plans.push(`${st.text}\n${await explainAnalyze(db, st)}`);
      details.push(`#### ${kind.name} ("${kind.q}")\n\n\`\`\`\n${plans.join("\n\n")}\n\`\`\``);
    }
  } finally {
    await traced.close();
    await db.$client.end({ timeout: 5 });
  }
  return {
    id: "p5",
    title: "P5: global search at 1,000,000 holds",
    method:
      "searchGlobal (what search.global calls) in process on the product's database client, in the biggest of 20 tenants, after 20 warm-up calls; each figure is over the stated number of sequential calls.",
    figures,
    targets,
    details: details.join("\n\n"),
  };
};

export default bench;
