/**
 * The Holdfast worker: a separate process; run as many as you like against
 * one database. Each tick runs every job for each tenant's business date.
 *   --once           run one tick and exit (exit code 1 if the tick failed)
 *   --now ISO        run with the clock frozen at this instant (also HOLDFAST_NOW)
 *   --interval-ms N  pause between ticks (default 5000)
 * A leading `--` (from `pnpm … start -- --interval-ms 2000`) is ignored.
 * Beside the ticks it delivers webhooks (a loop of its own; see webhook-delivery.ts).
 * The worker registers in `workers`, beats every WORKER_HEARTBEAT_MS and marks
 * itself stopped on a clean exit.
 */
import { hostname } from "node:os";
import { closeDb, createDb, prepareSchemaOrExit, prepareSetting, refuseToStart } from "@holdfast/db";
import {
  clockFromEnv,
  markWorkerStopped,
  registerWorker,
  runTick,
  startHeartbeat,
  workerConnectionName,
} from "@holdfast/services";
import { parseWorkerArgs } from "./args.ts";
import { readWorkerEnv } from "./env.ts";
import { createWorkerLogger } from "./logger.ts";
import { deliveryOptions, startWebhookDelivery } from "./webhook-delivery.ts";

const values = parseWorkerArgs(process.argv.slice(2));
const env = readWorkerEnv();
const logger = createWorkerLogger(env.LOG_LEVEL);
const clock = clockFromEnv(values.now ?? env.HOLDFAST_NOW);
const intervalMs = Number(values["interval-ms"] ?? env.WORKER_INTERVAL_MS);
const workerId = `${hostname()}-${process.pid}`;

const db = await Promise.resolve()
  .then(() =>
    createDb(env.DATABASE_URL, {
      name: workerConnectionName(workerId),
      max: env.WORKER_POOL_MAX,
      prepare: prepareSetting(env.HOLDFAST_DB_PREPARE),
      directUrl: env.DATABASE_DIRECT_URL,
      sessionLocks: true,
    }),
  )
  .catch(refuseToStart("holdfast worker"));
await prepareSchemaOrExit(env.DATABASE_URL, env.HOLDFAST_MIGRATE, (m) => logger.info(m), {
  directUrl: env.DATABASE_DIRECT_URL,
});
await registerWorker(db, { workerId, intervalMs });
const stopHeartbeat = startHeartbeat(db, workerId, env.WORKER_HEARTBEAT_MS, (err) =>
  logger.warn({ err }, "heartbeat failed"),
);

// Webhook delivery runs beside the ticks (its own loop), on the same pool.
const delivery = startWebhookDelivery(db, deliveryOptions(env, clock, workerId, logger), Boolean(values.once));

let stopping = false;
let wake: (() => void) | null = null;
function stop(signal: string) {
  logger.info({ signal }, "finishing the current tick, then exiting");
  stopping = true;
  wake?.();
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

logger.info({ workerId, intervalMs }, "worker started");
let failed = false;
do {
  const result = await runTick(db, clock, workerId, {
    batchSize: env.WORKER_BATCH_SIZE,
    shouldStop: () => stopping,
    ticksRetentionDays: env.WORKER_TICKS_RETENTION_DAYS,
    warn: (message) => logger.warn(message),
    heartbeatMs: env.WORKER_HEARTBEAT_MS,
    intervalMs,
  }).catch((e: unknown) => {
    logger.error({ err: e }, "tick crashed");
    return null;
  });
  failed = !result || result.status === "failed";
  if (result) {
    // Quiet ticks log at debug; a tick that did something or failed logs at info.
    const acted = Object.entries(result.counts).some(
      ([k, v]) => !k.endsWith("tenants") && !k.endsWith("daysProcessed") && v > 0,
    );
    const level = result.errors.length ? "error" : acted ? "info" : "debug";
    logger[level]({ tick: result.tickId, status: result.status, counts: result.counts, errors: result.errors }, "tick");
  }
  // Under npm start: the start-up lines are written; the start banner may follow.
  if (process.send && process.connected) process.send("holdfast-worker:ready", () => process.disconnect());
  if (values.once || stopping) break;
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, intervalMs);
    wake = () => {
      clearTimeout(t);
      resolve();
    };
  });
} while (!stopping);

await delivery.stop().catch((err: unknown) => logger.warn({ err }, "webhook delivery"));
await stopHeartbeat();
await markWorkerStopped(db, workerId).catch((err: unknown) =>
  logger.warn({ err }, "could not mark the worker stopped"),
);
await closeDb(db);
logger.info("worker stopped");
process.exit(values.once && failed ? 1 : 0);
