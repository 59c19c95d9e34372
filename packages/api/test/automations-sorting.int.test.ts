/**
 * The dashboard's automations list sorted by name or last change, either
 * way, paged by the same id cursor: every page in order, nothing twice,
 * nothing missed. Without `sort`, creation order, as Mews' getAll pages.
 */
import type { AutomationInput } from "@holdfast/domain";
import { issuesOfTrpcError, rulesOf } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { expectTrpcError, setupWorld } from "./harness.ts";

const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const NAMES = ["delta", "Alpha", "charlie", "bravo", "echo", "alpha"];

function automation(name: string): AutomationInput {
  return {
    name,
    companies: [],
    prepayment: "All",
    assignmentTargetType: "NoCompany",
    triggerType: "Continuous",
    billAggregationType: "AggregateByCustomer",
    assignments: [
      {
        serviceId: SERVICE,
        routedItemTypes: {
          spaceOrder: true,
          cityTax: false,
          allProducts: false,
          deposits: false,
          additionalExpenses: false,
          allCustomItems: false,
        },
      },
    ],
  };
}

const w = setupWorld({ tenantName: "Sorting tenant" });

type Sort = { sort?: "created" | "name" | "updated"; order?: "asc" | "desc" };

/** Every page of two, following the cursor, as names. */
async function allPages(sort: Sort): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 10; i++) {
    const page = await w.api.automations.getAll({ ...sort, limitation: { count: 2, cursor } });
    names.push(...page.automations.map((a) => a.name));
    cursor = page.cursor;
    if (!cursor) return names;
  }
  throw new Error("the pages did not end");
}

describe("automations.getAll sorted", () => {
  it("by name, ascending and descending, across pages", async () => {
    for (const name of NAMES) {
      await w.api.automations.add({ automations: [automation(name)] });
      w.clock.set(new Date(w.clock.now().getTime() + 1000));
    }
    const byName = [...NAMES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(await allPages({ sort: "name" })).toEqual(byName);
    expect(await allPages({ sort: "name", order: "desc" })).toEqual([...byName].reverse());
  });

  it("by creation by default (and the Mews order), and by last change", async () => {
    expect(await allPages({})).toEqual(NAMES);
    expect(await allPages({ sort: "created", order: "desc" })).toEqual([...NAMES].reverse());
    const all = await w.api.automations.getAll({ limitation: { count: 10 } });
    const charlie = all.automations.find((a) => a.name === "charlie");
    w.clock.set(new Date(w.clock.now().getTime() + 60_000));
    await w.api.automations.update({
      updates: [{ automationId: charlie?.id ?? "", description: "changed last" }],
    });
    const updated = await allPages({ sort: "updated" });
    expect(updated.at(-1)).toBe("charlie");
    expect(await allPages({ sort: "updated", order: "desc" })).toEqual([...updated].reverse());
  });

  it("an unknown sort or order names the field", async () => {
    const bad = { limitation: { count: 2 }, sort: "colour", order: "sideways" } as unknown as Parameters<
      typeof w.api.automations.getAll
    >[0];
    const err = await expectTrpcError(w.api.automations.getAll(bad), "BAD_REQUEST");
    expect(rulesOf(issuesOfTrpcError(err))).toEqual([
      { path: "sort", rule: "invalid_value" },
      { path: "order", rule: "invalid_value" },
    ]);
  });
});
