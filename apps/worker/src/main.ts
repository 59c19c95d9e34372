/**
 * The Holdfast worker: a separate process; run as many as you like against
 * one database. Each tick runs every job for each tenant's business date.
 *   --once           run one tick and exit (exit code 1 if the tick failed)
 *   --now ISO        run with the clock frozen at this instant (also HOLDFAST_NOW)
 *   --interval-ms N  pause between ticks (default 5000)
 */
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { closeDb, createDb, DatabaseConfigError, migrateDatabase, prepareSetting } from "@holdfast/db";
import { clockFromEnv, runTick, workerConnectionName } from "@holdfast/services";
import pino from "pino";
import { readWorkerEnv } from "./env.ts";

const { values } = parseArgs({
  options: { once: { type: "boolean" }, now: { type: "string" }, "interval-ms": { type: "string" } },
});
const env = readWorkerEnv();
const logger = pino({ name: "holdfast-worker", level: env.LOG_LEVEL });
const clock = clockFromEnv(values.now ?? env.HOLDFAST_NOW);
const intervalMs = Number(values["interval-ms"] ?? env.WORKER_INTERVAL_MS);
const workerId = `${hostname()}-${process.pid}`;

/** A configuration error (a pooler without DATABASE_DIRECT_URL) is one line and exit code 2; anything else is thrown. */
function refuseToStart(e: unknown): never {
  if (!(e instanceof DatabaseConfigError)) throw e;
  console.error(`holdfast worker: ${e.message}`);
  process.exit(2);
}

await migrateDatabase(env.DATABASE_URL, { directUrl: env.DATABASE_DIRECT_URL }).catch(refuseToStart);
const db = await Promise.resolve()
  .then(() =>
    createDb(env.DATABASE_URL, {
      name: workerConnectionName(workerId),
      max: 4,
      prepare: prepareSetting(env.HOLDFAST_DB_PREPARE),
      directUrl: env.DATABASE_DIRECT_URL,
      sessionLocks: true,
    }),
  )
  .catch(refuseToStart);

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
  }).catch((e: unknown) => {
    logger.error({ err: e }, "tick crashed");
    return null;
  });
  failed = !result || result.status === "failed";
  if (result) {
    // Quiet ticks log at debug; a tick that did something or failed logs at info.
    const acted = Object.entries(result.counts).some(([k, v]) => k !== "tenants" && k !== "daysProcessed" && v > 0);
    const level = result.errors.length ? "error" : acted ? "info" : "debug";
    logger[level]({ tick: result.tickId, status: result.status, counts: result.counts, errors: result.errors }, "tick");
  }
  if (values.once || stopping) break;
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, intervalMs);
    wake = () => {
      clearTimeout(t);
      resolve();
    };
  });
} while (!stopping);

await closeDb(db);
logger.info("worker stopped");
process.exit(values.once && failed ? 1 : 0);
