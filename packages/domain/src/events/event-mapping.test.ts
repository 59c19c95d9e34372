import { describe, expect, it } from "vitest";
import { eventsForChange } from "./event-mapping.ts";

const change = (
  entityType: string,
  action: string,
  after: unknown,
  extra: { before?: unknown; actorType?: string } = {},
) =>
  eventsForChange({
    entityType,
    entityId: "E1",
    action,
    before: extra.before ?? null,
    after,
    actorType: extra.actorType ?? "user",
  });
const types = (...args: Parameters<typeof change>) => change(...args).map((d) => d.type);

describe("eventsForChange: audit actions to event types", () => {
  it("maps each hold move; a validation that leaves a draft, an edit, a reset and a refused activation make none", () => {
    expect(types("hold", "create", { holdState: "draft" })).toEqual(["hold.created"]);
    expect(types("hold", "validate", { holdState: "validated" })).toEqual(["hold.validated"]);
    expect(types("hold", "validate", { holdState: "draft" })).toEqual([]);
    expect(types("hold", "activate", { holdState: "active" })).toEqual(["hold.activated"]);
    expect(types("hold", "amend", { holdState: "active" })).toEqual(["hold.amended"]);
    expect(types("hold", "discard", { holdState: "discarded" })).toEqual(["hold.discarded"]);
    for (const action of ["update", "reset", "activate_refused"]) expect(types("hold", action, {})).toEqual([]);
  });

  it("a release carries the reason and who released it", () => {
    const [byUser] = change("hold", "release", { releaseReason: "Paid" });
    expect(byUser?.data).toMatchObject({ reason: "Paid", releasedByWorker: false });
    const [byWorker] = change("hold", "release", { releaseReason: "end_date_reached" }, { actorType: "worker" });
    expect(byWorker?.data).toMatchObject({ reason: "end_date_reached", releasedByWorker: true });
  });

  it("maps subscription, invoice and automation actions; the entity is the audited one", () => {
    expect(types("subscription", "extendGracePeriodAndReactivate", {})).toEqual([
      "subscription.grace_extended",
      "subscription.reactivated",
    ]);
    for (const action of ["create", "activate", "endGracePeriod", "issueInvoice"])
      expect(types("subscription", action, {})).toEqual([]);
    expect(types("invoice", "recordPayment", { status: "open" })).toEqual([]);
    expect(change("invoice", "recordPayment", { status: "paid" })[0]).toMatchObject({
      type: "invoice.paid",
      entity: { type: "invoice", id: "E1" },
    });
    expect(types("automation", "updateAssignments", {})).toEqual(["automation.updated"]);
    expect(change("automation", "delete", null, { before: { id: "E1", name: "A" } })[0]?.data).toEqual({
      id: "E1",
      name: "A",
    });
    expect(types("directory_name", "nameDirectoryEntry", {})).toEqual([]);
    expect(types("tenant", "updateSettings", {})).toEqual([]);
  });
});
