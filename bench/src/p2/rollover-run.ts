/**
 * One P2 rollover run: a copy of the seeded template database, `count` real
 * worker processes in their loop (`--interval-ms 1000`, clock frozen just past
 * midnight) held at a gate until every one of them is about to read the
 * tenants, then released together; the run ends when every due effect is in
 * the database and nothing is due any more, and the workers are stopped with
 * SIGTERM (each finishes its tick). The result is verified: every
 * subscription got exactly its one effect with one audit event.
 */
import type postgres from "postgres";
import { type CpuSplit, sampleCpu } from "./cpu.ts";
import { dueOn, ROLLOVER_TENANT_ID, rolloverKinds } from "./rollover-seed.ts";
import { startWorkers, type WorkerRun } from "./workers.ts";

type Sql = postgres.Sql;

/** The worker_ticks counts that are effects (each one subscription or hold changed). */
export const EFFECT_KEYS = [
  "actionsRun",
  "invoicesIssued",
  "gracePeriodsClosed",
  "gracePeriodsStarted",
  "gracePeriodsPaused",
  "gracePeriodsResumed",
  "subscriptionsLapsed",
  "holdsReleased",
] as const;

const EFFECT_ACTIONS = ["issueInvoice", "startGracePeriod", "lapse"];

export interface WorkerShare {
  workerId: string;
  /** Effects by the worker's ticks' own counts (worker_ticks.counts). */
  effects: number;
  ticks: number;
  /** Ticks that found the tenant busy (another worker held its day). */
  busy: number;
  /** Seconds of the worker's ticks that had effects. */
  workingSeconds: number;
}

export interface RolloverRun {
  n: number;
  workers: number;
  /** Gate release to the end of the last tick that had effects (real clock, from worker_ticks). */
  seconds: number;
  /** Gate release to the last effect's audit event (its ULID time). */
  lastEffect: number;
  /** Seconds the workers waited at the gate after spawn (node, tsx and the migration check). */
  startUp: number;
  effectsPerSecond: number;
  /** Sum of the ticks' effect counts (equals n when every tick reported its work). */
  counted: number;
  shares: WorkerShare[];
  processedThrough: string;
  cpu: CpuSplit;
}

/** Milliseconds since the epoch in a ULID's first 10 characters (Crockford base32). */
function ulidTime(id: string): number {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let t = 0;
  for (const ch of id.slice(0, 10)) t = t * 32 + alphabet.indexOf(ch);
  return t;
}

