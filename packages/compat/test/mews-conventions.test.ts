/**
 * Issue 13's Mews items, in Mews' own shape: what the seed calls "applicable
 * only" to Recurring is ignored on other trigger types; rules Mews does not
 * document (a company with no relation, an assignment routing nothing) do not
 * refuse a Mews request; the statuses of Mews' published convention (403 a
 * business rule, 429 with Retry-After); and a wrong method or unknown path
 * under the Mews prefix answered in the Mews error shape.
 */
import { checkAutomation } from "@holdfast/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCompatApp } from "../src/app.ts";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

const BASE = "/api/connector/v1/billingAutomations";
const COMPANY = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const NOTHING = {
  SpaceOrder: false,
  CityTax: false,
  AllProducts: false,
  Deposits: false,
  AdditionalExpenses: false,
  AllCustomItems: false,
};

type Json = Record<string, unknown>;
type Automation = {
  Id: string;
  ProcessingStartOffset: string | null;
  OrderItemConsumptionPeriod: string | null;
  CompaniesWithRelations: unknown[];
  Assignments: { Id: string; RoutedItemTypes: Json }[];
};

let w: CompatWorld;
let token: string;
const envelope = () => ({ ClientToken: "CT", AccessToken: token, Client: "Conventions test 1.0.0" });
const send = (op: string, body: Json) =>
  w.request(`${BASE}/${op}`, { method: "POST", body: { ...envelope(), ...body } });
const automationsOf = (json: Json) => json.BillingAutomations as Automation[];

function automation(extra: Json = {}): Json {
  return {
    Name: "Conventions",
    CompaniesWithRelations: [{ CompanyId: COMPANY, CompanyRelations: { PartnerCompany: true, TravelAgency: false } }],
    Prepayment: "All",
    AssignmentTargetType: "CompanyAsOwner",
    TriggerType: "Continuous",
    BillAggregationType: "AggregateAll",
    Assignments: [{ ServiceId: SERVICE, RoutedItemTypes: { ...NOTHING, SpaceOrder: true } }],
    ...extra,
  };
}

beforeAll(async () => {
  w = await createCompatWorld();
  token = await w.token(await w.tenant("Conventions hotel"));
});
afterAll(async () => {
  await w.close();
});

describe("fields applicable only to Recurring", () => {
  it("are ignored on add for other trigger types: accepted, not stored", async () => {
    for (const TriggerType of ["Continuous", "Legacy"]) {
      const res = await send("add", {
        BillingAutomations: [
          automation({ TriggerType, ProcessingStartOffset: "P1D", OrderItemConsumptionPeriod: "SameMonth" }),
        ],
      });
      expect(res.status, res.text).toBe(200);
      const [a] = automationsOf(res.json);
      expect(a).toMatchObject({ ProcessingStartOffset: null, OrderItemConsumptionPeriod: null });
    }
  });

  it("are ignored on update of a Continuous automation, and still kept on a Recurring one", async () => {
    const added = await send("add", {
      BillingAutomations: [
        automation(),
        automation({ TriggerType: "Recurring", ProcessingStartOffset: "P1D", OrderItemConsumptionPeriod: "SameMonth" }),
      ],
    });
    const [continuous, recurring] = automationsOf(added.json);
    if (!continuous || !recurring) throw new Error(added.text);
    const res = await send("update", {
      BillingAutomationUpdates: [
        { BillingAutomationId: continuous.Id, ProcessingStartOffset: { Value: "P2D" }, Name: { Value: "Renamed" } },
        { BillingAutomationId: recurring.Id, ProcessingStartOffset: { Value: "P2D" } },
      ],
    });
    expect(res.status, res.text).toBe(200);
    const [c, r] = automationsOf(res.json);
    expect(c).toMatchObject({ Name: "Renamed", ProcessingStartOffset: null, OrderItemConsumptionPeriod: null });
    expect(r).toMatchObject({ ProcessingStartOffset: "P2D", OrderItemConsumptionPeriod: "SameMonth" });
  });

  it("are still required for Recurring: 403, a business rule", async () => {
    const res = await send("add", { BillingAutomations: [automation({ TriggerType: "Recurring" })] });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({
      Details: { Errors: [{ Rule: "required_for_recurring" }, { Rule: "required_for_recurring" }] },
    });
  });
});

