/**
 * The dashboard's first-load JavaScript (the entry script, its modulepreloads
 * and every chunk they import statically; not the screens and charts loaded
 * with import()) stays within 250 KB gzipped, and the chart library is not
 * part of it. Reads the build the browser tests load (build-dashboard.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DIST } from "./build-dashboard.ts";

const LIMIT_KB = 250;

function firstLoadChunks(): { file: string; code: string; gzipBytes: number }[] {
  const html = readFileSync(path.join(DIST, "index.html"), "utf8");
  const queue = [
    ...[...html.matchAll(/<script\b[^>]*type="module"[^>]*src="([^"]+)"/g)].map((m) => m[1] as string),
    ...[...html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1] as string),
  ];
  const seen = new Set<string>();
  const chunks = [];
  while (queue.length > 0) {
    const url = queue.shift() as string;
    if (seen.has(url)) continue;
    seen.add(url);
    const data = readFileSync(path.join(DIST, url.replace(/^\//, "")));
    const code = data.toString("utf8");
    chunks.push({ file: url, code, gzipBytes: gzipSync(data).length });
    // Static imports only (`import … from "./x.js"`, `import "./x.js"`), not `import("./x.js")`.
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*)["'](\.{1,2}\/[^"']+\.js)["']/g))
      queue.push(path.posix.join(path.posix.dirname(url), m[1] as string));
  }
  return chunks;
}

describe("first-load JavaScript", () => {
  it(`is at most ${LIMIT_KB} KB gzipped, without the chart library`, () => {
    const chunks = firstLoadChunks();
    expect(chunks.length).toBeGreaterThan(0);
    const kb = chunks.reduce((n, c) => n + c.gzipBytes, 0) / 1024;
    console.log(
      `first-load JS: ${kb.toFixed(1)} KB gzipped in ${chunks.length} chunk(s): ${chunks.map((c) => `${c.file} ${(c.gzipBytes / 1024).toFixed(1)} KB`).join(", ")}`,
    );
    expect(kb).toBeLessThanOrEqual(LIMIT_KB);
    // recharts' CSS class names (recharts-bar) survive minification; none may be in the first load.
    for (const c of chunks) expect(c.code, c.file).not.toContain("recharts-bar");
    // …and they are in the built dashboard, in a chunk loaded later.
    const assets = readdirSync(path.join(DIST, "assets")).filter((f) => f.endsWith(".js"));
    const charts = assets.filter((f) => readFileSync(path.join(DIST, "assets", f), "utf8").includes("recharts-bar"));
    expect(charts.length).toBeGreaterThan(0);
    expect(chunks.map((c) => path.posix.basename(c.file))).not.toContain(charts[0]);
  });
});
