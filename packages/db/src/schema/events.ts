import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.ts";

/**
 * The outbox: one row per domain event, written in the transaction that makes
 * the change (no change without its event, no event without its change).
 * `seq` orders one entity's events in commit order: writes to an entity are
 * serialized by its row lock, so a later change takes a later number.
 * Kept 30 days (events.list's window); webhook fan-out marks `dispatched_at`.
 */
export const domainEvents = pgTable(
  "domain_events",
  {
    /** ULID; also the `webhook-id` of every delivery of this event. */
    id: text("id").primaryKey(),
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity().notNull(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** `hold.created`, `subscription.lapsed`, … (EVENT_TYPES in the domain). */
    type: text("type").notNull(),
    /** The version of the type's data schema. */
    version: integer("version").notNull().default(1),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
    requestId: text("request_id"),
    /** The entity's new state (and, for some types, what the change was). */
    data: jsonb("data").notNull(),
    /** When the workers made this event's webhook deliveries; null until then. */
    dispatchedAt: timestamp("dispatched_at", { withTimezone: true }),
  },
  (t) => [
    index("domain_events_tenant_idx").on(t.tenantId, t.id),
    index("domain_events_entity_idx").on(t.tenantId, t.entityType, t.entityId, t.seq),
    index("domain_events_undispatched_idx").on(t.seq).where(sql`${t.dispatchedAt} is null`),
    index("domain_events_occurred_idx").on(t.occurredAt),
  ],
);

/**
 * A tenant's webhook endpoints. The signing secret must be usable to sign,
 * so it is stored encrypted (AES-256-GCM under the deployment's key), never
 * in clear; `secretPrefix` is what lists show. After a rotation the previous
 * secret signs too until `previousSecretExpiresAt`.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    eventTypes: jsonb("event_types").$type<string[]>().notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    secretPrefix: text("secret_prefix").notNull(),
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretExpiresAt: timestamp("previous_secret_expires_at", { withTimezone: true }),
    /** enabled → failing (a delivery gave up) → disabled (failing for the configured days, or by a user). */
    status: text("status", { enum: ["enabled", "failing", "disabled"] })
      .notNull()
      .default("enabled"),
    failingSince: timestamp("failing_since", { withTimezone: true }),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
    version: integer("version").notNull().default(1),
  },
  (t) => [index("webhook_endpoints_tenant_idx").on(t.tenantId, t.id)],
);

/**
 * One event to one endpoint. Retried with the same `webhook-id` (the event's
 * id) until it succeeds or gives up; a replay is a new delivery of the same
 * event. Per endpoint and entity, deliveries go out in `eventSeq` order.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    eventSeq: bigint("event_seq", { mode: "number" }).notNull(),
    /** `entityType:entityId`: deliveries of one entity to one endpoint go in order. */
    entityKey: text("entity_key").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull(),
    /** A worker sending it holds it until then; a killed worker's lease runs out and another sends it again. */
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    /** Made by webhooks.replay or webhooks.sendTest rather than by fan-out. */
    origin: text("origin", { enum: ["event", "replay", "test"] })
      .notNull()
      .default("event"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.id),
    index("webhook_deliveries_order_idx").on(t.endpointId, t.entityKey, t.eventSeq).where(sql`${t.status} = 'pending'`),
  ],
);

/** Every attempt of a delivery: when, how long, and what the endpoint answered. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attemptedAt: timestamp("attempted_at", { withTimezone: true }).notNull(),
    durationMs: integer("duration_ms").notNull(),
    statusCode: integer("status_code"),
    /** Timeout, refused connection, refused address (SSRF), …; null when the endpoint answered. */
    error: text("error"),
    /** The start of the response body (at most 1 KB), for the dashboard. */
    responseBody: text("response_body"),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.id)],
);
