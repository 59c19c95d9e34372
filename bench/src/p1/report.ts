/** P1's per-variant results and how the report explains them (CPU per move, the cause of a missed target). */
import os from "node:os";
import type { CpuWindow } from "../shared/cpu.ts";
import type { LatencySummary } from "../shared/stats.ts";

export type Variant = "tRPC" | "tRPC adapter" | "tRPC 2 processes" | "pgbench" | "bare";

export interface VariantResult {
  variant: Variant;
  clients: number;
  throughput: number;
  latency: LatencySummary;
  moved: number;
  verified: boolean;
  note?: string;
  /** CPU over the measured window (null when it could not be read). */
  cpu: CpuWindow | null;
}

export function cpuMs(r: VariantResult): Record<string, number> {
  const moves = r.throughput * (r.cpu?.seconds ?? 0);
  if (!r.cpu || moves === 0) return {};
  return Object.fromEntries(Object.entries(r.cpu.parts).map(([k, v]) => [k, (v * 1000) / moves]));
}

export function cpuPerMove(r: VariantResult): string {
  const parts = Object.entries(cpuMs(r));
  return parts.length ? parts.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ") : "?";
}

/** The cause, in figures: where the CPU of a move goes in each variant, and which process is saturated. */
export function whyMissed(
  t: VariantResult,
  p: VariantResult,
  b: VariantResult | undefined,
  statements: number,
): string {
  const tc = cpuMs(t);
  const pc = cpuMs(p);
  const bc = b ? cpuMs(b) : {};
  const sum = (c: Record<string, number>) => Object.values(c).reduce((x, y) => x + y, 0);
  const cores = (r: VariantResult, part: string) => (r.cpu ? (r.cpu.parts[part] ?? 0) / r.cpu.seconds : 0);
  const other = (r: VariantResult) => (r.cpu ? r.cpu.other / r.cpu.seconds : 0);
  const server = tc["Holdfast server"] ?? 0;
  return (
    `the Holdfast server is one Node process (one thread for JavaScript) and it is saturated: ` +
    `${server.toFixed(2)} ms of its CPU per move × ${t.throughput.toFixed(0)} moves/s = ${cores(t, "Holdfast server").toFixed(2)} cores busy. ` +
    `A tRPC move costs ${sum(tc).toFixed(1)} ms of CPU in all (${cpuPerMove(t)}), a pgbench move ${sum(pc).toFixed(1)} ms (${cpuPerMove(p)})` +
    (b ? `, a bare-handler move ${sum(bc).toFixed(1)} ms (${cpuPerMove(b)})` : "") +
    `; other load on the ${os.cpus().length}-core machine: ${other(t).toFixed(1)} cores during tRPC, ${other(p).toFixed(1)} during pgbench. ` +
    `To reach 0.4 × pgbench (${(p.throughput * 0.4).toFixed(0)} moves/s) one server process would need at most ${(1000 / (p.throughput * 0.4)).toFixed(2)} ms of CPU per move, ` +
    `${(server / (1000 / (p.throughput * 0.4))).toFixed(1)}× less than now; the bare handler, running the same ${statements} statements without tRPC, zod and Drizzle, spends ${(bc["bare handler"] ?? 0).toFixed(2)} ms (${(((bc["bare handler"] ?? 0) * 100) / (1000 / (p.throughput * 0.4))).toFixed(0)}% of that budget; pgbench's own client, in C, ${(pc.pgbench ?? 0).toFixed(2)} ms). ` +
    `What remains in the server beyond the bare handler's ${(bc["bare handler"] ?? 0).toFixed(2)} ms (${(server - (bc["bare handler"] ?? 0)).toFixed(2)} ms per move) is per-request framework work, not SQL: the edge's checks (request id, security headers, rate limiter, body cap and depth, metrics); the credential look-up's context; tRPC's procedure call (single mutations skip its Fetch adapter: apps/server/src/trpc-direct.ts) with zod parsing the input and validating the ~30-field hold output and the middlewares (read routing and error mapping, authentication and tenant scope); Drizzle's transaction object and result mapping; and the garbage all of this leaves. ` +
    `Every statement is prepared, and every statement whose answer a move does not need is gone (${statements} statements per move, 17 before), and all three variants send PostgreSQL the same prepared statements. ` +
    "Replicas (the server is stateless) would scale this out; one Node process cannot reach a C client's rate on a 2-core machine shared with PostgreSQL itself."
  );
}
