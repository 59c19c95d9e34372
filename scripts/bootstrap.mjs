#!/usr/bin/env node
// Sets up a fresh machine (Node 20 + npm only) and runs the product or its tests.
//   npm start   → pnpm, dependencies, the dashboard build, then server + worker + embedded PostgreSQL
//   npm test    → pnpm, dependencies, Chromium, PostgreSQL 15 and PgBouncer (Debian packages) when missing, then every suite
// Uses only Node built-ins: nothing is installed when it starts.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PNPM_VERSION = "10.34.9";
const mode = process.argv[2];
// No telemetry or update checks: this machine reaches only the package registries.
process.env.TURBO_TELEMETRY_DISABLED = "1";
process.env.TURBO_NO_UPDATE_NOTIFIER = "1";
process.env.DO_NOT_TRACK = "1";

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...opts });
  if (r.status !== 0) {
    console.error(`\n✗ ${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

function pnpmVersion() {
  const r = spawnSync("pnpm", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

function ensurePnpm() {
  const v = pnpmVersion();
  if (v?.startsWith("10.")) return;
  console.log(`→ installing pnpm ${PNPM_VERSION} (found ${v ?? "none"})`);
  run("npm", ["install", "-g", `pnpm@${PNPM_VERSION}`, "--no-fund", "--no-audit"]);
}

function ensureChromium() {
  const wanted = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(wanted)) return;
  if (process.getuid?.() !== 0) {
    console.error(
      `✗ Chromium is missing at ${wanted}. Install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
    process.exit(1);
  }
  console.log("→ installing Debian's chromium for the browser tests");
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

// The API and worker suites also run against Debian's PostgreSQL 15 (scripts/pg15.mjs), the read-replica tests
// run a primary and a pg_basebackup standby of it (the embedded package ships no pg_basebackup), and the
// reliability suite's pooler test runs a real PgBouncer in transaction mode. One apt-get for whatever is missing.
const PG15_BIN = process.env.HOLDFAST_PG15_BIN ?? "/usr/lib/postgresql/15/bin";
const DEBIAN_TEST_PACKAGES = [
  { pkg: "postgresql-15", files: [path.join(PG15_BIN, "initdb"), path.join(PG15_BIN, "pg_basebackup")] },
  { pkg: "pgbouncer", files: ["/usr/sbin/pgbouncer"] },
];
function ensureDebianTestPackages() {
  const missing = DEBIAN_TEST_PACKAGES.filter((p) => !p.files.every((f) => existsSync(f))).map((p) => p.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(
      `✗ Debian packages missing for the tests: ${missing.join(", ")}. Install them (apt-get install ${missing.join(" ")}); HOLDFAST_PG15_BIN may point at another PostgreSQL 15 bin directory.`,
    );
    process.exit(1);
  }
  console.log(`→ installing Debian's ${missing.join(", ")} for the database tests`);
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

ensurePnpm();
run("pnpm", ["install", "--frozen-lockfile", "--prefer-offline"]);

if (mode === "start") {
  run("pnpm", ["turbo", "run", "build", "--filter", "@holdfast/web", "--output-logs=errors-only"]);
  // node itself (not pnpm or the tsx CLI) runs the stack, so signals reach it directly.
  const child = spawn(process.execPath, ["--import", "tsx", "src/start.ts"], {
    stdio: "inherit",
    cwd: path.join(ROOT, "apps/server"),
  });
  // Forward Ctrl-C / SIGTERM to the product so it stops the worker and PostgreSQL cleanly.
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code) => process.exit(code ?? 0));
} else if (mode === "test") {
  ensureChromium();
  ensureDebianTestPackages();
  run("node", ["scripts/run-tests.mjs"]);
} else {
  console.error("usage: node scripts/bootstrap.mjs start|test");
  process.exit(2);
}
