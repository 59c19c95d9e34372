/**
 * AUDIT-10M: audit history at 10,000,000 events in the monthly-partitioned
 * audit_events (migration 0009). Events are seeded with set-based SQL
 * (generate_series) over 24 months ending with the current one and 8
 * tenants: each month's partition is filled as a plain table and then
 * attached (its indexes are built once, sorted). Ids are ULIDs whose time
 * part is the event's instant, as recordAudit writes them. Then, in process
 * on the product's database client, in one tenant: the audit log's first page
 * (listAuditLog, what audit.list calls), a filtered page (entity type and
 * action), the page after a cursor, and one entity's history
 * (listEntityHistory, what audit.history calls; its 25 events are spread
 * over all 24 months). Each statement is EXPLAINed.
 */
import { createDb } from "@holdfast/db";
import { auditListInput } from "@holdfast/domain";
import {
  addMonths,
  forTenant,
  listAuditLog,
  listEntityHistory,
  monthBounds,
  monthOf,
  partitionName,
  systemClock,
} from "@holdfast/services";
import { createTracingDb, explainAnalyze } from "./shared/sql-trace.ts";
import { round3, summarize } from "./shared/stats.ts";
import type { Benchmark, Figure, TargetCheck } from "./types.ts";

const EVENTS = 10_000_000;
const MONTHS = 24;
const TENANTS = 8;
/** Distinct entities per tenant: each has EVENTS / TENANTS / ENTITIES events over the whole period. */
const ENTITIES = 50_000;
const TARGET_P99_MS = 10;

/** Crockford base32 of the low `digits` × 5 bits of a bigint SQL expression, unrolled (no per-row subquery). */
function base32Sql(expr: string, digits: number): string {
  const parts = Array.from(
    { length: digits },
    (_, i) => `substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (((${expr}) >> ${5 * (digits - 1 - i)}) & 31)::int + 1, 1)`,
  );
  return parts.join(" || ");
}

