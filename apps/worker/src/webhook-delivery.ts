import type { Database } from "@holdfast/db";
import { type Clock, type DeliveryOptions, deliverDue, secretBoxFromEnv, startDeliveryLoop } from "@holdfast/services";
import type { Logger } from "pino";
import type { readWorkerEnv } from "./env.ts";

type WorkerEnv = ReturnType<typeof readWorkerEnv>;

/**
 * The worker's webhook delivery settings from its environment, or null (with
 * the reason logged) when this worker does not deliver: HOLDFAST_WEBHOOKS_DELIVERY=off,
 * or no HOLDFAST_SECRET_KEY to open the endpoints' secrets with.
 */
export function deliveryOptions(
  env: WorkerEnv,
  clock: Clock,
  workerId: string,
  logger: Logger,
): DeliveryOptions | null {
  if (env.HOLDFAST_WEBHOOKS_DELIVERY === "off") return null;
  const box = secretBoxFromEnv(env.HOLDFAST_SECRET_KEY);
  if (!box) {
    logger.info("webhook delivery is off: HOLDFAST_SECRET_KEY is not set");
    return null;
  }
  return {
    clock,
    box,
    workerId,
    timeoutMs: env.HOLDFAST_WEBHOOKS_TIMEOUT_MS,
    concurrencyPerEndpoint: env.HOLDFAST_WEBHOOKS_CONCURRENCY,
    allowPrivate: env.HOLDFAST_WEBHOOKS_ALLOW_PRIVATE === "1",
    disableAfterDays: env.HOLDFAST_WEBHOOKS_DISABLE_AFTER_DAYS,
    pollMs: env.HOLDFAST_WEBHOOKS_POLL_MS,
    onError: (err) => logger.warn({ err }, "webhook delivery"),
    onAttempt: (d, state, error) =>
      logger[state === "succeeded" ? "debug" : "info"](
        { delivery: d.id, event: d.eventId, endpoint: d.endpointId, state, error },
        "webhook attempt",
      ),
  };
}

/** Starts the delivery loop beside the tick loop; `--once` instead sends what is due once, after its tick. */
export function startWebhookDelivery(db: Database, opts: DeliveryOptions | null, once: boolean) {
  if (!opts) return { stop: async () => undefined };
  if (once) return { stop: () => deliverDue(db, opts).then(() => undefined) };
  return startDeliveryLoop(db, opts);
}
