/**
 * P2 at rollover (issue 15): one tenant whose 100,000 subscriptions all become
 * due at midnight (invoices to issue, grace periods to start, lapses: a third
 * each), in the state the workers leave before midnight (processed through the
 * day before yesterday, nothing due yesterday), NOT pre-seeded past the
 * rollover. With the clock just past midnight, 1, 2 and 4 real worker
 * processes run the tenant's rollover until every due effect is done; the
 * wall time, effects per second, the speedup over one worker and each
 * worker's share (its ticks' own counts) are reported.
 *
 *   pnpm bench p2rollover                                  100,000 due, 1/2/4 workers
 *   pnpm bench p2rollover --p2-sizes=10000,100000,1000000:2  curve points (size:workers,… per size)
 *
 * Each size is seeded once into a template database; every run gets its own
 * copy (CREATE DATABASE … TEMPLATE, file copy), read once and checkpointed.
 */
import { days } from "@holdfast/testing/seed";
import postgres from "postgres";
import { readStat } from "./p2/cpu.ts";
import { type RolloverRun, runRollover } from "./p2/rollover-run.ts";
import { dueOn, rolloverKinds, seedRollover } from "./p2/rollover-seed.ts";
import type { BenchContext, Benchmark, BenchSection, Figure, TargetCheck } from "./types.ts";

/** Five minutes past midnight in the tenant's zone (UTC): the first ticks of TODAY. */
const NOW = "2027-05-15T00:05:00Z";
const TODAY = "2027-05-15";
const YESTERDAY = "2027-05-14";
const GRACE_DAYS = 14;
const DEFAULT_WORKERS = [1, 2, 4];

type Sql = postgres.Sql;
const connect = (url: string) => postgres(url, { max: 1, onnotice: () => undefined });

export interface SizePlan {
  n: number;
  workers: number[];
}

/** `--p2-sizes=10000,100000,1000000:2` (each size, optionally `:w+w…` worker counts; default 1, 2 and 4), times --scale. */
export function parseSizes(argv: string[], scale: number): SizePlan[] {
  const arg = argv.find((a) => a.startsWith("--p2-sizes="));
  const spec = arg ? arg.slice("--p2-sizes=".length) : "100000";
  return spec.split(",").map((part) => {
    const [size, workers] = part.split(":");
    const n = Math.round(Number(size) * scale);
    const w = workers ? workers.split("+").map(Number) : DEFAULT_WORKERS;
    if (!(n > 0) || w.some((x) => !(Number.isInteger(x) && x > 0))) throw new Error(`bad --p2-sizes part ${part}`);
    return { n, workers: w };
  });
}

const plural = (w: number) => `${w} worker${w > 1 ? "s" : ""}`;
const fmt = (v: number, d = 2) => v.toFixed(d);
const num = (v: number) => v.toLocaleString("en-US");

async function seedTemplate(ctx: BenchContext, name: string, n: number): Promise<number> {
  const t0 = performance.now();
  const url = await ctx.freshDatabase(name);
  const sql = connect(url);
  try {
    await seedRollover(sql, { n, today: TODAY, graceDays: GRACE_DAYS });
    await sql.unsafe("vacuum (analyze, freeze) subscriptions, invoices, accounts, audit_events");
    const due = await dueOn(sql, TODAY);
    const before = await dueOn(sql, YESTERDAY);
    const k = rolloverKinds(n);
    if (due.invoice !== k.invoice || due.grace !== k.grace || due.lapse !== k.lapse)
      throw new Error(`P2 rollover: seeded ${JSON.stringify(due)} due, expected ${JSON.stringify(k)}`);
    if (before.invoice + before.grace + before.lapse !== 0)
      throw new Error(`P2 rollover: the seed has work due yesterday: ${JSON.stringify(before)}`);
  } finally {
    await sql.end();
  }
  return (performance.now() - t0) / 1000;
}

