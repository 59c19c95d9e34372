import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildCurves, writeCurves } from "../src/curves.ts";
import { parseSizes } from "../src/p2-rollover.ts";
import type { BenchSection, Figure } from "../src/types.ts";

const section = (id: string, figures: Figure[]): BenchSection => ({
  id,
  title: id,
  method: "",
  figures,
  targets: [],
});

/** Sections shaped like today's reports: P1 at 8 and 32 clients only, P2 at three sizes, P3 at 1M (p3) and 10M (p3-10m). */
const SECTIONS: BenchSection[] = [
  section("p1", [
    { name: "tRPC throughput", value: 467, unit: "moves/s", note: "8 clients" },
    { name: "tRPC throughput", value: 505, unit: "moves/s", note: "32 clients" },
    { name: "bare throughput", value: 861, unit: "moves/s", note: "8 clients" },
    { name: "bare throughput", value: 1110, unit: "moves/s", note: "32 clients" },
    { name: "tRPC p99", value: 46.9, unit: "ms", note: "8 clients" },
    { name: "tRPC throughput, 128 clients", value: 498, unit: "moves/s", note: "2 processes" },
  ]),
  section("p2-rollover", [
    { name: "seeding", value: 19, unit: "s", note: "100000 subscriptions due" },
    { name: "wall time, 1 worker", value: 4.76, unit: "s", note: "10000 subscriptions due; gate release …" },
    { name: "wall time, 1 worker", value: 69.6, unit: "s", note: "100000 subscriptions due; gate release …" },
    { name: "wall time, 2 workers", value: 36.2, unit: "s", note: "100000 subscriptions due" },
    { name: "wall time, 2 workers", value: 412, unit: "s", note: "1000000 subscriptions due" },
  ]),
  section("p3", [
    { name: "holds in the table", value: 1_000_000, unit: "", note: "20 tenants" },
    { name: "per-account listing p99", value: 6.96, unit: "ms", note: "1000 calls" },
    { name: "one round trip (select 1)", value: 0.136, unit: "ms p50" },
  ]),
  section("p3-10m", [
    { name: "per-account listing p99", value: 8.41, unit: "ms", note: "10M holds, 1000 calls" },
    { name: "search.global p99", value: 31.5, unit: "ms", note: "100,000 holds" },
    { name: "p99, tenant keyset page (1M holds)", value: 5.5, unit: "ms" },
    { name: "tenant keyset page p99, 10 M holds", value: 7.25, unit: "ms", note: "1000 calls" },
  ]),
];

describe("cost curves", () => {
  const { svgs, section: curves } = buildCurves(SECTIONS);

  it("draws one SVG per benchmark with an accessible title and description", () => {
    expect(Object.keys(svgs).sort()).toEqual(["curves-p1.svg", "curves-p2.svg", "curves-p3.svg"]);
    for (const svg of Object.values(svgs)) {
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* role="img" aria-labelledby="title desc"/);
      expect(svg).toMatch(/<title id="title">P\d: [^<]+<\/title>/);
      expect(svg).toMatch(/<desc id="desc">[^<]+<\/desc>/);
      expect(svg.trim().endsWith("</svg>")).toBe(true);
    }
  });

  it("labels every P1 throughput point and notes the clients not measured", () => {
    const svg = svgs["curves-p1.svg"] as string;
    for (const label of ["467/s", "505/s", "861/s", "1110/s"]) expect(svg).toContain(`>${label}</text>`);
    expect(svg).not.toContain("46.9");
    expect(svg).toContain("tRPC: not measured at 128 clients.");
    expect(svg).toContain("<title>tRPC (2 processes): 498/s at 128 clients</title>");
    expect(svg).toContain("bare: not measured at 128 clients.");
  });

  it("labels the P2 wall times by worker count and size", () => {
    const svg = svgs["curves-p2.svg"] as string;
    for (const label of ["4.76 s", "69.6 s", "36.2 s", "412 s"]) expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain("<title>2 workers: 412 s at 1M due</title>");
    expect(svg).toContain("1 worker: not measured at 1M due.");
    expect(svg).toContain("2 workers: not measured at 10k due.");
  });

  it("places P3 points by the hold count in the note, else the section's hold count", () => {
    const svg = svgs["curves-p3.svg"] as string;
    expect(svg).toContain("<title>per-account listing: 6.96 ms at 1M holds</title>");
    expect(svg).toContain("<title>per-account listing: 8.41 ms at 10M holds</title>");
    expect(svg).toContain("<title>search.global: 31.5 ms at 0.1M holds</title>");
    expect(svg).toContain("per-account listing: not measured at 0.1M holds.");
    expect(svg).toContain("<title>tenant keyset page: 5.50 ms at 1M holds</title>");
    expect(svg).toContain("<title>tenant keyset page: 7.25 ms at 10M holds</title>");
    expect(svg).not.toContain("0.136");
  });

  it("lists every drawn point as a figure of the curves section", () => {
    expect(curves.id).toBe("curves");
    expect(curves.figures).toContainEqual({ name: "P2 2 workers", value: 412, unit: "s", note: "1M due" });
    expect(curves.figures).toContainEqual({ name: "P1 tRPC", value: 505, unit: "moves/s", note: "32 clients" });
    expect(curves.figures).toHaveLength(5 + 4 + 5);
    expect(curves.details).toContain("![P2 cost curve](curves-p2.svg)");
  });

  it("says a chart has no points when its section is missing, and escapes text", () => {
    const { svgs: empty } = buildCurves([
      section("p1", [{ name: "a<b throughput", value: 1, unit: "", note: "8 clients" }]),
    ]);
    expect(empty["curves-p2.svg"]).toContain("Not measured yet: no points in section p2-rollover.");
    expect(empty["curves-p1.svg"]).toContain("a&lt;b");
    expect(empty["curves-p1.svg"]).not.toContain("a<b");
  });
});

