/**
 * events.list: oldest first, paged by the last id seen, filtered by type and
 * entity, only the kinds the caller may read, the last 30 days, and only
 * settled events (none an open transaction could still precede).
 */
import { schema } from "@holdfast/db";
import { domainEvent } from "@holdfast/domain";
import { runTick } from "@holdfast/services";
import { count, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupEventsWorld, waitSettled } from "./events-harness.ts";
import { expectTrpcError } from "./harness.ts";

const w = setupEventsWorld();

async function activeHold(tenantId: string, requestId = "r-list") {
  const api = await w().callerAs(tenantId, requestId);
  const account = await w().account(tenantId);
  const h = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "invoicing" }] });
  await api.holds.validate({ locator: h.locator });
  await api.holds.activate({ locator: h.locator });
  return h.locator;
}

describe("events.list", () => {
  it("lists oldest first and pages by the last id; filters by type and entity; every item parses", async () => {
    const tenantId = await w().tenant("List");
    const a = await activeHold(tenantId);
    const b = await activeHold(tenantId);
    await waitSettled();
    const api = await w().callerAs(tenantId, "r-reader");
    const all = await api.events.list({});
    expect(all.items.map((e) => [e.type, e.entity.id])).toEqual([
      ["hold.created", a],
      ["hold.validated", a],
      ["hold.activated", a],
      ["hold.created", b],
      ["hold.validated", b],
      ["hold.activated", b],
    ]);
    for (const e of all.items) expect(domainEvent.safeParse(e).success).toBe(true);
    expect(all.items[0]).toMatchObject({ version: 1, tenantLocator: tenantId, requestId: "r-list" });
    expect(all.nextCursor).toBeNull();

    const first = await api.events.list({ limit: 4 });
    expect(first.items).toEqual(all.items.slice(0, 4));
    expect(first.nextCursor).toBe(all.items[3]?.id);
    const rest = await api.events.list({ limit: 4, after: first.nextCursor ?? undefined });
    expect(rest).toEqual({ items: all.items.slice(4), nextCursor: null });

    const activated = await api.events.list({ types: ["hold.activated"] });
    expect(activated.items.map((e) => e.entity.id)).toEqual([a, b]);
    const ofB = await api.events.list({ entity: { type: "hold", id: b } });
    expect(ofB.items.map((e) => e.type)).toEqual(["hold.created", "hold.validated", "hold.activated"]);
    // Another tenant's events are not there.
    const other = await w().tenant("Other");
    expect((await (await w().callerAs(other, "r-other")).events.list({})).items).toEqual([]);
  });

  it("shows only the entity kinds the caller may read; asking for one entity needs its read permission", async () => {
    const tenantId = await w().tenant("Permissions");
    const hold = await activeHold(tenantId);
    const admin = await w().callerAs(tenantId, "r-admin");
    await admin.automations.add({
      automations: [
        {
          name: "Routing",
          description: "x",
          companies: [
            {
              companyId: "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
              relations: { partnerCompany: true, travelAgency: false },
            },
          ],
          prepayment: "All",
          assignmentTargetType: "CompanyAsOwner",
          triggerType: "Continuous",
          billAggregationType: "AggregateAll",
          assignments: [],
        },
      ],
    });
    await waitSettled();
    const holdsOnly = await w().callerAs([{ tenantId, permissions: ["holds:read"] }], "r-holds");
    const seen = await holdsOnly.events.list({});
    expect(new Set(seen.items.map((e) => e.entity.type))).toEqual(new Set(["hold"]));
    expect((await admin.events.list({})).items.some((e) => e.type === "automation.added")).toBe(true);
    const automationsOnly = await w().callerAs([{ tenantId, permissions: ["automations:read"] }], "r-auto");
    expect((await automationsOnly.events.list({})).items.map((e) => e.type)).toEqual(["automation.added"]);
    await expectTrpcError(automationsOnly.events.list({ entity: { type: "hold", id: hold } }), "FORBIDDEN");
  });

  it("keeps 30 days: older events are not listed, and the worker's tick purges them (injected clock)", async () => {
    const tenantId = await w().tenant("Retention");
    w().clock.set("2027-02-01T12:00:00Z");
    const old = await activeHold(tenantId);
    w().clock.set("2027-03-01T12:00:00Z");
    const recent = await activeHold(tenantId);
    await waitSettled();
    const api = await w().callerAs(tenantId, "r-ret");
    // 2027-03-02: the February events are 29 days old, still listed.
    w().clock.set("2027-03-02T12:00:00Z");
    expect((await api.events.list({})).items.map((e) => e.entity.id)).toEqual([old, old, old, recent, recent, recent]);
    // 2027-03-04: more than 30 days old.
    w().clock.set("2027-03-04T12:00:00Z");
    expect((await api.events.list({})).items.map((e) => e.entity.id)).toEqual([recent, recent, recent]);
    const stored = async (entityId: string) =>
      (
        await w().db.select({ n: count() }).from(schema.domainEvents).where(eq(schema.domainEvents.entityId, entityId))
      )[0]?.n;
    expect(await stored(old)).toBe(3);
    const tick = await runTick(w().db, w().clock, "events-purger");
    expect(tick.errors).toEqual([]);
    expect(await stored(old)).toBe(0);
    expect(await stored(recent)).toBe(3);
  });

  it("holds back events committed while an older transaction is still open, so a cursor never skips one", async () => {
    const tenantId = await w().tenant("Settle");
    const api = await w().callerAs(tenantId, "r-settle");
    let finish: () => void = () => undefined;
    let started: () => void = () => undefined;
    const begun = new Promise<void>((resolve) => {
      started = resolve;
    });
    // An open transaction that has begun (as a change that will write an event with an earlier id would be).
    const open = w().db.transaction(async (tx) => {
      await tx.select({ n: count() }).from(schema.tenants);
      started();
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    await begun;
    try {
      const later = await activeHold(tenantId);
      await waitSettled();
      expect((await api.events.list({})).items).toEqual([]);
      finish();
      await open;
      await waitSettled();
      expect((await api.events.list({})).items.map((e) => e.entity.id)).toEqual([later, later, later]);
    } finally {
      finish();
      await open;
    }
  });
});