/** A copy of the template, its pages read once and a checkpoint taken, so every run starts alike. */
async function copyOf(ctx: BenchContext, admin: Sql, template: string, name: string): Promise<string> {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name} template ${template} strategy file_copy`);
  const url = ctx.urlFor(name);
  const sql = connect(url);
  try {
    await sql`select count(*), sum(length(id)) from subscriptions`;
    await sql`select count(*), sum(length(id)) from invoices`;
    await sql.unsafe("set enable_seqscan = off");
    await sql`select count(*) from subscriptions where id > ''`;
    await sql`select count(*) from invoices where subscription_id > ''`;
  } finally {
    await sql.end();
  }
  await admin`checkpoint`;
  return url;
}

function splitText(r: RolloverRun): string {
  return r.shares.map((s) => `${num(s.effects)}${s.busy ? ` (busy ${s.busy}×)` : ""}`).join(" / ");
}

const benchmark: Benchmark = async (ctx): Promise<BenchSection> => {
  const plans = parseSizes(process.argv.slice(2), ctx.scale);
  const main = Math.round(100_000 * ctx.scale);
  const admin = connect(ctx.adminUrl);
  const created: string[] = [];
  const runs: RolloverRun[] = [];
  const seeding: { n: number; seconds: number }[] = [];
  try {
    const [me] = await admin<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const postmasterPid = readStat(me?.pid ?? 0)?.ppid ?? 0;
    if (!postmasterPid) throw new Error("P2 rollover: cannot find the PostgreSQL server process in /proc");
    for (const plan of plans) {
      const template = `p2r_template_${plan.n}`;
      ctx.log(`  seeding ${num(plan.n)} subscriptions due at midnight into ${template}`);
      created.push(template);
      const seconds = await seedTemplate(ctx, template, plan.n);
      seeding.push({ n: plan.n, seconds });
      ctx.log(`  seeded in ${fmt(seconds, 1)} s`);
      for (const w of plan.workers) {
        const db = `p2r_run_${plan.n}_${w}`;
        created.push(db);
        const url = await copyOf(ctx, admin, template, db);
        const sql = connect(url);
        const gate = connect(url);
        try {
          runs.push(
            await runRollover(sql, gate, {
              url,
              n: plan.n,
              workers: w,
              now: NOW,
              today: TODAY,
              postmasterPid,
              log: ctx.log,
            }),
          );
        } finally {
          await sql.end();
          await gate.end();
        }
        await admin.unsafe(`drop database if exists ${db} with (force)`);
      }
      await admin.unsafe(`drop database if exists ${template} with (force)`);
    }
  } finally {
    for (const db of created) await admin.unsafe(`drop database if exists ${db} with (force)`).catch(() => undefined);
    await admin.end();
  }

  const one = (n: number) => runs.find((r) => r.n === n && r.workers === 1);
  const figures: Figure[] = [];
  for (const s of seeding)
    figures.push({ name: "seeding", value: s.seconds, unit: "s", note: `${s.n} subscriptions due` });
  for (const r of runs) {
    const note = `${r.n} subscriptions due`;
    figures.push({
      name: `wall time, ${plural(r.workers)}`,
      value: r.seconds,
      unit: "s",
      note: `${note}; gate release to the end of the last tick with effects (last effect at ${fmt(r.lastEffect)} s)`,
    });
    figures.push({ name: `effects/s, ${plural(r.workers)}`, value: r.effectsPerSecond, unit: "effects/s", note });
    const base = one(r.n);
    if (base && r.workers > 1)
      figures.push({ name: `speedup, ${r.workers} workers ÷ 1`, value: base.seconds / r.seconds, unit: "×", note });
    const top = Math.max(...r.shares.map((s) => s.effects));
    figures.push({
      name: `largest worker share, ${plural(r.workers)}`,
      value: (100 * top) / Math.max(r.counted, 1),
      unit: "%",
      note: `${note}; effects per worker (worker_ticks counts): ${splitText(r)}`,
    });
  }

  const targetSize = runs.some((r) => r.n === main) ? main : Math.max(...runs.map((r) => r.n));
  const w1 = one(targetSize);
  const w2 = runs.find((r) => r.n === targetSize && r.workers === 2);
  const targets: TargetCheck[] = [];
  if (w1 && w2) {
    const ratio = w1.seconds / w2.seconds;
    const cores = w2.cpu.cores - w2.cpu.other / w2.cpu.seconds;
    targets.push({
      target: `2 workers ≥ 1.6 × 1 worker at rollover (${num(targetSize)} due)`,
      measured: `${fmt(ratio)}×`,
      met: ratio >= 1.6,
      ...(ratio >= 1.6
        ? {}
        : {
            why:
              Math.max(...w2.shares.map((s) => s.effects)) >= 0.9 * w2.counted
                ? `one worker did the tenant's whole rollover (effects per worker: ${splitText(w2)}): catching up a past date takes an exclusive per-tenant lock, so the other worker found the tenant busy and waited for the next date.`
                : `the work was shared (${splitText(w2)}) but the machine's CPU was the bound: ${fmt((w2.cpu.workers + w2.cpu.postgres) / w2.cpu.seconds)} of ${w2.cpu.cores} cores used by workers and PostgreSQL, ${fmt(cores)} cores free of other load.`,
          }),
    });
  }

  const rows = runs.map(
    (r) =>
      `| ${num(r.n)} | ${r.workers} | ${fmt(r.seconds)} | ${fmt(r.lastEffect)} | ${num(Math.round(r.effectsPerSecond))} | ${one(r.n) ? `${fmt((one(r.n) as RolloverRun).seconds / r.seconds)}×` : "—"} | ${splitText(r)} | ${r.shares.map((s) => s.ticks).join(" / ")} | ${r.processedThrough} | ${fmt(r.cpu.workers)} / ${fmt(r.cpu.postgres)} / ${fmt(r.cpu.other)} | ${fmt(r.startUp, 1)} |`,
  );
  const k = rolloverKinds(main);
  const details = [
    `One UTC tenant; its subscriptions are due on ${TODAY} a third each for an invoice (next billing date today), a grace start (open invoice due yesterday) and a lapse (grace period ended yesterday, still unpaid); e.g. at ${num(main)}: ${num(k.invoice)} / ${num(k.grace)} / ${num(k.lapse)}. The tenant's worker state is processed through ${days(TODAY, -2)} and nothing was due on ${YESTERDAY}: the natural state before midnight, when the workers ran ${YESTERDAY} as their today. The clock is frozen at ${NOW}.`,
    "",
    "Workers run their loop (`--interval-ms 1000`). They are held at a gate (the tenants table locked) until every one of them waits on it, so node, tsx and the migration check are left out and all start together; the time runs from the gate's release to the end of the last tick that had effects (worker_ticks, real clock). The bench polls until every effect's audit event is written and nothing is due, then stops the workers with SIGTERM (each finishes its tick). Every run is verified: each subscription got exactly its effect (invoice with the subscription's period moved on, grace start, or lapse; version 2), one audit event each, nothing left due. The split is each worker's effects by its ticks' own counts; \"busy\" counts ticks that found the tenant's day held by another worker.",
    "",
    "| due | workers | wall s | last effect s | effects/s | speedup | effects per worker | ticks per worker | processed through after | CPU s worker / postgres / other | start-up s |",
    "|---:|---:|---:|---:|---:|---:|---|---|---|---|---:|",
    ...rows,
  ].join("\n");

  return {
    id: "p2-rollover",
    title: "Worker rollover: one tenant's subscriptions due at midnight, 1/2/4 workers",
    method: `Subscriptions of one tenant that become due at midnight (invoices, grace starts, lapses), from the state before midnight (not pre-seeded past the rollover), run by 1, 2 and 4 real worker processes (\`node --import tsx apps/worker/src/main.ts --interval-ms 1000 --now ${NOW}\`), each run on its own copy of the seeded database; sizes: ${plans.map((p) => `${num(p.n)} (${p.workers.join("/")} workers)`).join(", ")}.`,
    figures,
    targets,
    details,
  };
};

export default benchmark;
