import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, expectTrpcError, type World } from "./harness.ts";

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w.close();
});

/** Seed 001's add sample, in Holdfast's camelCase. */
const seedAutomation = {
  name: "Company A billing automation",
  description:
    "Billing automation routing reservations made for Company A to bills where company is an owner, aggregating all reservations onto one bill.",
  companies: [
    { companyId: "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f", relations: { partnerCompany: true, travelAgency: false } },
  ],
  prepayment: "All" as const,
  assignmentTargetType: "CompanyAsOwner" as const,
  triggerType: "Continuous" as const,
  billAggregationType: "AggregateAll" as const,
  assignments: [
    {
      serviceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
      routedItemTypes: {
        spaceOrder: true,
        cityTax: true,
        allProducts: false,
        deposits: true,
        additionalExpenses: true,
        allCustomItems: false,
      },
      productIds: ["507d93e6-9fb5-4734-a6d1-977afc4dfdff"],
    },
  ],
};

describe("billing automations through the router", () => {
  it("adds, lists, updates, changes assignments, previews a route and deletes", async () => {
    const tenantId = await w.tenant();
    const api = await w.caller(tenantId);
    const { automations } = await api.automations.add({ automations: [seedAutomation] });
    const [created] = automations;
    expect(created).toMatchObject({
      name: seedAutomation.name,
      enterpriseId: tenantId,
      version: 1,
      processingStartOffset: null,
    });
    expect(created?.assignments[0]).toMatchObject({
      productIds: seedAutomation.assignments[0]?.productIds,
      rateIds: [],
    });
    const id = created?.id ?? "";

    const page = await api.automations.getAll({ limitation: { count: 10 } });
    expect(page.automations.map((a) => a.id)).toEqual([id]);
    expect(page.cursor).toBeNull();

    const [updated] = (await api.automations.update({ updates: [{ automationId: id, name: "New name." }] }))
      .automations;
    expect(updated).toMatchObject({ name: "New name.", description: seedAutomation.description, version: 2 });

    const bad = await expectTrpcError(
      api.automations.update({ updates: [{ automationId: id, assignmentTargetType: "NoCompany" }] }),
      "BAD_REQUEST",
    );
    expect(bad.message).toContain("updates[0].");

    const item = {
      serviceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
      itemType: "SpaceOrder" as const,
      consumptionDate: "2027-03-10",
    };
    const reservation = {
      id: "0e7c8c36-6b8e-4c59-9d0c-4b6f0f0c1a01",
      ownerId: "0e7c8c36-6b8e-4c59-9d0c-4b6f0f0c1a02",
      companyId: "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
      companyRelation: "partnerCompany" as const,
      prepaid: false,
    };
    const preview = await api.automations.previewRoute({ orderItem: item, reservation });
    expect(preview).toMatchObject({
      outcome: "routed",
      route: { automationId: id, bill: { owner: { kind: "company" }, associatedAccount: { kind: "customer" } } },
    });

    const assignmentId = updated?.assignments[0]?.id ?? "";
    const changed = await api.automations.updateAssignments({
      automationId: id,
      assignmentsToUpdate: [{ id: assignmentId, routedItemTypes: { spaceOrder: false } }],
    });
    expect(changed.assignments[0]?.routedItemTypes).toMatchObject({ spaceOrder: false, cityTax: true });
    const after = await api.automations.previewRoute({ orderItem: item, reservation });
    expect(after.outcome).toBe("not_routed");
    expect(after.rejections[0]?.reason).toBe("item_type_not_routed");

    await api.automations.delete({ automationIds: [id] });
    expect((await api.automations.getAll({ limitation: { count: 10 } })).automations).toEqual([]);
    const history = await api.audit.history({ entityType: "automation", entityId: id });
    expect(history.map((e) => e.action)).toEqual(["create", "update", "updateAssignments", "delete"]);
  });
});
