import { createCaller } from "@holdfast/api";
import { schema } from "@holdfast/db";
import { domainEvent, EVENT_VERSIONS, type EventType } from "@holdfast/domain";
import { EVENT_SETTLE_MS } from "@holdfast/services";
import { createTestWorld, type Grants, worldHooks } from "@holdfast/testing/harness";
import { and, asc, eq, gt, max } from "drizzle-orm";
import { expect } from "vitest";

/** A test world whose callers carry the request id the test gives them. */
export function setupEventsWorld(opts: { now?: string } = {}) {
  return worldHooks(async () => {
    const world = await createTestWorld(opts);
    async function callerAs(grants: Grants, requestId: string) {
      const principal = await world.principal(await world.token(grants));
      return createCaller({ db: world.db, clock: world.clock, principal, requestId });
    }
    return { ...world, callerAs };
  });
}
export type EventsWorld = ReturnType<ReturnType<typeof setupEventsWorld>>;

/** The outbox's newest `seq` (0 when empty): take it before an operation, then read what came after. */
export async function outboxMark(w: EventsWorld): Promise<number> {
  const [row] = await w.db.select({ m: max(schema.domainEvents.seq) }).from(schema.domainEvents);
  return Number(row?.m ?? 0);
}

/** The tenant's outbox rows written after `mark`, in `seq` order, each checked against its type's schema. */
export async function eventsAfter(w: EventsWorld, tenantId: string, mark: number) {
  const e = schema.domainEvents;
  const rows = await w.db
    .select()
    .from(e)
    .where(and(eq(e.tenantId, tenantId), gt(e.seq, mark)))
    .orderBy(asc(e.seq));
  return rows.map((r) => {
    const parsed = domainEvent.safeParse({
      id: r.id,
      type: r.type,
      version: r.version,
      tenantLocator: r.tenantId,
      entity: { type: r.entityType, id: r.entityId },
      occurredAt: r.occurredAt.toISOString(),
      requestId: r.requestId,
      data: r.data,
    });
    expect(parsed.success, `${r.type}: ${parsed.error?.message}`).toBe(true);
    expect(r.version).toBe(EVENT_VERSIONS[r.type as EventType]);
    return r;
  });
}

/** Exactly one event of `type` among `events`, about `entityId`, made by `requestId`; its data. */
export function theOne(
  events: Awaited<ReturnType<typeof eventsAfter>>,
  type: EventType,
  entityId: string,
  requestId: string | null,
): Record<string, unknown> {
  const found = events.filter((e) => e.type === type);
  expect(found.map((e) => [e.type, e.entityId, e.requestId])).toEqual([[type, entityId, requestId]]);
  return found[0]?.data as Record<string, unknown>;
}

/** Waits out the settle window, after which events.list shows what has committed. */
export const waitSettled = () => new Promise((resolve) => setTimeout(resolve, EVENT_SETTLE_MS + 100));
