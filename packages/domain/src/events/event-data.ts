import { z } from "zod";
import type { Permission } from "../access.ts";
import { automationOutput } from "../automations/schemas.ts";
import { holdOutput } from "../holds/schemas.ts";
import { invoiceOutput, subscriptionOutput } from "../subscriptions/schemas.ts";
import { EVENT_TYPES, type EventEntityType, type EventType, eventEnvelopeFields } from "./event-schemas.ts";

/** hold.released: the hold as released, the reason, and whether the worker released it (its end date passed). */
export const holdReleasedData = holdOutput.extend({
  reason: z.string(),
  releasedByWorker: z.boolean(),
});

/** worker.day_completed: the business date the worker closed for the tenant, and that day's effects. */
export const dayCompletedData = z.object({
  date: z.string(),
  counts: z.record(z.string(), z.number().int()),
});

/**
 * Each event type's `data`: the entity's new state in the shape the API
 * answers with (`holdOutput`, `subscriptionOutput`, ...). Defined once here;
 * events.list, webhooks and the OpenAPI document use these.
 */
export const eventDataSchemas = {
  "hold.created": holdOutput,
  "hold.validated": holdOutput,
  "hold.activated": holdOutput,
  "hold.amended": holdOutput,
  "hold.released": holdReleasedData,
  "hold.discarded": holdOutput,
  "subscription.grace_started": subscriptionOutput,
  "subscription.grace_paused": subscriptionOutput,
  "subscription.grace_resumed": subscriptionOutput,
  "subscription.grace_extended": subscriptionOutput,
  "subscription.lapsed": subscriptionOutput,
  "subscription.reactivated": subscriptionOutput,
  "subscription.terminated": subscriptionOutput,
  "invoice.issued": invoiceOutput,
  "invoice.paid": invoiceOutput,
  "automation.added": automationOutput,
  "automation.updated": automationOutput,
  "automation.deleted": automationOutput,
  "worker.day_completed": dayCompletedData,
} as const satisfies Record<EventType, z.ZodType>;
export type EventDataSchemas = typeof eventDataSchemas;
export type EventData<T extends EventType> = z.infer<EventDataSchemas[T]>;

/** The version of each type's `data` schema; a changed shape gets a new version. */
export const EVENT_VERSIONS: Readonly<Record<EventType, number>> = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, 1]),
) as Record<EventType, number>;

/** The entity kind each type is about. */
export const EVENT_ENTITY_OF: Readonly<Record<EventType, EventEntityType>> = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, t === "worker.day_completed" ? "worker_day" : (t.split(".")[0] as EventEntityType)]),
) as Record<EventType, EventEntityType>;

const envelope = z.object(eventEnvelopeFields).omit({ type: true });
type Envelope = z.infer<typeof envelope>;

/** One event of type T: the envelope with `type` fixed and `data` in T's schema. */
export type DomainEventOf<T extends EventType> = Envelope & { type: T; data: EventData<T> };
/** Any event; `data` narrows by `type` (`if (e.type === "hold.released") e.data.releasedByWorker`). */
export type DomainEvent = { [T in EventType]: DomainEventOf<T> }[EventType];

const perType = EVENT_TYPES.map((t) => envelope.extend({ type: z.literal(t), data: eventDataSchemas[t] }));

/** The schema of one type's event (envelope and data), named for the OpenAPI document. */
export const domainEventSchemas = Object.fromEntries(EVENT_TYPES.map((t, i) => [t, perType[i]])) as unknown as {
  [T in EventType]: z.ZodType<DomainEventOf<T>>;
};

/** Every event, checked by type: a discriminated union on `type`. */
export const domainEvent = z.discriminatedUnion(
  "type",
  perType as unknown as [(typeof perType)[number], ...(typeof perType)[number][]],
) as unknown as z.ZodType<DomainEvent>;

/**
 * What reading each entity kind's events needs: the read permission of that
 * kind (as for its history); `worker_day` events (a day's counts) any member
 * of the tenant may read.
 */
export const EVENT_READ_PERMISSION: Readonly<Record<EventEntityType, Permission | null>> = {
  hold: "holds:read",
  subscription: "subscriptions:read",
  invoice: "subscriptions:read",
  automation: "automations:read",
  worker_day: null,
};

/** events.list's permission: the entity's read permission when one entity is asked for; else any member (filtered by kind). */
export function eventsListPermission(raw: unknown): Permission | null {
  const entity = raw && typeof raw === "object" ? (raw as { entity?: { type?: unknown } }).entity : undefined;
  const type = entity && typeof entity === "object" ? entity.type : undefined;
  return typeof type === "string" && Object.hasOwn(EVENT_READ_PERMISSION, type)
    ? (EVENT_READ_PERMISSION[type as EventEntityType] ?? null)
    : null;
}
