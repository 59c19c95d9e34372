/**
 * A client that only knows Mews' documented shapes runs the whole billing
 * automations flow: add a batch, page through getAll with Limitation
 * Count/Cursor, update, updateAssignments (add, update and remove in one
 * call), delete. What it writes, the services read, and what the services write, it reads;
 * every write leaves an audit event naming its token. Portfolio tokens name
 * their enterprise with EnterpriseId on writes and read across enterprises on
 * getAll. An Idempotency-Key header makes a retried write safe.
 */
import { ALL_PERMISSIONS, type AutomationOutput } from "@holdfast/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

const BASE = "/api/connector/v1/billingAutomations";
const COMPANY_A = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const COMPANY_B = "956aa0f0-a090-42c8-bee2-991972d32f80";
const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const RATE = "ab3682ba-4493-4eb0-bcdc-8d000f5bad65";
const PRODUCT = "f0184ec2-9f02-4026-9b70-0b2bed2adde7";
const CATEGORY = "599c477e-b826-4444-8ded-4fa7276ef0c1";
const ACCOUNTING_CATEGORY = "2e0f5930-605e-4a23-9994-a7701a56b576";

type Json = Record<string, unknown>;
type MewsAssignment = { Id: string; RoutedItemTypes: Record<string, boolean>; ProductIds: string[] } & Json;
type MewsAutomation = { Id: string; EnterpriseId: string; Name: string; Assignments: MewsAssignment[] } & Json;

let w: CompatWorld;
beforeAll(async () => {
  w = await createCompatWorld();
});
afterAll(async () => {
  await w.close();
});

/** A Mews request: the envelope and the operation's parameters. */
async function mews(operation: string, accessToken: string, params: Json, headers: Record<string, string> = {}) {
  const body = {
    ClientToken: "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D",
    AccessToken: accessToken,
    Client: "Flow test 1.0.0",
    ...params,
  };
  return w.request(`${BASE}/${operation}`, { method: "POST", body, headers });
}

async function ok(operation: string, accessToken: string, params: Json, headers?: Record<string, string>) {
  const res = await mews(operation, accessToken, params, headers);
  expect(res.status, res.text).toBe(200);
  return res.json;
}

const automations = (json: Json) => json.BillingAutomations as MewsAutomation[];

const flags = (on: string[]) =>
  Object.fromEntries(
    ["SpaceOrder", "CityTax", "AllProducts", "Deposits", "AdditionalExpenses", "AllCustomItems"].map((k) => [
      k,
      on.includes(k),
    ]),
  );

function automation(name: string, extra: Json = {}): Json {
  return {
    Name: name,
    CompaniesWithRelations: [{ CompanyId: COMPANY_A, CompanyRelations: { PartnerCompany: true, TravelAgency: false } }],
    Prepayment: "All",
    AssignmentTargetType: "CompanyAsOwner",
    TriggerType: "Continuous",
    BillAggregationType: "AggregateAll",
    Assignments: [{ ServiceId: SERVICE, RoutedItemTypes: flags(["SpaceOrder", "CityTax"]) }],
    ...extra,
  };
}

