/**
 * The cost-curve points, read from a report's sections (bench/results/latest.json):
 *
 * - P1, throughput vs clients: section `p1`, figures named `<series> throughput[, …]`
 *   whose note (or the name after `throughput`) holds `<N> clients`; the series is the
 *   name's prefix plus whatever else note and name say (e.g. `tRPC`, `tRPC (2 processes)`);
 *   y = value (moves/s).
 * - P2, rollover wall time vs subscriptions due: section `p2-rollover`,
 *   figures named `wall time, <W> worker(s)` whose note starts with
 *   `<N> subscriptions due`; series `<W> worker(s)`; y = value (s).
 * - P3, p99 vs hold count: sections `p3` then `p3-10m` (a later one replaces an
 *   earlier one's point), figures with unit `ms` named `<series> p99[…]` or
 *   `p99, <series>`; the hold count is the number before `holds` in the note or the
 *   name (`100000 holds`, `10,000,000 holds`, `0.1M holds`, `10 M holds`), else the
 *   section's `holds in the table` figure.
 *
 * The expected sizes are 8/32/128 clients, 10k/100k/1M subscriptions due and
 * 0.1M/1M/10M holds; a series missing one of them gets a note.
 */
import type { BenchSection, Figure } from "../types.ts";
import type { ChartSeries, ChartSpec } from "./svg.ts";

export const P1_CLIENTS = [8, 32, 128];
export const P2_DUE = [10_000, 100_000, 1_000_000];
export const P3_HOLDS = [100_000, 1_000_000, 10_000_000];

type Point = { series: string; x: number; y: number };

/** 10000 → "10k", 1000000 → "1M", 100000 → "0.1M" when `millions` is set. */
export function sizeText(x: number, millions = false): string {
  if (x >= 1_000_000 || (millions && x >= 100_000)) return `${Number((x / 1_000_000).toPrecision(3))}M`;
  if (x >= 1000) return `${Number((x / 1000).toPrecision(3))}k`;
  return String(x);
}

/** "1,000,000", "0.1M", "10 M", "500k" → the number. */
function parseCount(text: string): number {
  const m = /^([\d.,]+)\s*([kKmM])?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const v = Number((m[1] as string).replace(/,/g, ""));
  const unit = m[2]?.toLowerCase();
  return unit === "m" ? v * 1_000_000 : unit === "k" ? v * 1000 : v;
}

function p1Points(section: BenchSection | undefined): Point[] {
  const out: Point[] = [];
  for (const f of section?.figures ?? []) {
    const name = /^(.+?) throughput\b(.*)$/.exec(f.name);
    if (!name) continue;
    // The clients are in the note ("8 clients") or after the name ("tRPC throughput, 128 clients").
    // A run's verification remark ("NOT VERIFIED: …") belongs to the point, not to the series' name.
    const extra = [name[2] ?? "", (f.note ?? "").replace(/;?\s*NOT VERIFIED:.*$/s, "")].join(", ");
    const clients = /(\d+) clients/.exec(extra);
    if (!clients) continue;
    const rest = extra
      .replace(clients[0], "")
      .split(/[,;]/)
      .map((t) => t.trim())
      .filter(Boolean)
      .join(", ");
    out.push({ series: rest ? `${name[1]} (${rest})` : (name[1] as string), x: Number(clients[1]), y: f.value });
  }
  return out;
}

function p2Points(section: BenchSection | undefined): Point[] {
  const out: Point[] = [];
  for (const f of section?.figures ?? []) {
    const name = /^wall time, (\d+) workers?$/.exec(f.name);
    const due = /^([\d,]+) subscriptions due/.exec(f.note ?? "");
    if (!name || !due) continue;
    const w = Number(name[1]);
    out.push({ series: `${w} worker${w > 1 ? "s" : ""}`, x: parseCount(due[1] as string), y: f.value });
  }
  return out;
}

function holdsOf(f: Figure, section: BenchSection): number {
  for (const text of [f.note ?? "", f.name]) {
    const m = /([\d.,]+\s*[kKmM]?)\s+holds\b/.exec(text);
    if (m) return parseCount(m[1] as string);
  }
  return section.figures.find((g) => g.name === "holds in the table")?.value ?? Number.NaN;
}

const HOLDS_TEXT = /[(,;]?\s*(?:at\s+)?[\d.,]+\s*[kKmM]?\s+holds\b\)?/g;

/** The series of a p99 figure: `<series> p99[, …]` or `p99, <series>`, without any hold count in it. */
function p99Series(name: string): string | null {
  const m = /^(.+?)\s+p99\b/.exec(name) ?? /^p99\b[\s,:;]*(.+)$/.exec(name);
  if (!m) return null;
  const series = (m[1] as string)
    .replace(HOLDS_TEXT, "")
    .replace(/[\s,:;]+$/, "")
    .trim();
  return series || null;
}

