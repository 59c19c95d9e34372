/**
 * Seed 001's own Mews sample payloads, sent as they are (only the sample
 * AccessToken replaced by a real token, and for update, updateAssignments and
 * delete the sample ids replaced by the ids a previous add returned), get
 * answers of exactly the seed's documented shape.
 *
 * The seed's enterprises are made as our tenants with the seed's ids, so even
 * getAll's sample (which names them in EnterpriseIds) is sent unchanged.
 */
import { schema } from "@holdfast/db";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

// The seed's samples, verbatim.
const GET_ALL_REQUEST = `{
"ClientToken": "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D",
"AccessToken": "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D",
"Client": "Sample Client 1.0.0",
"CompanyIds": [
"c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
"956aa0f0-a090-42c8-bee2-991972d32f80"
],
"BillingAutomationIds": [
"ecd64eec-4423-4c65-b844-814b9199856d",
"13e6b16e-39bc-4cb1-8610-70ecdb4f91cc"
],
"EnterpriseIds": [
"3fa85f64-5717-4562-b3fc-2c963f66afa6",
"4d0201db-36f5-428b-8d11-4f0a65e960cc"
]
}`;

/** The getAll sample with the Limitation its parameter table requires (the sample itself omits it). */
const GET_ALL_WITH_LIMITATION = GET_ALL_REQUEST.replace(/\n}$/, ',\n"Limitation": { "Count": 10 }\n}');

const GET_ALL_RESPONSE = `{
"BillingAutomations": [
{
"Id": "ecd64eec-4423-4c65-b844-814b9199856d",
"EnterpriseId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
"Name": "Continuous billing automation for company XYZ",
"Description": "Billing Automation for company XYZ with prepayment all, company as owner.",
"CompaniesWithRelations": [
{
"CompanyId": "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
"CompanyRelations": {
"PartnerCompany": true,
"TravelAgency": false
}
}
],
"Prepayment": "All",
"AssignmentTargetType": "CompanyAsOwner",
"TriggerType": "Continuous",
"BillAggregationType": "AggregateAll",
"CreatedUtc": "2017-01-31T10:58:06Z",
"ProcessingStartOffset": null,
"OrderItemConsumptionPeriod": null,
"Assignments": [
{
"Id": "d6b550e9-9c4b-42dd-9daa-555312b030e6",
"BillingAutomationId": "ecd64eec-4423-4c65-b844-814b9199856d",
"ServiceId": "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
"RoutedItemTypes": {
"SpaceOrder": true,
"CityTax": true,
"AllProducts": true,
"Deposits": true,
"AdditionalExpenses": false,
"AllCustomItems": false
},
"RateIds": [
"ab3682ba-4493-4eb0-bcdc-8d000f5bad65"
],
"ProductCategoryIds": [
"599c477e-b826-4444-8ded-4fa7276ef0c1"
],
"ProductIds": [
"f0184ec2-9f02-4026-9b70-0b2bed2adde7"
],
"AccountingCategoryAssignments": [
{
"AccountingCategoryId": "2e0f5930-605e-4a23-9994-a7701a56b576",
"ItemTypes": {
"Products": true,
"CustomItems": false
}
}
]
}
]
}
],
"Cursor": "54ec08b6-e6fc-48e9-b8ae-02943e0ac693"
}`;

const ADD_REQUEST = `{
"ClientToken": "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D",
"AccessToken": "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D",
"Client": "Sample Client 1.0.0",
"BillingAutomations": [
{
"Name": "Company A billing automation",
"Description": "Billing automation routing reservations made for Company A to bills where company is an owner, aggregating all reservations onto one bill.",
"CompaniesWithRelations": [
{
"CompanyId": "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
"CompanyRelations": {
"PartnerCompany": true,
"TravelAgency": false
}
}
],
"Prepayment": "All",
"AssignmentTargetType": "CompanyAsOwner",
"TriggerType": "Continuous",
"BillAggregationType": "AggregateAll",
"Assignments": [
{
"ServiceId": "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
"RoutedItemTypes": {
"SpaceOrder": true,
"CityTax": true,
"AllProducts": false,
"Deposits": true,
"AdditionalExpenses": true,
"AllCustomItems": false
},
"ProductIds": [
"507d93e6-9fb5-4734-a6d1-977afc4dfdff"
]
}
]
}
]
}`;