/** Mews' automation in our names, written out independently of the route's own mapping. */
function asOurs(m: Json) {
  const a = m as {
    Id: string;
    EnterpriseId: string;
    Name: string;
    Description: string | null;
    CompaniesWithRelations: {
      CompanyId: string;
      CompanyRelations: { PartnerCompany: boolean; TravelAgency: boolean };
    }[];
    Prepayment: string;
    AssignmentTargetType: string;
    TriggerType: string;
    BillAggregationType: string;
    CreatedUtc: string;
    ProcessingStartOffset: string | null;
    OrderItemConsumptionPeriod: string | null;
    Assignments: {
      Id: string;
      BillingAutomationId: string;
      ServiceId: string;
      RoutedItemTypes: Record<string, boolean>;
      RateIds: string[];
      ProductCategoryIds: string[];
      ProductIds: string[];
      AccountingCategoryAssignments: {
        AccountingCategoryId: string;
        ItemTypes: { Products: boolean; CustomItems: boolean };
      }[];
    }[];
  };
  const lower = (k: string) => k.charAt(0).toLowerCase() + k.slice(1);
  return {
    id: a.Id,
    enterpriseId: a.EnterpriseId,
    name: a.Name,
    description: a.Description,
    companies: a.CompaniesWithRelations.map((c) => ({
      companyId: c.CompanyId,
      relations: { partnerCompany: c.CompanyRelations.PartnerCompany, travelAgency: c.CompanyRelations.TravelAgency },
    })),
    prepayment: a.Prepayment,
    assignmentTargetType: a.AssignmentTargetType,
    triggerType: a.TriggerType,
    billAggregationType: a.BillAggregationType,
    createdUtc: a.CreatedUtc,
    processingStartOffset: a.ProcessingStartOffset,
    orderItemConsumptionPeriod: a.OrderItemConsumptionPeriod,
    assignments: a.Assignments.map((s) => ({
      id: s.Id,
      automationId: s.BillingAutomationId,
      serviceId: s.ServiceId,
      routedItemTypes: Object.fromEntries(Object.entries(s.RoutedItemTypes).map(([k, v]) => [lower(k), v])),
      rateIds: s.RateIds,
      productCategoryIds: s.ProductCategoryIds,
      productIds: s.ProductIds,
      accountingCategoryAssignments: s.AccountingCategoryAssignments.map((c) => ({
        accountingCategoryId: c.AccountingCategoryId,
        itemTypes: { products: c.ItemTypes.Products, customItems: c.ItemTypes.CustomItems },
      })),
    })),
  };
}

/** Our automation as Mews shows it: no version or update time, the creation time to the second. */
function oursAsMewsSees(a: AutomationOutput) {
  const { version: _v, updatedUtc: _u, ...rest } = a;
  return { ...rest, createdUtc: `${a.createdUtc.slice(0, 19)}Z` };
}

