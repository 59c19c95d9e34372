import { closeDb } from "@holdfast/db";
import { allowPrivateWebhooksFromEnv, type Clock, secretBoxFromEnv } from "@holdfast/services";
import type { Logger } from "pino";
import { serverPool, supervisePool } from "./database.ts";
import { type Env, edgeOptions } from "./env.ts";
import type { HttpServerOptions } from "./http.ts";
import { openReadReplica } from "./read-replica.ts";

/**
 * What `main.ts` (one server replica) and `start.ts` (the whole product) serve
 * with: the primary's pool, renewed by its supervisor after a database outage
 * (the handlers read `deps.db` on every request, so a fresh pool is swapped in),
 * the read replica's when DATABASE_READ_URL is set, and the HTTP handlers'
 * settings. `close` stops the supervisors and ends both pools.
 */
export function openServerDeps(
  env: Env,
  databaseUrl: string,
  clock: Clock,
  logger: Logger,
  extra: Pick<HttpServerOptions, "logRequests"> = {},
) {
  const newPool = () => serverPool(env, databaseUrl);
  const replica = openReadReplica(env, () => deps.db, logger);
  const deps: HttpServerOptions = {
    db: newPool(),
    clock,
    logger,
    webDist: env.WEB_DIST,
    publicUrl: env.HOLDFAST_PUBLIC_URL,
    sessionIdleMs: env.HOLDFAST_SESSION_IDLE_MINUTES * 60_000,
    readReplica: replica.readReplica,
    edge: edgeOptions(env),
    secrets: secretBoxFromEnv(env.HOLDFAST_SECRET_KEY) ?? undefined,
    allowPrivateWebhooks: allowPrivateWebhooksFromEnv(env.HOLDFAST_WEBHOOKS_ALLOW_PRIVATE),
    ...extra,
  };
  const pool = supervisePool(deps, newPool, databaseUrl, logger);
  return {
    deps,
    async close() {
      pool.stop();
      await replica.stop();
      await closeDb(deps.db);
    },
  };
}