describe("writeCurves", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("adds the curves section to latest.json and carries a missing source over from the newest full-size report", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-curves-"));
    const machine = { date: "2026-12-01T00:00:00Z", commit: "aaaaaaa" };
    const p2 = SECTIONS[1] as BenchSection;
    await writeFile(path.join(dir, "latest.json"), JSON.stringify({ machine, scale: 1, sections: [SECTIONS[0]] }));
    await writeFile(
      path.join(dir, "2026-12-06T00-00-00-000Z.json"),
      JSON.stringify({ machine: { date: "2026-12-06T00:00:00Z", commit: "bbbbbbb" }, scale: 1, sections: [p2] }),
    );
    // A later run at a smaller scale is not carried over.
    await writeFile(
      path.join(dir, "2026-12-07T00-00-00-000Z.json"),
      JSON.stringify({ machine: { date: "2026-12-07", commit: "c" }, scale: 0.1, sections: [{ ...p2, figures: [] }] }),
    );
    await writeCurves(dir, () => undefined);
    const latest = JSON.parse(await readFile(path.join(dir, "latest.json"), "utf8"));
    expect(latest.sections.map((s: BenchSection) => s.id)).toEqual(["p1", "p2-rollover", "curves"]);
    expect(latest.sections[1].measured).toEqual({ date: "2026-12-06T00:00:00Z", commit: "bbbbbbb" });
    expect(await readFile(path.join(dir, "curves-p2.svg"), "utf8")).toContain(">412 s</text>");
    expect(await readFile(path.join(dir, "latest.md"), "utf8")).toContain("## CURVES: Cost curves");
    // Run again: the curves section is replaced, not added twice.
    await writeCurves(dir, () => undefined);
    const again = JSON.parse(await readFile(path.join(dir, "latest.json"), "utf8"));
    expect(again.sections.map((s: BenchSection) => s.id)).toEqual(["p1", "p2-rollover", "curves"]);
  });
});

describe("P2 rollover sizes", () => {
  it("reads --p2-sizes with optional worker counts per size, times the scale", () => {
    expect(parseSizes([], 1)).toEqual([{ n: 100_000, workers: [1, 2, 4] }]);
    expect(parseSizes(["--p2-sizes=10000,1000000:2"], 0.1)).toEqual([
      { n: 1000, workers: [1, 2, 4] },
      { n: 100_000, workers: [2] },
    ]);
    expect(() => parseSizes(["--p2-sizes=10000:0"], 1)).toThrow(/bad --p2-sizes/);
  });
});