const ADD_RESPONSE = `{
"BillingAutomations": [
{
"Id": "ecd64eec-4423-4c65-b844-814b9199856d",
"EnterpriseId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
"Name": "Continuous billing automation for company XYZ",
"Description": "Billing Automation for company XYZ with prepayment all, company as owner.",
"CompaniesWithRelations": [
{
"CompanyId": "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
"CompanyRelations": {
"PartnerCompany": true,
"TravelAgency": false
}
}
],
"Prepayment": "All",
"AssignmentTargetType": "CompanyAsOwner",
"TriggerType": "Continuous",
"BillAggregationType": "AggregateAll",
"CreatedUtc": "2017-01-31T10:58:06Z",
"ProcessingStartOffset": null,
"OrderItemConsumptionPeriod": null,
"Assignments": [
{
"Id": "d6b550e9-9c4b-42dd-9daa-555312b030e6",
"BillingAutomationId": "ecd64eec-4423-4c65-b844-814b9199856d",
"ServiceId": "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
"RoutedItemTypes": {
"SpaceOrder": true,
"CityTax": true,
"AllProducts": true,
"Deposits": true,
"AdditionalExpenses": false,
"AllCustomItems": false
},
"RateIds": [
"ab3682ba-4493-4eb0-bcdc-8d000f5bad65"
],
"ProductCategoryIds": [
"599c477e-b826-4444-8ded-4fa7276ef0c1"
],
"ProductIds": [
"f0184ec2-9f02-4026-9b70-0b2bed2adde7"
],
"AccountingCategoryAssignments": [
{
"AccountingCategoryId": "2e0f5930-605e-4a23-9994-a7701a56b576",
"ItemTypes": {
"Products": true,
"CustomItems": false
}
}
]
}
]
}
]
}`;

const UPDATE_REQUEST = `{
"ClientToken": "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D",
"AccessToken": "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D",
"Client": "Sample Client 1.0.0",
"BillingAutomationUpdates": [
{
"BillingAutomationId": "ecd64eec-4423-4c65-b844-814b9199856d",
"Name": {
"Value": "New name."
},
"Description": {
"Value": "Billing Automation that has prepayment changed to All, Assignment target to Company as owner and Bill aggregation to aggregate all items into one bill."
},
"Prepayment": {
"Value": "All"
},
"AssignmentTargetType": {
"Value": "CompanyAsOwner"
},
"BillAggregationType": {
"Value": "AggregateAll"
}
}
]
}`;

const UPDATE_ASSIGNMENTS_REQUEST = `{
"ClientToken": "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D",
"AccessToken": "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D",
"Client": "Sample Client 1.0.0",
"BillingAutomationId": "ecd64eec-4423-4c65-b844-814b9199856d",
"AssignmentsToUpdate": [
{
"BillingAutomationAssignmentId": "00000000-0000-0000-0000-000000000000",
"RoutedItemTypes": {
"SpaceOrder": {
"Value": true
},
"CityTax": {
"Value": true
},
"AllProducts": {
"Value": false
},
"Deposits": {
"Value": true
},
"AdditionalExpenses": {
"Value": true
},
"AllCustomItems": {
"Value": false
}
},
"ProductIds": {
"Value": [
"507d93e6-9fb5-4734-a6d1-977afc4dfdff"
]
}
}
]
}`;

const DELETE_REQUEST = `{
"ClientToken": "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D",
"AccessToken": "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D",
"Client": "Sample Client 1.0.0",
"BillingAutomationIds": [
"ecd64eec-4423-4c65-b844-814b9199856d",
"13e6b16e-39bc-4cb1-8610-70ecdb4f91cc"
]
}`;

const SAMPLE_ACCESS_TOKEN = "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D";
const SEED_ENTERPRISE = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const SEED_ENTERPRISE_2 = "4d0201db-36f5-428b-8d11-4f0a65e960cc";
const SAMPLE_AUTOMATION_ID = "ecd64eec-4423-4c65-b844-814b9199856d";
const SAMPLE_AUTOMATION_ID_2 = "13e6b16e-39bc-4cb1-8610-70ecdb4f91cc";
const SAMPLE_ASSIGNMENT_ID = "00000000-0000-0000-0000-000000000000";
const BASE = "/api/connector/v1/billingAutomations";
const SECOND_PRECISION_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Fields the seed shows with a value that may also be null (documented optional, or null when nothing follows). */
const NULLABLE = new Set(["Description", "ProcessingStartOffset", "OrderItemConsumptionPeriod", "Cursor"]);

