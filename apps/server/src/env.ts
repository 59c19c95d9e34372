import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  /** An external PostgreSQL. Without it the embedded server under HOLDFAST_DATA_DIR is used. */
  DATABASE_URL: z.string().url().optional(),
  HOLDFAST_DATA_DIR: z.string().default(path.join(REPO_ROOT, ".data")),
  HOLDFAST_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /** Freeze the clock at this ISO instant (demos and tests). */
  HOLDFAST_NOW: z.string().optional(),
  /** Skip the demo data on first start. */
  HOLDFAST_NO_DEMO: z.enum(["0", "1"]).default("0"),
  /** Do not start a worker beside the server (when workers run elsewhere). */
  HOLDFAST_NO_WORKER: z.enum(["0", "1"]).default("0"),
  /** Connections in the server's database pool. */
  HOLDFAST_DB_POOL_MAX: z.coerce.number().int().min(1).max(500).default(20),
  /** The URL users reach the server at (behind a proxy, the proxy's). https marks the session cookie Secure. */
  HOLDFAST_PUBLIC_URL: z.string().url().optional(),
  /** Minutes an unused dashboard session lives (the absolute limit is 12 hours). */
  HOLDFAST_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(720).default(30),
  WEB_DIST: z.string().default(path.join(REPO_ROOT, "apps/web/dist")),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
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
