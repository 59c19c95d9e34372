import { type Database, type DatabaseOrTransaction, schema } from "@holdfast/db";
import { WEBHOOK_RETRY_WINDOW_MS } from "@holdfast/domain";
import { type SQL, sql } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import type { Clock } from "../clock.ts";
import type { Actor } from "../context.ts";
import { newLocator } from "../ids.ts";

/**
 * The delivery tables' SQL: fan-out from the outbox, claiming due deliveries
 * under a lease, and recording an attempt's outcome. Retry times and give-up
 * follow the injected clock; leases follow the database's clock (`now()`),
 * which every worker shares, so a killed worker's lease runs out whatever
 * clock the workers were started with.
 */

async function rows<T>(db: DatabaseOrTransaction, query: SQL): Promise<T[]> {
  return (await db.execute(query)) as unknown as T[];
}

/** Instants go to raw SQL as ISO text (the driver binds only strings there). */
const iso = (d: Date) => d.toISOString();

/**
 * Delivery bookkeeping commits without waiting for the WAL flush: a
 * transaction lost in a database crash is lost whole (an event fanned out
 * again, a lease or an attempt record gone, so a delivery sent again), which
 * at-least-once delivery allows; waiting for each flush would bound every
 * endpoint to a few deliveries per flush time.
 */
function deliveryTx<T>(db: Database, fn: (tx: DatabaseOrTransaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local synchronous_commit = off`);
    return fn(tx);
  });
}

const FANOUT_LOCK = sql`hashtext('holdfast.webhook-fanout')`;

/**
 * Claims up to `batchSize` undispatched events (by `seq`), makes one pending
 * delivery per enabled or failing endpoint of the event's tenant subscribed
 * to its type, and marks the events dispatched, all in one transaction: no
 * event is lost or doubled. One worker fans out at a time (a transaction
 * advisory lock; the others skip), so deliveries of one entity's events
 * exist in `seq` order before any later one can be sent. Returns the events
 * claimed (0 when none was waiting or another worker is fanning out).
 */
export async function fanOutEvents(db: Database, clock: Clock, batchSize: number): Promise<number> {
  return deliveryTx(db, async (tx) => {
    const [lock] = await rows<{ ok: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${FANOUT_LOCK}) as ok`);
    if (!lock?.ok) return 0;
    const events = await rows<{
      id: string;
      seq: string | number;
      tenant_id: string;
      type: string;
      entity_type: string;
      entity_id: string;
    }>(
      tx,
      sql`select id, seq, tenant_id, type, entity_type, entity_id from domain_events
           where dispatched_at is null order by seq limit ${batchSize} for update skip locked`,
    );
    if (events.length === 0) return 0;
    const tenantIds = [...new Set(events.map((e) => e.tenant_id))];
    const endpoints = await rows<{ id: string; tenant_id: string; event_types: string[] }>(
      tx,
      sql`select id, tenant_id, event_types from webhook_endpoints
           where tenant_id in ${tenantIds} and status in ('enabled', 'failing')`,
    );
    const now = clock.now();
    const deliveries: (typeof schema.webhookDeliveries.$inferInsert)[] = [];
    for (const e of events) {
      for (const ep of endpoints) {
        if (ep.tenant_id !== e.tenant_id || !ep.event_types.includes(e.type)) continue;
        deliveries.push({
          id: newLocator(),
          tenantId: e.tenant_id,
          endpointId: ep.id,
          eventId: e.id,
          eventType: e.type,
          eventSeq: Number(e.seq),
          entityKey: `${e.entity_type}:${e.entity_id}`,
          status: "pending",
          nextAttemptAt: now,
          origin: "event",
          createdAt: now,
        });
      }
    }
    if (deliveries.length > 0) await tx.insert(schema.webhookDeliveries).values(deliveries);
    await tx.execute(sql`update domain_events set dispatched_at = ${iso(now)} where id in ${events.map((e) => e.id)}`);
    return events.length;
  });
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  url: string;
  /** The endpoint's status when claimed (`enabled` or `failing`). */
  endpointStatus: string;
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  previousSecretExpiresAt: Date | null;
  attempts: number;
  createdAt: Date;
  /** The lease this worker holds; recording the outcome checks it is still ours. */
  leaseUntil: Date;
  /** The event envelope, as the body; null when the event no longer exists. */
  envelope: Record<string, unknown> | null;
  eventId: string;
}

