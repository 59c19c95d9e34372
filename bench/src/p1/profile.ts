/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, .cpuprofile JSON): self time
 * by function and by package, so a benchmark report can name where a
 * server's CPU goes. A "package" is the npm package a frame's file belongs to
 * (`node_modules/.pnpm/…/node_modules/<name>/`), a workspace package
 * (`packages/<x>`, `apps/<x>`), Node's own code (`node:…`), or V8's
 * pseudo-frames (`(garbage collector)`, `(program)`, `(idle)`).
 *
 * Run alone: `node --import tsx bench/src/p1/profile.ts <file-or-dir>…` prints the tables.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  name: string;
  /** Self time in milliseconds. */
  ms: number;
  /** Share of the profile's busy time (idle left out), 0..1. */
  share: number;
}

export interface ProfileSummary {
  /** Busy time in the profile (samples that were not idle), milliseconds. */
  busyMs: number;
  /** Wall time the profile covers, milliseconds. */
  wallMs: number;
  byFunction: FrameShare[];
  byPackage: FrameShare[];
}

/** The package a script URL belongs to. */
export function packageOf(url: string): string {
  if (!url) return "(V8 / native)";
  if (url.startsWith("node:")) return "node (core)";
  const file = url.startsWith("file://") ? decodeURIComponent(url.slice("file://".length)) : url;
  const nm = file.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = file.slice(nm + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? file);
  }
  const ws = /\/(packages|apps|bench)\/([^/]+)\//.exec(file);
  if (ws) return ws[1] === "bench" ? "bench" : `${ws[1]}/${ws[2]}`;
  return path.basename(file);
}

function shortUrl(url: string): string {
  if (!url) return "";
  const file = url.startsWith("file://") ? decodeURIComponent(url.slice("file://".length)) : url;
  const nm = file.lastIndexOf("/node_modules/");
  if (nm >= 0) return file.slice(nm + "/node_modules/".length);
  const ws = /\/((?:packages|apps|bench)\/.*)$/.exec(file);
  return ws?.[1] ?? file;
}

/**
 * The index of the first sample taken while the process handled an HTTP
 * request (node:http's `parserOnIncoming` on the stack): what comes before is
 * start-up (module loading and compiling), left out of a server's summary. A
 * profile that never served one (a loader's worker thread) counts for nothing.
 */
function firstRequestSample(p: CpuProfile, byId: Map<number, ProfileNode>): number {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const serving = new Map<number, boolean>();
  const isServing = (id: number): boolean => {
    const known = serving.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const v = node?.callFrame.functionName === "parserOnIncoming" || (up !== undefined && isServing(up));
    serving.set(id, v);
    return v;
  };
  const i = p.samples.findIndex((id) => isServing(id));
  return i < 0 ? p.samples.length : i;
}

/** Self time by function and by package over one or more profiles (summed), from each one's first HTTP request on. */
export function summarise(profiles: CpuProfile[], top = 25): ProfileSummary {
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let busy = 0;
  let wall = 0;
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const from = firstRequestSample(p, byId);
    // timeDeltas[i] is the time before sample i; the time a sample stands for is the next delta.
    for (let i = from; i < p.samples.length; i++) wall += (p.timeDeltas[i + 1] ?? 0) / 1000;
    for (let i = from; i < p.samples.length; i++) {
      const node = byId.get(p.samples[i] as number);
      if (!node) continue;
      const us = p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === "(idle)") continue;
      const ms = us / 1000;
      busy += ms;
      const key = url
        ? `${functionName || "(anonymous)"} ${shortUrl(url)}:${lineNumber + 1}`
        : functionName || "(anonymous)";
      fn.set(key, (fn.get(key) ?? 0) + ms);
      const pk = url ? packageOf(url) : functionName.startsWith("(") ? functionName : "(V8 / native)";
      pkg.set(pk, (pkg.get(pk) ?? 0) + ms);
    }
  }
  const rank = (m: Map<string, number>): FrameShare[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: busy ? ms / busy : 0 }));
  return { busyMs: busy, wallMs: wall, byFunction: rank(fn), byPackage: rank(pkg) };
}

/** Reads every .cpuprofile among `paths` (files, or directories searched one level deep). */
export async function readProfiles(paths: string[]): Promise<CpuProfile[]> {
  const files: string[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) {
      for (const f of await readdir(p)) if (f.endsWith(".cpuprofile")) files.push(path.join(p, f));
    } else files.push(p);
  }
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(f, "utf8")) as CpuProfile));
}

/** The summary as two Markdown tables. */
export function summaryMarkdown(s: ProfileSummary, rows = 15): string {
  const table = (title: string, items: FrameShare[]) => [
    `| ${title} | self ms | share of busy |`,
    "|---|---:|---:|",
    ...items
      .slice(0, rows)
      .map((f) => `| \`${f.name.replace(/\|/g, "\\|")}\` | ${f.ms.toFixed(0)} | ${(f.share * 100).toFixed(1)}% |`),
  ];
  return [
    `Busy ${(s.busyMs / 1000).toFixed(1)} s of CPU over ${(s.wallMs / 1000).toFixed(1)} s profiled from the first HTTP request on (start-up and idle left out).`,
    "",
    ...table("package", s.byPackage),
    "",
    ...table("function (self time)", s.byFunction),
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error("usage: profile.ts <profile-or-dir>…");
    process.exit(2);
  }
  console.log(summaryMarkdown(summarise(await readProfiles(args), 30), 30));
}
