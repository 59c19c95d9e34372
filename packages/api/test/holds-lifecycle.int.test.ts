import { describe, expect, it } from "vitest";
import { expectTrpcError, setupWorld } from "./harness.ts";

const w = setupWorld();

describe("hold lifecycle through the router", () => {
  it("goes draft → validated → active → released, recording each move in the history", async () => {
    const tenantId = await w.tenant();
    const account = await w.account(tenantId);
    const api = await w.caller(tenantId);

    const created = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "invoicing" }] });
    expect(created).toMatchObject({
      holdState: "draft",
      version: 1,
      targetType: "invoicing",
      allowedMoves: ["update", "validate", "discard"],
    });

    const validated = await api.holds.validate({ locator: created.locator });
    expect(validated).toMatchObject({
      holdState: "validated",
      version: 2,
      validationResult: { success: true, problems: [] },
    });

    const active = await api.holds.activate({ locator: created.locator, expectedVersion: 2 });
    expect(active).toMatchObject({ holdState: "active", version: 3, schedule: "in_effect" });

    const effect = await api.holds.effect({ accountLocator: account.locator, process: "invoicing" });
    expect(effect).toMatchObject({ held: true, holdLocators: [created.locator], date: "2027-03-10" });

    const released = await api.holds.release({ locator: created.locator });
    expect(released).toMatchObject({ holdState: "released", version: 4, releaseReason: "released", allowedMoves: [] });

    const history = await api.audit.history({ entityType: "hold", entityId: created.locator });
    expect(history.map((e) => e.action)).toEqual(["create", "validate", "activate", "release"]);
    expect(history[3]).toMatchObject({
      before: { holdState: "active" },
      after: { holdState: "released" },
      actorType: "token",
    });

    await expectTrpcError(api.holds.activate({ locator: created.locator }), "CONFLICT");
  });
});