/**
 * Leases up to `limit` due deliveries (pending, next attempt reached, no live
 * lease, endpoint not disabled) in one short transaction, for `leaseMs` on the
 * database's clock. Per endpoint and entity only the earliest pending
 * delivery (by `event_seq`) is due, so an entity's events go out one at a
 * time, in order; per endpoint, no more than `perEndpoint` are leased at once
 * across all workers. `skipEndpoints`: endpoints this worker has no room for.
 */
export async function claimDueDeliveries(
  db: Database,
  clock: Clock,
  opts: { limit: number; leaseMs: number; perEndpoint: number; skipEndpoints?: readonly string[] },
): Promise<ClaimedDelivery[]> {
  return deliveryTx(db, (tx) => claimIn(tx, clock, opts));
}

async function claimIn(
  db: DatabaseOrTransaction,
  clock: Clock,
  opts: { limit: number; leaseMs: number; perEndpoint: number; skipEndpoints?: readonly string[] },
): Promise<ClaimedDelivery[]> {
  const skip = opts.skipEndpoints?.length ? sql`and d.endpoint_id not in ${opts.skipEndpoints}` : sql``;
  const claimed = await rows<{
    id: string;
    endpoint_id: string;
    url: string;
    endpoint_status: string;
    secret_ciphertext: string;
    previous_secret_ciphertext: string | null;
    previous_secret_expires_at: Date | string | null;
    attempts: number;
    created_at: Date | string;
    lease_until: Date | string;
    event_id: string;
    type: string | null;
    version: number | null;
    tenant_id: string;
    entity_type: string | null;
    entity_id: string | null;
    occurred_at: Date | string | null;
    request_id: string | null;
    data: Record<string, unknown> | null;
  }>(
    db,
    sql`with cand as (
          select d.id, d.endpoint_id, d.next_attempt_at, d.event_seq
            from webhook_deliveries d
            join webhook_endpoints e on e.id = d.endpoint_id and e.status <> 'disabled'
           where d.status = 'pending' and d.next_attempt_at <= ${iso(clock.now())}
             and (d.lease_until is null or d.lease_until < now()) ${skip}
             and not exists (
               select 1 from webhook_deliveries p
                where p.endpoint_id = d.endpoint_id and p.entity_key = d.entity_key
                  and p.status = 'pending' and p.event_seq < d.event_seq)
           order by d.next_attempt_at, d.event_seq
           limit ${opts.limit * 4}
           for update of d skip locked
        ), busy as (
          select l.endpoint_id, count(*) as leased from webhook_deliveries l
           where l.endpoint_id in (select distinct endpoint_id from cand)
             and l.status = 'pending' and l.lease_until >= now()
           group by l.endpoint_id
        ), ranked as (
          select c.id, c.next_attempt_at, c.event_seq, coalesce(b.leased, 0)
                 + row_number() over (partition by c.endpoint_id order by c.next_attempt_at, c.event_seq) as slot
            from cand c left join busy b on b.endpoint_id = c.endpoint_id
        ), picked as (
          select id from ranked where slot <= ${opts.perEndpoint}
           order by next_attempt_at, event_seq limit ${opts.limit}
        )
        update webhook_deliveries d
           set lease_until = date_trunc('milliseconds', now() + ${opts.leaseMs}::int * interval '1 millisecond')
          from picked
          join webhook_deliveries x on x.id = picked.id
          join webhook_endpoints e on e.id = x.endpoint_id
          left join domain_events ev on ev.id = x.event_id
         where d.id = picked.id
        returning d.id, d.endpoint_id, e.url, e.status as endpoint_status, e.secret_ciphertext,
                  e.previous_secret_ciphertext, e.previous_secret_expires_at, d.attempts, d.created_at,
                  d.lease_until, d.event_id, d.tenant_id, ev.type, ev.version, ev.entity_type, ev.entity_id,
                  ev.occurred_at, ev.request_id, ev.data`,
  );
  return claimed.map((r) => ({
    id: r.id,
    endpointId: r.endpoint_id,
    url: r.url,
    endpointStatus: r.endpoint_status,
    secretCiphertext: r.secret_ciphertext,
    previousSecretCiphertext: r.previous_secret_ciphertext,
    previousSecretExpiresAt: r.previous_secret_expires_at ? new Date(r.previous_secret_expires_at) : null,
    attempts: r.attempts,
    createdAt: new Date(r.created_at),
    leaseUntil: new Date(r.lease_until),
    eventId: r.event_id,
    envelope:
      r.type === null
        ? null
        : {
            id: r.event_id,
            type: r.type,
            version: r.version,
            tenantLocator: r.tenant_id,
            entity: { type: r.entity_type, id: r.entity_id },
            occurredAt: new Date(r.occurred_at as string).toISOString(),
            requestId: r.request_id,
            data: r.data,
          },
  }));
}

