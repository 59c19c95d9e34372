/**
 * Mews getAll filters (seed 001): EnterpriseIds (the tenants in scope of a
 * portfolio token; "if not specified, all enterprises within scope of the
 * access token"), CompanyIds (automations associated with any of them) and
 * BillingAutomationIds, alone, combined, and with cursor paging.
 */
import type { AutomationInput } from "@holdfast/domain";
import { issuesOfTrpcError, rulesOf } from "@holdfast/testing/issues";
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, expectTrpcError, type World } from "./harness.ts";

type Api = Awaited<ReturnType<World["caller"]>>;
type GetAllInput = Parameters<Api["automations"]["getAll"]>[0];
type Automation = Awaited<ReturnType<Api["automations"]["getAll"]>>["automations"][number];

const C1 = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const C2 = "956aa0f0-a090-42c8-bee2-991972d32f80";
const C3 = "3b9a7e52-4f0e-4a8e-9c1d-2f6e8a1b7c30";
const UNKNOWN_COMPANY = "0b5f2c8e-1111-4222-8333-444455556666";
const UNKNOWN_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

function automation(name: string, companyIds: string[]): AutomationInput {
  const companies = companyIds.map((companyId) => ({
    companyId,
    relations: { partnerCompany: true, travelAgency: true },
  }));
  return {
    name,
    companies,
    prepayment: "All",
    // Companies may be empty only with CompanyAsDetails or NoCompany.
    assignmentTargetType: companies.length ? "CompanyAsOwner" : "NoCompany",
    triggerType: "Continuous",
    billAggregationType: companies.length ? "AggregateAll" : "AggregateByCustomer",
    assignments: [
      {
        serviceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
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

let w: World;
let A: string;
let B: string;
/** A tenant neither token is bound to. */
let C: string;
let portfolio: Api;
let apiA: Api;
let apiB: Api;
/** Every automation made here, by name. */
const made = new Map<string, Automation>();
const idOf = (name: string) => {
  const a = made.get(name);
  if (!a) throw new Error(`no automation named ${name}`);
  return a.id;
};
const ids = (...names: string[]) => names.map(idOf).sort();
const byTenant = (tenantId: string) =>
  [...made.values()]
    .filter((a) => a.enterpriseId === tenantId)
    .map((a) => a.id)
    .sort();
const withAnyCompany = (companyIds: string[], tenants: string[]) =>
  [...made.values()]
    .filter((a) => tenants.includes(a.enterpriseId) && a.companies.some((c) => companyIds.includes(c.companyId)))
    .map((a) => a.id)
    .sort();

/** Every page of a filtered walk; the ids seen in order, and the pages' sizes. */
async function walk(api: Api, filters: Omit<GetAllInput, "limitation">, count = 1000) {
  const seen: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const page: Awaited<ReturnType<Api["automations"]["getAll"]>> = await api.automations.getAll({
      ...filters,
      limitation: { count, cursor },
    });
    seen.push(...page.automations.map((a) => a.id));
    sizes.push(page.automations.length);
    if (page.automations.length) expect(page.cursor === null || page.cursor === page.automations.at(-1)?.id).toBe(true);
    if (page.cursor === null) return { seen, sizes };
    cursor = page.cursor;
  }
  throw new Error("paging never ended");
}

/** The ids a filter answers (all pages), sorted; fails on a repeat. */
async function find(api: Api, filters: Omit<GetAllInput, "limitation">, count = 1000) {
  const { seen } = await walk(api, filters, count);
  expect(new Set(seen).size, "an automation returned twice").toBe(seen.length);
  return [...seen].sort();
}

beforeAll(async () => {
  w = await createWorld();
  A = await w.tenant("Enterprise A");
  B = await w.tenant("Enterprise B");
  C = await w.tenant("Enterprise C");
  apiA = await w.caller(A);
  apiB = await w.caller(B);
  portfolio = await w.caller([
    { tenantId: A, permissions: ["automations:read"] },
    { tenantId: B, permissions: ["automations:read"] },
  ]);
  const add = async (api: Api, list: [string, string[]][]) => {
    const { automations } = await api.automations.add({ automations: list.map(([name, cs]) => automation(name, cs)) });
    for (const a of automations) made.set(a.name, a);
  };
  await add(apiA, [
    ["a1", [C1]],
    ["a2", [C2]],
    ["a3", [C1, C2]],
    ["a4", []],
    ["a5", [C3]],
  ]);
  await add(apiB, [
    ["b1", [C1]],
    ["b2", [C2]],
    ["b3", []],
  ]);
  // More of A's with C1, interleaved in time with B's, for paging.
  for (let i = 0; i < 5; i++) {
    await add(
      apiA,
      Array.from({ length: 5 }, (_, j): [string, string[]] => [`aP${i}-${j}`, j % 2 ? [C1] : [C3, C1]]),
    );
    await add(apiB, [[`bP${i}`, [C1]]]);
  }
  await add(await w.caller(C), [["c1", [C1]]]);
});
afterAll(async () => {
  await w.close();
});

describe("enterpriseIds", () => {
  it("no filter: a portfolio token sees every automation of both its tenants, and no other tenant's", async () => {
    const all = await find(portfolio, {});
    expect(all).toEqual([...byTenant(A), ...byTenant(B)].sort());
    expect(all).not.toContain(idOf("c1"));
    expect(byTenant(A)).toHaveLength(30);
    expect(byTenant(B)).toHaveLength(8);
  });

  it("answers each automation with its own enterpriseId and its stored fields", async () => {
    const page = await portfolio.automations.getAll({ automationIds: ids("a3", "b1"), limitation: { count: 10 } });
    expect(page.automations).toEqual(
      [made.get("a3"), made.get("b1")].sort((x, y) => (x?.id ?? "").localeCompare(y?.id ?? "")),
    );
  });

  it("[A] gives only A's; [B] only B's; [A, B] and [A, A] as expected", async () => {
    expect(await find(portfolio, { enterpriseIds: [A] })).toEqual(byTenant(A));
    expect(await find(portfolio, { enterpriseIds: [B] })).toEqual(byTenant(B));
    expect(await find(portfolio, { enterpriseIds: [A, B] })).toEqual([...byTenant(A), ...byTenant(B)].sort());
    expect(await find(portfolio, { enterpriseIds: [A, A] })).toEqual(byTenant(A));
  });

  it("a tenant the token is not bound to, or one that does not exist, is NOT_FOUND naming the item, alike", async () => {
    const foreign = await expectTrpcError(
      portfolio.automations.getAll({ enterpriseIds: [C], limitation: { count: 10 } }),
      "NOT_FOUND",
    );
    const unknown = await expectTrpcError(
      portfolio.automations.getAll({
        enterpriseIds: ["6f1c1e8a-2b3c-4d5e-8f90-a1b2c3d4e5f6"],
        limitation: { count: 10 },
      }),
      "NOT_FOUND",
    );
    expect(rulesOf(issuesOfTrpcError(foreign))).toEqual([{ path: "enterpriseIds[0]", rule: "not_found" }]);
    expect(rulesOf(issuesOfTrpcError(unknown))).toEqual(rulesOf(issuesOfTrpcError(foreign)));
    const second = await expectTrpcError(
      portfolio.automations.getAll({ enterpriseIds: [A, C], limitation: { count: 10 } }),
      "NOT_FOUND",
    );
    expect(rulesOf(issuesOfTrpcError(second))).toEqual([{ path: "enterpriseIds[1]", rule: "not_found" }]);
    expect(second.message).not.toContain("Enterprise C");
  });

  it("a token for A alone never sees B's automations, whatever it filters on", async () => {
    expect(await find(apiA, {})).toEqual(byTenant(A));
    expect(await find(apiA, { enterpriseIds: [A] })).toEqual(byTenant(A));
    await expectTrpcError(apiA.automations.getAll({ enterpriseIds: [B], limitation: { count: 10 } }), "NOT_FOUND");
    await expectTrpcError(apiA.automations.getAll({ enterpriseIds: [A, B], limitation: { count: 10 } }), "NOT_FOUND");
    expect(await find(apiA, { automationIds: ids("b1", "b2", "a1") })).toEqual(ids("a1"));
    expect(await find(apiA, { companyIds: [C1] })).toEqual(withAnyCompany([C1], [A]));
    expect(await find(apiA, { automationIds: ids("b1") })).toEqual([]);
    expect(await find(apiB, {})).toEqual(byTenant(B));
  });

  it("a portfolio tenant without automations:read is left out: not listed, and naming it is refused", async () => {
    const partial = await w.caller([
      { tenantId: A, permissions: ["automations:read"] },
      { tenantId: B, permissions: ["holds:read", "holds:list", "holds:write"] },
    ]);
    expect(await find(partial, {})).toEqual(byTenant(A));
    expect(await find(partial, { companyIds: [C1] })).toEqual(withAnyCompany([C1], [A]));
    // Refused: NOT_FOUND (as for a tenant it is not bound to) or FORBIDDEN, never B's data.
    const refused = await partial.automations.getAll({ enterpriseIds: [B], limitation: { count: 10 } }).then(
      () => "answered",
      (e: TRPCError) => e.code,
    );
    expect(["NOT_FOUND", "FORBIDDEN"]).toContain(refused);
  });

  it("an enterprise id in upper case names the same tenant (UUIDs are case-insensitive on input)", async () => {
    expect(await find(portfolio, { enterpriseIds: [A.toUpperCase()] })).toEqual(byTenant(A));
  });

  it("refuses malformed or too many enterprise ids (BAD_REQUEST naming the field)", async () => {
    const bad = await expectTrpcError(
      portfolio.automations.getAll({ enterpriseIds: ["not-a-uuid"], limitation: { count: 10 } }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(bad)).map((i) => i.path)).toEqual(["enterpriseIds[0]"]);
    const many = Array.from({ length: 1001 }, () => A);
    const tooMany = await expectTrpcError(
      portfolio.automations.getAll({ enterpriseIds: many, limitation: { count: 10 } }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(tooMany))).toEqual([{ path: "enterpriseIds", rule: "too_big" }]);
    // 1000 (the documented maximum) is accepted.
    expect(await find(portfolio, { enterpriseIds: many.slice(0, 1000) })).toEqual(byTenant(A));
  });
});

describe("companyIds", () => {
  it("answers the automations that have any of the companies, each once", async () => {
    const both = [A, B];
    expect(await find(portfolio, { companyIds: [C1] })).toEqual(withAnyCompany([C1], both));
    expect(await find(portfolio, { companyIds: [C2] })).toEqual(ids("a2", "a3", "b2"));
    // a3 has both companies and the aP*s with C3 also have C1: listed once.
    expect(await find(portfolio, { companyIds: [C1, C2] })).toEqual(withAnyCompany([C1, C2], both));
    expect(await find(portfolio, { companyIds: [C3] })).toEqual(withAnyCompany([C3], both));
    expect(await find(portfolio, { companyIds: [C3] })).toContain(idOf("a5"));
    expect(await find(portfolio, { companyIds: [UNKNOWN_COMPANY] })).toEqual([]);
    expect(await find(portfolio, { companyIds: [UNKNOWN_COMPANY, C2] })).toEqual(ids("a2", "a3", "b2"));
    // Automations without companies match no company filter.
    const withC = await find(portfolio, { companyIds: [C1, C2, C3] });
    expect(withC).not.toContain(idOf("a4"));
    expect(withC).not.toContain(idOf("b3"));
    // Company ids in upper case are the same GUIDs.
    expect(await find(portfolio, { companyIds: [C2.toUpperCase()] })).toEqual(ids("a2", "a3", "b2"));
  });

  it("follows a change of the automation's companies", async () => {
    const id = idOf("a2");
    const [changed] = (
      await apiA.automations.update({
        updates: [
          {
            automationId: id,
            companies: [{ companyId: C3, relations: { partnerCompany: true, travelAgency: false } }],
          },
        ],
      })
    ).automations;
    expect(await find(portfolio, { companyIds: [C2] })).toEqual(ids("a3", "b2"));
    expect(await find(portfolio, { companyIds: [C3] })).toContain(id);
    await apiA.automations.update({ updates: [{ automationId: id, companies: made.get("a2")?.companies ?? [] }] });
    expect(changed?.companies.map((c) => c.companyId)).toEqual([C3]);
    expect(await find(portfolio, { companyIds: [C2] })).toEqual(ids("a2", "a3", "b2"));
  });

  it("refuses malformed or more than 100 company ids", async () => {
    const bad = await expectTrpcError(
      portfolio.automations.getAll({ companyIds: [C1, "nope"], limitation: { count: 10 } }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(bad)).map((i) => i.path)).toEqual(["companyIds[1]"]);
    const tooMany = await expectTrpcError(
      portfolio.automations.getAll({ companyIds: Array.from({ length: 101 }, () => C1), limitation: { count: 10 } }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(tooMany))).toEqual([{ path: "companyIds", rule: "too_big" }]);
  });
});

describe("automationIds", () => {
  it("answers exactly the named automations the caller may read; unknown ids are simply not there", async () => {
    expect(await find(portfolio, { automationIds: ids("a1", "b2") })).toEqual(ids("a1", "b2"));
    expect(await find(portfolio, { automationIds: [idOf("a4"), UNKNOWN_ID] })).toEqual(ids("a4"));
    expect(await find(portfolio, { automationIds: [UNKNOWN_ID] })).toEqual([]);
    expect(await find(portfolio, { automationIds: [idOf("c1")] })).toEqual([]);
    expect(await find(portfolio, { automationIds: [idOf("a1"), idOf("a1")] })).toEqual(ids("a1"));
    expect(await find(portfolio, { automationIds: [idOf("b3").toUpperCase()] })).toEqual(ids("b3"));
  });

  it("refuses malformed or more than 100 automation ids", async () => {
    const bad = await expectTrpcError(
      portfolio.automations.getAll({ automationIds: ["x"], limitation: { count: 10 } }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(bad)).map((i) => i.path)).toEqual(["automationIds[0]"]);
    const tooMany = await expectTrpcError(
      portfolio.automations.getAll({
        automationIds: Array.from({ length: 101 }, () => UNKNOWN_ID),
        limitation: { count: 10 },
      }),
      "BAD_REQUEST",
    );
    expect(rulesOf(issuesOfTrpcError(tooMany))).toEqual([{ path: "automationIds", rule: "too_big" }]);
  });
});

describe("filters combined", () => {
  it("intersects every filter given", async () => {
    expect(await find(portfolio, { enterpriseIds: [A], companyIds: [C1] })).toEqual(withAnyCompany([C1], [A]));
    expect(await find(portfolio, { enterpriseIds: [B], companyIds: [C1] })).toEqual(withAnyCompany([C1], [B]));
    expect(await find(portfolio, { companyIds: [C2], automationIds: ids("a1", "a2", "a3", "b1") })).toEqual(
      ids("a2", "a3"),
    );
    expect(await find(portfolio, { enterpriseIds: [B], automationIds: ids("a1", "a2") })).toEqual([]);
    expect(
      await find(portfolio, { enterpriseIds: [A], companyIds: [C2], automationIds: ids("a1", "a3", "b2") }),
    ).toEqual(ids("a3"));
    expect(
      await find(portfolio, { enterpriseIds: [A, B], companyIds: [C2], automationIds: ids("a3", "b2", "b3") }),
    ).toEqual(ids("a3", "b2"));
    expect(await find(portfolio, { companyIds: [C3], automationIds: ids("a4", "b3") })).toEqual([]);
  });

  it("pages a filtered list: count bounds each page, the cursor is the last id, nothing lost or repeated", async () => {
    const expected = withAnyCompany([C1], [A]);
    expect(expected.length).toBeGreaterThan(20);
    for (const count of [1, 4, 7, expected.length, expected.length + 1]) {
      const { seen, sizes } = await walk(portfolio, { enterpriseIds: [A], companyIds: [C1] }, count);
      expect(seen, `count ${count}`).toEqual(expected); // also in id order
      expect(sizes.every((n) => n <= count)).toBe(true);
      expect(sizes.slice(0, -1).every((n) => n === count)).toBe(true);
    }
    // Portfolio-wide with a company filter: B's automations interleave with A's and still come once.
    const { seen } = await walk(portfolio, { companyIds: [C1] }, 3);
    expect(seen).toEqual(withAnyCompany([C1], [A, B]));
    // Automation ids with paging.
    const named = ids("a1", "a3", "a5", "b1", "b2", "aP0-0", "aP4-4", "bP2");
    const byTwo = await walk(portfolio, { automationIds: named }, 2);
    expect(byTwo.seen).toEqual(named);
    expect(byTwo.sizes).toEqual([2, 2, 2, 2]);
    // Everything combined, one at a time.
    const one = await walk(portfolio, { enterpriseIds: [B], companyIds: [C1, C2], automationIds: named }, 1);
    expect(one.seen).toEqual(ids("b1", "b2", "bP2"));
  });

  it("a cursor taken from another filter's walk still pages by id (a cursor is an id, not a session)", async () => {
    const first = await portfolio.automations.getAll({ enterpriseIds: [A], limitation: { count: 3 } });
    const cursor = first.cursor ?? "";
    const rest = await find(portfolio, { enterpriseIds: [B] });
    const afterCursor = await walk(portfolio, { enterpriseIds: [B] }, 1000);
    // Seeding a walk of B with A's cursor skips B's automations that sort before it, and nothing else.
    const page = await portfolio.automations.getAll({ enterpriseIds: [B], limitation: { count: 1000, cursor } });
    expect(page.automations.map((a) => a.id)).toEqual(rest.filter((id) => id > cursor));
    expect(afterCursor.seen).toEqual(rest);
  });
});