describe("a Mews client's whole flow", () => {
  it("adds a batch, pages through getAll, updates, changes assignments and deletes", async () => {
    const tenantId = await w.tenant("Flow hotel");
    const token = await w.token(tenantId);

    // add: five automations of different kinds in one batch.
    const added = automations(
      await ok("add", token, {
        BillingAutomations: [
          automation("Company A, all on one bill", { Description: "Everything for Company A." }),
          automation("Company A, monthly", {
            TriggerType: "Recurring",
            ProcessingStartOffset: "P1D",
            OrderItemConsumptionPeriod: "SameMonthAndMonthBefore",
          }),
          automation("Customer pays", {
            CompaniesWithRelations: [],
            AssignmentTargetType: "NoCompany",
            BillAggregationType: "AggregateByCustomer",
          }),
          automation("Company B as details", {
            CompaniesWithRelations: [
              { CompanyId: COMPANY_B, CompanyRelations: { PartnerCompany: false, TravelAgency: true } },
            ],
            AssignmentTargetType: "CompanyAsDetails",
            BillAggregationType: "AggregateByCustomer",
          }),
          automation("Conditions", {
            Prepayment: "Prepaid",
            Assignments: [
              {
                ServiceId: SERVICE,
                RoutedItemTypes: flags([]),
                RateIds: [RATE],
                ProductCategoryIds: [CATEGORY],
                ProductIds: [PRODUCT],
                AccountingCategories: [
                  { AccountingCategoryId: ACCOUNTING_CATEGORY, ItemTypes: { Products: true, CustomItems: false } },
                ],
              },
            ],
          }),
        ],
      }),
    );
    expect(added.map((a) => a.Name)).toEqual([
      "Company A, all on one bill",
      "Company A, monthly",
      "Customer pays",
      "Company B as details",
      "Conditions",
    ]);
    expect(added.every((a) => a.EnterpriseId === tenantId)).toBe(true);
    expect(added[4]?.Assignments[0]).toMatchObject({
      RateIds: [RATE],
      ProductCategoryIds: [CATEGORY],
      ProductIds: [PRODUCT],
      AccountingCategoryAssignments: [
        { AccountingCategoryId: ACCOUNTING_CATEGORY, ItemTypes: { Products: true, CustomItems: false } },
      ],
    });

    // getAll with paging: Count 2 gives 2, 2, 1; each Cursor is the last id returned; then an empty page.
    const pages: MewsAutomation[][] = [];
    const cursors: unknown[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page = await ok("getAll", token, { Limitation: { Count: 2, Cursor: cursor } });
      pages.push(automations(page));
      cursors.push(page.Cursor);
      if (automations(page).length === 0) break;
      cursor = page.Cursor as string;
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1, 0]);
    expect(pages.flat()).toEqual(added);
    expect(cursors).toEqual([added[1]?.Id, added[3]?.Id, added[4]?.Id, null]);

    // getAll filters: by company, by automation id.
    const byCompany = await ok("getAll", token, { CompanyIds: [COMPANY_B], Limitation: { Count: 10 } });
    expect(automations(byCompany).map((a) => a.Name)).toEqual(["Company B as details"]);
    const byId = await ok("getAll", token, {
      BillingAutomationIds: [added[2]?.Id, added[0]?.Id],
      Limitation: { Count: 10 },
    });
    expect(automations(byId).map((a) => a.Name)).toEqual(["Company A, all on one bill", "Customer pays"]);

    // update: only the wrapped fields change; a null wrapper (or none) changes nothing.
    const [first, monthly] = added as [MewsAutomation, MewsAutomation];
    const updated = automations(
      await ok("update", token, {
        BillingAutomationUpdates: [
          {
            BillingAutomationId: first.Id,
            Name: { Value: "Company A and B" },
            Description: { Value: null },
            Companies: {
              Value: [
                { CompanyId: COMPANY_A, CompanyRelations: { PartnerCompany: true, TravelAgency: false } },
                { CompanyId: COMPANY_B, CompanyRelations: { PartnerCompany: true, TravelAgency: true } },
              ],
            },
            Prepayment: null,
          },
          {
            BillingAutomationId: monthly.Id,
            ProcessingStartOffset: { Value: "P5D" },
            OrderItemConsumptionPeriod: { Value: "MonthAfter" },
          },
        ],
      }),
    );
    expect(updated[0]).toEqual({
      ...first,
      Name: "Company A and B",
      Description: null,
      CompaniesWithRelations: [
        { CompanyId: COMPANY_A, CompanyRelations: { PartnerCompany: true, TravelAgency: false } },
        { CompanyId: COMPANY_B, CompanyRelations: { PartnerCompany: true, TravelAgency: true } },
      ],
    });
    expect(updated[1]).toEqual({ ...monthly, ProcessingStartOffset: "P5D", OrderItemConsumptionPeriod: "MonthAfter" });

    // updateAssignments: add one, update one's flags and products, remove none; then remove the first.
    const originalAssignment = first.Assignments[0] as MewsAssignment;
    const [changed] = automations(
      await ok("updateAssignments", token, {
        BillingAutomationId: first.Id,
        AssignmentsToAdd: [{ ServiceId: SERVICE, RoutedItemTypes: flags(["Deposits"]), ProductIds: [PRODUCT] }],
        AssignmentsToUpdate: [
          {
            BillingAutomationAssignmentId: originalAssignment.Id,
            RoutedItemTypes: { CityTax: { Value: false }, AllCustomItems: { Value: true }, SpaceOrder: null },
            RateIds: { Value: [RATE] },
          },
        ],
        AssignmentIdsToRemove: null,
      }),
    );
    expect(changed?.Assignments).toHaveLength(2);
    expect(changed?.Assignments[0]).toMatchObject({
      Id: originalAssignment.Id,
      RoutedItemTypes: flags(["SpaceOrder", "AllCustomItems"]),
      RateIds: [RATE],
    });
    const addedAssignment = changed?.Assignments[1] as MewsAssignment;
    expect(addedAssignment).toMatchObject({
      BillingAutomationId: first.Id,
      RoutedItemTypes: flags(["Deposits"]),
      ProductIds: [PRODUCT],
    });
    const [removed] = automations(
      await ok("updateAssignments", token, {
        BillingAutomationId: first.Id,
        AssignmentIdsToRemove: [originalAssignment.Id],
      }),
    );
    expect(removed?.Assignments.map((a) => a.Id)).toEqual([addedAssignment.Id]);

    // delete two; three remain.
    expect(await ok("delete", token, { BillingAutomationIds: [added[2]?.Id, added[3]?.Id] })).toEqual({});
    const rest = await ok("getAll", token, { Limitation: { Count: 10 } });
    expect(automations(rest).map((a) => a.Name)).toEqual(["Company A and B", "Company A, monthly", "Conditions"]);

    // Every write is in the audit trail, by this token.
    const api = await w.api(token);
    const history = await api.audit.history({ entityType: "automation", entityId: first.Id });
    expect(history.map((e) => e.action)).toEqual(["create", "update", "updateAssignments", "updateAssignments"]);
    expect(new Set(history.map((e) => e.actorType))).toEqual(new Set(["token"]));
    const deleted = await api.audit.history({ entityType: "automation", entityId: added[2]?.Id ?? "" });
    expect(deleted.at(-1)?.action).toBe("delete");
  });
});

