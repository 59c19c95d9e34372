import { z } from "zod";
import { zLocator, zScope, zText } from "../common-schemas.ts";

/**
 * Every domain event type Holdfast publishes (events.list and webhooks).
 * A type's `data` is the entity's new state; its schema is versioned
 * (`version` on the envelope), so a consumer can tell a changed shape.
 */
export const EVENT_TYPES = [
  "hold.created",
  "hold.validated",
  "hold.activated",
  "hold.amended",
  "hold.released",
  "hold.discarded",
  "subscription.grace_started",
  "subscription.grace_paused",
  "subscription.grace_resumed",
  "subscription.grace_extended",
  "subscription.lapsed",
  "subscription.reactivated",
  "subscription.terminated",
  "invoice.issued",
  "invoice.paid",
  "automation.added",
  "automation.updated",
  "automation.deleted",
  "worker.day_completed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const zEventType = z.enum(EVENT_TYPES);

/** The kinds of entity events are about. */
export const EVENT_ENTITY_TYPES = ["hold", "subscription", "invoice", "automation", "worker_day"] as const;
export type EventEntityType = (typeof EVENT_ENTITY_TYPES)[number];

/** Envelope fields every event has, whatever its type. */
export const eventEnvelopeFields = {
  /** ULID: unique, and the `webhook-id` of its deliveries. */
  id: z.string(),
  type: zEventType,
  /** Version of this type's `data` schema. */
  version: z.number().int(),
  tenantLocator: z.string(),
  entity: z.object({ type: z.enum(EVENT_ENTITY_TYPES), id: z.string() }),
  /** ISO 8601 instant of the change. */
  occurredAt: z.string(),
  /** The request (or worker tick) that made the change. */
  requestId: z.string().nullable(),
};

/** An event as listed and delivered; `data` is checked per type by `eventDataSchemas`. */
export const domainEventOutput = z.object({ ...eventEnvelopeFields, data: z.record(z.string(), z.unknown()) });
export type DomainEventOutput = z.infer<typeof domainEventOutput>;

export const listEventsInput = z
  .strictObject({
    ...zScope,
    /** Cursor: the id of the last event already seen; only later ones are listed (oldest first). */
    after: zLocator.optional(),
    types: z
      .array(zEventType)
      .min(1)
      .max(EVENT_TYPES.length)
      .transform((ts) => [...new Set(ts)])
      .optional(),
    entity: z.strictObject({ type: z.enum(EVENT_ENTITY_TYPES), id: zText(64).min(1) }).optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .default({ limit: 100 });
export type ListEventsInput = z.output<typeof listEventsInput>;

export const eventPageOutput = z.object({
  items: z.array(domainEventOutput),
  /** Pass as `after` for the next page; null when the page is the last one so far. */
  nextCursor: z.string().nullable(),
});
export type EventPageOutput = z.infer<typeof eventPageOutput>;

/** events.list keeps this many days. */
export const EVENT_RETENTION_DAYS = 30;
