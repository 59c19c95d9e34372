/**
 * Development aid for P2 (not part of `pnpm bench`): seeds the P2 data once,
 * then for each batch size runs one business day of the worker IN PROCESS on
 * a fresh copy, timing each step and splitting CPU between this process and
 * PostgreSQL, and times the set-based statement alongside. Run from bench/:
 *   node --import tsx src/p2/profile.ts [n=10000] [batch sizes, default 200,1000,2000]
 * Add --cpu-prof before --import for a CPU profile of the worker code.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { closeDb, createDb, migrateDatabase } from "@holdfast/db";
import { startEmbeddedPostgres } from "@holdfast/db/embedded";
import { fixedClock } from "@holdfast/services";
import {
  closeEndedGracePeriods,
  executeDueActions,
  issueInvoices,
  type JobContext,
  lapseSubscriptions,
  pauseAndResumeGracePeriods,
  startGracePeriods,
} from "@holdfast/services/subscription-jobs";
import postgres from "postgres";
import { readStat, sampleCpu } from "./cpu.ts";
import { seed, TENANT_ID } from "./seed.ts";
import { SET_BASED } from "./set-based.ts";

const NOW = "2027-05-15T13:30:00Z";
const TODAY = "2027-05-15";
const n = Number(process.argv[2] ?? 10_000);
const sizes = (process.argv[3] ?? "200,1000,2000").split(",").map(Number);
/** --explain=FILE: auto_explain (analyze, buffers, WAL) of every worker statement, written to FILE. */
const explainTo = process.argv.find((a) => a.startsWith("--explain="))?.slice("--explain=".length);
const logLines: string[] = [];

const dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-p2-profile-"));
const server = await startEmbeddedPostgres({
  dataDir: path.join(dir, "data"),
  onLog: explainTo ? (l) => logLines.push(l) : undefined,
});
const admin = postgres(server.url("postgres"), { max: 1, onnotice: () => undefined });
try {
  const [me] = await admin<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const postmaster = readStat(me?.pid ?? 0)?.ppid ?? 0;
  await admin`create database p2_template`;
  await migrateDatabase(server.url("p2_template"));
  const t = postgres(server.url("p2_template"), { max: 1, onnotice: () => undefined });
  await seed(t, { n, today: TODAY, graceDays: 14 });
  await t.unsafe("vacuum (analyze, freeze)");
  await t.end();

  const fresh = async (name: string) => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name} template p2_template`);
    const sql = postgres(server.url(name), { max: 1, onnotice: () => undefined });
    await sql`select count(*) from subscriptions`;
    await sql`select count(*) from invoices`;
    await sql.end();
    await admin`checkpoint`;
    return server.url(name);
  };

  for (const batchSize of sizes) {
    const url = await fresh(`p2_b${batchSize}`);
    if (explainTo) {
      for (const setting of [
        "session_preload_libraries = 'auto_explain'",
        "auto_explain.log_min_duration = 0",
        "auto_explain.log_analyze = on",
        "auto_explain.log_buffers = on",
        "auto_explain.log_wal = on",
        "auto_explain.log_nested_statements = on",
      ])
        await admin.unsafe(`alter database p2_b${batchSize} set ${setting}`);
    }
    const db = createDb(url, { max: 4 });
    const ctx: JobContext = {
      db,
      clock: fixedClock(NOW),
      actor: { type: "worker", id: "profile", name: "worker profile" },
      tenantId: TENANT_ID,
      batchSize,
      errors: [],
    };
    const line: string[] = [`batch ${batchSize}:`];
    const step = async (name: string, fn: () => Promise<unknown>) => {
      // No sampling during the step: this process IS the worker. The pool's backends live through all steps.
      const cpu = sampleCpu(postmaster, () => [], 0);
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await fn();
      const u = process.cpuUsage(u0);
      const s = cpu.stop();
      line.push(
        `${name} ${((performance.now() - t0) / 1000).toFixed(2)}s (node ${((u.user + u.system) / 1e6).toFixed(2)} pg ${s.postgres.toFixed(2)}) → ${JSON.stringify(r)}`,
      );
    };
    await step("actions", () => executeDueActions(ctx, { date: TODAY }));
    await step("invoices", () => issueInvoices(ctx, { date: TODAY }));
    await step("close", () => closeEndedGracePeriods(ctx, { date: TODAY }));
    await step("start", () => startGracePeriods(ctx, { date: TODAY, graceDays: 14 }));
    await step("pause/resume", () => pauseAndResumeGracePeriods(ctx, { date: TODAY }));
    await step("lapse", () => lapseSubscriptions(ctx, { date: TODAY }));
    console.log(line.join("\n  "));
    await closeDb(db);
  }
  {
    const url = await fresh("p2_set");
    const sql = postgres(url, { max: 1, onnotice: () => undefined });
    const cpu = sampleCpu(postmaster, () => [], 0);
    const t0 = performance.now();
    await sql.begin((tx) => tx.unsafe(SET_BASED, [TENANT_ID, TODAY, NOW]));
    const s = cpu.stop();
    console.log(`set-based: ${((performance.now() - t0) / 1000).toFixed(2)}s (pg ${s.postgres.toFixed(2)})`);
    await sql.end();
  }
  if (explainTo) await writeFile(explainTo, logLines.join("\n"));
} finally {
  await admin.end();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
