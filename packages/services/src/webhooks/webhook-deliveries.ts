import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import {
  AppError,
  EVENT_RETENTION_DAYS,
  type ReplayWebhookInput,
  type SendTestWebhookInput,
  WEBHOOK_TEST_EVENT_TYPE,
  type WebhookDeliveriesInput,
  type WebhookDeliveryOutput,
  type WebhookDeliveryPageOutput,
} from "@holdfast/domain";
import { and, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import { reader, type ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";
import { newLocator } from "../ids.ts";
import { splitPage } from "../paging.ts";
import { type EndpointRow, lockEndpoint, readEndpoint } from "./endpoint-store.ts";

/** How many of a delivery's attempts `webhooks.deliveries` shows, newest first. */
export const RECENT_ATTEMPTS = 10;

type DeliveryRow = typeof schema.webhookDeliveries.$inferSelect;
type AttemptRow = typeof schema.webhookAttempts.$inferSelect;

function toDeliveryOutput(d: DeliveryRow, attempts: readonly AttemptRow[]): WebhookDeliveryOutput {
  return {
    locator: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    origin: d.origin,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === "pending" ? d.nextAttemptAt.toISOString() : null,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    completedAt: d.completedAt?.toISOString() ?? null,
    recentAttempts: attempts.map((a) => ({
      attemptedAt: a.attemptedAt.toISOString(),
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
      responseBody: a.responseBody,
    })),
  };
}

/** The latest attempts of each delivery (at most RECENT_ATTEMPTS each), newest first. */
async function recentAttempts(db: DatabaseOrTransaction, deliveryIds: readonly string[]) {
  const byDelivery = new Map<string, AttemptRow[]>();
  if (deliveryIds.length === 0) return byDelivery;
  const a = schema.webhookAttempts;
  const ranked = db
    .select({
      id: a.id,
      rank: sql<number>`row_number() over (partition by ${a.deliveryId} order by ${a.id} desc)`.as("rank"),
    })
    .from(a)
    .where(inArray(a.deliveryId, [...deliveryIds]))
    .as("ranked");
  const rows = await db
    .select({ attempt: a })
    .from(a)
    .innerJoin(ranked, eq(ranked.id, a.id))
    .where(sql`${ranked.rank} <= ${RECENT_ATTEMPTS}`)
    .orderBy(desc(a.id));
  for (const { attempt } of rows) {
    const list = byDelivery.get(attempt.deliveryId) ?? [];
    list.push(attempt);
    byDelivery.set(attempt.deliveryId, list);
  }
  return byDelivery;
}

/**
 * An endpoint's deliveries, newest first, a page at a time, optionally of
 * one status: attempts, times, the last response code and the latest attempts.
 */
export async function listWebhookDeliveries(
  ctx: ServiceContext,
  input: WebhookDeliveriesInput,
): Promise<WebhookDeliveryPageOutput> {
  const db = reader(ctx);
  const endpoint = await readEndpoint(db, ctx, input.endpoint);
  const d = schema.webhookDeliveries;
  const rows = await db
    .select()
    .from(d)
    .where(
      and(
        eq(d.endpointId, endpoint.id),
        input.status ? eq(d.status, input.status) : undefined,
        input.cursor ? lt(d.id, input.cursor) : undefined,
      ),
    )
    .orderBy(desc(d.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit);
  const attempts = await recentAttempts(
    db,
    page.map((r) => r.id),
  );
  return { items: page.map((r) => toDeliveryOutput(r, attempts.get(r.id) ?? [])), nextCursor };
}

/** Replays and tests go to enabled (or failing) endpoints only: a disabled one sends nothing. */
function requireNotDisabled(endpoint: EndpointRow): void {
  if (endpoint.status === "disabled") {
    throw new AppError(
      "INVALID_TRANSITION",
      `webhook endpoint ${endpoint.id} is disabled; enable it before sending to it`,
      { details: { entity: "webhook endpoint", locator: endpoint.id } },
    );
  }
}

/** A new pending delivery of an event to an endpoint, due now, and its audit event on the endpoint. */
async function enqueueDelivery(
  tx: DatabaseOrTransaction,
  ctx: ServiceContext,
  endpoint: EndpointRow,
  event: typeof schema.domainEvents.$inferSelect,
  origin: "replay" | "test",
): Promise<WebhookDeliveryOutput> {
  const now = ctx.clock.now();
  const [row] = await tx
    .insert(schema.webhookDeliveries)
    .values({
      id: newLocator(),
      tenantId: ctx.tenantId,
      endpointId: endpoint.id,
      eventId: event.id,
      eventType: event.type,
      eventSeq: event.seq,
      entityKey: `${event.entityType}:${event.entityId}`,
      status: "pending",
      nextAttemptAt: now,
      origin,
      createdAt: now,
    })
    .returning();
  if (!row) throw new Error("the delivery was not inserted");
  await recordAudit(tx, ctx, {
    tenantId: ctx.tenantId,
    entityType: "webhook_endpoint",
    entityId: endpoint.id,
    action: origin === "replay" ? "replay" : "send_test",
    before: null,
    after: { delivery: row.id, eventId: event.id, eventType: event.type, origin },
  });
  return toDeliveryOutput(row, []);
}

/**
 * Delivers one of the tenant's events again to one endpoint: a new pending
 * delivery (origin `replay`) with the event's id as its `webhook-id`. An
 * event of another tenant, or older than the events' 30 days, is NOT_FOUND.
 */
export async function replayWebhook(ctx: ServiceContext, input: ReplayWebhookInput): Promise<WebhookDeliveryOutput> {
  return runMutation(
    ctx,
    { operation: "webhooks.replay", idempotencyKey: input.idempotencyKey, request: input },
    async (tx) => {
      const endpoint = await lockEndpoint(tx, ctx, input.endpoint);
      const ev = schema.domainEvents;
      const since = new Date(ctx.clock.now().getTime() - EVENT_RETENTION_DAYS * 24 * 60 * 60 * 1000);
      const [event] = await tx
        .select()
        .from(ev)
        .where(and(eq(ev.tenantId, ctx.tenantId), eq(ev.id, input.eventId), gte(ev.occurredAt, since)));
      if (!event) throw AppError.notFound("event", input.eventId);
      requireNotDisabled(endpoint);
      return enqueueDelivery(tx, ctx, endpoint, event, "replay");
    },
  );
}

/**
 * Sends a synthetic `webhook.test` event to one endpoint: the event is
 * written to the outbox already dispatched (fan-out leaves it alone) and a
 * pending delivery (origin `test`) of it to this endpoint only is made.
 */
export async function sendTestWebhook(
  ctx: ServiceContext,
  input: SendTestWebhookInput,
): Promise<WebhookDeliveryOutput> {
  return runMutation(
    ctx,
    { operation: "webhooks.sendTest", idempotencyKey: input.idempotencyKey, request: input },
    async (tx) => {
      const endpoint = await lockEndpoint(tx, ctx, input.endpoint);
      requireNotDisabled(endpoint);
      const now = ctx.clock.now();
      const [event] = await tx
        .insert(schema.domainEvents)
        .values({
          id: newLocator(),
          tenantId: ctx.tenantId,
          type: WEBHOOK_TEST_EVENT_TYPE,
          entityType: "webhook_endpoint",
          entityId: endpoint.id,
          occurredAt: now,
          requestId: ctx.requestId ?? null,
          data: { endpoint: endpoint.id, url: endpoint.url, message: "A test event from Holdfast" },
          dispatchedAt: now,
        })
        .returning();
      if (!event) throw new Error("the test event was not inserted");
      return enqueueDelivery(tx, ctx, endpoint, event, "test");
    },
  );
}
