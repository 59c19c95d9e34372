/**
 * `pnpm bench curves`: the cost curves of P1-P3 as SVG charts
 * (bench/results/curves-p1.svg, curves-p2.svg, curves-p3.svg) and the
 * `curves` section of latest.json / latest.md, from the sections in
 * latest.json (see curves/points.ts for the figures read). A section the
 * curves need (p1, p2-rollover, p3, p3-10m) that latest.json lacks is carried
 * over from the newest full-size report in bench/results/ that has it, marked
 * with that run's date and commit.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { curveCharts } from "./curves/points.ts";
import { type ChartSpec, lineChart } from "./curves/svg.ts";
import { toMarkdown } from "./shared/report.ts";
import type { BenchSection, Figure } from "./types.ts";

export const CURVE_SOURCES = ["p1", "p2-rollover", "p3", "p3-10m"];

const UNITS: Record<string, string> = { p1: "moves/s", p2: "s", p3: "ms" };

export interface Report {
  machine: Record<string, string>;
  scale: number;
  sections: BenchSection[];
}

/** The three charts' SVG text by file name, and the `curves` section listing every point drawn. */
export function buildCurves(sections: BenchSection[]): { svgs: Record<string, string>; section: BenchSection } {
  const charts = curveCharts(sections);
  const svgs: Record<string, string> = {};
  const figures: Figure[] = [];
  const notes: string[] = [];
  for (const [key, spec] of Object.entries(charts) as [string, ChartSpec][]) {
    svgs[`curves-${key}.svg`] = lineChart(spec);
    for (const s of spec.series)
      for (const p of [...s.points].sort((a, b) => a.x - b.x))
        figures.push({
          name: `${key.toUpperCase()} ${s.name}`,
          value: p.y,
          unit: UNITS[key] ?? "",
          note: (spec.xText ?? spec.xTick)(p.x),
        });
    for (const n of spec.notes) notes.push(`- ${key.toUpperCase()}: ${n}`);
  }
  const details = [
    "![P1 cost curve](curves-p1.svg)",
    "![P2 cost curve](curves-p2.svg)",
    "![P3 cost curve](curves-p3.svg)",
    "",
    ...(notes.length ? ["Points not drawn:", "", ...notes] : ["Every expected point is drawn."]),
  ].join("\n");
  return {
    svgs,
    section: {
      id: "curves",
      title: "Cost curves: P1 throughput vs clients, P2 rollover time vs subscriptions due, P3 p99 vs holds",
      method:
        "Drawn by `pnpm bench curves` from the p1, p2-rollover, p3 and p3-10m sections of this report (no new measurement): each figure below is one point of a chart in bench/results/curves-p*.svg.",
      figures,
      targets: [],
      details,
    },
  };
}

async function newestWith(dir: string, id: string): Promise<{ report: Report; section: BenchSection } | null> {
  const files = (await readdir(dir))
    .filter((f) => /^\d{4}-.*\.json$/.test(f))
    .sort()
    .reverse();
  for (const f of files) {
    const report = JSON.parse(await readFile(path.join(dir, f), "utf8")) as Report;
    const section = report.scale === 1 ? report.sections.find((s) => s.id === id) : undefined;
    if (section) return { report, section };
  }
  return null;
}

/** Updates latest.json / latest.md in `dir` with the curves section (and carried-over sources) and writes the SVGs. */
export async function writeCurves(dir: string, log: (line: string) => void = console.log): Promise<void> {
  const latestPath = path.join(dir, "latest.json");
  const latest = JSON.parse(await readFile(latestPath, "utf8")) as Report;
  for (const id of CURVE_SOURCES) {
    if (latest.sections.some((s) => s.id === id)) continue;
    const found = await newestWith(dir, id);
    if (!found) continue;
    latest.sections.push({
      ...found.section,
      measured: { date: found.report.machine.date ?? "?", commit: found.report.machine.commit ?? "?" },
    });
    log(`carried section ${id} into latest.json from the run of ${found.report.machine.date}`);
  }
  const { svgs, section } = buildCurves(latest.sections);
  for (const [file, text] of Object.entries(svgs)) {
    await writeFile(path.join(dir, file), text);
    log(`wrote bench/results/${file}`);
  }
  const at = latest.sections.findIndex((s) => s.id === "curves");
  if (at >= 0) latest.sections[at] = section;
  else latest.sections.push(section);
  await writeFile(latestPath, JSON.stringify(latest, null, 2));
  await writeFile(path.join(dir, "latest.md"), toMarkdown(latest.machine, latest.sections, latest.scale));
  for (const line of section.details?.split("\n").filter((l) => l.startsWith("- ")) ?? []) log(`  ${line}`);
}
