/** What one round trip to PostgreSQL costs on this machine right now: the unit every other figure is made of. */
import postgres from "postgres";
import { type LatencySummary, summarize } from "./stats.ts";

/** p50/p99 of `select 1` (a prepared statement, one round trip) from this process, one at a time. */
export async function roundTripBaseline(url: string, calls = 500): Promise<LatencySummary> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    for (let i = 0; i < 50; i++) await sql`select 1`;
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await sql`select ${i}::int`;
      samples.push(performance.now() - t0);
    }
    return summarize(samples);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
