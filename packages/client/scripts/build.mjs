#!/usr/bin/env node
// Builds the installable package into dist/ (run by `prepack`, so `pnpm pack` ships a fresh build):
// - index.js (ESM) and index.cjs (CommonJS), bundled with esbuild;
// - index.d.ts (and the same as index.d.cts): tsc emits declarations for the client, the API's
//   routers and the domain (tsconfig.dts.json), then rollup-plugin-dts bundles them into one file.
// Workspace packages (@holdfast/*) are inlined, so no output names one; third-party packages stay
// imports and are the package's dependencies. The server's request context (api/src/context.ts,
// the database, logger and services) is replaced by an empty type: the client never sees it.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.resolve(pkgDir, "../..");
const dist = path.join(pkgDir, "dist");
const pkg = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const thirdParty = Object.keys(pkg.dependencies ?? {});
const isThirdParty = (id) => thirdParty.some((name) => id === name || id.startsWith(`${name}/`));

rmSync(dist, { recursive: true, force: true });

for (const [format, file] of [
  ["esm", "index.js"],
  ["cjs", "index.cjs"],
]) {
  await build({
    entryPoints: [path.join(pkgDir, "src/index.ts")],
    outfile: path.join(dist, file),
    bundle: true,
    format,
    platform: "neutral",
    target: "es2022",
    external: thirdParty,
    logLevel: "warning",
  });
}

const types = mkdtempSync(path.join(tmpdir(), "holdfast-client-types-"));
try {
  const tsc = path.join(pkgDir, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", path.join(pkgDir, "tsconfig.dts.json"), "--outDir", types], {
    stdio: "inherit",
  });
  const emitted = (pkgPath) => path.join(types, "packages", pkgPath);
  writeFileSync(
    emitted("api/src/context.d.ts"),
    "/** The server's request context; not part of the client's types. */\nexport type Context = object;\n",
  );
  /** Maps workspace specifiers and `.ts` specifiers to the emitted declarations. */
  const workspaceDeclarations = {
    name: "workspace-declarations",
    resolveId(source, importer) {
      if (source === "@holdfast/api") return emitted("api/src/root.d.ts");
      if (source === "@holdfast/domain") return emitted("domain/src/index.d.ts");
      if (source.startsWith("@holdfast/")) this.error(`no declarations mapped for ${source} (imported by ${importer})`);
      if (!importer || !source.startsWith(".")) return null;
      const resolved = path.resolve(path.dirname(importer), source).replace(/\.ts$/, ".d.ts");
      return existsSync(resolved) ? resolved : null;
    },
  };
  const bundle = await rollup({
    input: emitted("client/src/index.d.ts"),
    external: isThirdParty,
    plugins: [workspaceDeclarations, dts({ respectExternal: true })],
  });
  await bundle.write({ file: path.join(dist, "index.d.ts"), format: "es" });
  await bundle.close();
} finally {
  rmSync(types, { recursive: true, force: true });
}
copyFileSync(path.join(dist, "index.d.ts"), path.join(dist, "index.d.cts"));

const declarations = readFileSync(path.join(dist, "index.d.ts"), "utf8");
const strays = [...declarations.matchAll(/from ["']([^"']+)["']|import\(["']([^"']+)["']\)/g)]
  .map((m) => m[1] ?? m[2])
  .filter((spec) => !isThirdParty(spec));
if (strays.length) {
  console.error(`dist/index.d.ts imports modules that are not dependencies: ${[...new Set(strays)].join(", ")}`);
  process.exit(1);
}
console.log(`built ${path.relative(repoRoot, dist)}: index.js, index.cjs, index.d.ts (${declarations.length} chars)`);
