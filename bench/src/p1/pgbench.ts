/**
 * pgbench (PostgreSQL's own load generator, C, libpq) running the captured
 * move: the same statements with `-M prepared` (named prepared statements,
 * one round trip each), the same client count, the same server.
 * `P1_PGBENCH_MODE=extended` runs them unprepared instead (parsed and planned
 * every time, as behind a transaction pooler): PostgreSQL's own floor for
 * `HOLDFAST_DB_PREPARE=false` (see P1PREPARE).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type LatencySummary, summarize } from "../shared/stats.ts";
import type { MovePlan, ScalarSpec } from "./plan.ts";
import { ACCOUNT_BASE, AUDIT_BASE, EVENT_BASE, HOLD_BASE } from "./pool.ts";

const run = promisify(execFile);

export const PGBENCH = "/usr/bin/pgbench";

/** Finds pgbench, installing Debian's postgresql-contrib when missing and root; null with the reason if it cannot be had. */
export async function findPgbench(
  log: (l: string) => void,
): Promise<{ path: string; version: string } | { missing: string }> {
  const version = async () => (await run(PGBENCH, ["--version"])).stdout.trim();
  if (existsSync(PGBENCH)) return { path: PGBENCH, version: await version() };
  if (process.getuid?.() !== 0)
    return { missing: "pgbench is not installed and the bench does not run as root to install it" };
  try {
    log("  installing postgresql-contrib for pgbench (apt-get)");
    await run("apt-get", ["update"], { timeout: 300_000 });
    await run("apt-get", ["install", "-y", "--no-install-recommends", "postgresql-contrib"], {
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (existsSync(PGBENCH)) return { path: PGBENCH, version: await version() };
    return { missing: "apt-get install postgresql-contrib ran but /usr/bin/pgbench is still missing" };
  } catch (e) {
    return { missing: `apt-get install postgresql-contrib failed: ${(e as Error).message.split("\n")[0]}` };
  }
}

export interface PgbenchScript {
  script: string;
  /** -D name=value pairs for the constants. */
  defines: string[];
}

/**
 * The plan as a pgbench script. Per-transaction values are computed from the
 * client id and a per-client counter (pgbench variables persist across a
 * client's transactions): transaction n of client c moves pool index
 * from + c + n × clients, so clients never touch the same hold. Constants are
 * passed with -D and sent as parameters like the API's; a NULL parameter is
 * written as the literal NULL (a pgbench variable cannot hold NULL) and an
 * array parameter as ARRAY[…] of its elements (pgbench cannot build arrays).
 */
export function pgbenchScript(plan: MovePlan): PgbenchScript {
  const constants = new Map<string, string>();
  const constant = (value: string) => {
    let name = constants.get(value);
    if (!name) {
      name = `c${constants.size + 1}`;
      constants.set(value, name);
    }
    return `:${name}`;
  };
  // The run's start stands for "now" (timestamps written by the move).
  const now = new Date().toISOString();
  const lines = [
    "-- The Holdfast API's SQL for one hold move (validated -> active), captured from a real request.",
    "\\set idx :from + :client_id + :n * :clients",
    "\\set n :n + 1",
    `\\set hold ${HOLD_BASE} + :idx`,
    `\\set account ${ACCOUNT_BASE} + :idx`,
    `\\set audit ${AUDIT_BASE} + :idx`,
    `\\set event ${EVENT_BASE} + :idx`,
  ];
  for (const st of plan.statements) {
    const scalar = (p: ScalarSpec): string => {
      if (p.kind === "slot") {
        switch (p.slot) {
          case "hold":
          case "account":
          case "audit":
          case "event":
            return `:${p.slot}`;
          case "now":
            return constant(now);
          default:
            return constant(plan.captured[p.slot]);
        }
      }
      if (p.value === null) return "NULL";
      return constant(p.value);
    };
    const text = st.text.replace(/\$(\d+)/g, (_, d: string) => {
      const p = st.params[Number(d) - 1];
      if (!p) throw new Error(`no parameter ${d} in ${st.text}`);
      // pgbench cannot compute a text array: an array parameter is spelled ARRAY[…] of its elements.
      return p.kind === "array" ? `ARRAY[${p.items.map(scalar).join(", ")}]` : scalar(p);
    });
    lines.push(`${text.trim()};`);
  }
  return { script: `${lines.join("\n")}\n`, defines: [...constants].map(([value, name]) => `${name}=${value}`) };
}

export interface PgbenchResult {
  transactions: number;
  failed: number;
  tps: number;
  latency: LatencySummary;
  command: string;
  /** Pool indexes [from, from + usedIndexes) may have been used. */
  usedIndexes: number;
  /** Set when a client aborted (its first error). */
  aborted?: string;
}

/** Runs pgbench for `seconds` with `clients` clients over pool indexes starting at `from`. */
export async function runPgbench(opts: {
  url: string;
  script: PgbenchScript;
  clients: number;
  seconds: number;
  from: number;
}): Promise<PgbenchResult> {
  const u = new URL(opts.url);
  const dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-pgbench-"));
  try {
    const scriptFile = path.join(dir, "move.sql");
    await writeFile(scriptFile, opts.script.script);
    const args = [
      "-n",
      "-M",
      process.env.P1_PGBENCH_MODE ?? "prepared",
      "-c",
      String(opts.clients),
      "-j",
      "1",
      "-T",
      String(opts.seconds),
      "-f",
      scriptFile,
      "-D",
      `from=${opts.from}`,
      "-D",
      "n=0",
      "-D",
      `clients=${opts.clients}`,
      ...opts.script.defines.flatMap((d) => ["-D", d]),
      "-l",
      `--log-prefix=${path.join(dir, "tx")}`,
      "-h",
      u.hostname,
      "-p",
      u.port || "5432",
      "-U",
      decodeURIComponent(u.username),
      u.pathname.slice(1),
    ];
    let stdout: string;
    let aborted: string | undefined;
    try {
      ({ stdout } = await run(PGBENCH, args, {
        cwd: dir,
        env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) },
        maxBuffer: 10 * 2 ** 20,
        timeout: (opts.seconds + 120) * 1000,
      }));
    } catch (e) {
      // pgbench exits 2 when a client aborts (e.g. it ran past its pool): keep what it measured.
      const err = e as { stdout?: string; stderr?: string; message: string };
      if (!err.stdout) throw e;
      stdout = err.stdout;
      aborted = (err.stderr ?? err.message).split("\n").find((l) => l.includes("ERROR")) ?? err.message.split("\n")[0];
    }
    const reportedTps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ?? Number.NaN);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? 0);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    const latencies: number[] = [];
    const perClient = new Map<number, number>();
    /** Per client, when its first transaction ended; and every transaction's end (seconds since the epoch). */
    const firstEnd = new Map<number, number>();
    const ends: number[] = [];
    for (const f of await readdir(dir)) {
      if (!f.startsWith("tx.")) continue;
      for (const line of (await readFile(path.join(dir, f), "utf8")).split("\n")) {
        // client_id transaction_no time(µs) script_no epoch µs
        const cols = line.split(" ");
        if (cols.length < 3) continue;
        latencies.push(Number(cols[2]) / 1000);
        const c = Number(cols[0]);
        perClient.set(c, (perClient.get(c) ?? 0) + 1);
        const end = Number(cols[4]) + Number(cols[5]) / 1e6;
        ends.push(end);
        firstEnd.set(c, Math.min(firstEnd.get(c) ?? end, end));
      }
    }
    // pgbench opens a new connection per client, whose first transaction pays the backend's cold start
    // (catalog caches, planning): with 128 clients on 2 cores that takes seconds. The rate counts the
    // transactions ended once every client has finished its first one (the HTTP servers' pools are warm).
    const warmFrom = Math.max(...firstEnd.values());
    const lastEnd = Math.max(...ends);
    const warm = ends.filter((e) => e > warmFrom).length;
    const warmTps =
      firstEnd.size === opts.clients && lastEnd - warmFrom >= 1 ? warm / (lastEnd - warmFrom) : Number.NaN;
    const tps = Number.isFinite(warmTps)
      ? warmTps
      : Number.isFinite(reportedTps)
        ? reportedTps
        : transactions / opts.seconds;
    // Client c's transaction n used index from + c + n × clients; past the busiest client all is unused.
    const mostByOneClient = Math.max(0, ...perClient.values());
    const command = `pgbench -n -M prepared -c ${opts.clients} -j 1 -T ${opts.seconds} -f move.sql -D from=… -D n=0 -D clients=${opts.clients} -D c1=… (${opts.script.defines.length} constants)`;
    return {
      transactions,
      failed,
      tps,
      latency: summarize(latencies),
      command,
      usedIndexes: mostByOneClient * opts.clients,
      ...(aborted ? { aborted } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