/** The answer has the template's shape: the same keys in the same order at every level, and the same value types. */
function expectSameShape(actual: unknown, template: unknown, path = "$"): void {
  const key = path.split(".").at(-1) ?? "";
  if (template === null || (NULLABLE.has(key) && actual === null)) {
    expect(actual === null || typeof actual === "string", `${path} is a string or null`).toBe(true);
    return;
  }
  if (Array.isArray(template)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    for (const [i, item] of (actual as unknown[]).entries()) expectSameShape(item, template[0], `${path}[${i}]`);
    return;
  }
  if (typeof template === "object") {
    expect(actual !== null && typeof actual === "object", `${path} is an object`).toBe(true);
    const a = actual as Record<string, unknown>;
    expect(Object.keys(a), `${path} keys`).toEqual(Object.keys(template));
    for (const [k, v] of Object.entries(template)) expectSameShape(a[k], v, `${path}.${k}`);
    return;
  }
  expect(typeof actual, `${path} type`).toBe(typeof template);
}

let w: CompatWorld;
let token: string;
let portfolioToken: string;

beforeAll(async () => {
  w = await createCompatWorld({ now: "2027-03-10T12:00:00.789Z" });
  await w.db.insert(schema.tenants).values([
    { id: SEED_ENTERPRISE, name: "Seed enterprise", timeZone: "UTC" },
    { id: SEED_ENTERPRISE_2, name: "Seed enterprise 2", timeZone: "UTC" },
  ]);
  token = await w.token(SEED_ENTERPRISE);
  portfolioToken = await w.token([
    { tenantId: SEED_ENTERPRISE, permissions: ALL_PERMISSIONS },
    { tenantId: SEED_ENTERPRISE_2, permissions: ALL_PERMISSIONS },
  ]);
});
afterAll(async () => {
  await w.close();
});

/** Sends a sample as it is, with the sample AccessToken (and any sample ids) replaced. */
function send(operation: string, sample: string, accessToken: string, ids: Record<string, string> = {}) {
  let body = sample.replace(SAMPLE_ACCESS_TOKEN, accessToken);
  for (const [sampleId, ours] of Object.entries(ids)) body = body.replaceAll(sampleId, ours);
  return w.request(`${BASE}/${operation}`, { method: "POST", body });
}

type MewsAutomation = {
  Id: string;
  Assignments: { Id: string }[];
} & Record<string, unknown>;

const automationsOf = (json: Record<string, unknown>) => json.BillingAutomations as MewsAutomation[];