describe("Mews and the services see the same data", () => {
  it("what Mews adds and changes, the services read as it is", async () => {
    const tenantId = await w.tenant("Mews writes");
    const token = await w.token(tenantId);
    const api = await w.api(token);
    const [created] = automations(
      await ok("add", token, {
        BillingAutomations: [
          automation("written by Mews", {
            Assignments: [
              {
                ServiceId: SERVICE,
                RoutedItemTypes: flags(["SpaceOrder"]),
                AccountingCategories: [
                  { AccountingCategoryId: ACCOUNTING_CATEGORY, ItemTypes: { Products: false, CustomItems: true } },
                ],
              },
            ],
          }),
        ],
      }),
    );
    if (!created) throw new Error("nothing added");
    let seen = await api.automations.getAll({ limitation: { count: 10 } });
    expect(seen.automations.map(oursAsMewsSees)).toEqual([asOurs(created)]);

    const [updated] = automations(
      await ok("update", token, {
        BillingAutomationUpdates: [{ BillingAutomationId: created.Id, Prepayment: { Value: "Prepaid" } }],
      }),
    );
    seen = await api.automations.getAll({ limitation: { count: 10 } });
    expect(seen.automations.map(oursAsMewsSees)).toEqual([asOurs(updated as Json)]);
    expect(seen.automations[0]?.prepayment).toBe("Prepaid");
    expect(seen.automations[0]?.version).toBe(2);

    await ok("delete", token, { BillingAutomationIds: [created.Id] });
    expect((await api.automations.getAll({ limitation: { count: 10 } })).automations).toEqual([]);
  });

  it("what the services add and changes, Mews reads as it is", async () => {
    const tenantId = await w.tenant("services write");
    const token = await w.token(tenantId);
    const api = await w.api(token);
    const { automations: created } = await api.automations.add({
      automations: [
        {
          name: "written by the services",
          description: "through the typed client",
          companies: [{ companyId: COMPANY_A, relations: { partnerCompany: false, travelAgency: true } }],
          prepayment: "Prepaid",
          assignmentTargetType: "CompanyAsOwner",
          triggerType: "Recurring",
          billAggregationType: "OnePerReservation",
          processingStartOffset: "P0M5DT0H",
          orderItemConsumptionPeriod: "SameMonth",
          assignments: [
            {
              serviceId: SERVICE,
              routedItemTypes: {
                spaceOrder: false,
                cityTax: false,
                allProducts: true,
                deposits: false,
                additionalExpenses: false,
                allCustomItems: false,
              },
              rateIds: [RATE],
            },
          ],
        },
      ],
    });
    const [ours] = created;
    if (!ours) throw new Error("nothing added");
    let page = await ok("getAll", token, { Limitation: { Count: 10 } });
    expect(automations(page).map(asOurs)).toEqual([oursAsMewsSees(ours)]);

    const assignmentId = ours.assignments[0]?.id ?? "";
    const changed = await api.automations.updateAssignments({
      automationId: ours.id,
      assignmentsToUpdate: [{ id: assignmentId, productIds: [PRODUCT] }],
    });
    page = await ok("getAll", token, { BillingAutomationIds: [ours.id], Limitation: { Count: 1 } });
    expect(automations(page).map(asOurs)).toEqual([oursAsMewsSees(changed)]);
    expect(automations(page)[0]?.Assignments[0]?.ProductIds).toEqual([PRODUCT]);

    await api.automations.delete({ automationIds: [ours.id] });
    expect(await ok("getAll", token, { Limitation: { Count: 10 } })).toEqual({ BillingAutomations: [], Cursor: null });
  });
});

