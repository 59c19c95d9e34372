/**
 * P2: the worker draining 100,000 subscriptions whose grace period ended
 * (still unpaid, so their due effect is the lapse), with 1 and with 2 real
 * worker processes, against ONE set-based statement making the same state
 * change (the subscription row and its audit event) over the same rows, all
 * on the run's one PostgreSQL server. The data is seeded once into a template
 * database; each variant runs on its own copy (CREATE DATABASE ... TEMPLATE),
 * warmed and checkpointed the same way, and is verified afterwards: every
 * row lapsed exactly once with exactly one audit event.
 */
import postgres from "postgres";
import { type CpuSplit, readStat, sampleCpu } from "./p2/cpu.ts";
import { dueForLapse, seed, TENANT_ID } from "./p2/seed.ts";
import { SET_BASED } from "./p2/set-based.ts";
import { startWorkers, type WorkerRun } from "./p2/workers.ts";
import type { BenchContext, Benchmark, BenchSection, Figure, TargetCheck } from "./types.ts";

/** The instant every variant runs at; the tenant is in UTC, so its business date is TODAY. */
const NOW = "2027-05-15T13:30:00Z";
const TODAY = "2027-05-15";
const GRACE_DAYS = 14;
const TEMPLATE = "p2_template";

type Sql = postgres.Sql;
const connect = (url: string) => postgres(url, { max: 1, onnotice: () => undefined });

async function scalar(sql: Sql, text: string, params: unknown[] = []): Promise<number> {
  const rows = await sql.unsafe(text, params as never[]);
  return Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
}

/** Milliseconds since the epoch in a ULID's first 10 characters (Crockford base32). */
function ulidTime(id: string): number {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let t = 0;
  for (const ch of id.slice(0, 10)) t = t * 32 + alphabet.indexOf(ch);
  return t;
}

interface VariantResult {
  name: string;
  /** Seconds the drain took: the statement's transaction, or first tick start to last tick end. */
  seconds: number;
  rowsPerSecond: number;
  /** Worker variants: spawn to exit of the last worker (node and tsx start-up, migration check included). */
  spawnToExit?: number;
  /** Worker variants: first to last lapse audit event, from the events' ULID timestamps. */
  effectWindow?: number;
  /** Transactions committed in the variant's database (pg_stat_database). */
  commits: number;
  /** CPU during the drain (the statement, or first tick start to last tick end). */
  cpu: CpuSplit;
  /** Worker variants: CPU from spawn to exit. */
  cpuSpawnToExit?: CpuSplit;
  perWorker?: { workerId: string; lapsed: number; tickSeconds: number; spawnToExit: number }[];
}

/**
 * Every due subscription lapsed exactly once: the right row state and version, exactly one lapse audit event
 * each with the right before and after, no other audit event, nothing left due. Throws otherwise: a figure
 * over a wrong result is not reported.
 */
async function verify(sql: Sql, n: number, label: string) {
  const checks = {
    lapsed: await scalar(
      sql,
      `select count(*)::int as n from subscriptions where tenant_id = $1 and state = 'not_effective'
          and lapsed_on = $2::date and lapse_reason = 'grace_period_expired' and version = 2`,
      [TENANT_ID, TODAY],
    ),
    untouched: await scalar(sql, "select count(*)::int as n from subscriptions where state <> 'not_effective'"),
    events: await scalar(sql, "select count(*)::int as n from audit_events"),
    eventsOk: await scalar(
      sql,
      `select count(distinct e.entity_id)::int as n from audit_events e join subscriptions s on s.id = e.entity_id
        where e.action = 'lapse' and e.entity_type = 'subscription' and e.actor_type = 'worker'
          and e.before->>'state' = 'effective' and (e.before->>'version')::int = 1
          and e.after->>'state' = 'not_effective' and (e.after->>'version')::int = 2
          and e.after->>'lapsedOn' = $1 and e.after->>'businessDate' = $1
          and e.before->'grace'->>'end' = s.grace_end::text`,
      [TODAY],
    ),
    leftDue: await dueForLapse(sql, TODAY),
  };
  const want = { lapsed: n, untouched: 0, events: n, eventsOk: n, leftDue: 0 };
  if (JSON.stringify(checks) !== JSON.stringify(want)) {
    throw new Error(`P2 ${label}: the drain is wrong: ${JSON.stringify(checks)}, expected ${JSON.stringify(want)}`);
  }
}