describe("rules Mews does not document do not refuse a Mews request", () => {
  it("a company with neither PartnerCompany nor TravelAgency, and an assignment routing nothing, are added as sent", async () => {
    const res = await send("add", {
      BillingAutomations: [
        automation({
          CompaniesWithRelations: [
            { CompanyId: COMPANY, CompanyRelations: { PartnerCompany: false, TravelAgency: false } },
          ],
          Assignments: [{ ServiceId: SERVICE, RoutedItemTypes: NOTHING }],
        }),
      ],
    });
    expect(res.status, res.text).toBe(200);
    const [a] = automationsOf(res.json);
    expect(a?.CompaniesWithRelations).toEqual([
      { CompanyId: COMPANY, CompanyRelations: { PartnerCompany: false, TravelAgency: false } },
    ]);
    expect(a?.Assignments[0]?.RoutedItemTypes).toEqual(NOTHING);
  });

  it("updateAssignments may add an assignment routing nothing, and turn an existing one off", async () => {
    const [a] = automationsOf((await send("add", { BillingAutomations: [automation()] })).json);
    if (!a?.Assignments[0]) throw new Error("add failed");
    const res = await send("updateAssignments", {
      BillingAutomationId: a.Id,
      AssignmentsToAdd: [{ ServiceId: SERVICE, RoutedItemTypes: NOTHING }],
      AssignmentsToUpdate: [
        { BillingAutomationAssignmentId: a.Assignments[0].Id, RoutedItemTypes: { SpaceOrder: { Value: false } } },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(automationsOf(res.json)[0]?.Assignments.map((s) => s.RoutedItemTypes)).toEqual([NOTHING, NOTHING]);
  });

  it("the first-party rule set keeps them (Holdfast's own rules); the mews rule set leaves them out", () => {
    const a = {
      name: "x",
      description: null,
      companies: [{ companyId: COMPANY, relations: { partnerCompany: false, travelAgency: false } }],
      prepayment: "All" as const,
      assignmentTargetType: "CompanyAsOwner" as const,
      triggerType: "Continuous" as const,
      billAggregationType: "AggregateAll" as const,
      processingStartOffset: "P1D",
      orderItemConsumptionPeriod: null,
      assignments: [
        {
          serviceId: SERVICE,
          routedItemTypes: {
            spaceOrder: false,
            cityTax: false,
            allProducts: false,
            deposits: false,
            additionalExpenses: false,
            allCustomItems: false,
          },
          rateIds: [],
          productCategoryIds: [],
          productIds: [],
          accountingCategoryAssignments: [],
        },
      ],
    };
    expect(checkAutomation(a).map((p) => p.rule)).toEqual([
      "relation_required",
      "only_for_recurring",
      "routes_nothing",
    ]);
    expect(checkAutomation(a, "mews")).toEqual([]);
  });
});

describe("statuses", () => {
  it("429 with Retry-After, in the Mews error shape", async () => {
    const app = createCompatApp({
      db: w.db,
      clock: w.clock,
      limiter: { admit: () => ({ ok: false, headers: { "Retry-After": "7" }, release: () => undefined }) },
    });
    const res = await app.request(`${BASE}/getAll`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...envelope(), Limitation: { Count: 1 } }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    const json = (await res.json()) as Json;
    expect(Object.keys(json)).toEqual(["Message", "RequestId", "Details"]);
    expect(json.Details).toMatchObject({ Code: "TOO_MANY_REQUESTS" });
  });

  it("getAll without Limitation is a malformed request: 400 naming Limitation", async () => {
    const res = await send("getAll", {});
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ Details: { Errors: [{ Path: "Limitation", Rule: "invalid_type" }] } });
  });
});

describe("a wrong method or an unknown path under the Mews prefix", () => {
  const expectMewsError = (res: { json: Json; headers: Headers }, code: string) => {
    expect(Object.keys(res.json)).toEqual(["Message", "RequestId", "Details"]);
    expect(res.json.Details).toEqual({ Code: code, Errors: [] });
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
  };

  it.each(["GET", "PUT", "DELETE", "PATCH"])("%s on an operation: 405 with Allow: POST", async (method) => {
    const res = await w.request(`${BASE}/getAll`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expectMewsError(res, "METHOD_NOT_ALLOWED");
  });

  it.each([
    `${BASE}/getEverything`,
    `${BASE}/add/extra`,
    BASE,
    "/api/connector/v1/reservations/getAll",
    "/api/connector/v2/billingAutomations/getAll",
  ])("POST %s: 404", async (path) => {
    const res = await w.request(path, { method: "POST", body: { ...envelope() } });
    expect(res.status).toBe(404);
    expectMewsError(res, "NOT_FOUND");
  });
});
