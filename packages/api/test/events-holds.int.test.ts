/**
 * Every hold event is written by the real operation, in its transaction:
 * exactly one event of the right type, entity and request id, with data
 * that parses with its schema; a rolled-back change leaves none.
 */
import { holdReleasedData } from "@holdfast/domain";
import { runTick } from "@holdfast/services";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { eventsAfter, outboxMark, setupEventsWorld, theOne } from "./events-harness.ts";
import { expectTrpcError } from "./harness.ts";

const w = setupEventsWorld();

async function tenantWithAccount(name: string) {
  const tenantId = await w().tenant(name);
  const account = await w().account(tenantId);
  return { tenantId, accountLocator: account.locator };
}

describe("hold events", () => {
  it("create, validate, activate, amend, release by a user, discard: one event each, with the new state", async () => {
    const { tenantId, accountLocator } = await tenantWithAccount("Hold events");
    const step = async <T>(
      requestId: string,
      op: (api: Awaited<ReturnType<EventsWorld["callerAs"]>>) => Promise<T>,
    ) => {
      const mark = await outboxMark(w());
      const out = await op(await w().callerAs(tenantId, requestId));
      return { out, events: await eventsAfter(w(), tenantId, mark) };
    };
    const created = await step("r-create", (api) =>
      api.holds.create({ accountLocator, endDate: "2027-06-30", targets: [{ process: "invoicing" }] }),
    );
    const id = created.out.locator;
    expect(created.events).toHaveLength(1);
    expect(theOne(created.events, "hold.created", id, "r-create")).toEqual(created.out);
    expect(created.events[0]).toMatchObject({ entityType: "hold", occurredAt: w().clock.now() });

    const validated = await step("r-validate", (api) => api.holds.validate({ locator: id }));
    expect(validated.events).toHaveLength(1);
    expect(theOne(validated.events, "hold.validated", id, "r-validate")).toEqual(validated.out);

    const activated = await step("r-activate", (api) => api.holds.activate({ locator: id }));
    expect(activated.events).toHaveLength(1);
    expect(theOne(activated.events, "hold.activated", id, "r-activate")).toEqual(activated.out);

    const amended = await step("r-amend", (api) => api.holds.amend({ locator: id, endDate: "2027-07-31" }));
    expect(amended.events).toHaveLength(1);
    expect(theOne(amended.events, "hold.amended", id, "r-amend")).toMatchObject({ endDate: "2027-07-31", version: 4 });

    const released = await step("r-release", (api) => api.holds.release({ locator: id, reason: "Paid at the branch" }));
    expect(released.events).toHaveLength(1);
    const data = holdReleasedData.parse(theOne(released.events, "hold.released", id, "r-release"));
    expect(data).toMatchObject({ holdState: "released", reason: "Paid at the branch", releasedByWorker: false });

    const draft = await step("r-draft", (api) =>
      api.holds.create({ accountLocator, targets: [{ process: "funding" }] }),
    );
    const discarded = await step("r-discard", (api) => api.holds.discard({ locator: draft.out.locator }));
    expect(discarded.events).toHaveLength(1);
    expect(theOne(discarded.events, "hold.discarded", draft.out.locator, "r-discard")).toEqual(discarded.out);
  });

  it("changes without a published type make none: a draft's edit, a failed validation, a reset", async () => {
    const { tenantId, accountLocator } = await tenantWithAccount("Quiet changes");
    const api = await w().callerAs(tenantId, "r-quiet");
    const draft = await api.holds.create({ accountLocator, targets: [{ process: "invoicing" }] });
    const mark = await outboxMark(w());
    await api.holds.update({ locator: draft.locator, comments: "edited" });
    // Ends before it starts: validation fails, the hold stays a draft.
    const failed = await api.holds.update({ locator: draft.locator, startDate: "2027-05-01", endDate: "2027-04-01" });
    expect((await api.holds.validate({ locator: failed.locator })).holdState).toBe("draft");
    expect(await eventsAfter(w(), tenantId, mark)).toEqual([]);
  });

  it("the worker's release says so: releasedByWorker, reason end_date_reached, the tick's request id", async () => {
    const { tenantId, accountLocator } = await tenantWithAccount("Worker release");
    const api = await w().callerAs(tenantId, "r-setup");
    const hold = await api.holds.create({ accountLocator, endDate: "2027-03-12", targets: [{ process: "invoicing" }] });
    await api.holds.validate({ locator: hold.locator });
    await api.holds.activate({ locator: hold.locator });
    w().clock.set("2027-03-13T12:00:00Z");
    const mark = await outboxMark(w());
    const tick = await runTick(w().db, w().clock, "events-worker");
    expect(tick.errors).toEqual([]);
    const events = (await eventsAfter(w(), tenantId, mark)).filter((e) => e.entityType === "hold");
    const data = holdReleasedData.parse(theOne(events, "hold.released", hold.locator, tick.tickId));
    expect(data).toMatchObject({ reason: "end_date_reached", releasedByWorker: true, holdState: "released" });
  });

  it("bulk release writes one event per released hold, with the request's id", async () => {
    const { tenantId, accountLocator } = await tenantWithAccount("Bulk release");
    const api = await w().callerAs(tenantId, "r-bulk");
    const ids: string[] = [];
    for (const process of ["invoicing", "funding"] as const) {
      const h = await api.holds.create({ accountLocator, targets: [{ process }] });
      await api.holds.validate({ locator: h.locator });
      await api.holds.activate({ locator: h.locator });
      ids.push(h.locator);
    }
    const mark = await outboxMark(w());
    const answer = await api.holds.releaseMany({
      idempotencyKey: "bulk-events-1",
      reason: "Settled",
      selection: { locators: ids },
    });
    expect(answer.items.every((i) => i.ok)).toBe(true);
    const events = await eventsAfter(w(), tenantId, mark);
    expect(events.map((e) => [e.type, e.entityId, e.requestId]).sort()).toEqual(
      ids.map((id) => ["hold.released", id, "r-bulk"]).sort(),
    );
  });

  it("createActiveHold (the ORMB create) writes created, validated and activated in that order", async () => {
    const { tenantId, accountLocator } = await tenantWithAccount("Create active");
    const { createActiveHold, forTenant } = await import("@holdfast/services");
    const mark = await outboxMark(w());
    const hold = await createActiveHold(forTenant({ ...w().system, requestId: "r-ormb" }, tenantId), {
      accountLocator,
      targets: [{ process: "invoicing" }],
    });
    const events = await eventsAfter(w(), tenantId, mark);
    expect(events.map((e) => [e.type, e.entityId, e.requestId])).toEqual([
      ["hold.created", hold.locator, "r-ormb"],
      ["hold.validated", hold.locator, "r-ormb"],
      ["hold.activated", hold.locator, "r-ormb"],
    ]);
  });
});

