#!/usr/bin/env node
// Compiles a Node app (apps/server, apps/worker) to JavaScript in its dist/:
//   node ../../scripts/build-node.mjs src/main.ts [src/other.ts …]   (run in the app's directory)
// The workspace packages (@holdfast/*) export TypeScript source, so they are bundled in;
// third-party packages stay external and load from node_modules at run time, so every one
// of them must be a dependency of the app (the build fails naming any that is not).
// Each entry is one self-contained file directly in dist/ (no shared chunks), so paths computed
// from import.meta.url (env.ts REPO_ROOT, three levels up) are the same as from src/.
// The SQL migrations are copied to dist/migrations, where a bundled migrate.ts looks first.
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const appDir = process.cwd();
const outdir = path.join(appDir, "dist");
const entries = process.argv.slice(2);
if (!entries.length) {
  console.error("usage: node scripts/build-node.mjs src/main.ts [src/other.ts …]");
  process.exit(2);
}

const packageName = (spec) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

/** Whether Node, starting from dist/, finds this package in a node_modules directory. */
function resolvable(name) {
  for (let dir = outdir; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "node_modules", name, "package.json"))) return true;
    if (dir === path.dirname(dir)) return false;
  }
}

const external = new Set();
const thirdPartyExternal = {
  name: "third-party-external",
  setup(b) {
    // Bare specifiers other than @holdfast/* (and node: built-ins) are left to Node.
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@holdfast/")) return undefined;
      if (!args.path.startsWith("node:")) external.add(packageName(args.path));
      return { path: args.path, external: true };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: appDir,
  entryPoints: entries,
  outdir,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  plugins: [thirdPartyExternal],
});
cpSync(path.join(ROOT, "packages/db/migrations"), path.join(outdir, "migrations"), { recursive: true });

const missing = [...external].filter((name) => !resolvable(name)).sort();
if (missing.length) {
  console.error(
    `✗ ${path.relative(ROOT, appDir)}: the bundle imports ${missing.join(", ")}, which Node cannot find from dist/.\n` +
      `  Add them to "dependencies" in ${path.relative(ROOT, appDir)}/package.json ("catalog:") and run pnpm install.`,
  );
  process.exit(1);
}
console.log(
  `built ${entries.map((e) => path.join("dist", `${path.basename(e, ".ts")}.js`)).join(", ")} in ${path.relative(ROOT, appDir)}`,
);
