/**
 * P1: a hold move (validated → active: the transition, its audit row and the
 * version bump) over tRPC HTTP, against pgbench and a bare node:http +
 * postgres.js handler running the identical SQL, at 8 and 32 clients, all on
 * the run's PostgreSQL server.
 *
 * How the SQL is made identical: one move is captured from the product's own
 * HTTP server (postgres.js debug hook), and both the pgbench script and the
 * bare handler are generated from that capture (p1/plan.ts). Every request of
 * every variant moves a different, freshly cloned hold on its own account,
 * so clients never conflict and the work never repeats.
 */
import { rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { hashSecret } from "@holdfast/services";
import { captureMove } from "./p1/capture.ts";
import { findPgbench, pgbenchScript, runPgbench } from "./p1/pgbench.ts";
import { describePlan, type MovePlan, planFromCapture } from "./p1/plan.ts";
import { accountId, clonePool, countActive, holdId } from "./p1/pool.ts";
import { cpuPerMove, type Variant, type VariantResult, whyMissed } from "./p1/report.ts";
import { createP1World, type P1World } from "./p1/setup.ts";
import { type CpuWindow, cpuWindow, postgresCpu, postmasterOf, processCpu, processTreeCpu } from "./shared/cpu.ts";
import { keepAliveAgent, postJson, runClosedLoop } from "./shared/load.ts";
import { type SpawnedServer, spawnServer } from "./shared/process.ts";
import { round3 } from "./shared/stats.ts";
import type { BenchContext, Benchmark, Figure, TargetCheck } from "./types.ts";

/** The pool size of both HTTP servers' database clients (the product's default in apps/server). */
const POOL_MAX = 20;
const CLIENT_COUNTS = process.env.P1_CLIENTS ? process.env.P1_CLIENTS.split(",").map(Number) : [8, 32, 128];
/** For profiling one variant: P1_VARIANTS=tRPC (default all three). P1_CPU_PROF=dir profiles the Holdfast server. */
const VARIANTS = (process.env.P1_VARIANTS ?? "pgbench,tRPC,tRPC adapter,tRPC 2 processes,bare").split(",");
/** The targets' client counts (the others are curve points). */
const TARGET_CLIENTS = [8, 32];

/** Cumulative CPU readers: the machine's PostgreSQL server, when local. */
let postmaster: number | null = null;
const pgCpu = () => (postmaster ? postgresCpu(postmaster) : 0);

/** Hands out pool index ranges; every variant run gets holds nobody has moved. */
class Pools {
  private next = 1;
  /** Moves per second seen so far: sizes the next pool. */
  estimate = 600;
  constructor(
    private readonly world: P1World,
    private readonly log: (l: string) => void,
  ) {}
  async take(seconds: number, clients: number, style: "ulid" | "numeric") {
    const count = Math.ceil(this.estimate * seconds * 1.6) + 100 * clients;
    const from = this.next;
    this.next += count;
    const t0 = performance.now();
    await clonePool(this.world.db, this.world.templateHoldId, from, count, style);
    // Each variant starts from the same state: cleaned tables and a fresh checkpoint.
    await this.world.db.$client.unsafe(
      "vacuum (analyze) holds, hold_claims, hold_targets, hold_characteristics, accounts",
    );
    await this.world.db.$client.unsafe("checkpoint");
    this.log(`    pool of ${count} validated holds cloned in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { from, count };
  }
  /** Clones `extra` more holds right after `pool` (nothing else has been taken since). */
  async extend(pool: { from: number; count: number }, extra: number, style: "ulid" | "numeric") {
    if (this.next !== pool.from + pool.count) throw new Error("pools can only grow at the end");
    await clonePool(this.world.db, this.world.templateHoldId, this.next, extra, style);
    this.next += extra;
    pool.count += extra;
    await this.world.db.$client.unsafe(
      "vacuum (analyze) holds, hold_claims, hold_targets, hold_characteristics, accounts",
    );
    this.log(`    pool extended by ${extra} holds`);
  }
  see(rate: number) {
    if (Number.isFinite(rate)) this.estimate = Math.max(this.estimate, rate);
  }
}

async function httpVariant(
  variant: Exclude<Variant, "pgbench">,
  server: SpawnedServer,
  pathName: string,
  world: P1World,
  pools: Pools,
  clients: number,
  warmupS: number,
  durationS: number,
): Promise<VariantResult> {
  for (let attempt = 0; ; attempt++) {
    const pool = await pools.take(warmupS + durationS, clients, "ulid");
    const agent = keepAliveAgent(clients);
    const url = new URL(`${server.base}${pathName}`);
    const headers = { authorization: `Bearer ${world.token}` };
    let next = 0;
    let stopCpu: (() => CpuWindow) | undefined;
    let cpu: CpuWindow | null = null;
    const result = await runClosedLoop({
      clients,
      warmupMs: warmupS * 1000,
      durationMs: durationS * 1000,
      onWindowStart: () => {
        stopCpu = cpuWindow({
          // A clustered server's CPU is its primary's and its processes' (children included).
          [variant === "bare" ? "bare handler" : "Holdfast server"]: () => processTreeCpu(server.pid),
          "load generator": () => processCpu(process.pid),
          postgres: pgCpu,
        });
      },
      onWindowEnd: () => {
        cpu = stopCpu?.() ?? null;
      },
      send: async () => {
        if (next >= pool.count) return null;
        const locator = holdId(pool.from + next++, "ulid");
        const res = await postJson(agent, url, { locator }, headers);
        if (res.status !== 200) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
        return true;
      },
    });
    agent.destroy();
    // The window's end timer may not have fired before the last client stopped (runClosedLoop then clears it).
    cpu ??= stopCpu?.() ?? null;
    pools.see(result.total / (warmupS + durationS));
    if (result.exhausted && attempt < 2) continue;
    const moved = await countActive(world.db, pool.from, pool.count, "ulid");
    return {
      variant,
      clients,
      throughput: result.throughput,
      latency: result.latency,
      moved,
      cpu,
      verified: moved === result.total && result.errors === 0 && !result.exhausted,
      note:
        `${result.total} moves answered 200, ${moved} holds active afterwards` +
        (result.errors ? `; ${result.errors} errors, first: ${result.firstError}` : "") +
        (result.exhausted ? "; the pool ran out" : ""),
    };
  }
}

async function pgbenchVariant(
  ctx: BenchContext,
  url: string,
  plan: MovePlan,
  world: P1World,
  pools: Pools,
  clients: number,
  warmupS: number,
  durationS: number,
): Promise<VariantResult & { command: string }> {
  const script = pgbenchScript(plan);
  for (let attempt = 0; ; attempt++) {
    const pool = await pools.take(warmupS + durationS, clients, "numeric");
    // Warm-up: its own run over the first part of the pool, discarded.
    const warm = await runPgbench({ url, script, clients, seconds: warmupS, from: pool.from });
    pools.see(warm.tps);
    const rest = { from: pool.from + warm.usedIndexes, count: pool.count - warm.usedIndexes };
    // Faster than the pool was sized for: extend it (contiguously) before the measured run.
    const needed = Math.ceil(warm.tps * durationS * 1.6) + 100 * clients;
    if (rest.count < needed) {
      await pools.extend(pool, needed - rest.count, "numeric");
      rest.count = needed;
    }
    const stopCpu = cpuWindow({ pgbench: () => processCpu(process.pid, true), postgres: pgCpu });
    const r = await runPgbench({ url, script, clients, seconds: durationS, from: rest.from });
    const cpu = stopCpu();
    pools.see(r.tps);
    const movedWarm = await countActive(world.db, pool.from, rest.from - pool.from, "numeric");
    const moved = await countActive(world.db, rest.from, rest.count, "numeric");
    // A client that ran past the pool would update nothing; the count check catches it.
    const verified =
      moved === r.transactions &&
      movedWarm === warm.transactions &&
      r.failed === 0 &&
      warm.failed === 0 &&
      !r.aborted &&
      !warm.aborted;
    if (!verified && attempt < 2 && (r.aborted || warm.aborted || moved < r.transactions)) {
      ctx.log(
        `    pgbench ran past its pool (${r.aborted ?? warm.aborted ?? "fewer moved than run"}); again with a bigger pool`,
      );
      continue;
    }
    return {
      variant: "pgbench",
      clients,
      throughput: r.tps,
      latency: r.latency,
      moved,
      verified,
      cpu,
      command: r.command,
      note: `${r.transactions} transactions (${r.failed} failed), ${moved} holds active afterwards${r.aborted ? `; aborted: ${r.aborted}` : ""}`,
    };
  }
}

const bench: Benchmark = async (ctx) => {
  const warmupS = Math.max(1, Math.round(2 * ctx.scale));
  const durationS = Math.max(2, Math.round(10 * ctx.scale));
  const url = await ctx.freshDatabase("bench_p1");
  const world = await createP1World(url);
  const servers: SpawnedServer[] = [];
  const figures: Figure[] = [];
  const targets: TargetCheck[] = [];
  const details: string[] = [];
  const planFile = path.join(os.tmpdir(), `holdfast-p1-plan-${process.pid}.json`);
  try {
    // 1. Capture the API's SQL for one move, and make the plan both other variants run.
    await clonePool(world.db, world.templateHoldId, 0, 1, "ulid");
    // In steady state the token's last use is recent (it is written at most once a minute): capture that case.
    await world.db.$client`update credentials set last_used_at = now()`;
    const capture = await captureMove(url, world.token, holdId(0, "ulid"));
    const plan = planFromCapture(capture, {
      hold: holdId(0, "ulid"),
      account: accountId(0, "ulid"),
      tokenHash: hashSecret(world.token),
    });
    await writeFile(planFile, JSON.stringify(plan));
    const parameterized = plan.statements.filter((s) => s.params.length > 0).length;
    ctx.log(`  captured ${plan.statements.length} statements per move (${parameterized} with parameters)`);

    const pg = await findPgbench(ctx.log);
    const [backend] = await world.db.$client<{ pid: number }[]>`select pg_backend_pid() as pid`;
    postmaster = backend ? postmasterOf(backend.pid) : null;

    // 2. The two HTTP servers, each its own process.
    const holdfast = (processes: number, extra: Record<string, string> = {}) =>
      spawnServer({
        script: "apps/server/src/main.ts",
        env: {
          DATABASE_URL: url,
          HOLDFAST_NO_WORKER: "1",
          HOLDFAST_NO_DEMO: "1",
          LOG_LEVEL: "warn",
          HOLDFAST_DB_POOL_MAX: String(POOL_MAX),
          HOLDFAST_SERVER_PROCESSES: String(processes),
          // The limiter still admits every request (its work is measured); its limits are out of the way.
          HOLDFAST_RATE_LIMIT_PER_SECOND: "1000000",
          HOLDFAST_RATE_LIMIT_BURST: "1000000",
          HOLDFAST_CONCURRENCY_LIMIT: "10000",
          ...extra,
        },
        readyPath: "/readyz",
        nodeArgs: process.env.P1_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.P1_CPU_PROF}`] : [],
      });
    const trpc = await holdfast(1);
    servers.push(trpc);
    // The same server with every call through tRPC's Fetch adapter (the direct path off): the cut's effect.
    const trpcAdapter = VARIANTS.includes("tRPC adapter") ? await holdfast(1, { HOLDFAST_TRPC_DIRECT: "0" }) : null;
    if (trpcAdapter) servers.push(trpcAdapter);
    const trpc2 = VARIANTS.includes("tRPC 2 processes") ? await holdfast(2) : null;
    if (trpc2) servers.push(trpc2);
    const bare = await spawnServer({
      script: "bench/src/p1/bare-server.ts",
      env: { DATABASE_URL: url, P1_PLAN: planFile, POOL_MAX: String(POOL_MAX) },
      nodeArgs: process.env.P1_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.P1_CPU_PROF}/bare`] : [],
    });
    servers.push(bare);

    // 3. Each client count: pgbench, tRPC, bare; same server, same database, fresh holds.
    const pools = new Pools(world, ctx.log);
    const results: VariantResult[] = [];
    let pgCommand = "";
    for (const clients of CLIENT_COUNTS) {
      if ("path" in pg && VARIANTS.includes("pgbench")) {
        ctx.log(`  pgbench, ${clients} clients`);
        const r = await pgbenchVariant(ctx, url, plan, world, pools, clients, warmupS, durationS);
        pgCommand = r.command;
        results.push(r);
      }
      if (VARIANTS.includes("tRPC")) {
        ctx.log(`  tRPC, ${clients} clients`);
        results.push(
          await httpVariant("tRPC", trpc, "/trpc/holds.activate", world, pools, clients, warmupS, durationS),
        );
      }
      for (const [variant, server] of [
        ["tRPC adapter", trpcAdapter],
        ["tRPC 2 processes", trpc2],
      ] as const) {
        if (!server) continue;
        ctx.log(`  ${variant}, ${clients} clients`);
        results.push(
          await httpVariant(variant, server, "/trpc/holds.activate", world, pools, clients, warmupS, durationS),
        );
      }
      if (VARIANTS.includes("bare")) {
        ctx.log(`  bare, ${clients} clients`);
        results.push(await httpVariant("bare", bare, "/move", world, pools, clients, warmupS, durationS));
      }
      for (const r of results.filter((x) => x.clients === clients)) {
        ctx.log(
          `    ${r.variant}: ${r.throughput.toFixed(0)} moves/s, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms (${r.note})`,
        );
      }
    }

    for (const r of results) {
      const note = `${r.clients} clients${r.verified ? "" : `; NOT VERIFIED: ${r.note}`}`;
      figures.push({ name: `${r.variant} throughput`, value: round3(r.throughput), unit: "moves/s", note });
      figures.push({ name: `${r.variant} clients ${r.clients}`, value: round3(r.throughput), unit: "moves/s", note });
      figures.push({ name: `${r.variant} p50`, value: round3(r.latency.p50), unit: "ms", note });
      figures.push({ name: `${r.variant} p99`, value: round3(r.latency.p99), unit: "ms", note });
    }
    for (const clients of CLIENT_COUNTS) {
      const get = (v: Variant) => results.find((r) => r.variant === v && r.clients === clients);
      const t2 = get("tRPC 2 processes");
      const ta = get("tRPC adapter");
      const t = get("tRPC");
      const p = get("pgbench");
      const b = get("bare");
      if (t && b)
        figures.push({
          name: "ratio tRPC / bare",
          value: round3(t.throughput / b.throughput),
          unit: "",
          note: `${clients} clients`,
        });
      if (ta && t)
        figures.push({
          name: "ratio tRPC / tRPC adapter",
          value: round3(t.throughput / ta.throughput),
          unit: "",
          note: `${clients} clients`,
        });
      if (ta && b)
        figures.push({
          name: "ratio tRPC adapter / bare",
          value: round3(ta.throughput / b.throughput),
          unit: "",
          note: `${clients} clients`,
        });
      if (t2 && b)
        figures.push({
          name: "ratio tRPC 2 processes / bare",
          value: round3(t2.throughput / b.throughput),
          unit: "",
          note: `${clients} clients`,
        });
      if (t2 && p)
        figures.push({
          name: "ratio tRPC 2 processes / pgbench",
          value: round3(t2.throughput / p.throughput),
          unit: "",
          note: `${clients} clients`,
        });
      if (t && b && TARGET_CLIENTS.includes(clients)) {
        const ratio = t.throughput / b.throughput;
        targets.push({
          target: `tRPC ≥ 0.8 × the bare handler at ${clients} clients`,
          measured: `${ratio.toFixed(2)} (${t.throughput.toFixed(0)} vs ${b.throughput.toFixed(0)} moves/s)`,
          met: ratio >= 0.8,
          ...(ratio >= 0.8
            ? {}
            : {
                why: `tRPC ${cpuPerMove(t)}; bare ${cpuPerMove(b)} (CPU ms per move): the server's own work per request is the gap`,
              }),
        });
      }
      if (t && p) {
        const ratio = t.throughput / p.throughput;
        figures.push({ name: "ratio tRPC / pgbench", value: round3(ratio), unit: "", note: `${clients} clients` });
        if (TARGET_CLIENTS.includes(clients))
          targets.push({
            target: `tRPC ≥ 0.4 × pgbench at ${clients} clients`,
            measured: `${ratio.toFixed(2)} (${t.throughput.toFixed(0)} vs ${p.throughput.toFixed(0)} moves/s)`,
            met: ratio >= 0.4,
            ...(ratio >= 0.4 ? {} : { why: whyMissed(t, p, b, plan.statements.length) }),
          });
      } else if (t && !("path" in pg) && TARGET_CLIENTS.includes(clients)) {
        targets.push({
          target: `tRPC ≥ 0.4 × pgbench at ${clients} clients`,
          measured: "no pgbench",
          met: false,
          why: pg.missing,
        });
      }
    }

    details.push(
      `Each variant: ${warmupS} s warm-up (discarded), then ${durationS} s measured; closed loop, each client sends its next move when the previous is answered. ` +
        `HTTP clients are keep-alive node:http connections (one per client) in the bench process; the Holdfast server (\`node --import tsx apps/server/src/main.ts\`, LOG_LEVEL=warn, no worker) and the bare handler (\`bench/src/p1/bare-server.ts\`) are separate processes with database pools of ${POOL_MAX}. ` +
        `pgbench: \`${pgCommand || "not run"}\`${"version" in pg ? ` (${pg.version})` : ""}. ` +
        "Every move is checked afterwards: the number of holds in the variant's pool that are active equals the number of moves acknowledged.",
      "",
      "CPU per move is the CPU each part used over the measured window (from /proc) divided by the moves in it; other load is everything else on the machine, in cores.",
      "",
      "| variant | clients | moves/s | p50 ms | p99 ms | CPU ms per move | other load | check |",
      "|---|---:|---:|---:|---:|---|---:|---|",
      ...results.map(
        (r) =>
          `| ${r.variant} | ${r.clients} | ${r.throughput.toFixed(0)} | ${r.latency.p50.toFixed(1)} | ${r.latency.p99.toFixed(1)} | ${cpuPerMove(r)} | ${r.cpu ? (r.cpu.other / r.cpu.seconds).toFixed(2) : "?"} | ${r.verified ? "ok" : "FAILED"}: ${r.note} |`,
      ),
      "",
      "Changes made in the product for this benchmark (behaviour unchanged; the API, compatibility and reliability suites pass). " +
        "(1) Every statement of a move is prepared: with postgres.js, Drizzle's plain queries are unnamed statements, sent in two round trips (Parse + Describe, wait for the parameter types, then Bind + Execute) and parsed and planned by PostgreSQL every time; a prepared one is described once per connection, then costs one round trip. " +
        "(2) The hot statements (token look-up, tenant, hold read, rule inputs, the move's UPDATE per shape of change, audit insert) are built by Drizzle once per process with placeholders and reused on each request's pool or transaction connection (packages/services/src/prepared-query.ts); building queries was about a quarter of the server's CPU. " +
        "(3) Fewer statements, 17 → 9 per move: the credential and its token grants in one statement; the tenant's time zone, the hold, its targets, characteristics and current claims in one (tenant left join hold, children as JSON arrays); the account and the account's other claiming holds with their children in one; and claims are only rewritten when they differ from what the hold should claim (activating a validated hold rewrote identical claims inside a savepoint: savepoint, delete, insert). Claims only change in a transaction that also bumps the hold's version, so after the version-guarded UPDATE the claims read with the hold are still current. " +
        "(4) The server no longer builds the per-request log line when its level (LOG_LEVEL=warn) would drop it. The pool size is configurable (HOLDFAST_DB_POOL_MAX, default 20). " +
        "(5) Issue 15, from the profiles (`P1_CPU_PROF=dir pnpm bench p1`, summarised by bench/src/p1/profile.ts): a single tRPC mutation is called without tRPC's Fetch adapter (apps/server/src/trpc-direct.ts: the same procedure, middlewares, input and output validation and error shapes; the answer written in one piece with a Content-Length; the variant `tRPC adapter` is the same server with it off, HOLDFAST_TRPC_DIRECT=0); locators draw their randomness from a pooled buffer instead of one crypto call per character; the business date is remembered per time zone for the current second; the read routing and error mapping are one middleware, the credential check and tenant scope another, each handing tRPC only the context keys it adds. " +
        "`tRPC 2 processes` is the same server with HOLDFAST_SERVER_PROCESSES=2 (node:cluster; its CPU is the primary's and both processes').",
      "",
      `The SQL of one move over tRPC (captured from the product's HTTP server; ${plan.statements.length} statements, ${parameterized} with parameters). pgbench runs exactly these statements with \`-M prepared\` (a NULL parameter is written as the literal NULL and an array parameter as ARRAY[…] of its elements, the only textual changes: pgbench variables cannot hold NULL or build arrays), per-transaction hold, account and audit ids and the other values as constants; the bare handler runs them with postgres.js prepared statements, filling the hold from the request, its account from the hold row, a fresh audit id, and the current time:`,
      "",
      "```sql",
      describePlan(plan),
      "```",
    );
  } finally {
    for (const s of servers) await s.stop();
    if (process.env.P1_CPU_PROF) {
      const { readProfiles, summarise, summaryMarkdown } = await import("./p1/profile.ts");
      const profiles = await readProfiles([process.env.P1_CPU_PROF]).catch(() => []);
      const bareProfiles = await readProfiles([`${process.env.P1_CPU_PROF}/bare`]).catch(() => []);
      if (bareProfiles.length)
        details.push(
          "",
          "CPU profile of the bare handler, the same way:",
          "",
          summaryMarkdown(summarise(bareProfiles), 10),
        );
      if (profiles.length)
        details.push(
          "",
          `CPU profile of the Holdfast server processes (\`--cpu-prof\`, every variant's processes, from each one's first HTTP request on):`,
          "",
          summaryMarkdown(summarise(profiles), 15),
        );
    }
    await world.db.$client.end({ timeout: 5 });
    await rm(planFile, { force: true });
  }

  return {
    id: "p1",
    title: "Hold moves over tRPC HTTP vs pgbench and a bare handler",
    method:
      "A hold move (validated → active: state, audit row, version bump) per request, each request moving a different hold, at 8, 32 and 128 concurrent clients; throughput and latency for tRPC over HTTP (one server process; also with every call through tRPC's Fetch adapter, and with 2 processes), pgbench running the identical SQL, and a bare node:http + postgres.js handler running the same SQL, all against the same PostgreSQL server in one run.",
    figures,
    targets,
    details: details.join("\n"),
  };
};

export default bench;
