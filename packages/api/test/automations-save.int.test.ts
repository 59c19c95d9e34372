/**
 * automations.save through the real router and database: an automation's own
 * fields and its assignments change together, with one new version and one
 * audit event, or nothing changes at all.
 */
import { appErrorOf, sortRules } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { expectTrpcError, setupWorld, tableChecksum } from "./harness.ts";

const w = setupWorld({ tenantName: "Save" });

const COMPANY = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const SERVICE_ROOMS = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const SERVICE_SPA = "0b8e6a4e-2f0f-4c55-9d3e-6c1f0a6b7e21";
const RATE = "ab3682ba-4493-4eb0-bcdc-8d000f5bad65";
const UNKNOWN_ASSIGNMENT = "5e7c0b59-3f2a-4f0e-8a53-2c0d6f1b9a77";

const flags = (on: Partial<Record<"spaceOrder" | "cityTax" | "deposits", boolean>>) => ({
  spaceOrder: false,
  cityTax: false,
  allProducts: false,
  deposits: false,
  additionalExpenses: false,
  allCustomItems: false,
  ...on,
});

async function addAutomation(name: string) {
  const { automations } = await w.api.automations.add({
    automations: [
      {
        name,
        companies: [{ companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } }],
        prepayment: "All",
        assignmentTargetType: "CompanyAsOwner",
        triggerType: "Continuous",
        billAggregationType: "AggregateAll",
        assignments: [
          { serviceId: SERVICE_ROOMS, routedItemTypes: flags({ spaceOrder: true, cityTax: true }) },
          { serviceId: SERVICE_SPA, routedItemTypes: flags({ deposits: true }) },
        ],
      },
    ],
  });
  const [created] = automations;
  if (!created) throw new Error("add answered nothing");
  return created;
}

/** Every table a save writes to, as one checksum: a refused save must leave it as it was. */
async function checksum() {
  const tables = ["automations", "automation_companies", "automation_assignments", "audit_events", "idempotency_keys"];
  return (await Promise.all(tables.map((t) => tableChecksum(w.db, t)))).join(":");
}

const historyOf = (id: string) => w.api.audit.history({ entityType: "automation", entityId: id });

describe("automations.save", () => {
  it("changes the automation's fields and its assignments together, with one version bump and one audit event", async () => {
    const before = await addAutomation("Fields and assignments");
    const [rooms, spa] = before.assignments;
    if (!rooms || !spa) throw new Error("the automation has two assignments");

    const saved = await w.api.automations.save({
      automationId: before.id,
      expectedVersion: before.version,
      name: "Renamed with its assignments",
      description: "saved in one call",
      assignmentsToAdd: [{ serviceId: SERVICE_SPA, routedItemTypes: flags({ cityTax: true }), rateIds: [RATE] }],
      assignmentsToUpdate: [{ id: rooms.id, routedItemTypes: { cityTax: false } }],
      assignmentIdsToRemove: [spa.id],
    });

    expect(saved.version).toBe(before.version + 1);
    expect(saved.name).toBe("Renamed with its assignments");
    expect(saved.description).toBe("saved in one call");
    expect(saved.assignments.map((a) => [a.serviceId, a.routedItemTypes, a.rateIds])).toEqual([
      [SERVICE_ROOMS, flags({ spaceOrder: true }), []],
      [SERVICE_SPA, flags({ cityTax: true }), [RATE]],
    ]);
    expect(saved.assignments[0]?.id).toBe(rooms.id);

    const { automations } = await w.api.automations.getAll({ automationIds: [before.id], limitation: { count: 10 } });
    expect(automations).toEqual([saved]);
    const history = await historyOf(before.id);
    expect(history.map((e) => e.action)).toEqual(["create", "save"]);
    expect(history[1]?.before).toEqual(before);
    expect(history[1]?.after).toEqual(saved);
  });

  it("saves nothing when its assignment part is invalid: fields, version and history stay as they were", async () => {
    const before = await addAutomation("Invalid assignments");
    const [rooms] = before.assignments;
    if (!rooms) throw new Error("the automation has assignments");
    const historyBefore = await historyOf(before.id);
    const unchanged = await checksum();

    const err = await expectTrpcError(
      w.api.automations.save({
        automationId: before.id,
        expectedVersion: before.version,
        name: "Must not be saved",
        assignmentsToUpdate: [
          { id: rooms.id, routedItemTypes: { spaceOrder: false, cityTax: false } },
          { id: UNKNOWN_ASSIGNMENT, routedItemTypes: { deposits: true } },
        ],
      }),
      "BAD_REQUEST",
    );
    expect(sortRules(appErrorOf(err).issues)).toEqual([
      { path: "assignments[0].routedItemTypes", rule: "routes_nothing" },
      { path: "assignmentsToUpdate[1].id", rule: "unknown_assignment" },
    ]);

    expect(await checksum()).toBe(unchanged);
    const { automations } = await w.api.automations.getAll({ automationIds: [before.id], limitation: { count: 10 } });
    expect(automations).toEqual([before]);
    expect(await historyOf(before.id)).toEqual(historyBefore);
  });

  it("refuses a stale expectedVersion and changes nothing", async () => {
    const before = await addAutomation("Stale version");
    const renamed = await w.api.automations.save({ automationId: before.id, name: "Renamed by someone else" });
    expect(renamed.version).toBe(before.version + 1);
    const unchanged = await checksum();

    const err = await expectTrpcError(
      w.api.automations.save({
        automationId: before.id,
        expectedVersion: before.version,
        name: "Saved over the old version",
        assignmentIdsToRemove: [before.assignments[1]?.id ?? ""],
      }),
      "CONFLICT",
    );
    expect(err.message).toContain(`is at version ${renamed.version}, not the expected ${before.version}`);

    expect(await checksum()).toBe(unchanged);
    const { automations } = await w.api.automations.getAll({ automationIds: [before.id], limitation: { count: 10 } });
    expect(automations).toEqual([renamed]);
    expect((await historyOf(before.id)).map((e) => e.action)).toEqual(["create", "save"]);
  });

  it("writes nothing for a save that changes nothing: no new version, no audit event", async () => {
    const before = await addAutomation("Unchanged");
    const saved = await w.api.automations.save({
      automationId: before.id,
      expectedVersion: before.version,
      name: before.name,
      assignmentsToUpdate: [{ id: before.assignments[0]?.id ?? "", routedItemTypes: { spaceOrder: true } }],
    });
    expect(saved).toEqual(before);
    expect((await historyOf(before.id)).map((e) => e.action)).toEqual(["create"]);
  });
});