/** Signals one of this run's workers by its pid; one that has exited already is left alone. */
function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    // already exited
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function effectEvents(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from audit_events where tenant_id = ${ROLLOVER_TENANT_ID} and action = any(${EFFECT_ACTIONS})`;
  return row?.n ?? 0;
}

/** Throws unless every subscription got exactly its one due effect on `today`, with one audit event of its action, and nothing is due. */
export async function verifyRollover(sql: Sql, n: number, today: string, label: string) {
  const k = rolloverKinds(n);
  const t = ROLLOVER_TENANT_ID;
  const [row] = await sql<Record<string, number>[]>`
    select
      (select count(*)::int from invoices where tenant_id = ${t} and issued_on = ${today}::date and status = 'open'
          and first_period_index = 1) as invoiced,
      (select count(*)::int from subscriptions where tenant_id = ${t} and next_period_index = 2 and version = 2) as billed,
      (select count(*)::int from subscriptions where tenant_id = ${t} and grace_start = ${today}::date
          and state = 'effective' and version = 2) as graced,
      (select count(*)::int from subscriptions where tenant_id = ${t} and state = 'not_effective'
          and lapsed_on = ${today}::date and lapse_reason = 'grace_period_expired' and version = 2) as lapsed,
      (select count(*)::int from audit_events where tenant_id = ${t} and action = any(${EFFECT_ACTIONS})) as events,
      (select count(distinct entity_id)::int from audit_events where tenant_id = ${t} and action = any(${EFFECT_ACTIONS})
          and entity_type = 'subscription' and after->>'businessDate' = ${today}) as entities`;
  const due = await dueOn(sql, today);
  const got = { ...row, leftDue: due.invoice + due.grace + due.lapse };
  const want = {
    invoiced: k.invoice,
    billed: k.invoice,
    graced: k.grace,
    lapsed: k.lapse,
    events: n,
    entities: n,
    leftDue: 0,
  };
  if (JSON.stringify(got) !== JSON.stringify(want))
    throw new Error(`P2 rollover ${label}: wrong result ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

export interface RunOptions {
  url: string;
  n: number;
  workers: number;
  now: string;
  today: string;
  postmasterPid: number;
  log: (line: string) => void;
}

export async function runRollover(sql: Sql, gateSql: Sql, o: RunOptions): Promise<RolloverRun> {
  const label = `${o.n} due, ${o.workers} worker${o.workers > 1 ? "s" : ""}`;
  // The gate: the tenants table locked, so every worker's first tick waits at its read of the tenants.
  let open: () => void = () => undefined;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  let locked: () => void = () => undefined;
  const isLocked = new Promise<void>((r) => {
    locked = r;
  });
  const gate = gateSql.begin(async (tx) => {
    await tx`lock table tenants in access exclusive mode`;
    locked();
    await opened;
    const [r] = await tx<{ at: number }[]>`select extract(epoch from clock_timestamp())::float8 as at`;
    return r?.at ?? Number.NaN;
  });
  await isLocked;
  const spawnedAt = performance.now();
  const started = startWorkers(o.url, o.workers, o.now, 60 * 60_000, [], ["--interval-ms", "1000"]);
  let exited = false;
  const done = started.done.finally(() => {
    exited = true;
  });
  let runs: WorkerRun[] = [];
  try {
    for (let waited = 0; ; waited += 100) {
      const [w] = await sql<{ n: number }[]>`
        select count(distinct application_name)::int as n from pg_stat_activity
         where application_name like 'holdfast-worker-%' and wait_event_type = 'Lock' and datname = current_database()`;
      if ((w?.n ?? 0) >= o.workers) break;
      if (exited) throw new Error(`P2 rollover ${label}: a worker exited before the gate opened`);
      if (waited > 300_000) throw new Error(`P2 rollover ${label}: the workers did not reach the gate in 5 minutes`);
      await sleep(100);
    }
    const startUp = (performance.now() - spawnedAt) / 1000;
    const cpu = sampleCpu(o.postmasterPid, () => started.pids);
    open();
    const t0 = await gate;
    // Poll until every effect is written and nothing is due, then stop the workers (each finishes its tick).
    const poll = o.n >= 500_000 ? 1000 : 250;
    for (;;) {
      if (exited) throw new Error(`P2 rollover ${label}: a worker exited before the work was done`);
      if ((await effectEvents(sql)) >= o.n) {
        const due = await dueOn(sql, o.today);
        if (due.invoice + due.grace + due.lapse === 0) break;
      }
      await sleep(poll);
    }
    for (const pid of started.pids) signal(pid, "SIGTERM");
    runs = await done;
    cpu.stop();
    for (const r of runs)
      if (r.code !== 0)
        throw new Error(`P2 rollover ${label}: worker ${r.pid} exited ${r.code}/${r.signal}\n${r.stderr.slice(-3000)}`);
    const ticks = await sql<
      { worker_id: string; status: string; started: number; finished: number; counts: Record<string, number> }[]
    >`select worker_id, status, extract(epoch from started_at)::float8 as started,
             extract(epoch from finished_at)::float8 as finished, counts
        from worker_ticks order by started_at`;
    const failed = ticks.filter((t) => t.status !== "succeeded");
    if (failed.length) throw new Error(`P2 rollover ${label}: failed ticks ${JSON.stringify(failed).slice(0, 3000)}`);
    const effectsOf = (c: Record<string, number>) => EFFECT_KEYS.reduce((a, k) => a + (c[k] ?? 0), 0);
    const working = ticks.filter((t) => effectsOf(t.counts) > 0);
    const lastEnd = Math.max(...working.map((t) => t.finished));
    const shares: WorkerShare[] = [...new Set(ticks.map((t) => t.worker_id))].sort().map((workerId) => {
      const own = ticks.filter((t) => t.worker_id === workerId);
      return {
        workerId,
        effects: own.reduce((a, t) => a + effectsOf(t.counts), 0),
        ticks: own.length,
        busy: own.reduce((a, t) => a + (t.counts.tenantsBusy ?? 0), 0),
        workingSeconds: own.filter((t) => effectsOf(t.counts) > 0).reduce((a, t) => a + t.finished - t.started, 0),
      };
    });
    const [last] = await sql<{ id: string }[]>`
      select max(id) as id from audit_events where tenant_id = ${ROLLOVER_TENANT_ID}`;
    const [state] = await sql<{ d: string }[]>`
      select processed_through::text as d from tenant_worker_state where tenant_id = ${ROLLOVER_TENANT_ID}`;
    await verifyRollover(sql, o.n, o.today, label);
    const seconds = lastEnd - t0;
    const result: RolloverRun = {
      n: o.n,
      workers: o.workers,
      seconds,
      lastEffect: last?.id ? ulidTime(last.id) / 1000 - t0 : Number.NaN,
      startUp,
      effectsPerSecond: o.n / seconds,
      counted: shares.reduce((a, s) => a + s.effects, 0),
      shares,
      processedThrough: state?.d ?? "?",
      cpu: cpu.between(t0 * 1000, lastEnd * 1000),
    };
    o.log(
      `  ${label}: ${seconds.toFixed(2)} s, ${Math.round(result.effectsPerSecond)} effects/s; split ${shares.map((s) => `${s.effects} (${s.busy} busy)`).join(" / ")}`,
    );
    return result;
  } finally {
    open();
    await gate.catch(() => undefined);
    if (!exited) for (const pid of started.pids) signal(pid, "SIGKILL");
    await done.catch(() => undefined);
  }
}
