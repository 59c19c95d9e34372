// A throwaway cluster of Debian's PostgreSQL 15 (package postgresql-15) for the
// suites that also run against a second PostgreSQL version (see run-tests.mjs).
// Run as root, the cluster belongs to the `postgres` user (initdb refuses root).
// It listens on 127.0.0.1 only, on a free port, with trust authentication for
// loopback; its data directory is a mkdtemp directory under os.tmpdir().
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

export const PG15_BIN = process.env.HOLDFAST_PG15_BIN ?? "/usr/lib/postgresql/15/bin";

const isRoot = () => process.getuid?.() === 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root; throws with its output on failure. */
function pg(bin, args) {
  const file = path.join(PG15_BIN, bin);
  const [cmd, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`${bin} ${args.join(" ")} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

/**
 * Creates and starts the cluster. Returns its superuser URL and `stop()`, which
 * stops the server (pg_ctl, by the postmaster.pid of this data directory) and
 * removes the directory. Call stop() in a finally block.
 */
export async function startPg15() {
  if (!existsSync(path.join(PG15_BIN, "initdb"))) {
    throw new Error(
      `PostgreSQL 15 is missing at ${PG15_BIN}: install Debian's postgresql-15 package (apt-get install postgresql-15)`,
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "holdfast-pg15-"));
  const data = path.join(dir, "data");
  let started = false;
  const stop = () => {
    if (started) {
      try {
        pg("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]);
      } catch (e) {
        console.error(String(e));
      }
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (isRoot()) {
      const pw = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
      const gw = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
      chownSync(dir, Number(pw.stdout), Number(gw.stdout));
    }
    chmodSync(dir, 0o700);
    pg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
    const port = await freePort();
    // The socket goes into our own directory: Debian's default (/var/run/postgresql) may not exist.
    const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    pg("pg_ctl", ["start", "-D", data, "-w", "-t", "60", "-l", path.join(dir, "server.log"), "-o", opts]);
    started = true;
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

/**
 * Runs these packages' vitest suites (one after another: each one's global setup
 * rebuilds the same template database) against a throwaway PostgreSQL 15 cluster,
 * which is always stopped and removed. Answers the totals and one line per suite,
 * labelled "<package> (pg15)", in run-tests.mjs's format.
 */
export async function runSuitesOnPg15(root, packages) {
  const result = { passed: 0, failed: 0, lines: [] };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const started = Date.now();
  let cluster;
  try {
    cluster = await startPg15();
    console.log(`\n→ PostgreSQL 15 at ${cluster.url}: ${packages.join(", ")}`);
    for (const pkg of packages) {
      if (interrupted) break;
      const report = path.join(root, pkg, ".vitest", "results-pg15.json");
      rmSync(report, { force: true });
      const run = spawnSync(
        "pnpm",
        ["exec", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
        { cwd: path.join(root, pkg), stdio: "inherit", env: { ...process.env, DATABASE_URL: cluster.url } },
      );
      const label = `${pkg} (pg15)`;
      if (!existsSync(report)) {
        result.failed += 1;
        result.lines.push(`  ${label}: 0 passed, 1 failed (no report; vitest exit ${run.status ?? run.signal})`);
        continue;
      }
      const json = JSON.parse(readFileSync(report, "utf8"));
      const broken = json.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
      result.passed += json.numPassedTests;
      result.failed += json.numFailedTests + broken;
      result.lines.push(`  ${label}: ${json.numPassedTests} passed, ${json.numFailedTests + broken} failed`);
    }
  } catch (e) {
    console.error(`✗ ${e instanceof Error ? e.message : String(e)}`);
    result.failed += 1;
    result.lines.push("  PostgreSQL 15: 0 passed, 1 failed (the cluster did not start)");
  } finally {
    cluster?.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (interrupted) process.exit(130);
  console.log(`→ PostgreSQL 15 suites took ${Math.round((Date.now() - started) / 1000)} s`);
  return result;
}