describe("seed 001 samples, sent as they are", () => {
  let first: MewsAutomation;
  let second: MewsAutomation;

  it("add: the sample creates the automation and answers the documented Billing automation", async () => {
    const res = await send("add", ADD_REQUEST, token);
    expect(res.status).toBe(200);
    expectSameShape(res.json, JSON.parse(ADD_RESPONSE));
    const [created] = automationsOf(res.json);
    if (!created) throw new Error("add answered no automation");
    first = created;
    expect(created).toEqual({
      Id: expect.stringMatching(GUID),
      EnterpriseId: SEED_ENTERPRISE,
      Name: "Company A billing automation",
      Description:
        "Billing automation routing reservations made for Company A to bills where company is an owner, aggregating all reservations onto one bill.",
      CompaniesWithRelations: [
        {
          CompanyId: "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
          CompanyRelations: { PartnerCompany: true, TravelAgency: false },
        },
      ],
      Prepayment: "All",
      AssignmentTargetType: "CompanyAsOwner",
      TriggerType: "Continuous",
      BillAggregationType: "AggregateAll",
      CreatedUtc: "2027-03-10T12:00:00Z",
      ProcessingStartOffset: null,
      OrderItemConsumptionPeriod: null,
      Assignments: [
        {
          Id: expect.stringMatching(GUID),
          BillingAutomationId: created.Id,
          ServiceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
          RoutedItemTypes: {
            SpaceOrder: true,
            CityTax: true,
            AllProducts: false,
            Deposits: true,
            AdditionalExpenses: true,
            AllCustomItems: false,
          },
          RateIds: [],
          ProductCategoryIds: [],
          ProductIds: ["507d93e6-9fb5-4734-a6d1-977afc4dfdff"],
          AccountingCategoryAssignments: [],
        },
      ],
    });
    expect(created.CreatedUtc).toMatch(SECOND_PRECISION_UTC);
    const again = await send("add", ADD_REQUEST, token);
    expect(again.status).toBe(200);
    const [other] = automationsOf(again.json);
    if (!other) throw new Error("add answered no automation");
    second = other;
  });

  it("getAll: the sample as it is lacks the Limitation the seed requires, and is told so (400, in Mews' shape)", async () => {
    const res = await send("getAll", GET_ALL_REQUEST, portfolioToken);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      Details: { Code: "BAD_REQUEST", Errors: [{ Path: "Limitation", Rule: "invalid_type" }] },
    });
  });

  it("getAll: the sample with a Limitation (its enterprises are ours; its automation ids are not) answers an empty page", async () => {
    const res = await send("getAll", GET_ALL_WITH_LIMITATION, portfolioToken);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ BillingAutomations: [], Cursor: null });
  });

  it("getAll: the sample naming our automation ids answers them, in the documented shape, with a Cursor", async () => {
    const ids = { [SAMPLE_AUTOMATION_ID]: first.Id, [SAMPLE_AUTOMATION_ID_2]: second.Id };
    const res = await send("getAll", GET_ALL_WITH_LIMITATION, portfolioToken, ids);
    expect(res.status).toBe(200);
    expectSameShape(res.json, JSON.parse(GET_ALL_RESPONSE));
    expect(automationsOf(res.json).map((a) => a.Id)).toEqual([first.Id, second.Id]);
    expect(automationsOf(res.json)[0]).toEqual(first);
    expect(res.json.Cursor).toBe(second.Id);
  });

  it("update: the sample changes the fields it wraps and answers the documented shape", async () => {
    const res = await send("update", UPDATE_REQUEST, token, { [SAMPLE_AUTOMATION_ID]: first.Id });
    expect(res.status).toBe(200);
    expectSameShape(res.json, JSON.parse(ADD_RESPONSE));
    const [updated] = automationsOf(res.json);
    expect(updated).toEqual({
      ...first,
      Name: "New name.",
      Description:
        "Billing Automation that has prepayment changed to All, Assignment target to Company as owner and Bill aggregation to aggregate all items into one bill.",
    });
    first = updated as MewsAutomation;
  });

  it("updateAssignments: the sample sets the flags and ProductIds it wraps and answers the documented shape", async () => {
    const assignmentId = first.Assignments[0]?.Id ?? "";
    // Move the assignment away from the sample's values through the services, so the sample visibly puts them back.
    const api = await w.api(token);
    await api.automations.updateAssignments({
      automationId: first.Id,
      assignmentsToUpdate: [
        { id: assignmentId, routedItemTypes: { allProducts: true, deposits: false }, productIds: [] },
      ],
    });
    const res = await send("updateAssignments", UPDATE_ASSIGNMENTS_REQUEST, token, {
      [SAMPLE_AUTOMATION_ID]: first.Id,
      [SAMPLE_ASSIGNMENT_ID]: assignmentId,
    });
    expect(res.status).toBe(200);
    expectSameShape(res.json, JSON.parse(ADD_RESPONSE));
    const [changed] = automationsOf(res.json);
    expect(changed?.Assignments).toEqual([
      {
        Id: assignmentId,
        BillingAutomationId: first.Id,
        ServiceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
        RoutedItemTypes: {
          SpaceOrder: true,
          CityTax: true,
          AllProducts: false,
          Deposits: true,
          AdditionalExpenses: true,
          AllCustomItems: false,
        },
        RateIds: [],
        ProductCategoryIds: [],
        ProductIds: ["507d93e6-9fb5-4734-a6d1-977afc4dfdff"],
        AccountingCategoryAssignments: [],
      },
    ]);
  });

  it("delete: the sample deletes both automations and answers {}", async () => {
    const res = await send("delete", DELETE_REQUEST, token, {
      [SAMPLE_AUTOMATION_ID]: first.Id,
      [SAMPLE_AUTOMATION_ID_2]: second.Id,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    const api = await w.api(token);
    expect((await api.automations.getAll({ limitation: { count: 10 } })).automations).toEqual([]);
  });

  it("CreatedUtc is written to the second, in UTC, whatever the milliseconds", async () => {
    w.clock.set("2027-03-11T23:59:59.999Z");
    const res = await send("add", ADD_REQUEST, token);
    expect(automationsOf(res.json)[0]?.CreatedUtc).toBe("2027-03-11T23:59:59Z");
  });
});
