import { z } from "zod";

const schema = z.object({
  DATABASE_URL: z.string({ error: "DATABASE_URL is required: the worker runs against the product's database" }).url(),
  /** A direct PostgreSQL URL for the migration and day locks when DATABASE_URL goes through a pooler. */
  DATABASE_DIRECT_URL: z.string().url().optional(),
  /** Named prepared statements: true or false (default: on, off when DATABASE_URL goes through a pooler). */
  HOLDFAST_DB_PREPARE: z.enum(["true", "false"]).optional(),
  HOLDFAST_NOW: z.string().optional(),
  /** At start: `auto` applies pending migrations; `off` applies none and refuses to start while any is pending. */
  HOLDFAST_MIGRATE: z.enum(["auto", "off"]).default("auto"),
  WORKER_INTERVAL_MS: z.coerce.number().int().min(10).default(5000),
  /** How often the worker writes its heartbeat (at most 5 s: the server judges liveness by it). */
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(50).max(5000).default(5000),
  /** Database connections the worker opens (its pool's size). */
  WORKER_POOL_MAX: z.coerce.number().int().min(2).max(100).default(4),
  /** Rows a job claims per transaction (default: the services' DEFAULT_BATCH_SIZE, 1,000). */
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).optional(),
  /** Finished worker ticks older than this many days are purged each tick (default 30). */
  WORKER_TICKS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** The deployment's key that seals webhook secrets (32 bytes, hex or base64); without it no webhook is delivered. */
  HOLDFAST_SECRET_KEY: z.string().optional(),
  /** `off` leaves webhook delivery to other workers. */
  HOLDFAST_WEBHOOKS_DELIVERY: z.enum(["on", "off"]).default("on"),
  /** `1` lets webhooks go to loopback, private and link-local addresses (tests, closed networks). */
  HOLDFAST_WEBHOOKS_ALLOW_PRIVATE: z.enum(["0", "1"]).default("0"),
  /** A failing endpoint (a delivery gave up after 3 days) is disabled after this many days. */
  HOLDFAST_WEBHOOKS_DISABLE_AFTER_DAYS: z.coerce.number().int().min(1).max(365).default(5),
  /** One webhook request's time limit (connect, send, answer). */
  HOLDFAST_WEBHOOKS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** Webhook requests in flight per endpoint, across all workers. */
  HOLDFAST_WEBHOOKS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** How often an idle worker looks for new events and due deliveries. */
  HOLDFAST_WEBHOOKS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(100),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export function readWorkerEnv(source: NodeJS.ProcessEnv = process.env) {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    console.error(
      `Invalid environment:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
    process.exit(2);
  }
  return parsed.data;
}