const bench: Benchmark = async (ctx) => {
  const total = Math.max(MONTHS * 1000, Math.round(EVENTS * ctx.scale));
  const perMonth = Math.floor(total / MONTHS);
  const entities = Math.max(100, Math.round(ENTITIES * ctx.scale));
  const calls = Math.max(200, Math.round(1000 * ctx.scale));
  const url = await ctx.freshDatabase("bench_audit");
  const db = createDb(url, { name: "bench-audit", max: 2 });
  const traced = createTracingDb(url, 1);
  const sql = db.$client;
  const figures: Figure[] = [];
  const targets: TargetCheck[] = [];
  const details: string[] = [];
  const tenants = Array.from({ length: TENANTS }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  try {
    const t0 = performance.now();
    for (const [i, id] of tenants.entries())
      await sql`insert into tenants (id, name, time_zone) values (${id}, ${`Audit tenant ${i}`}, 'UTC')`;
    const current = monthOf(new Date());
    const months = Array.from({ length: MONTHS }, (_, i) => addMonths(current, i - (MONTHS - 1)));
    ctx.log(`  seeding ${(perMonth * MONTHS).toLocaleString("en-US")} events over ${months[0]} … ${current}`);
    const tenantArray = `array[${tenants.map((t) => `'${t}'::uuid`).join(", ")}]`;
    for (const [mi, month] of months.entries()) {
      const table = partitionName(month);
      const { from, to } = monthBounds(month);
      await sql.unsafe(`alter table audit_events detach partition ${table}`).catch(() => undefined);
      await sql.unsafe(`drop table if exists ${table}`);
      await sql.unsafe(`create table ${table} (like audit_events including defaults)`);
      // n is the event's number over the whole period: its instant grows with n, so do the ids.
      const ms = `(extract(epoch from timestamptz '${from}') * 1000)::bigint
                  + (g::bigint * (extract(epoch from (timestamptz '${to}' - timestamptz '${from}')) * 1000)::bigint / ${perMonth})`;
      await sql.unsafe(`
        insert into ${table} (id, tenant_id, entity_type, entity_id, action, actor_type, actor_id, actor_name, at,
                              request_id, before, after)
        select ${base32Sql("t.ms", 10)} || ${base32Sql("t.n", 16)},
               (${tenantArray})[1 + t.n % ${TENANTS}],
               (array['hold', 'account', 'subscription', 'automation'])[1 + (t.n / ${TENANTS}) % 4],
               'E' || lpad(((t.n / ${TENANTS}) % ${entities})::text, 25, '0'),
               (array['create', 'validate', 'activate', 'update', 'release'])[1 + (t.n / ${TENANTS * 4}) % 5],
               case when t.n % 3 = 0 then 'worker' else 'user' end,
               'actor-' || (t.n % 37), 'Actor ' || (t.n % 37),
               to_timestamp(t.ms / 1000.0), 'req-' || (t.n / 3),
               jsonb_build_object('state', 'draft'), jsonb_build_object('state', 'active', 'n', t.n)
          from (select ${mi}::bigint * ${perMonth} + g as n, ${ms} as ms
                  from generate_series(0, ${perMonth - 1}) g) t`);
      await sql.unsafe(`alter table audit_events attach partition ${table} for values from ('${from}') to ('${to}')`);
      if (mi % 6 === 5) ctx.log(`    ${mi + 1}/${MONTHS} months`);
    }
    await sql.unsafe("vacuum analyze audit_events");
    figures.push({ name: "seeding", value: round3((performance.now() - t0) / 1000), unit: "s" });
    const [count] = await sql<{ n: number }[]>`select count(*)::int as n from audit_events`;
    figures.push({ name: "audit events", value: count?.n ?? 0, unit: "", note: `${MONTHS} monthly partitions` });
    const tenantId = tenants[3] as string;
    const [perTenant] = await sql<
      { n: number }[]
    >`select count(*)::int as n from audit_events where tenant_id = ${tenantId}`;
    figures.push({ name: "events of the measured tenant", value: perTenant?.n ?? 0, unit: "" });

    const acting = { db, clock: systemClock, actor: { type: "system" as const, id: "bench", name: "bench" } };
    const svc = forTenant(acting, tenantId);
    const first = await listAuditLog(svc, auditListInput.parse({ limit: 50 }));
    const entity = first.items[0];
    if (!entity || !first.nextCursor) throw new Error("no events in the measured tenant");
    const kinds: { name: string; run: (s: typeof svc) => Promise<unknown> }[] = [
      { name: "tenant audit log, first page", run: (s) => listAuditLog(s, auditListInput.parse({ limit: 50 })) },
      {
        name: "filtered page (entity type and action)",
        run: (s) => listAuditLog(s, auditListInput.parse({ limit: 50, entityType: "subscription", action: "release" })),
      },
      {
        name: "next page (cursor)",
        run: (s) => listAuditLog(s, auditListInput.parse({ limit: 50, cursor: first.nextCursor })),
      },
      {
        name: "one entity's history",
        run: (s) => listEntityHistory(s, { entityType: entity.entityType, entityId: entity.entityId }),
      },
    ];
    for (const kind of kinds) {
      for (let i = 0; i < 20; i++) await kind.run(svc);
      const samples: number[] = [];
      for (let i = 0; i < calls; i++) {
        const start = performance.now();
        await kind.run(svc);
        samples.push(performance.now() - start);
      }
      const s = summarize(samples);
      ctx.log(`  ${kind.name}: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`);
      figures.push({ name: `p99, ${kind.name}`, value: round3(s.p99), unit: "ms", note: `p50 ${s.p50.toFixed(2)} ms` });
      targets.push({
        target: `${kind.name}: p99 < ${TARGET_P99_MS} ms at 10,000,000 events`,
        measured: `${s.p99.toFixed(2)} ms (p50 ${s.p50.toFixed(2)} ms)`,
        met: s.p99 < TARGET_P99_MS,
        ...(s.p99 < TARGET_P99_MS ? {} : { why: "see the plan below" }),
      });
      await traced.record(() => kind.run(forTenant({ ...acting, db: traced.db }, tenantId)));
      const plans: string[] = [];
      for (const st of traced.statements) plans.push(`${st.text}\n${await explainAnalyze(db, st)}`);
      details.push(`#### ${kind.name}\n\n\`\`\`\n${plans.join("\n\n")}\n\`\`\``);
    }
  } finally {
    await traced.close();
    await db.$client.end({ timeout: 5 });
  }
  return {
    id: "audit-10m",
    title: "Audit history at 10,000,000 events",
    method: `listAuditLog and listEntityHistory (what audit.list and audit.history call) in process on the product's database client, in one of ${TENANTS} tenants, over ${MONTHS} monthly partitions; after 20 warm-up calls, each figure is over ${calls} sequential calls.`,
    figures,
    targets,
    details: details.join("\n\n"),
  };
};

export default bench;
