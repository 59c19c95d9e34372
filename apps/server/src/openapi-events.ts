import { domainEventOutput, domainEventSchemas, EVENT_TYPES, EVENT_VERSIONS, type EventType } from "@holdfast/domain";
import { z } from "zod";

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;
  return rest;
};

/** `hold.created` → `HoldCreatedEvent`: the component name of one event type. */
export function eventSchemaName(type: EventType): string {
  const words = type.split(/[._]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return `${words.join("")}Event`;
}

/**
 * The domain events as OpenAPI components, generated from the domain's zod
 * schemas: `EventEnvelope` (what every event has, `data` untyped), one
 * schema per event type (the envelope with its type's `data` and version),
 * and `DomainEvent`, any of them by `type`. events.list items and webhook
 * bodies are these.
 */
export function eventComponentSchemas(): Record<string, JsonSchema> {
  const perType = Object.fromEntries(
    EVENT_TYPES.map((t) => [
      eventSchemaName(t),
      { ...jsonSchema(domainEventSchemas[t]), description: `${t}, data version ${EVENT_VERSIONS[t]}` },
    ]),
  );
  const ref = (t: EventType) => `#/components/schemas/${eventSchemaName(t)}`;
  return {
    EventEnvelope: jsonSchema(domainEventOutput),
    ...perType,
    DomainEvent: {
      oneOf: EVENT_TYPES.map((t) => ({ $ref: ref(t) })),
      discriminator: { propertyName: "type", mapping: Object.fromEntries(EVENT_TYPES.map((t) => [t, ref(t)])) },
    },
  };
}
