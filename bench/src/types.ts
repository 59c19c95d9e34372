/** What every benchmark gets: one real PostgreSQL server for the whole run. */
export interface BenchContext {
  /** Admin URL of the run's PostgreSQL server (database "postgres"). */
  adminUrl: string;
  /** A URL for the given database on the same server. */
  urlFor(database: string): string;
  /** Creates a fresh, migrated database on the run's server and returns its URL. */
  freshDatabase(name: string): Promise<string>;
  /** Scale factor from --scale (1 = the sizes the issue names; smaller for a quick try). */
  scale: number;
  log(line: string): void;
}

/** One figure in the report. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Optional detail, e.g. "8 clients". */
  note?: string;
}

/** A target from the issue, checked against a figure. Benchmarks never fail on a missed target: they report it. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
  /** When missed: what the cause is and what was tried. */
  why?: string;
}

export interface BenchSection {
  id: string;
  title: string;
  /** What is timed and how, in a sentence or two. */
  method: string;
  figures: Figure[];
  targets: TargetCheck[];
  /** Free-form extra Markdown (e.g. EXPLAIN output in a code block). */
  details?: string;
  /** Set when the section was carried into latest.* from an earlier run than the rest (`pnpm bench curves`). */
  measured?: { date: string; commit: string };
  /** Cost-curve points (one per size and query kind) for the charts; p3-10m: { holds, query, p50Ms, p99Ms, samples, loadAvg }. */
  curve?: Record<string, number | string>[];
}

export type Benchmark = (ctx: BenchContext) => Promise<BenchSection>;
