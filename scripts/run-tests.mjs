#!/usr/bin/env node
// Runs the lint checks, then typecheck and every test suite through turbo, then
// totals vitest's JSON reports (and the lint checks) into one line: "N passed, N failed".
// The API and worker suites run a second time against Debian's PostgreSQL 15 (pg15.mjs).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runSuitesOnPg15 } from "./pg15.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const reports = [
  ...["apps", "packages"].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir)).map((name) => path.join(ROOT, dir, name, ".vitest", "results.json")),
  ),
  // The benchmarks' own tests (the cost-curve charts).
  path.join(ROOT, "bench", ".vitest", "results.json"),
];
for (const r of reports) rmSync(r, { force: true });

// Style and workspace hygiene first (biome: format, lint, import order; sherif:
// the workspace), so a failure there is reported like a failed suite.
const lint = ["biome ci .", "sherif"].map((cmd) => ({
  cmd,
  ok: spawnSync("pnpm", ["exec", ...cmd.split(" ")], { stdio: "inherit", cwd: ROOT }).status === 0,
}));
for (const l of lint.filter((l) => !l.ok))
  console.error(`✗ ${l.cmd} failed: run 'pnpm format' (biome) or fix what sherif names`);

const turbo = spawnSync(
  "pnpm",
  [
    "turbo",
    "run",
    "typecheck",
    "test",
    "--concurrency=2",
    "--continue",
    "--output-logs=full",
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", cwd: ROOT },
);

// The embedded PostgreSQL is 18; production may run an older one.
const pg15 = await runSuitesOnPg15(ROOT, ["packages/api", "apps/worker"]);

let passed = 0;
let failed = 0;
const lines = [];
for (const r of reports) {
  if (!existsSync(r)) continue;
  const json = JSON.parse(readFileSync(r, "utf8"));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that failed to load has no failed tests but is a failure all the same.
  const brokenFiles = json.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  failed += brokenFiles;
  lines.push(
    `  ${path.relative(ROOT, path.dirname(path.dirname(r)))}: ${json.numPassedTests} passed, ${json.numFailedTests + brokenFiles} failed`,
  );
}
passed += pg15.passed;
failed += pg15.failed;
lines.push(...pg15.lines);
for (const l of lint) {
  if (l.ok) passed += 1;
  else failed += 1;
  lines.push(`  ${l.cmd}: ${l.ok ? "1 passed, 0 failed" : "0 passed, 1 failed"}`);
}
console.log(`\nTest suites:\n${lines.join("\n")}`);
if (turbo.status !== 0 && failed === 0) failed = 1; // typecheck or a crashed runner
console.log(`${passed} passed, ${failed} failed`);
process.exit(turbo.status === 0 && failed === 0 ? 0 : 1);