/** Retry delays after the 1st, 2nd, … failed attempt; the last repeats. */
export const WEBHOOK_BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000, 10_800_000, 21_600_000] as const;

/**
 * The wait after the `failedAttempts`-th failure: the schedule's step with
 * ±20 % jitter (`random()` in [0, 1); 0.5 gives the step exactly).
 */
export function backoffDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const i = Math.min(Math.max(failedAttempts, 1), WEBHOOK_BACKOFF_MS.length) - 1;
  const base = WEBHOOK_BACKOFF_MS[i] as number;
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  durationMs: number;
  /** When the attempt started (the injected clock). */
  attemptedAt: Date;
}

export interface RecordOptions {
  clock: Clock;
  actor: Actor;
  disableAfterDays: number;
  random?: () => number;
}

/** What became of the delivery after an attempt. */
export type DeliveryState = "succeeded" | "retrying" | "failed";

/**
 * Records one attempt and its outcome in one transaction: success completes
 * the delivery and clears the endpoint's `failing`; a failure schedules the
 * next attempt by the backoff, or, when that would fall past 3 days from the
 * delivery's creation (its first attempt), fails it and marks the endpoint
 * failing. A failing endpoint failing for `disableAfterDays` is disabled.
 * Endpoint status changes are audited (actor: the worker). The delivery is
 * updated only while this worker's lease is still the one on it.
 */
export async function recordAttempt(
  db: Database,
  d: ClaimedDelivery,
  result: AttemptResult,
  opts: RecordOptions,
): Promise<DeliveryState> {
  const now = opts.clock.now();
  const attempts = d.attempts + 1;
  const giveUpAt = d.createdAt.getTime() + WEBHOOK_RETRY_WINDOW_MS;
  const retryAt = new Date(now.getTime() + backoffDelayMs(attempts, opts.random));
  const state: DeliveryState = result.ok ? "succeeded" : retryAt.getTime() > giveUpAt ? "failed" : "retrying";
  await deliveryTx(db, async (tx) => {
    // The attempt and the delivery's new state in one statement.
    await tx.execute(
      sql`with attempt as (
            insert into webhook_attempts (id, delivery_id, attempted_at, duration_ms, status_code, error, response_body)
            values (${newLocator()}, ${d.id}, ${iso(result.attemptedAt)}, ${result.durationMs}, ${result.statusCode},
                    ${result.error}, ${result.responseBody}))
          update webhook_deliveries
             set attempts = attempts + 1, last_attempt_at = ${iso(result.attemptedAt)},
                 last_status_code = ${result.statusCode}, last_error = ${result.error}, lease_until = null,
                 status = ${state === "retrying" ? "pending" : state},
                 next_attempt_at = ${iso(state === "retrying" ? retryAt : now)},
                 completed_at = ${state === "retrying" ? null : iso(now)}::timestamptz
           where id = ${d.id} and status = 'pending' and lease_until = ${iso(d.leaseUntil)}`,
    );
    const ctx = { db, clock: opts.clock, actor: opts.actor };
    const change = async (where: SQL, set: SQL, action: string) => {
      const changed = await rows<{ id: string; tenant_id: string; status: string }>(
        tx,
        sql`update webhook_endpoints set ${set}, updated_at = ${iso(now)}, version = version + 1
             where id = ${d.endpointId} and ${where} returning id, tenant_id, status`,
      );
      for (const c of changed) {
        await recordAudit(tx, ctx, {
          tenantId: c.tenant_id,
          entityType: "webhook_endpoint",
          entityId: c.id,
          action,
          before: null,
          after: { status: c.status },
        });
      }
    };
    if (state === "succeeded") {
      if (d.endpointStatus !== "failing") return;
      await change(sql`status = 'failing'`, sql`status = 'enabled', failing_since = null`, "webhook.recovered");
      return;
    }
    if (state === "failed") {
      await change(sql`status = 'enabled'`, sql`status = 'failing', failing_since = ${iso(now)}`, "webhook.failing");
    }
    const disableBefore = new Date(now.getTime() - opts.disableAfterDays * 86_400_000);
    await change(
      sql`status = 'failing' and failing_since <= ${iso(disableBefore)}`,
      sql`status = 'disabled', disabled_at = ${iso(now)}`,
      "webhook.disabled",
    );
  });
  return state;
}
