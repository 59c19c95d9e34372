/**
 * CPU accounting from /proc (Linux): how much CPU given processes, this
 * run's PostgreSQL server and the whole machine used over an interval. On a
 * shared machine this separates "our" cost from everybody else's load.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

const TICK = 100; // USER_HZ on Linux

/** utime + stime (+ waited-for children when asked) of a process, in seconds; 0 when gone. */
export function processCpu(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields after "(comm)": state=0, ppid=1, …, utime=11, stime=12, cutime=13, cstime=14.
    const own = Number(f[11]) + Number(f[12]);
    return (withChildren ? own + Number(f[13]) + Number(f[14]) : own) / TICK;
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/** The postmaster and all its children (backends, checkpointer, WAL writer…): CPU seconds. */
export function postgresCpu(postmaster: number): number {
  // With children: backends that exited (pgbench's, at its end) were reaped by the postmaster.
  let total = processCpu(postmaster, true);
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (pid > 0 && parentOf(pid) === postmaster) total += processCpu(pid);
  }
  return total;
}

/** The postmaster's PID from a backend's, or null when the server is not on this machine. */
export function postmasterOf(backendPid: number): number | null {
  if (!existsSync(`/proc/${backendPid}/stat`)) return null;
  const p = parentOf(backendPid);
  return p > 1 ? p : null;
}

/** Busy CPU seconds of the whole machine (all cores) since boot. */
export function machineBusy(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = (v[0] ?? 0) + (v[1] ?? 0) + (v[2] ?? 0) + (v[5] ?? 0) + (v[6] ?? 0) + (v[7] ?? 0);
  return busy / TICK;
}

export interface CpuWindow {
  /** CPU seconds per named part over the window. */
  parts: Record<string, number>;
  /** Everything else on the machine. */
  other: number;
  seconds: number;
}

/** Starts measuring; call the answer to stop. `parts` are functions giving cumulative CPU seconds. */
export function cpuWindow(parts: Record<string, () => number>): () => CpuWindow {
  const t0 = performance.now();
  const m0 = machineBusy();
  const p0 = Object.fromEntries(Object.entries(parts).map(([k, f]) => [k, f()]));
  return () => {
    const used = Object.fromEntries(Object.entries(parts).map(([k, f]) => [k, f() - (p0[k] ?? 0)]));
    const ours = Object.values(used).reduce((a, b) => a + b, 0);
    return { parts: used, other: Math.max(0, machineBusy() - m0 - ours), seconds: (performance.now() - t0) / 1000 };
  };
}

/** A process and its children, live (a cluster's workers) and reaped: CPU seconds. */
export function processTreeCpu(pid: number): number {
  return postgresCpu(pid);
}
