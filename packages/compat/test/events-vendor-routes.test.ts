import { schema } from "@holdfast/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

/** The vendor routes change holds through the same use cases, so they publish the same events. */

let w: CompatWorld;
let tenant: string;
let token: string;

beforeAll(async () => {
  w = await createCompatWorld();
  tenant = await w.tenant("Vendor events");
  token = await w.token(tenant);
});
afterAll(() => w?.close());

async function eventsOf(entityId: string) {
  const rows = (await w.db.select().from(schema.domainEvents))
    .filter((r) => r.entityId === entityId)
    .sort((a, b) => a.seq - b.seq);
  return rows.map((r) => [r.type, r.tenantId, (r.data as { holdState?: string }).holdState]);
}

describe("events from the vendor routes", () => {
  it("Socotra create → validate → activate → release publishes one event per move", async () => {
    const accountLocator = (await w.account(tenant, "Socotra account")).locator;
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await w.request(`/billing/${tenant}/holds${path}`, { method, token, body });
      expect(res.status, res.text).toBe(200);
      return res.json as { locator: string };
    };
    const { locator } = await send("POST", "", { accountLocator, targetType: "invoicing" });
    for (const move of ["validate", "activate", "release"]) await send("PATCH", `/${locator}/${move}`);
    expect(await eventsOf(locator)).toEqual([
      ["hold.created", tenant, "draft"],
      ["hold.validated", tenant, "validated"],
      ["hold.activated", tenant, "active"],
      ["hold.released", tenant, "released"],
    ]);
  });
});