async function commits(sql: Sql) {
  return scalar(sql, "select xact_commit::bigint as n from pg_stat_database where datname = current_database()");
}

/** A fresh copy of the seeded data, its pages read once and a checkpoint taken, so every variant starts alike. */
async function prepare(ctx: BenchContext, admin: Sql, name: string): Promise<string> {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name} template ${TEMPLATE}`);
  const url = ctx.urlFor(name);
  const sql = connect(url);
  try {
    await sql`select count(*), sum(length(id)) from subscriptions`;
    await sql`select count(*), sum(length(id)) from invoices`;
    await sql`select count(*) from audit_events`;
    await sql.unsafe("set enable_seqscan = off");
    await sql`select count(*) from subscriptions where tenant_id = ${TENANT_ID} and id > ''`;
    await sql`select count(*) from invoices where subscription_id > ''`;
  } finally {
    await sql.end();
  }
  await admin`checkpoint`;
  return url;
}

async function runSetBased(url: string, n: number, postmasterPid: number): Promise<VariantResult> {
  const sql = connect(url);
  try {
    const c0 = await commits(sql);
    const cpu = sampleCpu(postmasterPid, () => []);
    const t0 = performance.now();
    await sql.begin((tx) => tx.unsafe(SET_BASED, [TENANT_ID, TODAY, NOW]));
    const seconds = (performance.now() - t0) / 1000;
    const split = cpu.stop();
    const result = {
      name: "set-based",
      seconds,
      rowsPerSecond: n / seconds,
      commits: (await commits(sql)) - c0,
      cpu: split,
    };
    await verify(sql, n, "set-based");
    return result;
  } finally {
    await sql.end();
  }
}

async function runWorkers(
  url: string,
  n: number,
  count: number,
  postmasterPid: number,
  log: (l: string) => void,
): Promise<VariantResult> {
  const sql = connect(url);
  try {
    const c0 = await commits(sql);
    let pids: number[] = [];
    const cpu = sampleCpu(postmasterPid, () => pids);
    const started = startWorkers(url, count, NOW, 30 * 60_000);
    pids = started.pids;
    const runs: WorkerRun[] = await started.done;
    const split = cpu.stop();
    for (const r of runs) {
      if (r.code !== 0) {
        throw new Error(
          `P2: worker ${r.pid} exited ${r.code}/${r.signal}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`,
        );
      }
    }
    const ticks = await sql<
      { worker_id: string; status: string; started: number; finished: number; lapsed: number }[]
    >`select worker_id, status, extract(epoch from started_at)::float8 as started,
             extract(epoch from finished_at)::float8 as finished, (counts->>'subscriptionsLapsed')::int as lapsed
        from worker_ticks order by started_at`;
    if (ticks.length !== count || ticks.some((t) => t.status !== "succeeded")) {
      throw new Error(`P2: expected ${count} succeeded ticks, got ${JSON.stringify(ticks)}`);
    }
    const counted = ticks.reduce((a, t) => a + t.lapsed, 0);
    if (counted !== n) throw new Error(`P2: the ticks counted ${counted} lapses, expected ${n}`);
    const first = Math.min(...ticks.map((t) => t.started));
    const lastEnd = Math.max(...ticks.map((t) => t.finished));
    const seconds = lastEnd - first;
    const [ids] = await sql<{ first: string; last: string }[]>`
      select min(id) as first, max(id) as last from audit_events where action = 'lapse'`;
    const effectWindow = ids ? (ulidTime(ids.last) - ulidTime(ids.first)) / 1000 : Number.NaN;
    const byWorker = await sql<{ actor_id: string; n: number }[]>`
      select actor_id, count(*)::int as n from audit_events group by actor_id`;
    const perWorker = runs.map((r) => {
      const tick = ticks.find((t) => t.worker_id.endsWith(`-${r.pid}`));
      const workerId = tick?.worker_id ?? `?-${r.pid}`;
      return {
        workerId,
        lapsed: byWorker.find((b) => b.actor_id === workerId)?.n ?? 0,
        tickSeconds: tick ? tick.finished - tick.started : Number.NaN,
        spawnToExit: r.seconds,
      };
    });
    const result: VariantResult = {
      name: `${count} worker${count > 1 ? "s" : ""}`,
      seconds,
      rowsPerSecond: n / seconds,
      spawnToExit: Math.max(...runs.map((r) => r.seconds)),
      effectWindow,
      commits: (await commits(sql)) - c0,
      // The drain itself: node and tsx start-up before the ticks began are left out.
      cpu: cpu.between(first * 1000, lastEnd * 1000),
      cpuSpawnToExit: split,
      perWorker,
    };
    await verify(sql, n, result.name);
    log(
      `  ${result.name}: ${seconds.toFixed(2)} s tick, ${result.spawnToExit?.toFixed(2)} s spawn to exit, ${Math.round(result.rowsPerSecond)} rows/s`,
    );
    return result;
  } finally {
    await sql.end();
  }
}

const fmt = (v: number, d = 2) => v.toFixed(d);

const benchmark: Benchmark = async (ctx): Promise<BenchSection> => {
  const n = Math.round(100_000 * ctx.scale);
  const admin = connect(ctx.adminUrl);
  const dropped: string[] = [];
  try {
    // The server's postmaster: the parent of this session's backend.
    const [me] = await admin<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const postmasterPid = readStat(me?.pid ?? 0)?.ppid ?? 0;
    if (!postmasterPid) throw new Error("P2: cannot find the PostgreSQL server process in /proc");

    ctx.log(`  seeding ${n} subscriptions whose grace period ended into ${TEMPLATE}`);
    const templateUrl = await ctx.freshDatabase(TEMPLATE);
    dropped.push(TEMPLATE);
    const t = connect(templateUrl);
    try {
      await seed(t, { n, today: TODAY, graceDays: GRACE_DAYS });
      await t.unsafe("vacuum (analyze, freeze) subscriptions, invoices, accounts, audit_events");
      const due = await dueForLapse(t, TODAY);
      if (due !== n) throw new Error(`P2: seeded ${due} due subscriptions, expected ${n}`);
    } finally {
      await t.end();
    }

    const results: VariantResult[] = [];
    const variants: [string, (url: string) => Promise<VariantResult>][] = [
      ["p2_set", (url) => runSetBased(url, n, postmasterPid)],
      ["p2_w1", (url) => runWorkers(url, n, 1, postmasterPid, ctx.log)],
      ["p2_w2", (url) => runWorkers(url, n, 2, postmasterPid, ctx.log)],
    ];
    for (const [db, run] of variants) {
      const url = await prepare(ctx, admin, db);
      dropped.push(db);
      results.push(await run(url));
      await admin.unsafe(`drop database if exists ${db} with (force)`);
    }
    const [set, w1, w2] = results as [VariantResult, VariantResult, VariantResult];
    const r1 = w1.rowsPerSecond / set.rowsPerSecond;
    const r2 = w2.rowsPerSecond / w1.rowsPerSecond;

    const figures: Figure[] = [
      {
        name: "set-based UPDATE + audit INSERT",
        value: set.rowsPerSecond,
        unit: "rows/s",
        note: `${n} rows in ${fmt(set.seconds)} s, one statement`,
      },
      {
        name: "1 worker",
        value: w1.rowsPerSecond,
        unit: "rows/s",
        note: `${fmt(w1.seconds)} s first tick start to last tick end; ${fmt(w1.spawnToExit ?? 0)} s spawn to exit`,
      },
      {
        name: "2 workers",
        value: w2.rowsPerSecond,
        unit: "rows/s",
        note: `${fmt(w2.seconds)} s first tick start to last tick end; ${fmt(w2.spawnToExit ?? 0)} s spawn to exit`,
      },
      { name: "1 worker ÷ set-based", value: r1, unit: "×" },
      {
        name: "CPU per row, set-based",
        value: ((set.cpu.workers + set.cpu.postgres) * 1e6) / n,
        unit: "µs",
        note: "postgres",
      },
      {
        name: "CPU per row, 1 worker",
        value: ((w1.cpu.workers + w1.cpu.postgres) * 1e6) / n,
        unit: "µs",
        note: `${fmt((w1.cpu.workers * 1e6) / n, 0)} node + ${fmt((w1.cpu.postgres * 1e6) / n, 0)} postgres`,
      },
      {
        name: "CPU per row, 2 workers",
        value: ((w2.cpu.workers + w2.cpu.postgres) * 1e6) / n,
        unit: "µs",
        note: `${fmt((w2.cpu.workers * 1e6) / n, 0)} node + ${fmt((w2.cpu.postgres * 1e6) / n, 0)} postgres`,
      },
      { name: "2 workers ÷ 1 worker", value: r2, unit: "×" },
      {
        name: "1 worker, spawn to exit",
        value: n / (w1.spawnToExit ?? 1),
        unit: "rows/s",
        note: "node + tsx start-up and the migration check included",
      },
      {
        name: "2 workers, spawn to exit",
        value: n / (w2.spawnToExit ?? 1),
        unit: "rows/s",
        note: "node + tsx start-up and the migration check included",
      },
    ];

    const cpuShare = (v: VariantResult) => {
      const c = v.cpu;
      return `${fmt(c.workers)} s worker + ${fmt(c.postgres)} s postgres CPU in ${fmt(c.seconds)} s = ${fmt((c.workers + c.postgres) / c.seconds)} of ${c.cores} cores (other load on the machine: ${fmt(c.other / c.seconds)} cores)`;
    };
    const perRow = (v: VariantResult) =>
      `${fmt((v.cpu.workers * 1e6) / n, 0)} µs node + ${fmt((v.cpu.postgres * 1e6) / n, 0)} µs postgres`;
    // Rows per second follow CPU: a second worker can add at most the CPU the first left to be had, i.e. the cores minus
    // the other load on the machine. On an idle 2-core machine that is 2 cores for node and PostgreSQL together.
    const used = (v: VariantResult) => (v.cpu.workers + v.cpu.postgres) / v.cpu.seconds;
    const free2 = w2.cpu.cores - w2.cpu.other / w2.cpu.seconds;
    const ceiling = Math.min(free2, w2.cpu.cores) / Math.max(used(w1), 1e-9);
    const perRowAll = (v: VariantResult) => ((v.cpu.workers + v.cpu.postgres) * 1e6) / n;
    const targets: TargetCheck[] = [
      {
        target: "1 worker ≥ 0.5 × set-based",
        measured: `${fmt(r1)}×`,
        met: r1 >= 0.5,
        ...(r1 >= 0.5
          ? {}
          : {
              why: `CPU per row: set-based ${perRow(set)}; 1 worker ${perRow(w1)}. The worker's node and PostgreSQL work alternate (claim, decide, write), so its time is about their sum, plus a commit (WAL flush) per batch; the set-based statement runs in one backend with one commit. Per batch the worker makes 4 round trips (BEGIN, claim … FOR UPDATE SKIP LOCKED, one UPDATE … FROM jsonb_to_recordset + audit INSERT, COMMIT); the claim's row locks (one WAL record per row) and moving the rows to node and back are its extra cost. By CPU alone the ratio would be ${fmt(perRowAll(set) / perRowAll(w1))}×; on a loaded machine each of the worker's hand-offs between node and PostgreSQL also waits for a core. 1 worker: ${cpuShare(w1)}; set-based: ${cpuShare(set)}.`,
            }),
      },
      {
        target: "2 workers ≥ 1.6 × 1 worker",
        measured: `${fmt(r2)}×`,
        met: r2 >= 1.6,
        ...(r2 >= 1.6
          ? {}
          : {
              why: `rows per second follow CPU, and node and PostgreSQL share the ${w2.cpu.cores} cores. 1 worker: ${cpuShare(w1)}. 2 workers: ${cpuShare(w2)}; with the other load, at most ${fmt(free2)} cores were to be had, so the CPU bound on the ratio was ${fmt(ceiling)}× (on an idle machine: ${fmt(w1.cpu.cores / Math.max(used(w1), 1e-9))}×). CPU per row: ${fmt(perRowAll(w1), 0)} µs with 1 worker, ${fmt(perRowAll(w2), 0)} µs with 2 (skipping the other worker's locked rows and two backends writing the same indexes).`,
            }),
      },
    ];

    const rows = results.map(
      (v) =>
        `| ${v.name} | ${fmt(v.seconds)} | ${Math.round(v.rowsPerSecond).toLocaleString("en-US")} | ${v.spawnToExit !== undefined ? fmt(v.spawnToExit) : "—"} | ${v.effectWindow !== undefined ? fmt(v.effectWindow) : "—"} | ${v.commits} | ${fmt(v.cpu.workers)} | ${fmt(v.cpu.postgres)} | ${fmt(v.cpu.other)} |`,
    );
    const perWorker = [w1, w2].flatMap((v) =>
      (v.perWorker ?? []).map(
        (p) =>
          `| ${v.name} | ${p.workerId} | ${p.lapsed.toLocaleString("en-US")} | ${fmt(p.tickSeconds)} | ${fmt(p.spawnToExit)} |`,
      ),
    );
    const details = [
      `${n.toLocaleString("en-US")} effective subscriptions in one UTC tenant, each with an overdue open invoice and a grace period that ended 1–8 days before ${TODAY}; nothing else due. Each variant runs on its own copy of the seeded database (CREATE DATABASE … TEMPLATE), read once and checkpointed before timing, and is verified after: every subscription lapsed exactly once (state, date, reason, version 2), exactly one lapse audit event each with the right before/after snapshots, no other audit event, nothing left due; the ticks' own counts add up to ${n.toLocaleString("en-US")}.`,
      "",
      "Worker time is the ticks' own record (worker_ticks: first start to last finish, real clock), so it includes the tick's other steps (their claims find nothing) but not process start-up; spawn to exit includes node, tsx and the migration check. The effect window is first to last lapse audit event by their ULID timestamps. CPU is from /proc, sampled every 100 ms, over the drain (the statement; for workers first tick start to last tick end, so start-up is left out): the worker processes, this run's PostgreSQL server (postmaster and children) and everything else on the machine.",
      "",
      "| variant | seconds | rows/s | spawn→exit s | effect window s | commits | worker CPU s | postgres CPU s | other CPU s |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...rows,
      "",
      "| variant | worker | lapsed | tick s | spawn→exit s |",
      "|---|---|---:|---:|---:|",
      ...perWorker,
    ].join("\n");

    return {
      id: "p2",
      title: "Worker drain vs one set-based UPDATE",
      method: `${n.toLocaleString("en-US")} subscriptions whose grace period ended and are still unpaid (due effect: the lapse, with its audit event), drained by 1 and by 2 real worker processes (\`node --import tsx apps/worker/src/main.ts --once --now ${NOW}\`) and by ONE set-based UPDATE … RETURNING old/new feeding an INSERT of the audit events, each on its own copy of the same seeded database on the same server.`,
      figures,
      targets,
      details,
    };
  } finally {
    for (const db of dropped) await admin.unsafe(`drop database if exists ${db} with (force)`).catch(() => undefined);
    await admin.end();
  }
};

export default benchmark;
