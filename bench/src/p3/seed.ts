/**
 * P3's data: N holds spread over T tenants and N/20 accounts, made with
 * set-based INSERT … SELECT generate_series (no per-row round trips).
 *
 * Tenants are of uneven size (account a goes to tenant ⌊T·u²⌋ for a hashed
 * u in [0, 1): the biggest has about a fifth of the accounts, the smallest
 * about 2.5%). Hold g (0 ≤ g < N) is the g-th hold created: its locator is "0" + g padded
 * to 25 digits (a valid ULID shape that sorts in creation order, like real
 * ULIDs), so tenants and accounts interleave along the id order as they would
 * in production. With g = k × A + r, its account is (r × P) mod A for a prime
 * P not dividing A: every account gets exactly one hold per k, and k is the
 * hold's ordinal within its account. Validated and active holds claim their
 * processes over 30-day periods starting 40 × k days after 2020-01-01, so the
 * claims of one account never overlap (the exclusion constraint holds).
 */
import type { Database } from "@holdfast/db";

export interface SeedShape {
  holds: number;
  tenants: number;
  accounts: number;
  /** Tenant of account a: ⌊T·u^skew⌋ (default 2); a higher skew makes the first tenants bigger. */
  skew?: number;
  /** SQL expressions of the account number `a` for the account's name and external id (defaults: "Account a", none). */
  accountName?: string;
  accountExternalId?: string;
}

const P = 7919;

export function tenantIdOf(t: number): string {
  return `00000000-0000-4000-8000-${t.toString().padStart(12, "0")}`;
}
export function holdLocatorOf(g: number): string {
  return `0${g.toString().padStart(25, "0")}`;
}
export function accountLocatorOf(a: number): string {
  return `1${a.toString().padStart(25, "0")}`;
}
/** The account of hold g. */
export function accountOfHold(g: number, shape: SeedShape): number {
  return ((g % shape.accounts) * P) % shape.accounts;
}

export function seedShape(holds: number): SeedShape {
  const accounts = Math.max(10, Math.round(holds / 20));
  if (accounts % P === 0) throw new Error("account count must not be a multiple of the mixing prime");
  return { holds, tenants: 20, accounts };
}