describe("no event without its change", () => {
  it("a version conflict writes nothing", async () => {
    const { tenantId, accountLocator } = await tenantWithAccount("Conflict");
    const api = await w().callerAs(tenantId, "r-conflict");
    const hold = await api.holds.create({ accountLocator, targets: [{ process: "invoicing" }] });
    const mark = await outboxMark(w());
    await expectTrpcError(api.holds.validate({ locator: hold.locator, expectedVersion: 7 }), "CONFLICT");
    expect(await eventsAfter(w(), tenantId, mark)).toEqual([]);
  });

  it("a failure after the event is written rolls back the change, its audit row and its event together", async () => {
    const { tenantId, accountLocator } = await tenantWithAccount("Rollback");
    const api = await w().callerAs(tenantId, "r-rollback");
    const hold = await api.holds.create({ accountLocator, targets: [{ process: "invoicing" }] });
    await api.holds.validate({ locator: hold.locator });
    await w().db.execute(sql`
      create function fail_activated_event() returns trigger language plpgsql as $$
      begin raise exception 'forced failure after the event insert'; end $$;
      create trigger fail_activated after insert on domain_events for each row
        when (new.type = 'hold.activated') execute function fail_activated_event()`);
    try {
      const mark = await outboxMark(w());
      await expect(api.holds.activate({ locator: hold.locator })).rejects.toThrow();
      expect(await eventsAfter(w(), tenantId, mark)).toEqual([]);
      expect((await api.holds.get({ locator: hold.locator })).holdState).toBe("validated");
      const history = await api.audit.history({ entityType: "hold", entityId: hold.locator });
      expect(history.map((h) => h.action)).toEqual(["create", "validate"]);
    } finally {
      await w().db.execute(sql`drop trigger fail_activated on domain_events; drop function fail_activated_event()`);
    }
  });

  it("every event of a tenant has its audited change: same entity, same request, same instant", async () => {
    const { tenantId, accountLocator } = await tenantWithAccount("Pairs");
    const api = await w().callerAs(tenantId, "r-pairs");
    const h = await api.holds.create({ accountLocator, targets: [{ process: "invoicing" }] });
    await api.holds.validate({ locator: h.locator });
    await api.holds.activate({ locator: h.locator });
    await api.holds.release({ locator: h.locator });
    const unpaired = await w().db.execute(sql`
      select e.id from domain_events e where e.tenant_id = ${tenantId} and not exists (
        select 1 from audit_events a where a.tenant_id = e.tenant_id and a.entity_id = e.entity_id
          and a.request_id = e.request_id and a.at = e.occurred_at)`);
    expect([...unpaired]).toEqual([]);
    const [n] = await w().db.execute(sql`select count(*)::int as n from domain_events where tenant_id = ${tenantId}`);
    expect(n).toEqual({ n: 4 });
  });
});

type EventsWorld = ReturnType<typeof w>;
