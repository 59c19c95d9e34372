/** The Markdown report of a benchmark run (bench/results/<stamp>.md and latest.md), from its sections. */
import type { BenchSection } from "../types.ts";

export function toMarkdown(machine: Record<string, string>, sections: BenchSection[], scale: number): string {
  const lines: string[] = ["# Holdfast benchmarks", ""];
  lines.push("| machine | |", "|---|---|");
  for (const [k, v] of Object.entries(machine)) lines.push(`| ${k} | ${v} |`);
  if (scale !== 1) lines.push(`| scale | ${scale} (not the issue's sizes) |`);
  lines.push("");
  for (const s of sections) {
    lines.push(`## ${s.id.toUpperCase()}: ${s.title}`, "", s.method, "");
    if (s.measured)
      lines.push(
        `Measured ${s.measured.date} at commit ${s.measured.commit} (an earlier run than the machine table's).`,
        "",
      );
    lines.push("| figure | value | note |", "|---|---:|---|");
    for (const f of s.figures) lines.push(`| ${f.name} | ${formatValue(f.value)} ${f.unit} | ${f.note ?? ""} |`);
    lines.push("");
    if (s.targets.length > 0) {
      lines.push("| target | measured | met |", "|---|---|---|");
      for (const t of s.targets)
        lines.push(`| ${t.target} | ${t.measured} | ${t.met ? "yes" : `no: ${t.why ?? ""}`} |`);
      lines.push("");
    }
    if (s.details) lines.push(s.details, "");
  }
  return lines.join("\n");
}

export function formatValue(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
