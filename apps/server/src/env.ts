import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  /** An external PostgreSQL. Without it the embedded server under HOLDFAST_DATA_DIR is used. */
  DATABASE_URL: z.string().url().optional(),
  /** A streaming read replica of DATABASE_URL: lists, search, audit history, exports and worker status read from it. */
  DATABASE_READ_URL: z.string().url().optional(),
  /** Reads go to the primary while the read replica is further behind than this, in milliseconds. */
  HOLDFAST_READ_MAX_LAG_MS: z.coerce.number().int().min(0).default(5000),
  /** A direct PostgreSQL URL for the migration lock when DATABASE_URL goes through a pooler (default: DATABASE_URL). */
  DATABASE_DIRECT_URL: z.string().url().optional(),
  /** Named prepared statements: true or false (default: on, off when DATABASE_URL goes through a pooler). */
  HOLDFAST_DB_PREPARE: z.enum(["true", "false"]).optional(),
  HOLDFAST_DATA_DIR: z.string().default(path.join(REPO_ROOT, ".data")),
  HOLDFAST_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /** At start: `auto` applies pending migrations; `off` applies none and refuses to start while any is pending. */
  HOLDFAST_MIGRATE: z.enum(["auto", "off"]).default("auto"),
  /** Freeze the clock at this ISO instant (demos and tests). */
  HOLDFAST_NOW: z.string().optional(),
  /** Skip the demo data on first start. */
  HOLDFAST_NO_DEMO: z.enum(["0", "1"]).default("0"),
  /** Do not start a worker beside the server (when workers run elsewhere). */
  HOLDFAST_NO_WORKER: z.enum(["0", "1"]).default("0"),
  /** HTTP server processes sharing the port (node:cluster); default one per core, 1 runs no cluster. Each has its own pool. */
  HOLDFAST_SERVER_PROCESSES: z.coerce.number().int().min(1).max(256).optional(),
  /** Connections in the server's database pool. */
  HOLDFAST_DB_POOL_MAX: z.coerce.number().int().min(1).max(500).default(20),
  /** Minutes an unused dashboard session lives (the absolute limit is 12 hours). */
  HOLDFAST_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(720).default(30),
  /** Where users reach the server (`https://…` turns on HSTS and `Secure` cookies). */
  HOLDFAST_PUBLIC_URL: z.string().url().optional(),
  /** When set, /metrics answers only `Authorization: Bearer <this>`. */
  HOLDFAST_METRICS_TOKEN: z.string().min(16).optional(),
  /** The largest tRPC request body, in bytes (vendor routes keep their documented caps). */
  HOLDFAST_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .default(1024 * 1024),
  /** Per credential (or per client address without one): requests per second, burst, and in flight at once. */
  HOLDFAST_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  HOLDFAST_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(100),
  HOLDFAST_CONCURRENCY_LIMIT: z.coerce.number().int().min(1).default(8),
  /** PostgreSQL statement_timeout of the API's connections, in milliseconds (0: none). */
  HOLDFAST_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(5000),
  /** HTTP server: time to receive a request's headers, and the whole request; open connections at most. */
  HOLDFAST_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000),
  HOLDFAST_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  HOLDFAST_MAX_CONNECTIONS: z.coerce.number().int().min(16).default(1024),
  WEB_DIST: z.string().default(path.join(REPO_ROOT, "apps/web/dist")),
  /** A log line per HTTP request: 1 on, 0 off; unset, off on a terminal and on otherwise. */
  HOLDFAST_LOG_REQUESTS: z.enum(["0", "1"]).optional(),
  /** 0 sends every tRPC call through tRPC's Fetch adapter (a diagnostic: the direct path for single mutations is off). */
  HOLDFAST_TRPC_DIRECT: z.enum(["0", "1"]).default("1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** 32 bytes (64 hex or base64) that seal webhook signing secrets; `npm start` makes one in HOLDFAST_DATA_DIR. */
  HOLDFAST_SECRET_KEY: z.string().optional(),
  /** 1: webhook URLs may point at loopback, private and link-local addresses (tests, closed networks). */
  HOLDFAST_WEBHOOKS_ALLOW_PRIVATE: z.enum(["0", "1"]).default("0"),
});

export type Env = z.infer<typeof schema>;

/** Read once, validated, at start-up. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${lines}`);
  }
  return parsed.data;
}

/** The HTTP edge's settings from the environment (see createHttpServer). */
export function edgeOptions(env: Env) {
  return {
    publicUrl: env.HOLDFAST_PUBLIC_URL,
    metricsToken: env.HOLDFAST_METRICS_TOKEN,
    maxBodyBytes: env.HOLDFAST_MAX_BODY_BYTES,
    rateLimits: {
      perSecond: env.HOLDFAST_RATE_LIMIT_PER_SECOND,
      burst: env.HOLDFAST_RATE_LIMIT_BURST,
      concurrency: env.HOLDFAST_CONCURRENCY_LIMIT,
    },
    headersTimeoutMs: env.HOLDFAST_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: env.HOLDFAST_REQUEST_TIMEOUT_MS,
    maxConnections: env.HOLDFAST_MAX_CONNECTIONS,
    trpcDirect: env.HOLDFAST_TRPC_DIRECT === "1",
  };
}
