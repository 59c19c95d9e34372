/**
 * P1 with statement preparation on and off (`HOLDFAST_DB_PREPARE`): the same
 * hold move (validated → active over tRPC HTTP) against two Holdfast server
 * processes on the same database, one preparing its statements by name (the
 * default on a direct connection), one sending every statement unprepared (the
 * default behind a transaction pooler). Each request moves a different,
 * freshly cloned hold; per client count the variants run A B B A and
 * their two runs are averaged. Prints
 * moves per second, latency and the ratio off / on.
 */

import { clonePool, holdId } from "./p1/pool.ts";
import { createP1World } from "./p1/setup.ts";
import { keepAliveAgent, postJson, runClosedLoop } from "./shared/load.ts";
import { type SpawnedServer, spawnServer } from "./shared/process.ts";
import { round3 } from "./shared/stats.ts";
import type { Benchmark, Figure } from "./types.ts";

const POOL_MAX = 20;
const CLIENT_COUNTS = process.env.P1_CLIENTS ? process.env.P1_CLIENTS.split(",").map(Number) : [8, 32];

const bench: Benchmark = async (ctx) => {
  const warmupS = Math.max(1, Math.round(2 * ctx.scale));
  const durationS = Math.max(2, Math.round(10 * ctx.scale));
  const url = await ctx.freshDatabase("bench_p1_prepare");
  const world = await createP1World(url);
  const servers: SpawnedServer[] = [];
  const figures: Figure[] = [];
  let next = 1;
  let estimate = 800;
  try {
    const start = (prepare: "true" | "false") =>
      spawnServer({
        script: "apps/server/src/main.ts",
        env: {
          DATABASE_URL: url,
          HOLDFAST_NO_WORKER: "1",
          HOLDFAST_NO_DEMO: "1",
          LOG_LEVEL: "warn",
          HOLDFAST_DB_POOL_MAX: String(POOL_MAX),
          HOLDFAST_DB_PREPARE: prepare,
          HOLDFAST_RATE_LIMIT_PER_SECOND: "1000000",
          HOLDFAST_RATE_LIMIT_BURST: "1000000",
          HOLDFAST_CONCURRENCY_LIMIT: "10000",
        },
        readyPath: "/readyz",
      });
    const on = await start("true");
    servers.push(on);
    const off = await start("false");
    servers.push(off);

    const run = async (server: SpawnedServer, clients: number) => {
      const count = Math.ceil(estimate * (warmupS + durationS) * 1.6) + 100 * clients;
      const from = next;
      next += count;
      await clonePool(world.db, world.templateHoldId, from, count, "ulid");
      await world.db.$client.unsafe("vacuum (analyze) holds, hold_claims, hold_targets, hold_characteristics");
      const agent = keepAliveAgent(clients);
      const target = new URL(`${server.base}/trpc/holds.activate`);
      let i = 0;
      const result = await runClosedLoop({
        clients,
        warmupMs: warmupS * 1000,
        durationMs: durationS * 1000,
        send: async () => {
          if (i >= count) return null;
          const res = await postJson(
            agent,
            target,
            { locator: holdId(from + i++, "ulid") },
            {
              authorization: `Bearer ${world.token}`,
            },
          );
          if (res.status !== 200) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
          return true;
        },
      });
      agent.destroy();
      estimate = Math.max(estimate, result.total / (warmupS + durationS));
      if (result.errors > 0) throw new Error(`${result.errors} moves failed: ${result.firstError ?? ""}`);
      return result;
    };

    for (const clients of CLIENT_COUNTS) {
      // A B B A: drift in the machine's other load falls on both variants alike.
      const rounds: { prepare: "on" | "off"; throughput: number; p99: number }[] = [];
      for (const prepare of ["on", "off", "off", "on"] as const) {
        ctx.log(`  prepare ${prepare}, ${clients} clients`);
        const r = await run(prepare === "on" ? on : off, clients);
        rounds.push({ prepare, throughput: r.throughput, p99: r.latency.p99 });
      }
      const mean = (prepare: "on" | "off", k: "throughput" | "p99") => {
        const xs = rounds.filter((r) => r.prepare === prepare).map((r) => r[k]);
        return xs.reduce((a, b) => a + b, 0) / xs.length;
      };
      const note = `${clients} clients, mean of 2 runs`;
      figures.push(
        { name: "moves/s, prepare on", value: Math.round(mean("on", "throughput")), unit: "/s", note },
        { name: "moves/s, prepare off", value: Math.round(mean("off", "throughput")), unit: "/s", note },
        { name: "p99, prepare on", value: round3(mean("on", "p99")), unit: "ms", note },
        { name: "p99, prepare off", value: round3(mean("off", "p99")), unit: "ms", note },
        {
          name: "ratio off / on",
          value: round3(mean("off", "throughput") / mean("on", "throughput")),
          unit: "",
          note: `${clients} clients`,
        },
      );
    }
  } finally {
    for (const s of servers) await s.stop();
    await world.db.$client.end({ timeout: 5 });
  }
  return {
    id: "p1prepare",
    title: "Hold moves with statement preparation on and off",
    method:
      "P1's hold move (validated → active over tRPC HTTP, a different hold per request) against two Holdfast servers on the same database: HOLDFAST_DB_PREPARE=true (named prepared statements, the default on a direct connection) and HOLDFAST_DB_PREPARE=false (unprepared, the default behind a transaction pooler); throughput, p99 and the ratio.",
    figures,
    targets: [],
  };
};

export default bench;