/** Rows of a section's `curve` (p3-10m) that are drawn: the listings one by one, and search over all its kinds. */
const P3_CURVE_QUERIES = new Set([
  "holds.listByAccount",
  "holds.list first page",
  "holds.list cursor page",
  "holds.list active by start date",
  "search.global (all kinds)",
]);

function p3Points(sections: (BenchSection | undefined)[]): Point[] {
  const byKey = new Map<string, Point>();
  for (const section of sections) {
    if (!section) continue;
    for (const row of section.curve ?? []) {
      const { holds, query, p99Ms } = row;
      if (typeof holds !== "number" || typeof query !== "string" || typeof p99Ms !== "number") continue;
      if (!P3_CURVE_QUERIES.has(query)) continue;
      byKey.set(`${query}@${holds}`, { series: query, x: holds, y: p99Ms });
    }
    for (const f of section.figures) {
      const series = p99Series(f.name);
      if (!series || f.unit !== "ms") continue;
      const x = holdsOf(f, section);
      if (!(x > 0)) continue;
      byKey.set(`${series}@${x}`, { series, x, y: f.value });
    }
  }
  return [...byKey.values()];
}

function toSeries(points: Point[], label: (y: number) => string): ChartSeries[] {
  const names = [...new Set(points.map((p) => p.series))];
  return names.map((name) => ({
    name,
    points: points.filter((p) => p.series === name).map((p) => ({ x: p.x, y: p.y, label: label(p.y) })),
  }));
}

/** A note per series per expected size it has no point at, or one note when nothing was measured. */
function missing(series: ChartSeries[], xs: number[], what: (x: number) => string, source: string): string[] {
  if (series.length === 0) return [`Not measured yet: no points in ${source}.`];
  const notes: string[] = [];
  for (const s of series) {
    const absent = xs.filter((x) => !s.points.some((p) => p.x === x));
    if (absent.length) notes.push(`${s.name}: not measured at ${absent.map(what).join(", ")}.`);
  }
  return notes;
}

const round = (y: number) => (y >= 100 ? y.toFixed(0) : y >= 10 ? y.toFixed(1) : y.toFixed(2));

export function curveCharts(sections: BenchSection[]): { p1: ChartSpec; p2: ChartSpec; p3: ChartSpec } {
  const byId = (id: string) => sections.find((s) => s.id === id);
  const s1 = toSeries(p1Points(byId("p1")), (y) => `${Math.round(y)}/s`);
  const s2 = toSeries(p2Points(byId("p2-rollover")), (y) => `${round(y)} s`);
  const s3 = toSeries(
    p3Points(byId("p3-10m")?.curve?.length ? [byId("p3-10m")] : [byId("p3"), byId("p3-10m")]),
    (y) => `${round(y)} ms`,
  );
  const clients = (x: number) => `${x} clients`;
  const due = (x: number) => `${sizeText(x)} due`;
  const holds = (x: number) => `${sizeText(x, true)} holds`;
  return {
    p1: {
      title: "P1: hold moves per second vs clients",
      description:
        "Throughput of hold moves over tRPC HTTP, a bare node:http handler and pgbench on the same SQL, at 8, 32 and 128 clients (log scale).",
      xLabel: "concurrent clients (log scale)",
      yLabel: "moves per second",
      xs: P1_CLIENTS,
      xTick: (x) => String(x),
      xText: clients,
      yTick: (y) => String(y),
      series: s1,
      notes: missing(s1, P1_CLIENTS, clients, "section p1"),
    },
    p2: {
      title: "P2: rollover wall time vs subscriptions due",
      description:
        "Seconds for 1, 2 and 4 worker processes to run one tenant's subscriptions due at midnight, at 10k, 100k and 1M due (both axes log scale).",
      xLabel: "subscriptions due at midnight (log scale)",
      yLabel: "wall time, s (log scale)",
      xs: P2_DUE,
      xTick: sizeText,
      xText: due,
      yTick: (y) => String(y),
      yLog: true,
      series: s2,
      notes: missing(s2, P2_DUE, due, "section p2-rollover"),
    },
    p3: {
      title: "P3: p99 latency vs holds stored",
      description:
        "p99 of the hold listings (per account, tenant keyset pages, search) at 0.1M, 1M and 10M holds (log scale).",
      xLabel: "holds in the table (log scale)",
      yLabel: "p99, ms",
      xs: P3_HOLDS,
      xTick: (x) => sizeText(x, true),
      xText: holds,
      yTick: (y) => String(y),
      series: s3,
      notes: missing(s3, P3_HOLDS, holds, "sections p3 / p3-10m"),
    },
  };
}
