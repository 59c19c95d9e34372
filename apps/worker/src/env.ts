import { z } from "zod";

const schema = z.object({
  DATABASE_URL: z.string({ error: "DATABASE_URL is required: the worker runs against the product's database" }).url(),
  /** A direct PostgreSQL URL for the migration and day locks when DATABASE_URL goes through a pooler. */
  DATABASE_DIRECT_URL: z.string().url().optional(),
  /** Named prepared statements: true or false (default: on, off when DATABASE_URL goes through a pooler). */
  HOLDFAST_DB_PREPARE: z.enum(["true", "false"]).optional(),
  HOLDFAST_NOW: z.string().optional(),
  WORKER_INTERVAL_MS: z.coerce.number().int().min(10).default(5000),
  /** Rows a job claims per transaction (default: the services' DEFAULT_BATCH_SIZE, 1,000). */
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).optional(),
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
