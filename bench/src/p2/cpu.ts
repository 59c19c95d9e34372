/**
 * CPU accounting from /proc while a variant runs: how much CPU the worker
 * processes (node) used, how much this run's PostgreSQL server used (the
 * postmaster and all its children, backends and background processes alike),
 * and how busy the whole machine was (other work on a shared machine
 * included). Sampled every 100 ms; per process the last value seen counts, so
 * a backend that exits between samples loses at most 100 ms of its CPU.
 */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

const TICK = 100; // USER_HZ: clock ticks per second on Linux

interface Stat {
  ppid: number;
  /** utime + stime in seconds. */
  cpu: number;
}

export function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: split after the last ')'.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(rest[1]), cpu: (Number(rest[11]) + Number(rest[12])) / TICK };
  } catch {
    return null;
  }
}

function machineBusy(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / TICK, total: total / TICK };
}

export interface CpuSplit {
  seconds: number;
  /** CPU seconds used by the worker processes. */
  workers: number;
  /** CPU seconds used by this run's PostgreSQL server. */
  postgres: number;
  /** CPU seconds used by everything else on the machine in the same time (other work on a shared host). */
  other: number;
  cores: number;
}

export interface CpuSampler {
  stop(): CpuSplit;
  /** The split between two wall-clock instants (ms since the epoch) inside the sampled time, from the nearest samples. */
  between(fromMs: number, toMs: number): CpuSplit;
}

interface Point {
  at: number;
  workers: number;
  postgres: number;
  busy: number;
}

/**
 * Starts sampling. `postmasterPid` is this run's PostgreSQL server; `workerPids()` gives the worker
 * processes to count (they may start after sampling does).
 */
export function sampleCpu(postmasterPid: number, workerPids: () => number[], intervalMs = 100): CpuSampler {
  const startedAt = performance.now();
  const machine0 = machineBusy();
  const baseline = new Map<number, number>();
  const last = new Map<number, { cpu: number; kind: "pg" | "worker" }>();
  // Listing the server's processes means reading every process's stat: done every 5th sample only, to keep the sampler light.
  let pgList: number[] = [];
  let round = 0;
  const pgPids = () => {
    if (round++ % 5 !== 0) return pgList;
    const pids = [postmasterPid];
    for (const d of readdirSync("/proc")) {
      const pid = Number(d);
      if (!Number.isInteger(pid)) continue;
      if (readStat(pid)?.ppid === postmasterPid) pids.push(pid);
    }
    pgList = pids;
    return pids;
  };
  const sample = (first: boolean) => {
    const seen: [number, "pg" | "worker"][] = [
      ...pgPids().map((p) => [p, "pg"] as [number, "pg"]),
      ...workerPids().map((p) => [p, "worker"] as [number, "worker"]),
    ];
    for (const [pid, kind] of seen) {
      const st = readStat(pid);
      if (!st) continue;
      // CPU a process had already used before sampling began does not count (long-lived server processes).
      if (first) baseline.set(pid, st.cpu);
      else if (!baseline.has(pid) && !last.has(pid)) baseline.set(pid, 0);
      last.set(pid, { cpu: st.cpu, kind });
    }
  };
  const series: Point[] = [];
  const record = () => {
    let workers = 0;
    let pg = 0;
    for (const [pid, v] of last) {
      const used = v.cpu - (baseline.get(pid) ?? 0);
      if (v.kind === "pg") pg += used;
      else workers += used;
    }
    series.push({ at: Date.now(), workers, postgres: pg, busy: machineBusy().busy - machine0.busy });
  };
  const sampleAndRecord = (first: boolean) => {
    sample(first);
    record();
  };
  sampleAndRecord(true);
  const timer = intervalMs > 0 ? setInterval(() => sampleAndRecord(false), intervalMs) : undefined;
  return {
    stop() {
      round = 0;
      sampleAndRecord(false);
      if (timer) clearInterval(timer);
      const machine1 = machineBusy();
      let workers = 0;
      let pg = 0;
      for (const [pid, v] of last) {
        const used = v.cpu - (baseline.get(pid) ?? 0);
        if (v.kind === "pg") pg += used;
        else workers += used;
      }
      const busy = machine1.busy - machine0.busy;
      return {
        seconds: (performance.now() - startedAt) / 1000,
        workers,
        postgres: pg,
        other: Math.max(0, busy - workers - pg),
        cores: os.cpus().length,
      };
    },
    between(fromMs, toMs) {
      const near = (t: number) =>
        series.reduce((best, p) => (Math.abs(p.at - t) < Math.abs(best.at - t) ? p : best), series[0] as Point);
      const a = near(fromMs);
      const b = near(toMs);
      const workers = b.workers - a.workers;
      const pg = b.postgres - a.postgres;
      return {
        seconds: (b.at - a.at) / 1000,
        workers,
        postgres: pg,
        other: Math.max(0, b.busy - a.busy - workers - pg),
        cores: os.cpus().length,
      };
    },
  };
}
