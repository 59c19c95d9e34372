import { domainEvent, EVENT_TYPES } from "@holdfast/domain";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "./openapi.ts";
import { eventSchemaName } from "./openapi-events.ts";

type Schema = { type?: string; properties?: Record<string, Schema>; required?: string[]; const?: unknown };

describe("the OpenAPI document publishes the domain events", () => {
  const schemas = buildOpenApiDocument().components.schemas as Record<string, Schema & Record<string, unknown>>;

  it("has the envelope, one schema per event type with its type and data, and the union by type", () => {
    expect(schemas.EventEnvelope?.required).toEqual(
      expect.arrayContaining(["id", "type", "version", "tenantLocator", "entity", "occurredAt", "requestId", "data"]),
    );
    for (const t of EVENT_TYPES) {
      const s = schemas[eventSchemaName(t)];
      expect(s, t).toBeDefined();
      expect(s?.properties?.type?.const, t).toBe(t);
      expect(s?.properties?.data?.type, t).toBe("object");
    }
    const released = schemas.HoldReleasedEvent?.properties?.data;
    expect(released?.required).toEqual(expect.arrayContaining(["reason", "releasedByWorker", "holdState"]));
    expect(schemas.WorkerDayCompletedEvent?.properties?.data?.required).toEqual(["date", "counts"]);
    const union = schemas.DomainEvent as {
      oneOf: { $ref: string }[];
      discriminator: { mapping: Record<string, string> };
    };
    expect(union.oneOf).toHaveLength(EVENT_TYPES.length);
    expect(union.discriminator.mapping["subscription.lapsed"]).toBe("#/components/schemas/SubscriptionLapsedEvent");
  });

  it("the domain's union refuses data of another type's shape", () => {
    const base = {
      id: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
      version: 1,
      tenantLocator: "t",
      entity: { type: "worker_day", id: "2027-01-01" },
      occurredAt: "2027-01-02T00:00:00.000Z",
      requestId: null,
    };
    const data = { date: "2027-01-01", counts: { invoicesIssued: 2 } };
    expect(domainEvent.safeParse({ ...base, type: "worker.day_completed", data }).success).toBe(true);
    expect(domainEvent.safeParse({ ...base, type: "hold.created", data }).success).toBe(false);
  });
});
