/**
 * A closed-loop load generator: N clients, each sending its next request as
 * soon as the previous one is answered, over keep-alive HTTP connections
 * (one per client). A warm-up phase is run and discarded; then requests that
 * complete inside the measured window count.
 */
import http from "node:http";
import { type LatencySummary, summarize } from "./stats.ts";

export interface HttpAnswer {
  status: number;
  body: string;
}

/** A keep-alive agent with one socket per client. */
export function keepAliveAgent(clients: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients });
}

/** POSTs a JSON body and reads the whole answer. */
export function postJson(
  agent: http.Agent,
  url: URL,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": String(data.length), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

export interface LoadOptions {
  clients: number;
  warmupMs: number;
  durationMs: number;
  /**
   * One request of client `client`. Resolve when answered; throw (or resolve
   * false) on a failed request. Resolve null when there is nothing left to send.
   */
  send: (client: number) => Promise<boolean | null>;
  /** Called when the measured window opens and when it closes (e.g. CPU snapshots). */
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
}

export interface LoadResult {
  /** Requests completed successfully inside the measured window. */
  completed: number;
  /** All successful requests, warm-up included. */
  total: number;
  errors: number;
  firstError?: string;
  /** The work ran out before the window ended (the figures are then not valid). */
  exhausted: boolean;
  seconds: number;
  /** Completed per second over the measured window. */
  throughput: number;
  /** Latencies in ms of the requests completed inside the window. */
  latency: LatencySummary;
}

export async function runClosedLoop(opts: LoadOptions): Promise<LoadResult> {
  const start = performance.now();
  const windowStart = start + opts.warmupMs;
  const windowEnd = windowStart + opts.durationMs;
  const latencies: number[] = [];
  let total = 0;
  let errors = 0;
  let firstError: string | undefined;
  let exhausted = false;

  async function client(i: number) {
    while (!exhausted) {
      const t0 = performance.now();
      if (t0 >= windowEnd) return;
      let ok: boolean | null;
      try {
        ok = await opts.send(i);
      } catch (e) {
        ok = false;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
      const t1 = performance.now();
      if (ok === null) {
        exhausted = true;
        return;
      }
      if (!ok) {
        errors++;
        continue;
      }
      total++;
      // Throughput counts completions inside the window; their latencies are the sample.
      if (t1 > windowStart && t1 <= windowEnd) latencies.push(t1 - t0);
    }
  }
  const timers = [
    setTimeout(() => opts.onWindowStart?.(), opts.warmupMs),
    setTimeout(() => opts.onWindowEnd?.(), opts.warmupMs + opts.durationMs),
  ];
  await Promise.all(Array.from({ length: opts.clients }, (_, i) => client(i)));
  for (const t of timers) clearTimeout(t);
  const seconds = opts.durationMs / 1000;
  return {
    completed: latencies.length,
    total,
    errors,
    ...(firstError ? { firstError } : {}),
    exhausted,
    seconds,
    throughput: latencies.length / seconds,
    latency: summarize(latencies),
  };
}
