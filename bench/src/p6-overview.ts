/**
 * P6: `overview.get` at 1,000,000 subscriptions. One tenant is seeded with
 * set-based SQL (generate_series): subscriptions mostly effective, 1 in 40 in
 * grace with ends spread over 60 days (1 in 400 paused), 1 in 8 with an
 * invoice due over the last 120 days (two thirds still open), active holds
 * with their claims, and 60 days of the worker's daily effects. The overview
 * use case is then timed (warm, one at a time) and each of its statements is
 * EXPLAINed: the aggregates must read indexes, not the tables.
 */
import { randomUUID } from "node:crypto";
import { addDays } from "@holdfast/domain";
import { fixedClock, forTenant, getOverview } from "@holdfast/services";
import { bulkLocatorSql, seedBulkAccounts } from "@holdfast/testing/seed";
import { createTracingDb, explainAnalyze } from "./shared/sql-trace.ts";
import { summarize } from "./shared/stats.ts";
import type { Benchmark, Figure, TargetCheck } from "./types.ts";

const SUBSCRIPTIONS = 1_000_000;
const ACCOUNTS = 50_000;
const RUNS = 200;
const TARGET_P99_MS = 200;
const NOW = "2030-06-10T12:00:00Z";
const TODAY = "2030-06-10";

