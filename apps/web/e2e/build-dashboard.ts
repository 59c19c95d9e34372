/**
 * Builds the dashboard the browser tests load, once, before any test file
 * runs (vitest globalSetup): test files run in parallel, and two builds
 * emptying dist/ at once would pull the page from under a running test.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = path.join(WEB_DIR, "dist");
const DOMAIN_SRC = path.resolve(WEB_DIR, "../../packages/domain/src");

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce((max, name) => Math.max(max, newestMtime(path.join(entry, name))), stat.mtimeMs);
}

/** Builds the dashboard unless dist/ is newer than everything it is built from (turbo's `test` also depends on `build`). */
export async function ensureBuilt(): Promise<void> {
  const index = path.join(DIST, "index.html");
  const sources = ["src", "index.html", "vite.config.ts", "package.json"].map((p) => path.join(WEB_DIR, p));
  const newestSource = Math.max(...[...sources, DOMAIN_SRC].map(newestMtime));
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource) return;
  // Vitest sets NODE_ENV=test; the dashboard under test is the production build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      root: WEB_DIR,
      configFile: path.join(WEB_DIR, "vite.config.ts"),
      logLevel: "warn",
      mode: "production",
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

export default async function setup(): Promise<void> {
  await ensureBuilt();
}
