/**
 * P1HELLO: the floor of tRPC's HTTP adapter. One POST answering a name, served
 * by three processes (bench/src/p1/hello-server.ts): bare node:http, one tRPC
 * mutation behind tRPC's standalone adapter, and the same mutation called
 * directly (apps/server's direct path). Same machine, same closed-loop load
 * generator, no database: what is left between them is the adapter's work.
 */
import { type CpuWindow, cpuWindow, processCpu } from "./shared/cpu.ts";
import { keepAliveAgent, postJson, runClosedLoop } from "./shared/load.ts";
import { spawnServer } from "./shared/process.ts";
import { round3 } from "./shared/stats.ts";
import type { Benchmark, Figure } from "./types.ts";

const MODES = ["bare", "adapter", "direct"] as const;
const CLIENT_COUNTS = [8, 32];

const bench: Benchmark = async (ctx) => {
  const warmupMs = Math.max(1000, 2000 * ctx.scale);
  const durationMs = Math.max(2000, 8000 * ctx.scale);
  const figures: Figure[] = [];
  const rows: string[] = [];
  const servers = [];
  try {
    for (const mode of MODES)
      servers.push({
        mode,
        server: await spawnServer({ script: "bench/src/p1/hello-server.ts", env: { MODE: mode } }),
      });
    const rate: Record<string, number> = {};
    for (const clients of CLIENT_COUNTS) {
      for (const { mode, server } of servers) {
        const agent = keepAliveAgent(clients);
        const url = new URL(`${server.base}${mode === "bare" ? "/hello" : "/trpc/hello"}`);
        let stop: (() => CpuWindow) | undefined;
        let cpu: CpuWindow | null = null;
        const r = await runClosedLoop({
          clients,
          warmupMs,
          durationMs,
          onWindowStart: () => {
            stop = cpuWindow({ server: () => processCpu(server.pid) });
          },
          onWindowEnd: () => {
            cpu = stop?.() ?? null;
          },
          send: async () => {
            const res = await postJson(agent, url, { name: "holdfast" });
            if (res.status !== 200) throw new Error(`${res.status} ${res.body}`);
            return true;
          },
        });
        agent.destroy();
        // The window's end timer may not have fired before the last client stopped (runClosedLoop then clears it).
        const w = (cpu as CpuWindow | null) ?? stop?.() ?? null;
        const cpuUs = w && r.completed ? ((w.parts.server ?? 0) * 1e6) / r.completed : 0;
        rate[`${mode}/${clients}`] = r.throughput;
        ctx.log(
          `  ${mode}, ${clients} clients: ${r.throughput.toFixed(0)} req/s, server CPU ${cpuUs.toFixed(0)} µs per request`,
        );
        figures.push({
          name: `hello ${mode} throughput`,
          value: round3(r.throughput),
          unit: "req/s",
          note: `${clients} clients`,
        });
        figures.push({
          name: `hello ${mode} server CPU`,
          value: round3(cpuUs),
          unit: "µs/request",
          note: `${clients} clients`,
        });
        rows.push(
          `| ${mode} | ${clients} | ${r.throughput.toFixed(0)} | ${r.latency.p50.toFixed(2)} | ${r.latency.p99.toFixed(2)} | ${cpuUs.toFixed(0)} | ${r.errors} |`,
        );
      }
      for (const mode of ["adapter", "direct"]) {
        figures.push({
          name: `hello ratio ${mode} / bare`,
          value: round3((rate[`${mode}/${clients}`] ?? 0) / (rate[`bare/${clients}`] ?? 1)),
          unit: "",
          note: `${clients} clients`,
        });
      }
    }
  } finally {
    for (const { server } of servers) await server.stop();
  }
  return {
    id: "p1hello",
    title: "Hello world: tRPC's HTTP adapter against bare node:http",
    method:
      "One POST {name} answered with the name, no database, by three processes on the same machine: bare node:http, one tRPC mutation behind tRPC's standalone adapter, and the same mutation called directly as apps/server's direct path does; closed loop, keep-alive connections, 8 and 32 clients.",
    figures,
    targets: [],
    details: [
      "| server | clients | req/s | p50 ms | p99 ms | server CPU µs per request | errors |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...rows,
    ].join("\n"),
  };
};

export default bench;