describe("portfolio tokens", () => {
  it("writes name their enterprise with EnterpriseId; getAll reads across enterprises or the ones named", async () => {
    const hotelA = await w.tenant("Portfolio hotel A");
    const hotelB = await w.tenant("Portfolio hotel B");
    const portfolio = await w.token([
      { tenantId: hotelA, permissions: ALL_PERMISSIONS },
      { tenantId: hotelB, permissions: ALL_PERMISSIONS },
    ]);

    // Without EnterpriseId a portfolio write is refused and changes nothing.
    const refused = await mews("add", portfolio, { BillingAutomations: [automation("where?")] });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      Message: "EnterpriseId: required when the token is bound to several tenants",
      Details: { Code: "BAD_REQUEST", Errors: [{ Path: "EnterpriseId", Rule: "required" }] },
    });

    const [inA] = automations(
      await ok("add", portfolio, { EnterpriseId: hotelA, BillingAutomations: [automation("in A")] }),
    );
    const [inB] = automations(
      await ok("add", portfolio, { EnterpriseId: hotelB.toUpperCase(), BillingAutomations: [automation("in B")] }),
    );
    expect(inA?.EnterpriseId).toBe(hotelA);
    expect(inB?.EnterpriseId).toBe(hotelB);

    const all = await ok("getAll", portfolio, { Limitation: { Count: 10 } });
    expect(automations(all).map((a) => [a.Name, a.EnterpriseId])).toEqual([
      ["in A", hotelA],
      ["in B", hotelB],
    ]);
    const onlyB = await ok("getAll", portfolio, { EnterpriseIds: [hotelB], Limitation: { Count: 10 } });
    expect(automations(onlyB).map((a) => a.Name)).toEqual(["in B"]);
    const onlyA = await ok("getAll", portfolio, { EnterpriseId: hotelA, Limitation: { Count: 10 } });
    expect(automations(onlyA).map((a) => a.Name)).toEqual(["in A"]);

    // A write in enterprise B cannot reach A's automation: the same answer as an unknown id.
    const crossed = await mews("update", portfolio, {
      EnterpriseId: hotelB,
      BillingAutomationUpdates: [{ BillingAutomationId: inA?.Id, Name: { Value: "moved?" } }],
    });
    expect(crossed.status).toBe(400);
    expect(crossed.json).toMatchObject({
      Message: `BillingAutomationUpdates[0].BillingAutomationId: billing automation ${inA?.Id} was not found`,
    });
    await ok("update", portfolio, {
      EnterpriseId: hotelA,
      BillingAutomationUpdates: [{ BillingAutomationId: inA?.Id, Name: { Value: "renamed A" } }],
    });

    // A token bound to one enterprise needs no EnterpriseId, and may name its own.
    const single = await w.token(hotelA);
    const [again] = automations(await ok("add", single, { BillingAutomations: [automation("A, single token")] }));
    expect(again?.EnterpriseId).toBe(hotelA);
    await ok("delete", single, { EnterpriseId: hotelA, BillingAutomationIds: [again?.Id] });
    expect(automations(await ok("getAll", single, { Limitation: { Count: 10 } })).map((a) => a.Name)).toEqual([
      "renamed A",
    ]);
  });
});

describe("Idempotency-Key", () => {
  it("the same key and body answer the first answer once more; the same key with another body is refused", async () => {
    const tenantId = await w.tenant("Idempotent hotel");
    const token = await w.token(tenantId);
    const headers = { "Idempotency-Key": "mews-add-1" };
    const first = await ok("add", token, { BillingAutomations: [automation("once")] }, headers);
    const second = await ok("add", token, { BillingAutomations: [automation("once")] }, headers);
    expect(second).toEqual(first);
    expect(automations(await ok("getAll", token, { Limitation: { Count: 10 } }))).toHaveLength(1);

    const other = await mews("add", token, { BillingAutomations: [automation("twice?")] }, headers);
    expect(other.status).toBe(422);
    expect(other.json).toMatchObject({
      Message: "Idempotency-Key: already used for a different request",
      Details: {
        Code: "IDEMPOTENCY_KEY_REUSED",
        Errors: [{ Path: "Idempotency-Key", Rule: "reused_with_different_body" }],
      },
    });
    expect(automations(await ok("getAll", token, { Limitation: { Count: 10 } }))).toHaveLength(1);
  });
});
