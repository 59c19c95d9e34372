import type { Database } from "@holdfast/db";
import pLimit, { type LimitFunction } from "p-limit";
import type { Clock } from "../clock.ts";
import type { Actor } from "../context.ts";
import { sendWebhook, signWebhook } from "./delivery-send.ts";
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  type DeliveryState,
  fanOutEvents,
  recordAttempt,
} from "./delivery-store.ts";
import type { SecretBox } from "./secrets.ts";
import { endpointSigningSecrets } from "./signing-secrets.ts";

/**
 * The workers' webhook delivery: a loop beside the tick loop that fans
 * events out of the outbox, leases due deliveries, sends each (signed) on its
 * endpoint's queue and records the outcome. Any number of workers run it.
 */
export interface DeliveryOptions {
  clock: Clock;
  box: SecretBox;
  /** The worker's id: the audit actor of endpoint status changes. */
  workerId: string;
  /** A request's whole time limit (HOLDFAST_WEBHOOKS_TIMEOUT_MS, default 15 s). */
  timeoutMs: number;
  /** Requests in flight per endpoint, across all workers (HOLDFAST_WEBHOOKS_CONCURRENCY, default 4). */
  concurrencyPerEndpoint: number;
  /** HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1: deliver to loopback and private addresses too. */
  allowPrivate: boolean;
  /** A failing endpoint is disabled after this many days (HOLDFAST_WEBHOOKS_DISABLE_AFTER_DAYS, default 5). */
  disableAfterDays: number;
  /** Events fanned out per transaction (default 500). */
  fanOutBatch?: number;
  /** Requests in flight in this worker, all endpoints together (default 64). */
  maxInFlight?: number;
  /** Pause when there is nothing to do (HOLDFAST_WEBHOOKS_POLL_MS, default 100 ms). */
  pollMs?: number;
  /** Added to the timeout for the lease (default 5 s): a killed worker's delivery is sent again after it. */
  leaseMarginMs?: number;
  /** Jitter source in [0, 1) (tests pass a constant). */
  random?: () => number;
  onError?: (err: unknown) => void;
  /** Called after each recorded attempt (logging, tests). */
  onAttempt?: (d: ClaimedDelivery, state: DeliveryState, error: string | null) => void;
}

/** Sends one claimed delivery and records the attempt. */
export async function sendClaimedDelivery(
  db: Database,
  d: ClaimedDelivery,
  opts: DeliveryOptions,
): Promise<DeliveryState> {
  const attemptedAt = opts.clock.now();
  let outcome: Awaited<ReturnType<typeof sendWebhook>>;
  if (d.envelope) {
    const body = JSON.stringify(d.envelope);
    // webhook-timestamp is the wall clock: receivers check it against theirs.
    const headers = signWebhook(endpointSigningSecrets(opts.box, d, attemptedAt), d.eventId, new Date(), body);
    outcome = await sendWebhook(d.url, headers, body, { timeoutMs: opts.timeoutMs, allowPrivate: opts.allowPrivate });
  } else {
    outcome = { ok: false, statusCode: null, error: "the event no longer exists", responseBody: null, durationMs: 0 };
  }
  const actor: Actor = { type: "worker", id: opts.workerId, name: `worker ${opts.workerId}` };
  const state = await recordAttempt(
    db,
    d,
    { ...outcome, attemptedAt },
    { clock: opts.clock, actor, disableAfterDays: opts.disableAfterDays, random: opts.random },
  );
  opts.onAttempt?.(d, state, outcome.error);
  return state;
}

const leaseMs = (opts: DeliveryOptions) => opts.timeoutMs + (opts.leaseMarginMs ?? 5_000);

/** Fans out every waiting event, in batches. */
export async function fanOutAll(db: Database, opts: DeliveryOptions): Promise<number> {
  const batch = opts.fanOutBatch ?? 500;
  let total = 0;
  for (;;) {
    const n = await fanOutEvents(db, opts.clock, batch);
    total += n;
    if (n < batch) return total;
  }
}

/**
 * One pass for `--once` and tests: fan out, then send what is due, waiting
 * for every request, until nothing is due at the clock's now. Returns the
 * attempts made.
 */
export async function deliverDue(db: Database, opts: DeliveryOptions): Promise<number> {
  let attempts = 0;
  for (;;) {
    await fanOutAll(db, opts);
    const claimed = await claimDueDeliveries(db, opts.clock, {
      limit: opts.maxInFlight ?? 64,
      leaseMs: leaseMs(opts),
      perEndpoint: opts.concurrencyPerEndpoint,
    });
    if (claimed.length === 0) return attempts;
    await Promise.all(claimed.map((d) => sendClaimedDelivery(db, d, opts)));
    attempts += claimed.length;
  }
}

export interface DeliveryLoop {
  /** Stops claiming, waits for the requests in flight (each within its timeout) to be recorded. */
  stop(): Promise<void>;
}

/**
 * Runs delivery until stopped: each endpoint has its own queue (p-limit, at
 * most `concurrencyPerEndpoint` at once), so a slow endpoint fills only its
 * own slots while the others' deliveries keep going out. New events are
 * fanned out every poll; a finished request wakes the loop to claim again.
 */
export function startDeliveryLoop(db: Database, opts: DeliveryOptions): DeliveryLoop {
  const maxInFlight = opts.maxInFlight ?? 64;
  const queues = new Map<string, LimitFunction>();
  const running = new Set<Promise<unknown>>();
  let stopping = false;
  let wake: (() => void) | null = null;
  const report = (e: unknown) => opts.onError?.(e);

  const queueOf = (endpointId: string) => {
    let q = queues.get(endpointId);
    if (!q) {
      q = pLimit(opts.concurrencyPerEndpoint);
      queues.set(endpointId, q);
    }
    return q;
  };

  async function pass(fanOut: boolean): Promise<boolean> {
    const fanned = fanOut ? await fanOutAll(db, opts) : 0;
    const room = maxInFlight - running.size;
    if (room <= 0) return fanned > 0;
    const full = [...queues].filter(([, q]) => q.activeCount >= opts.concurrencyPerEndpoint).map(([id]) => id);
    const claimed = await claimDueDeliveries(db, opts.clock, {
      limit: room,
      leaseMs: leaseMs(opts),
      perEndpoint: opts.concurrencyPerEndpoint,
      skipEndpoints: full,
    });
    for (const d of claimed) {
      const q = queueOf(d.endpointId);
      const p: Promise<unknown> = q(() => sendClaimedDelivery(db, d, opts))
        .catch(report)
        .finally(() => {
          running.delete(p);
          if (q.activeCount === 0 && q.pendingCount === 0) queues.delete(d.endpointId);
          wake?.();
        });
      running.add(p);
    }
    return fanned > 0 || claimed.length > 0;
  }

  // New events are fanned out on the poll; a finished request only needs a claim (the entity's next event may be due).
  const loop = (async () => {
    let polled = true;
    while (!stopping) {
      const worked = await pass(polled).catch((e: unknown) => {
        report(e);
        return false;
      });
      polled = false;
      if (worked || stopping) continue;
      polled = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(true), opts.pollMs ?? 100);
        wake = () => {
          clearTimeout(t);
          wake = null;
          resolve(false);
        };
      });
    }
  })();

  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      await Promise.allSettled([...running]);
    },
  };
}
