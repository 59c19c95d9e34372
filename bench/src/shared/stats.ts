/** Latency statistics shared by the benchmarks. */

/** The p-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile(values: readonly number[], p: number, sorted = false): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted ? values : [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))] as number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** p50, p99, mean and max of a set of latencies (any unit; the answer keeps it). */
export function summarize(values: readonly number[]): LatencySummary {
  const s = [...values].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    count: s.length,
    p50: percentile(s, 50, true),
    p99: percentile(s, 99, true),
    mean: s.length ? sum / s.length : Number.NaN,
    max: s.length ? (s.at(-1) as number) : Number.NaN,
  };
}

/** Rounds for display: 3 significant digits. */
export function round3(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(3)) : v;
}
