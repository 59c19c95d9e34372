/**
 * A Drizzle database like the product's (createDb: postgres.js, business
 * dates as strings) whose postgres.js `debug` hook records every statement
 * sent, with its parameters as text. For showing the SQL a code path really
 * issues and for running EXPLAIN on it.
 */
import { type Database, schema } from "@holdfast/db";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";

export interface TracedStatement {
  /** The postgres.js connection it was sent on. */
  connection: number;
  text: string;
  /** Parameters as text; an array parameter stays an array of texts. */
  params: TracedParam[];
}

export type TracedParam = string | null | (string | null)[];

export interface TracingDb {
  db: Database;
  /** Statements sent while recording. */
  statements: TracedStatement[];
  /** Records the statements `fn` sends (clearing earlier ones). */
  record<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function createTracingDb(url: string, max = 4): TracingDb {
  let recording = false;
  const statements: TracedStatement[] = [];
  const client = postgres(url, {
    max,
    onnotice: () => undefined,
    types: { date: { to: 1082, from: [1082], serialize: (v: string) => v, parse: (v: string) => v } },
    debug: (connection, text, params) => {
      if (recording) {
        const asParam = (p: unknown): TracedParam => (Array.isArray(p) ? p.map(asText) : asText(p));
        statements.push({ connection, text, params: (params as unknown[]).map(asParam) });
      }
    },
  });
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    db,
    statements,
    async record(fn) {
      // Open a connection first so its start-up is not recorded.
      await client`select 1`;
      statements.length = 0;
      recording = true;
      try {
        return await fn();
      } finally {
        recording = false;
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** `EXPLAIN (ANALYZE, BUFFERS)` of a recorded statement, run with its own parameters; the plan as text. */
export async function explainAnalyze(db: Database, st: TracedStatement): Promise<string> {
  const rows = await db.$client.unsafe(`explain (analyze, buffers) ${st.text}`, st.params as never[]);
  return rows.map((r) => (r as Record<string, string>)["QUERY PLAN"]).join("\n");
}