/** Runs the bulk load; answers the seconds each step took. */
export async function seed(db: Database, shape: SeedShape, log: (l: string) => void) {
  const { holds: N, tenants: T, accounts: A } = shape;
  const hold = "'0' || lpad(g::text, 25, '0')";
  const acct = `((g % ${A})::bigint * ${P}) % ${A}`;
  const state = `(case when (g * 37 + 11) % 100 < 3 then 'draft' when (g * 37 + 11) % 100 < 5 then 'validated'
    when (g * 37 + 11) % 100 < 15 then 'active' when (g * 37 + 11) % 100 < 85 then 'released' else 'discarded' end)::hold_state`;
  const start = `date '2020-01-01' + (g / ${A})::int * 40`;
  const steps: [string, string][] = [
    [
      "tenants",
      `insert into tenants (id, name, time_zone)
       select ('00000000-0000-4000-8000-' || lpad(t::text, 12, '0'))::uuid, 'Tenant ' || t, 'Europe/Paris'
       from generate_series(0, ${T - 1}) t`,
    ],
    [
      "accounts",
      `insert into accounts (id, tenant_id, name, external_id, created_at, updated_at)
       select '1' || lpad(a::text, 25, '0'),
              ('00000000-0000-4000-8000-' || lpad(floor(${T} * power(((a * 2654435761::bigint) % 4294967296) / 4294967296.0, ${shape.skew ?? 2}))::text, 12, '0'))::uuid,
              ${shape.accountName ?? "'Account ' || a"}, ${shape.accountExternalId ?? "null"},
              timestamptz '2019-06-01', timestamptz '2019-06-01'
       from generate_series(0, ${A - 1}) a`,
    ],
    [
      "holds",
      `insert into holds (id, tenant_id, account_id, state, start_date, end_date, comments, source_system,
                          external_transaction_id, validation_result, release_reason, version,
                          created_at, updated_at, created_by, updated_by, activated_at, activated_by, released_at, released_by)
       select ${hold}, a.tenant_id, a.id, s.state, ${start}, ${start} + 29,
              case when g % 3 = 0 then 'customer disputes invoice ' || g end, 'bench', 'TX-' || g,
              case when s.state in ('validated', 'active') then '{"success":true,"checkedOn":"2020-01-01","problems":[]}'::jsonb end,
              case when s.state = 'released' then 'released' end,
              case s.state when 'draft' then 1 when 'validated' then 2 when 'discarded' then 2 when 'active' then 3 else 4 end,
              timestamptz '2024-01-01' + g * interval '1 second', timestamptz '2024-01-01' + g * interval '1 second',
              'system:bench', 'system:bench',
              case when s.state in ('active', 'released') then timestamptz '2024-01-01' + g * interval '1 second' end,
              case when s.state in ('active', 'released') then 'system:bench' end,
              case when s.state = 'released' then timestamptz '2024-01-01' + g * interval '1 second' end,
              case when s.state = 'released' then 'system:bench' end
       from generate_series(0, ${N - 1}) g cross join lateral (select ${state} as state) s
       join accounts a on a.id = '1' || lpad((${acct})::text, 25, '0')`,
    ],
    [
      "hold_targets",
      `insert into hold_targets (hold_id, process)
       select ${hold}, p.process::hold_process
       from generate_series(0, ${N - 1}) g, lateral (values ('invoicing'), ('delinquency')) p(process)
       where p.process = 'invoicing' or g % 2 = 0`,
    ],
    [
      "hold_characteristics",
      `insert into hold_characteristics (hold_id, type, value)
       select ${hold}, 'reason', 'dispute' from generate_series(0, ${N - 1}) g where g % 5 = 0`,
    ],
    [
      "hold_claims",
      `insert into hold_claims (hold_id, tenant_id, account_id, process, start_date, end_date)
       select h.id, h.tenant_id, h.account_id, t.process, h.start_date, h.end_date
       from holds h join hold_targets t on t.hold_id = h.id where h.state in ('validated', 'active')`,
    ],
    ["analyze", "analyze"],
  ];
  // Bulk-load like pg_restore: secondary indexes and the claims' exclusion
  // constraint are dropped and rebuilt afterwards (one sorted build each
  // instead of a million single inserts), and when allowed, foreign-key
  // triggers are skipped (the data is consistent by construction).
  const sql = db.$client;
  const indexes = await sql<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
    where schemaname = 'public' and tablename in ('holds', 'hold_targets', 'hold_characteristics', 'hold_claims')
      and indexname not in (select conname from pg_constraint where contype in ('p', 'u', 'x'))`;
  const exclusions = await sql<{ name: string; def: string }[]>`
    select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = 'hold_claims'::regclass and contype = 'x'`;
  const [role] = await sql<
    { superuser: boolean }[]
  >`select rolsuper as superuser from pg_roles where rolname = current_user`;
  steps.unshift([
    "drop secondary indexes",
    [
      ...indexes.map((i) => `drop index "${i.name}"`),
      ...exclusions.map((c) => `alter table hold_claims drop constraint "${c.name}"`),
    ].join(";\n"),
  ]);
  steps.splice(
    steps.length - 1,
    0,
    ...indexes.map((i): [string, string] => [`index ${i.name}`, i.def]),
    ...exclusions.map((c): [string, string] => [
      `constraint ${c.name}`,
      `alter table hold_claims add constraint "${c.name}" ${c.def}`,
    ]),
  );
  const times: Record<string, number> = {};
  const reserved = await sql.reserve();
  try {
    if (role?.superuser) await reserved.unsafe("set session_replication_role = replica");
    await reserved.unsafe("set maintenance_work_mem = '512MB'");
    for (const [name, text] of steps) {
      const t0 = performance.now();
      await reserved.unsafe(text);
      times[name] = (performance.now() - t0) / 1000;
      log(`    ${name}: ${times[name].toFixed(1)} s`);
    }
    await reserved.unsafe("reset session_replication_role; reset maintenance_work_mem");
  } finally {
    reserved.release();
  }
  return times;
}
