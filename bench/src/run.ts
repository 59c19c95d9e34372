/**
 * `pnpm bench [p1 p2 p3 p4] [--scale=0.1]`: runs the benchmarks of issue 6 on
 * one real PostgreSQL server (embedded, or DATABASE_URL), prints the figures
 * and writes a Markdown and a JSON report under bench/results/ with a
 * description of the machine. Benchmarks never fail on timing: a missed
 * target is reported with its cause.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "@holdfast/db";
import { startEmbeddedPostgres } from "@holdfast/db/embedded";
import postgres from "postgres";
import { formatValue, toMarkdown } from "./shared/report.ts";
import type { BenchContext, Benchmark, BenchSection } from "./types.ts";

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../results");

const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  p1: async () => (await import("./p1-hold-moves.ts")).default,
  p2: async () => (await import("./p2-worker-drain.ts")).default,
  p3: async () => (await import("./p3-listing.ts")).default,
  p4: async () => (await import("./p4-dashboard.ts")).default,
  p5: async () => (await import("./p5-search.ts")).default,
  p6: async () => (await import("./p6-overview.ts")).default,
  "audit-10m": async () => (await import("./audit-10m.ts")).default,
  p1prepare: async () => (await import("./p1-prepare.ts")).default,
  p6webhooks: async () => (await import("./p6-webhooks.ts")).default,
  p2rollover: async () => (await import("./p2-rollover.ts")).default,
  "p3-10m": async () => (await import("./p3-10m.ts")).default,
  p1hello: async () => (await import("./p1-hello.ts")).default,
};

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function describeMachine(serverVersion: string) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpu: `${cpus.length} × ${cpus[0]?.model ?? "unknown"}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    postgres: serverVersion,
    commit: (() => {
      try {
        return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
      } catch {
        return "unknown";
      }
    })(),
  };
}

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const scaleArg = args.find((a) => a.startsWith("--scale="));
  const scale = scaleArg ? Number(scaleArg.slice("--scale=".length)) : 1;
  if (!(scale > 0 && scale <= 1)) throw new Error("--scale must be in (0, 1]");
  const wanted = args.filter((a) => !a.startsWith("--")).map((a) => a.toLowerCase());
  // `pnpm bench curves` draws the cost curves from latest.json: no database, no measurement.
  if (wanted.length === 1 && wanted[0] === "curves") return (await import("./curves.ts")).writeCurves(RESULTS);
  const ids = wanted.length > 0 ? wanted : Object.keys(BENCHMARKS);
  for (const id of ids)
    if (!BENCHMARKS[id]) throw new Error(`unknown benchmark ${id}; known: ${Object.keys(BENCHMARKS).join(", ")}`);

  let stop: () => Promise<void> = async () => undefined;
  let adminUrl = process.env.DATABASE_URL;
  let dir: string | undefined;
  if (!adminUrl) {
    dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-bench-pg-"));
    // A durable server (fsync on), like production: the figures include commit costs.
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "data") });
    adminUrl = server.url("postgres");
    stop = server.stop;
  }
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  const log = (line: string) => console.log(line);
  try {
    const [row] = await admin<{ version: string }[]>`select version()`;
    const version = row?.version;
    const ctx: BenchContext = {
      adminUrl,
      urlFor: (db) => withDatabase(adminUrl as string, db),
      freshDatabase: async (name) => {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.unsafe(`create database ${name}`);
        const url = withDatabase(adminUrl as string, name);
        await migrateDatabase(url);
        return url;
      },
      scale,
      log,
    };
    const machine = describeMachine(version?.split(" on ")[0] ?? "unknown");
    const sections: BenchSection[] = [];
    for (const id of ids) {
      log(`\n=== ${id.toUpperCase()} ===`);
      const bench = await (BENCHMARKS[id] as () => Promise<Benchmark>)();
      const section = await bench(ctx);
      sections.push(section);
      for (const f of section.figures)
        log(`  ${f.name}: ${formatValue(f.value)} ${f.unit}${f.note ? ` (${f.note})` : ""}`);
      for (const t of section.targets)
        log(`  target ${t.target}: ${t.measured} → ${t.met ? "met" : `missed (${t.why ?? ""})`}`);
    }
    await mkdir(RESULTS, { recursive: true });
    const stamp = machine.date.replace(/[:.]/g, "-");
    const md = toMarkdown(machine, sections, scale);
    const json = JSON.stringify({ machine, scale, sections }, null, 2);
    await writeFile(path.join(RESULTS, `${stamp}.md`), md);
    await writeFile(path.join(RESULTS, `${stamp}.json`), json);
    // latest.* is the report the README quotes: only a complete run at the issue's sizes replaces it.
    const complete = scale === 1 && ids.length === Object.keys(BENCHMARKS).length;
    if (complete) {
      await writeFile(path.join(RESULTS, "latest.md"), md);
      await writeFile(path.join(RESULTS, "latest.json"), json);
      await (await import("./curves.ts")).writeCurves(RESULTS, log);
    }
    log(`\nreport: bench/results/${stamp}.md${complete ? " (and latest.md / latest.json)" : ""}`);
  } finally {
    await admin.end();
    await stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