const p6: Benchmark = async (ctx) => {
  const subs = Math.max(10_000, Math.round(SUBSCRIPTIONS * ctx.scale));
  const accounts = Math.max(1_000, Math.round(ACCOUNTS * ctx.scale));
  const url = await ctx.freshDatabase("bench_p6");
  const traced = createTracingDb(url, 4);
  const sql = traced.db.$client;
  const tenantId = randomUUID();
  try {
    const t0 = performance.now();
    await sql`insert into tenants (id, name, time_zone) values (${tenantId}, 'Overview bench', 'UTC')`;
    await seedBulkAccounts(sql, { tenantId, tag: "p6", count: accounts, createdAt: NOW });
    const acct = (g: string) => bulkLocatorSql("p6", "acct", `(1 + (${g}) % ${accounts})`);
    await sql.unsafe(
      `insert into subscriptions (id, tenant_id, account_id, number, state, payment_model, price_minor, currency,
         billing_period, anchor_date, next_billing_date, payment_term_days, grace_start, grace_end, grace_paused_on,
         created_at, updated_at)
       select ${bulkLocatorSql("p6", "sub")}, $1::uuid, ${acct("g")}, 'SUB-' || g,
              (case when g % 50 = 0 then 'not_effective' else 'effective' end)::subscription_state,
              'pay_after_bill', 1000 + g % 500, case when g % 7 = 0 then 'USD' else 'EUR' end, 'monthly',
              $2::date - 20, $2::date + 10, 10,
              case when g % 40 = 1 then $2::date - 20 end,
              case when g % 40 = 1 then $2::date - 10 + (g / 40) % 60 end,
              case when g % 400 = 1 then $2::date - 3 end,
              $3::timestamptz, $3::timestamptz
         from generate_series(1, $4::int) g`,
      [tenantId, TODAY, NOW, subs],
    );
    await sql.unsafe(
      `insert into invoices (id, tenant_id, subscription_id, account_id, number, amount_minor, paid_minor, currency,
         periods, first_period_index, period_start, period_end, issued_on, due_on, status, created_at)
       select ${bulkLocatorSql("p6", "inv")}, $1::uuid, ${bulkLocatorSql("p6", "sub")}, ${acct("g")}, 'INV-' || g,
              1000 + g % 500, case when g % 9 = 0 then 200 else 0 end, case when g % 7 = 0 then 'USD' else 'EUR' end,
              1, 0, $2::date - 130, $2::date - 100, $2::date - 130, $2::date - 1 - (g / 8) % 120,
              (case when g % 3 = 0 then 'paid' else 'open' end)::invoice_status, $3::timestamptz
         from generate_series(8, $4::int, 8) g`,
      [tenantId, TODAY, NOW, subs],
    );
    // One active hold per account (the claims may not overlap), every account held for invoicing, every other one for delinquency too.
    await sql.unsafe(
      `insert into holds (id, tenant_id, account_id, state, start_date, end_date, created_at, updated_at, created_by,
         updated_by, activated_at, activated_by)
       select ${bulkLocatorSql("p6", "hold")}, $1::uuid, ${bulkLocatorSql("p6", "acct")}, 'active',
              case when g % 5 = 0 then $2::date + 5 else $2::date - 30 end, case when g % 4 = 0 then $2::date + 30 end,
              $3::timestamptz, $3::timestamptz, 'system:bench', 'system:bench', $3::timestamptz, 'system:bench'
         from generate_series(1, $4::int) g`,
      [tenantId, TODAY, NOW, accounts],
    );
    for (const [process, every] of [
      ["invoicing", 1],
      ["delinquency", 2],
    ] as const) {
      await sql.unsafe(
        `insert into hold_targets (hold_id, process) select h.id, $2::hold_process from holds h
           where h.tenant_id = $1::uuid and abs(hashtext(h.id)) % $3::int = 0`,
        [tenantId, process, every],
      );
      await sql.unsafe(
        `insert into hold_claims (hold_id, tenant_id, account_id, process, start_date, end_date)
           select t.hold_id, h.tenant_id, h.account_id, t.process, h.start_date, h.end_date
             from hold_targets t join holds h on h.id = t.hold_id where t.process = $1::hold_process`,
        [process],
      );
    }
    await sql.unsafe(
      `insert into worker_daily_effects (tenant_id, day, effect, count)
       select $1::uuid, $2::date - d, e, 100 + d from generate_series(0, 59) d,
              unnest(array['invoicesIssued','gracePeriodsStarted','subscriptionsLapsed','holdsReleased']) e`,
      [tenantId, TODAY],
    );
    await sql`insert into tenant_worker_state (tenant_id, processed_through, updated_at) values (${tenantId}, ${addDays(TODAY, -1)}, now())`;
    // As autovacuum leaves a table after a bulk load: statistics and the visibility map (index-only scans).
    await sql`vacuum analyze`;
    const seedSeconds = (performance.now() - t0) / 1000;
    ctx.log(`  seeded ${subs.toLocaleString("en-US")} subscriptions in ${seedSeconds.toFixed(1)} s`);

    const service = forTenant(
      { db: traced.db, clock: fixedClock(NOW), actor: { type: "system", id: "bench", name: "bench" } },
      tenantId,
    );
    for (let i = 0; i < 10; i++) await getOverview(service);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      await getOverview(service);
      times.push(performance.now() - start);
    }
    const s = summarize(times);
    const sample = await traced.record(() => getOverview(service));
    const plans: string[] = [];
    const scans: string[] = [];
    for (const st of traced.statements) {
      if (!/^\s*select/i.test(st.text) || /from "tenants"/.test(st.text)) continue;
      const plan = await explainAnalyze(traced.db, st);
      plans.push(`${st.text}\n${plan}`);
      const table = st.text.match(/from "(\w+)"/)?.[1] ?? "?";
      const index = plan.match(/(?:Index Only Scan|Index Scan|Bitmap Index Scan) (?:using|on) (\w+)/)?.[1];
      if (index) {
        scans.push(`${table}: ${index}`);
        continue;
      }
      // With one tenant owning every row, reading most of a table in order is cheaper than through its index, and
      // the planner says so. The plan it takes where the tenant's rows are few (seq scans priced out):
      const forced = await sql.begin(async (tx) => {
        await tx.unsafe("set local enable_seqscan = off");
        const rows = await tx.unsafe(`explain (analyze, buffers) ${st.text}`, st.params as never[]);
        return rows.map((r) => (r as Record<string, string>)["QUERY PLAN"]).join("\n");
      });
      plans.push(`-- the same with enable_seqscan = off\n${forced}`);
      const forcedIndex = forced.match(/(?:Index Only Scan|Index Scan|Bitmap Index Scan) (?:using|on) (\w+)/)?.[1];
      scans.push(`${table}: seq scan (one tenant owns the table)${forcedIndex ? `, else ${forcedIndex}` : ""}`);
    }
    const figures: Figure[] = [
      { name: "subscriptions", value: subs, unit: "rows" },
      { name: "seed", value: seedSeconds, unit: "s" },
      { name: "overview.get p50", value: s.p50, unit: "ms", note: `${RUNS} calls, warm, one at a time` },
      { name: "overview.get p99", value: s.p99, unit: "ms" },
      { name: "overview.get max", value: s.max, unit: "ms" },
      {
        name: "in grace / lapsing in 30 days",
        value: sample.grace.running + sample.grace.paused,
        unit: "subscriptions",
        note: `${sample.lapsesDue.reduce((n, d) => n + d.count, 0)} lapsing`,
      },
      { name: "overdue invoices", value: sample.overdue.reduce((n, b) => n + b.count, 0), unit: "invoices" },
    ];
    const targets: TargetCheck[] = [
      {
        target: `overview.get p99 < ${TARGET_P99_MS} ms at ${subs.toLocaleString("en-US")} subscriptions`,
        measured: `${s.p99.toFixed(1)} ms`,
        met: s.p99 < TARGET_P99_MS,
      },
      {
        target:
          "the aggregates can read indexes (subscriptions_grace_end_idx, hold_claims_tenant_process_idx, invoices_open_due_idx)",
        measured: scans.join("; "),
        met: ["subscriptions_grace_end_idx", "hold_claims_tenant_process_idx", "invoices_open_due_idx"].every((ix) =>
          scans.some((x) => x.includes(ix)),
        ),
      },
    ];
    for (const line of [
      ...figures.map((f) => `  ${f.name}: ${f.value} ${f.unit}`),
      ...targets.map((t) => `  ${t.target}: ${t.measured}`),
    ])
      ctx.log(line);
    return {
      id: "p6",
      title: "the overview at 1,000,000 subscriptions",
      method:
        "overview.get's use case (getOverview) against one tenant seeded in bulk; p99 over warm sequential calls; every aggregate EXPLAINed (ANALYZE, BUFFERS).",
      figures,
      targets,
      details: `\`\`\`\n${plans.join("\n\n")}\n\`\`\``,
    };
  } finally {
    await traced.close();
  }
};

export default p6;
