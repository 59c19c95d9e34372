/**
 * The dashboard's first-load JavaScript: what a browser must fetch and run
 * before the first screen can render. That is the entry script index.html
 * loads, every chunk it preloads (modulepreload), and every chunk those import
 * statically (they load before the entry runs, preloaded or not). Lazily
 * imported screens (import()) are not counted: they load when opened.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const WEB_DIR = path.join(REPO_ROOT, "apps/web");

export interface Chunk {
  file: string;
  bytes: number;
  gzipBytes: number;
  /** How it is loaded: the entry script, a modulepreload link, or a static import of another eager chunk. */
  via: "entry" | "modulepreload" | "static import";
}

/**
 * Builds the dashboard into outDir (production mode, the project's own vite
 * config), not into apps/web/dist, so a browser test running at the same time
 * keeps its files.
 */
export async function buildDashboard(outDir: string): Promise<number> {
  const started = performance.now();
  await promisify(execFile)(
    path.join(WEB_DIR, "node_modules/.bin/vite"),
    ["build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"],
    { cwd: WEB_DIR, env: { ...process.env, NODE_ENV: "production" }, maxBuffer: 16 * 2 ** 20 },
  );
  return performance.now() - started;
}

/** gzip at zlib's default level (6), what a typical server or CDN sends. */
function gzipSize(data: Buffer): number {
  return gzipSync(data).length;
}

/** The eager chunks of a built dashboard, entry first. */
export async function firstLoadChunks(dist: string): Promise<Chunk[]> {
  const html = await readFile(path.join(dist, "index.html"), "utf8");
  const tags = [...html.matchAll(/<(script|link)\b[^>]*>/g)].map((m) => m[0]);
  const attr = (tag: string, name: string) => tag.match(new RegExp(`\\b${name}="([^"]+)"`))?.[1];
  const queue: { url: string; via: Chunk["via"] }[] = [];
  for (const tag of tags) {
    if (tag.startsWith("<script") && attr(tag, "type") === "module" && attr(tag, "src")) {
      queue.push({ url: attr(tag, "src") as string, via: "entry" });
    } else if (tag.startsWith("<link") && attr(tag, "rel") === "modulepreload" && attr(tag, "href")) {
      queue.push({ url: attr(tag, "href") as string, via: "modulepreload" });
    }
  }
  if (!queue.some((q) => q.via === "entry")) throw new Error(`no module script in ${dist}/index.html`);

  const chunks: Chunk[] = [];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const next = queue.shift() as { url: string; via: Chunk["via"] };
    const file = path.join(dist, next.url.replace(/^\//, ""));
    if (seen.has(file)) continue;
    seen.add(file);
    const data = await readFile(file);
    chunks.push({ file: path.relative(dist, file), bytes: data.length, gzipBytes: gzipSize(data), via: next.via });
    // Static imports (`import … from "./x.js"`, `import "./x.js"`), not dynamic `import("./x.js")`.
    const code = data.toString("utf8");
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*)["'](\.{1,2}\/[^"']+\.js)["']/g)) {
      queue.push({ url: path.posix.join(path.posix.dirname(next.url), m[1] as string), via: "static import" });
    }
  }
  return chunks;
}
