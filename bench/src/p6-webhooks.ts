/**
 * P6 (webhooks): real worker processes (`apps/worker/src/main.ts`, their
 * delivery loop) deliver outbox events to a receiver on 127.0.0.1 that
 * answers 200 at once. Throughput: a backlog of events over 500 entities,
 * committed at once, until the receiver has them all. Latency: events
 * committed at 100 per second for 20 s; for each, commit (the insert's
 * return) to its arrival at the receiver. With 1 and with 2 workers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { newLocator, newWebhookSecret, secretBox } from "@holdfast/services";
import postgres from "postgres";
import { REPO_ROOT } from "./shared/process.ts";
import type { BenchContext, Benchmark, BenchSection, Figure, TargetCheck } from "./types.ts";

const MAIN = path.join(REPO_ROOT, "apps/worker/src/main.ts");
const ENTITIES = 500;
const RATE = 100;
const RATE_SECONDS = 20;

interface Receiver {
  url: string;
  arrivals: Map<string, number>;
  requests: number;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const r = { arrivals: new Map<string, number>(), requests: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      r.requests++;
      const id = req.headers["webhook-id"];
      if (typeof id === "string" && !r.arrivals.has(id)) r.arrivals.set(id, Date.now());
      res.end("ok");
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  });
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

function startWorkers(url: string, count: number, key: string): ChildProcess[] {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    LOG_LEVEL: "warn",
    HOLDFAST_SECRET_KEY: key,
    HOLDFAST_WEBHOOKS_ALLOW_PRIVATE: "1",
  };
  delete env.HOLDFAST_NOW;
  return Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--interval-ms", "600000"], {
      cwd: path.dirname(path.dirname(MAIN)),
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    live.add(child);
    child.on("close", () => live.delete(child));
    return child;
  });
}

async function stopWorkers(children: ChildProcess[]) {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((ok) => {
          if (c.exitCode !== null || c.signalCode !== null) return ok();
          c.once("close", () => ok());
          c.kill("SIGTERM");
        }),
    ),
  );
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((ok) => setTimeout(ok, 5));
  }
  return true;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function insertEvents(sql: postgres.Sql, tenantId: string, n: number, offset: number): Promise<string[]> {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: newLocator(),
    tenant_id: tenantId,
    type: "hold.amended",
    entity_type: "hold",
    entity_id: `h${(offset + i) % ENTITIES}`,
    occurred_at: new Date().toISOString(),
    data: sql.json({ n: offset + i }),
  }));
  await sql`insert into domain_events ${sql(rows)}`;
  return rows.map((r) => r.id);
}

async function variant(ctx: BenchContext, workers: number, backlog: number) {
  const url = await ctx.freshDatabase(`p6_webhooks_${workers}`);
  const sql = postgres(url, { max: 4, onnotice: () => undefined });
  const rx = await startReceiver();
  const keyBytes = randomBytes(32);
  const box = secretBox(keyBytes);
  const tenantId = randomUUID();
  await sql`insert into tenants (id, name) values (${tenantId}, 'P6 webhooks')`;
  const secret = newWebhookSecret();
  await sql`insert into webhook_endpoints (id, tenant_id, url, event_types, secret_ciphertext, secret_prefix, created_at, updated_at)
            values (${newLocator()}, ${tenantId}, ${rx.url}, ${sql.json(["hold.amended"])}, ${box.seal(secret)},
                    ${secret.slice(0, 12)}, now(), now())`;
  const children = startWorkers(url, workers, keyBytes.toString("base64"));
  try {
    // Warm up: the workers are up and delivering.
    const warm = await insertEvents(sql, tenantId, 20, 0);
    if (!(await waitFor(() => warm.every((id) => rx.arrivals.has(id)), 60_000)))
      throw new Error("workers never delivered");

    const ids = await insertEvents(sql, tenantId, backlog, 0);
    const t0 = Date.now();
    await waitFor(() => ids.every((id) => rx.arrivals.has(id)), 300_000);
    const last = Math.max(...ids.map((id) => rx.arrivals.get(id) ?? Number.NaN));
    const throughput = backlog / ((last - t0) / 1000);
    ctx.log(`    backlog delivered in ${((last - t0) / 1000).toFixed(1)} s`);

    const committed = new Map<string, number>();
    const start = Date.now();
    for (let i = 0; i < RATE * RATE_SECONDS; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
      const [id] = await insertEvents(sql, tenantId, 1, i);
      committed.set(id as string, Date.now());
    }
    await waitFor(() => [...committed.keys()].every((id) => rx.arrivals.has(id)), 120_000);
    const latencies = [...committed].map(([id, at]) => (rx.arrivals.get(id) ?? Number.NaN) - at).sort((a, b) => a - b);
    return {
      throughput,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
      requests: rx.requests,
      events: 20 + backlog + RATE * RATE_SECONDS,
    };
  } finally {
    await stopWorkers(children);
    await rx.close();
    await sql.end();
  }
}

const p6Webhooks: Benchmark = async (ctx: BenchContext): Promise<BenchSection> => {
  const backlog = Math.max(500, Math.round(5000 * ctx.scale));
  const figures: Figure[] = [];
  const targets: TargetCheck[] = [];
  const loadBefore = os.loadavg()[0] ?? 0;
  for (const workers of [1, 2]) {
    ctx.log(`  ${workers} worker(s): backlog of ${backlog}, then ${RATE}/s for ${RATE_SECONDS} s`);
    const r = await variant(ctx, workers, backlog);
    const note = `${workers} worker${workers > 1 ? "s" : ""}`;
    figures.push(
      { name: "events delivered per second (backlog)", value: Math.round(r.throughput), unit: "events/s", note },
      { name: `commit to delivery p50 at ${RATE}/s`, value: r.p50, unit: "ms", note },
      { name: `commit to delivery p99 at ${RATE}/s`, value: r.p99, unit: "ms", note },
      { name: `commit to delivery max at ${RATE}/s`, value: r.max, unit: "ms", note },
      { name: "requests per event", value: r.requests / r.events, unit: "", note },
    );
    targets.push({
      target: `p99 commit to delivery at ${RATE} events/s < 1 s (${note})`,
      measured: `${r.p99} ms`,
      met: r.p99 < 1000,
      why:
        r.p99 < 1000
          ? undefined
          : `throughput (${Math.round(r.throughput)}/s) below the offered ${RATE}/s on this machine, so a queue builds; see the load average below`,
    });
  }
  return {
    id: "p6-webhooks",
    title: "Webhook delivery: events per second and commit-to-delivery latency",
    method:
      `Real worker processes deliver to a receiver on 127.0.0.1 that answers 200 at once (one endpoint, default settings: ` +
      `4 requests in flight per endpoint, 100 ms poll, order per entity over ${ENTITIES} entities). Throughput: a backlog ` +
      `committed at once until the last arrival. Latency: ${RATE} events per second for ${RATE_SECONDS} s, each from its ` +
      `commit to its arrival.`,
    figures,
    targets,
    details: `Machine load average (1 min) before / after: ${loadBefore.toFixed(1)} / ${(os.loadavg()[0] ?? 0).toFixed(1)} on ${os.cpus().length} CPUs. Each delivery costs a claim (one statement) and a record (one statement), both committed asynchronously; under a loaded machine every round trip is slower, and the per-endpoint limit of 4 requests in flight bounds one endpoint to 4 per claim-send-record cycle.`,
  };
};

export default p6Webhooks;
