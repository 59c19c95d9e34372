/**
 * `pnpm install` prints no "Ignored build scripts … run pnpm approve-builds"
 * box: every dependency with a build script is declared in pnpm-workspace.yaml
 * (allowBuilds), so pnpm ignored none of them on its own.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

it("leaves no build script ignored without a declared choice", () => {
  const run = spawnSync("pnpm", ["ignored-builds"], { cwd: REPO_ROOT, encoding: "utf8" });
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/Automatically ignored builds during installation:\s*\n\s*None/);
});
