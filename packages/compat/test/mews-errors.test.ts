/**
 * Every error path of every Mews route, with its status and body:
 * `{ Message, RequestId, Details: { Code, Errors: [{ Path, Rule, Message }] } }`,
 * every Path in Mews' names. Statuses, by Mews' published convention: 400 a
 * malformed request and unknown or foreign ids (an invalid identifier); 401 a
 * missing, unknown, expired or revoked AccessToken; 403 a broken business
 * rule (validation across fields or against the stored automation) and a token
 * without the permission; 413 a body too large. Each refusal changes nothing, and another
 * tenant's automation answers exactly like an unknown one.
 */
import { schema } from "@holdfast/db";
import type { Permission } from "@holdfast/domain";
import { createApiToken, revokeCredentials } from "@holdfast/services";
import { tablesChecksum } from "@holdfast/testing/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCompatApp } from "../src/app.ts";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

const BASE = "/api/connector/v1/billingAutomations";
const COMPANY_A = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const COMPANY_B = "956aa0f0-a090-42c8-bee2-991972d32f80";
const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const RATE = "ab3682ba-4493-4eb0-bcdc-8d000f5bad65";
const UNKNOWN_GUID = "13e6b16e-39bc-4cb1-8610-70ecdb4f91cc";
const UNKNOWN_TENANT = "4d0201db-36f5-428b-8d11-4f0a65e960cc";

type Json = Record<string, unknown>;
type Operation = "getAll" | "add" | "update" | "updateAssignments" | "delete";
const OPERATIONS: Operation[] = ["getAll", "add", "update", "updateAssignments", "delete"];

let w: CompatWorld;
let tenantId: string;
let otherTenant: string;
let token: string;
let otherToken: string;
/** An automation of the tenant (one assignment: SpaceOrder and CityTax) and one of another tenant. */
let resident: { id: string; assignmentId: string };
let foreign: { id: string; assignmentId: string };

const flags = (on: string[]) =>
  Object.fromEntries(
    ["SpaceOrder", "CityTax", "AllProducts", "Deposits", "AdditionalExpenses", "AllCustomItems"].map((k) => [
      k,
      on.includes(k),
    ]),
  );

function automation(extra: Json = {}): Json {
  return {
    Name: "An automation",
    CompaniesWithRelations: [{ CompanyId: COMPANY_A, CompanyRelations: { PartnerCompany: true, TravelAgency: false } }],
    Prepayment: "All",
    AssignmentTargetType: "CompanyAsOwner",
    TriggerType: "Continuous",
    BillAggregationType: "AggregateAll",
    Assignments: [{ ServiceId: SERVICE, RoutedItemTypes: flags(["SpaceOrder", "CityTax"]) }],
    ...extra,
  };
}

function envelope(accessToken: string): Json {
  return {
    ClientToken: "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D",
    AccessToken: accessToken,
    Client: "Errors test 1.0.0",
  };
}

/** A request each operation accepts (the resident automation exists throughout). */
function valid(op: Operation): Json {
  switch (op) {
    case "getAll":
      return { Limitation: { Count: 10 } };
    case "add":
      return { BillingAutomations: [automation()] };
    case "update":
      return { BillingAutomationUpdates: [{ BillingAutomationId: resident.id, Name: { Value: "An automation" } }] };
    case "updateAssignments":
      return { BillingAutomationId: resident.id, AssignmentsToUpdate: [] };
    case "delete":
      return { BillingAutomationIds: [UNKNOWN_GUID] };
  }
}

function send(op: Operation, body: Json | string) {
  return w.request(`${BASE}/${op}`, { method: "POST", body });
}

const TABLES = ["automations", "automation_companies", "automation_assignments", "audit_events", "idempotency_keys"];
const snapshot = () => tablesChecksum(w.db, TABLES);

type Expected = { status: number; code: string; errors: [path: string, rule: string][]; message?: string | RegExp };

/** Sends the request, and checks the answer is this Mews error and that nothing changed. */
async function expectRefused(op: Operation, body: Json | string, expected: Expected) {
  const before = await snapshot();
  const res = await send(op, body);
  expect(res.status, res.text).toBe(expected.status);
  const json = res.json as {
    Message: string;
    RequestId: string;
    Details: { Code: string; Errors: { Path: string; Rule: string; Message: string }[] };
  };
  expect(Object.keys(json)).toEqual(["Message", "RequestId", "Details"]);
  expect(json.RequestId).toEqual(expect.any(String));
  expect(json.Details.Code).toBe(expected.code);
  const errors = json.Details.Errors.map((e) => [e.Path, e.Rule]).sort((a, b) => `${a}`.localeCompare(`${b}`));
  expect(errors).toEqual([...expected.errors].sort((a, b) => `${a}`.localeCompare(`${b}`)));
  if (json.Details.Errors.length && expected.message === undefined) {
    // The Message names each field in Mews' names.
    expect(json.Message).toBe(
      json.Details.Errors.map((e) => (e.Path ? `${e.Path}: ${e.Message}` : e.Message)).join("; "),
    );
  }
  if (typeof expected.message === "string") expect(json.Message).toBe(expected.message);
  if (expected.message instanceof RegExp) expect(json.Message).toMatch(expected.message);
  expect(await snapshot()).toBe(before);
  return json;
}

async function tokenWith(permissions: Permission[]) {
  return w.token([{ tenantId, permissions }]);
}

beforeAll(async () => {
  w = await createCompatWorld();
  tenantId = await w.tenant("Errors hotel");
  otherTenant = await w.tenant("Someone else's hotel");
  token = await w.token(tenantId);
  otherToken = await w.token(otherTenant);
  const add = async (accessToken: string) => {
    const res = await send("add", { ...envelope(accessToken), BillingAutomations: [automation()] });
    const a = (res.json.BillingAutomations as { Id: string; Assignments: { Id: string }[] }[])[0];
    if (!a?.Assignments[0]) throw new Error(`add failed: ${res.text}`);
    return { id: a.Id, assignmentId: a.Assignments[0].Id };
  };
  resident = await add(token);
  foreign = await add(otherToken);
});
afterAll(async () => {
  await w.close();
});

describe.each(OPERATIONS)("%s: the request itself", (op) => {
  it("answers 400 to a body that is not JSON, or not a JSON object", async () => {
    await expectRefused(op, "{ not json", {
      status: 400,
      code: "BAD_REQUEST",
      errors: [],
      message: "Invalid JSON: the request body is not valid JSON.",
    });
    await expectRefused(op, "[1, 2]", {
      status: 400,
      code: "BAD_REQUEST",
      errors: [],
      message: "Invalid JSON: the request body must be a JSON object.",
    });
    await expectRefused(op, "", { status: 400, code: "BAD_REQUEST", errors: [], message: /not valid JSON/ });
  });

  it("answers 401 without a valid AccessToken: missing, not a string, unknown, expired or revoked", async () => {
    const expired = await createApiToken(w.db, {
      name: "expired",
      grants: [{ tenantId, permissions: ["automations:read", "automations:write"] }],
      expiresAt: new Date(w.clock.now().getTime() - 1000),
    });
    const revoked = await createApiToken(w.db, {
      name: "revoked",
      grants: [{ tenantId, permissions: ["automations:write"] }],
    });
    await revokeCredentials(w.db, [revoked.id], w.clock.now());
    const unauthorized: Expected = {
      status: 401,
      code: "UNAUTHORIZED",
      errors: [["AccessToken", "invalid_token"]],
      message: "Invalid AccessToken: it is missing, unknown, revoked or expired.",
    };
    const { AccessToken: _, ...noToken } = envelope(token);
    await expectRefused(op, { ...noToken, ...valid(op) }, unauthorized);
    await expectRefused(op, { ...envelope(token), AccessToken: 42, ...valid(op) }, unauthorized);
    await expectRefused(
      op,
      { ...envelope("C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D"), ...valid(op) },
      unauthorized,
    );
    await expectRefused(op, { ...envelope(expired.secret), ...valid(op) }, unauthorized);
    await expectRefused(op, { ...envelope(revoked.secret), ...valid(op) }, unauthorized);
    // The token goes in the body, as Mews sends it: an Authorization header alone is not enough.
    const res = await w.request(`${BASE}/${op}`, { method: "POST", token, body: { ...noToken, ...valid(op) } });
    expect(res.status).toBe(401);
  });

  it("answers 400 without ClientToken or Client, naming them", async () => {
    const { ClientToken: _c, ...noClientToken } = envelope(token);
    await expectRefused(
      op,
      { ...noClientToken, ...valid(op) },
      { status: 400, code: "BAD_REQUEST", errors: [["ClientToken", "invalid_type"]] },
    );
    const { Client: _n, ...noClient } = envelope(token);
    await expectRefused(
      op,
      { ...noClient, ...valid(op) },
      { status: 400, code: "BAD_REQUEST", errors: [["Client", "invalid_type"]] },
    );
    await expectRefused(
      op,
      { ...envelope(token), Client: "", ...valid(op) },
      { status: 400, code: "BAD_REQUEST", errors: [["Client", "too_small"]] },
    );
  });

  it("accepts LanguageCode and CultureCode, and refuses a parameter the operation does not have", async () => {
    // What this test adds (or deletes) does not outlive it: the other tests see only the resident automations.
    let params = valid(op);
    if (op === "delete") {
      const made = await send("add", { ...envelope(token), ...valid("add") });
      params = { BillingAutomationIds: (made.json.BillingAutomations as { Id: string }[]).map((a) => a.Id) };
    }
    const res = await send(op, { ...envelope(token), LanguageCode: "en-US", CultureCode: null, ...params });
    expect(res.status, res.text).toBe(200);
    if (op === "add") {
      const ids = (res.json.BillingAutomations as { Id: string }[]).map((a) => a.Id);
      expect((await send("delete", { ...envelope(token), BillingAutomationIds: ids })).status).toBe(200);
    }
    await expectRefused(
      op,
      { ...envelope(token), ...valid(op), BillingAutomationz: [] },
      { status: 400, code: "BAD_REQUEST", errors: [["BillingAutomationz", "unrecognized_key"]] },
    );
  });

  it("answers 403 to a token without the permission", async () => {
    const permission: Permission = op === "getAll" ? "automations:read" : "automations:write";
    const other: Permission[] =
      op === "getAll" ? ["automations:write", "holds:read"] : ["automations:read", "holds:write"];
    const res = await expectRefused(
      op,
      { ...envelope(await tokenWith(other)), ...valid(op) },
      { status: 403, code: "FORBIDDEN", errors: [] },
    );
    expect(res.Message).toContain(permission);
  });

  it("answers 413 to a body over the limit", async () => {
    const huge = JSON.stringify({ ...envelope(token), ...valid(op), Padding: "x".repeat(17 * 1024 * 1024) });
    const res = await w.request(`${BASE}/${op}`, { method: "POST", body: huge });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ Details: { Code: "PAYLOAD_TOO_LARGE" } });
  });
});

describe.each(["add", "update", "updateAssignments", "delete"] as const)("%s: EnterpriseId", (op) => {
  it("is ignored for a token bound to one enterprise, whatever it names (Mews: ignored otherwise)", async () => {
    // delete's valid() names an unknown automation: it answers as it does without EnterpriseId.
    const baseline = await send(op, { ...envelope(token), ...valid(op) });
    for (const enterpriseId of ["hotel-1", UNKNOWN_TENANT, otherTenant, 42]) {
      const res = await send(op, { ...envelope(token), EnterpriseId: enterpriseId, ...valid(op) });
      expect(res.status, res.text).toBe(baseline.status);
      expect(res.text).not.toContain("EnterpriseId:");
      const made = (res.json.BillingAutomations ?? []) as { Id: string; EnterpriseId: string }[];
      for (const a of made) expect(a.EnterpriseId).toBe(tenantId);
      if (op === "add") await send("delete", { ...envelope(token), BillingAutomationIds: made.map((a) => a.Id) });
    }
    if (op === "add") {
      const made = (baseline.json.BillingAutomations as { Id: string }[]).map((a) => a.Id);
      await send("delete", { ...envelope(token), BillingAutomationIds: made });
    }
  });

  it("is checked for a portfolio token: 400 when it is not a UUID or not one of the token's enterprises", async () => {
    const pt = await w.token([
      { tenantId, permissions: ["automations:write"] },
      { tenantId: await w.tenant(`Portfolio sibling ${op}`), permissions: ["automations:write"] },
    ]);
    await expectRefused(
      op,
      { ...envelope(pt), EnterpriseId: "hotel-1", ...valid(op) },
      { status: 400, code: "BAD_REQUEST", errors: [["EnterpriseId", "uuid"]] },
    );
    const unknown = await expectRefused(
      op,
      { ...envelope(pt), EnterpriseId: UNKNOWN_TENANT, ...valid(op) },
      { status: 400, code: "NOT_FOUND", errors: [["EnterpriseId", "not_found"]] },
    );
    const foreignOne = await expectRefused(
      op,
      { ...envelope(pt), EnterpriseId: otherTenant, ...valid(op) },
      { status: 400, code: "NOT_FOUND", errors: [["EnterpriseId", "not_found"]] },
    );
    expect(foreignOne.Message.replace(otherTenant, "<id>")).toBe(unknown.Message.replace(UNKNOWN_TENANT, "<id>"));
  });

  it("is required for a portfolio token", async () => {
    const portfolio = await w.token([
      { tenantId, permissions: ["automations:write"] },
      { tenantId: otherTenant, permissions: ["automations:write"] },
    ]);
    await expectRefused(
      op,
      { ...envelope(portfolio), ...valid(op) },
      {
        status: 400,
        code: "BAD_REQUEST",
        errors: [["EnterpriseId", "required"]],
        message: "EnterpriseId: required when the token is bound to several tenants",
      },
    );
  });
});

const bad = (errors: [string, string][], code = "BAD_REQUEST"): Expected => ({ status: 400, code, errors });
/** A business rule or a validation across fields or against the stored automation: Mews answers 403. */
const forbidden = (errors: [string, string][]): Expected => ({ status: 403, code: "BAD_REQUEST", errors });

describe("getAll", () => {
  it.each<[string, Json, Expected]>([
    ["Count below 1", { Limitation: { Count: 0 } }, bad([["Limitation.Count", "too_small"]])],
    ["Count above 1000", { Limitation: { Count: 1001 } }, bad([["Limitation.Count", "too_big"]])],
    ["Count not a number", { Limitation: { Count: "10" } }, bad([["Limitation.Count", "invalid_type"]])],
    ["Count missing", { Limitation: { Cursor: null } }, bad([["Limitation.Count", "invalid_type"]])],
    [
      "Cursor not a GUID",
      { Limitation: { Count: 1, Cursor: "page-2" } },
      bad([["Limitation.Cursor", "invalid_format"]]),
    ],
    ["Limitation not an object", { Limitation: 10 }, bad([["Limitation", "invalid_type"]])],
    [
      "an unknown Limitation field",
      { Limitation: { Count: 1, Offset: 3 } },
      bad([["Limitation.Offset", "unrecognized_key"]]),
    ],
    [
      "EnterpriseIds not UUIDs",
      { EnterpriseIds: ["hotel"], Limitation: { Count: 1 } },
      bad([["EnterpriseIds[0]", "invalid_format"]]),
    ],
    [
      "CompanyIds not GUIDs",
      { CompanyIds: [COMPANY_A, "company"], Limitation: { Count: 1 } },
      bad([["CompanyIds[1]", "invalid_format"]]),
    ],
    [
      "too many CompanyIds",
      { CompanyIds: Array(101).fill(COMPANY_A), Limitation: { Count: 1 } },
      bad([["CompanyIds", "too_big"]]),
    ],
    [
      "BillingAutomationIds not a list",
      { BillingAutomationIds: UNKNOWN_GUID, Limitation: { Count: 1 } },
      bad([["BillingAutomationIds", "invalid_type"]]),
    ],
  ])("refuses %s", async (_name, params, expected) => {
    await expectRefused("getAll", { ...envelope(token), ...params }, expected);
  });

  it("answers a foreign enterprise in EnterpriseIds (or EnterpriseId) exactly like an unknown one", async () => {
    const named = (ids: string[]) => ({ ...envelope(token), EnterpriseIds: ids, Limitation: { Count: 1 } });
    const unknown = await expectRefused(
      "getAll",
      named([tenantId, UNKNOWN_TENANT]),
      bad([["EnterpriseIds[1]", "not_found"]], "NOT_FOUND"),
    );
    const foreignOne = await expectRefused(
      "getAll",
      named([tenantId, otherTenant]),
      bad([["EnterpriseIds[1]", "not_found"]], "NOT_FOUND"),
    );
    expect(foreignOne.Message).toBe(unknown.Message);
    // EnterpriseId (not a getAll parameter) is ignored for a token bound to one enterprise.
    const ignored = await send("getAll", { ...envelope(token), EnterpriseId: otherTenant, Limitation: { Count: 10 } });
    expect(ignored.status, ignored.text).toBe(200);
    expect((ignored.json.BillingAutomations as { Id: string }[]).map((a) => a.Id)).toContain(resident.id);
    // A portfolio token reads only the enterprises it holds automations:read in.
    const mixed = await w.token([
      { tenantId, permissions: ["automations:read"] },
      { tenantId: otherTenant, permissions: ["holds:read"] },
    ]);
    await expectRefused(
      "getAll",
      { ...envelope(mixed), EnterpriseIds: [otherTenant], Limitation: { Count: 1 } },
      bad([["EnterpriseIds[0]", "not_found"]], "NOT_FOUND"),
    );
    const res = await send("getAll", { ...envelope(mixed), Limitation: { Count: 10 } });
    expect((res.json.BillingAutomations as { Id: string }[]).map((a) => a.Id)).toEqual([resident.id]);
  });
});

describe("add", () => {
  const one = (extra: Json) => ({ BillingAutomations: [automation(extra)] });
  it.each<[string, Json, Expected]>([
    ["a missing BillingAutomations", {}, bad([["BillingAutomations", "invalid_type"]])],
    ["an empty batch", { BillingAutomations: [] }, bad([["BillingAutomations", "too_small"]])],
    [
      "a batch over 100",
      { BillingAutomations: Array(101).fill(automation()) },
      bad([["BillingAutomations", "too_big"]]),
    ],
    [
      "a broken rule in the fourth automation, naming it",
      {
        BillingAutomations: [
          automation(),
          automation(),
          automation(),
          automation({ AssignmentTargetType: "NoCompany", BillAggregationType: "AggregateAll" }),
        ],
      },
      {
        ...forbidden([
          ["BillingAutomations[3].BillAggregationType", "no_company_requires_aggregate_by_customer"],
          ["BillingAutomations[3].AssignmentTargetType", "aggregation_requires_company_as_owner"],
        ]),
        // Mews' own enum names, not the dashboard's words.
        message:
          "BillingAutomations[3].BillAggregationType: with AssignmentTargetType NoCompany the BillAggregationType must be AggregateByCustomer; " +
          "BillingAutomations[3].AssignmentTargetType: a BillAggregationType other than AggregateByCustomer requires AssignmentTargetType CompanyAsOwner",
      },
    ],
    [
      "an unknown Prepayment",
      one({ Prepayment: "Sometimes" }),
      bad([["BillingAutomations[0].Prepayment", "invalid_value"]]),
    ],
    ["a missing Name", one({ Name: null }), bad([["BillingAutomations[0].Name", "invalid_type"]])],
    ["a Name over 255 characters", one({ Name: "n".repeat(256) }), bad([["BillingAutomations[0].Name", "too_big"]])],
    [
      "a Description with NUL",
      one({ Description: "a\u0000b" }),
      bad([["BillingAutomations[0].Description", "no_nul"]]),
    ],
    [
      "Recurring without a consumption period or processing start offset",
      one({ TriggerType: "Recurring" }),
      forbidden([
        ["BillingAutomations[0].OrderItemConsumptionPeriod", "required_for_recurring"],
        ["BillingAutomations[0].ProcessingStartOffset", "required_for_recurring"],
      ]),
    ],
    [
      "a processing start offset that is not an ISO duration",
      one({ TriggerType: "Recurring", OrderItemConsumptionPeriod: "SameMonth", ProcessingStartOffset: "tomorrow" }),
      bad([["BillingAutomations[0].ProcessingStartOffset", "iso_duration"]]),
    ],
    [
      "CompanyAsOwner without companies",
      one({ CompaniesWithRelations: [] }),
      forbidden([["BillingAutomations[0].CompaniesWithRelations", "companies_required"]]),
    ],
    [
      "a company listed twice",
      one({
        CompaniesWithRelations: [
          { CompanyId: COMPANY_A, CompanyRelations: { PartnerCompany: true, TravelAgency: false } },
          { CompanyId: COMPANY_A.toUpperCase(), CompanyRelations: { PartnerCompany: false, TravelAgency: true } },
        ],
      }),
      forbidden([["BillingAutomations[0].CompaniesWithRelations[1].CompanyId", "duplicate_company"]]),
    ],
    [
      "a company relation missing",
      one({ CompaniesWithRelations: [{ CompanyId: COMPANY_B, CompanyRelations: { PartnerCompany: true } }] }),
      bad([["BillingAutomations[0].CompaniesWithRelations[0].CompanyRelations.TravelAgency", "invalid_type"]]),
    ],
    [
      "a routed item type that is not a boolean",
      one({ Assignments: [{ ServiceId: SERVICE, RoutedItemTypes: { ...flags([]), SpaceOrder: "yes" } }] }),
      bad([["BillingAutomations[0].Assignments[0].RoutedItemTypes.SpaceOrder", "invalid_type"]]),
    ],
    [
      "an accounting category without its item types",
      one({
        Assignments: [
          {
            ServiceId: SERVICE,
            RoutedItemTypes: flags(["SpaceOrder"]),
            AccountingCategories: [{ AccountingCategoryId: RATE, ItemTypes: { Products: true } }],
          },
        ],
      }),
      bad([["BillingAutomations[0].Assignments[0].AccountingCategories[0].ItemTypes.CustomItems", "invalid_type"]]),
    ],
    [
      "a rate listed twice",
      one({ Assignments: [{ ServiceId: SERVICE, RoutedItemTypes: flags(["SpaceOrder"]), RateIds: [RATE, RATE] }] }),
      forbidden([["BillingAutomations[0].Assignments[0].RateIds", "duplicate_id"]]),
    ],
    [
      "more than 20 assignments",
      one({ Assignments: Array(21).fill({ ServiceId: SERVICE, RoutedItemTypes: flags(["SpaceOrder"]) }) }),
      bad([["BillingAutomations[0].Assignments", "too_big"]]),
    ],
    [
      "an unknown assignment field",
      one({ Assignments: [{ ServiceId: SERVICE, RoutedItemTypes: flags(["SpaceOrder"]), RateId: RATE }] }),
      bad([["BillingAutomations[0].Assignments[0].RateId", "unrecognized_key"]]),
    ],
    [
      "an assignment's ServiceId not a GUID",
      one({ Assignments: [{ ServiceId: "spa", RoutedItemTypes: flags(["SpaceOrder"]) }] }),
      bad([["BillingAutomations[0].Assignments[0].ServiceId", "invalid_format"]]),
    ],
  ])("refuses %s, all or nothing", async (_name, params, expected) => {
    await expectRefused("add", { ...envelope(token), ...params }, expected);
  });
});

describe("update", () => {
  const update = (u: Json) => ({ BillingAutomationUpdates: [{ BillingAutomationId: resident.id, ...u }] });
  it.each<[string, () => Json, Expected]>([
    ["an empty batch", () => ({ BillingAutomationUpdates: [] }), bad([["BillingAutomationUpdates", "too_small"]])],
    [
      "an id that is not a GUID",
      () => ({ BillingAutomationUpdates: [{ BillingAutomationId: "first" }] }),
      bad([["BillingAutomationUpdates[0].BillingAutomationId", "invalid_format"]]),
    ],
    [
      "a value that is not wrapped",
      () => update({ Name: "New name." }),
      bad([["BillingAutomationUpdates[0].Name", "value_wrapper"]]),
    ],
    [
      "a wrapper with more than Value",
      () => update({ Name: { Value: "x", Old: "y" } }),
      bad([["BillingAutomationUpdates[0].Name", "value_wrapper"]]),
    ],
    ["an empty Name", () => update({ Name: { Value: "" } }), bad([["BillingAutomationUpdates[0].Name", "too_small"]])],
    [
      "a null Name",
      () => update({ Name: { Value: null } }),
      bad([["BillingAutomationUpdates[0].Name", "invalid_type"]]),
    ],
    [
      "an unknown BillAggregationType",
      () => update({ BillAggregationType: { Value: "AggregateNone" } }),
      bad([["BillingAutomationUpdates[0].BillAggregationType", "invalid_value"]]),
    ],
    [
      "a merged result that breaks a rule (NoCompany with AggregateAll)",
      () => update({ AssignmentTargetType: { Value: "NoCompany" } }),
      forbidden([
        ["BillingAutomationUpdates[0].BillAggregationType", "no_company_requires_aggregate_by_customer"],
        ["BillingAutomationUpdates[0].AssignmentTargetType", "aggregation_requires_company_as_owner"],
      ]),
    ],
    [
      "no companies for CompanyAsOwner",
      () => update({ Companies: { Value: [] } }),
      forbidden([["BillingAutomationUpdates[0].Companies", "companies_required"]]),
    ],
    [
      "a company that is not a GUID, inside the wrapper",
      () =>
        update({
          Companies: {
            Value: [{ CompanyId: "acme", CompanyRelations: { PartnerCompany: true, TravelAgency: false } }],
          },
        }),
      bad([["BillingAutomationUpdates[0].Companies.Value[0].CompanyId", "invalid_format"]]),
    ],
    [
      "a change of TriggerType",
      () => update({ TriggerType: { Value: "Recurring" } }),
      forbidden([["BillingAutomationUpdates[0].TriggerType", "trigger_type_fixed"]]),
    ],
    [
      "the CompaniesWithRelations name of add",
      () => update({ CompaniesWithRelations: { Value: [] } }),
      bad([["BillingAutomationUpdates[0].CompaniesWithRelations", "unrecognized_key"]]),
    ],
    [
      "the same automation twice",
      () => ({
        BillingAutomationUpdates: [{ BillingAutomationId: resident.id }, { BillingAutomationId: resident.id }],
      }),
      forbidden([["BillingAutomationUpdates[1].BillingAutomationId", "duplicate_id"]]),
    ],
  ])("refuses %s", async (_name, params, expected) => {
    await expectRefused("update", { ...envelope(token), ...params() }, expected);
  });

  it("answers another tenant's automation exactly like an unknown one, and applies no part of the batch", async () => {
    const batch = (id: string) => ({
      ...envelope(token),
      BillingAutomationUpdates: [
        { BillingAutomationId: resident.id, Name: { Value: "renamed" } },
        { BillingAutomationId: id, Name: { Value: "renamed" } },
      ],
    });
    const unknown = await expectRefused(
      "update",
      batch(UNKNOWN_GUID),
      bad([["BillingAutomationUpdates[1].BillingAutomationId", "not_found"]], "NOT_FOUND"),
    );
    const foreignOne = await expectRefused(
      "update",
      batch(foreign.id),
      bad([["BillingAutomationUpdates[1].BillingAutomationId", "not_found"]], "NOT_FOUND"),
    );
    expect(foreignOne.Message.replace(foreign.id, "<id>")).toBe(unknown.Message.replace(UNKNOWN_GUID, "<id>"));
  });
});

describe("updateAssignments", () => {
  const change = (c: Json) => ({ BillingAutomationId: resident.id, ...c });
  it.each<[string, () => Json, Expected]>([
    ["a missing BillingAutomationId", () => ({ AssignmentsToAdd: [] }), bad([["BillingAutomationId", "invalid_type"]])],
    [
      "an assignment to remove that is not the automation's",
      () => change({ AssignmentIdsToRemove: [UNKNOWN_GUID] }),
      bad([["AssignmentIdsToRemove[0]", "unknown_assignment"]]),
    ],
    [
      "another automation's assignment to update",
      () =>
        change({
          AssignmentsToUpdate: [{ BillingAutomationAssignmentId: foreign.assignmentId, ProductIds: { Value: [] } }],
        }),
      bad([["AssignmentsToUpdate[0].BillingAutomationAssignmentId", "unknown_assignment"]]),
    ],
    [
      "an added assignment listing a rate twice",
      () =>
        change({
          AssignmentsToAdd: [{ ServiceId: SERVICE, RoutedItemTypes: flags(["Deposits"]), RateIds: [RATE, RATE] }],
        }),
      forbidden([["AssignmentsToAdd[0].RateIds", "duplicate_id"]]),
    ],
    [
      "more than 20 assignments after the change",
      () => change({ AssignmentsToAdd: Array(20).fill({ ServiceId: SERVICE, RoutedItemTypes: flags(["Deposits"]) }) }),
      forbidden([["AssignmentsToAdd", "max_items"]]),
    ],
    [
      "a routed item type that is not wrapped",
      () =>
        change({
          AssignmentsToUpdate: [
            { BillingAutomationAssignmentId: resident.assignmentId, RoutedItemTypes: { SpaceOrder: true } },
          ],
        }),
      bad([["AssignmentsToUpdate[0].RoutedItemTypes.SpaceOrder", "value_wrapper"]]),
    ],
    [
      "a rate that is not a GUID, inside the wrapper",
      () =>
        change({
          AssignmentsToUpdate: [{ BillingAutomationAssignmentId: resident.assignmentId, RateIds: { Value: ["rate"] } }],
        }),
      bad([["AssignmentsToUpdate[0].RateIds.Value[0]", "invalid_format"]]),
    ],
    [
      "an added assignment without RoutedItemTypes",
      () => change({ AssignmentsToAdd: [{ ServiceId: SERVICE }] }),
      bad([["AssignmentsToAdd[0].RoutedItemTypes", "invalid_type"]]),
    ],
  ])("refuses %s", async (_name, params, expected) => {
    await expectRefused("updateAssignments", { ...envelope(token), ...params() }, expected);
  });

  it("answers another tenant's automation exactly like an unknown one", async () => {
    const unknown = await expectRefused(
      "updateAssignments",
      { ...envelope(token), BillingAutomationId: UNKNOWN_GUID, AssignmentIdsToRemove: [] },
      bad([["BillingAutomationId", "not_found"]], "NOT_FOUND"),
    );
    const foreignOne = await expectRefused(
      "updateAssignments",
      { ...envelope(token), BillingAutomationId: foreign.id, AssignmentIdsToRemove: [foreign.assignmentId] },
      bad([["BillingAutomationId", "not_found"]], "NOT_FOUND"),
    );
    expect(foreignOne.Message.replace(foreign.id, "<id>")).toBe(unknown.Message.replace(UNKNOWN_GUID, "<id>"));
  });
});

describe("delete", () => {
  it.each<[string, Json, Expected]>([
    ["a missing BillingAutomationIds", {}, bad([["BillingAutomationIds", "invalid_type"]])],
    ["an empty BillingAutomationIds", { BillingAutomationIds: [] }, bad([["BillingAutomationIds", "too_small"]])],
    [
      "an id that is not a GUID",
      { BillingAutomationIds: ["first"] },
      bad([["BillingAutomationIds[0]", "invalid_format"]]),
    ],
    [
      "more than 100 ids",
      { BillingAutomationIds: Array(101).fill(UNKNOWN_GUID) },
      bad([["BillingAutomationIds", "too_big"]]),
    ],
  ])("refuses %s", async (_name, params, expected) => {
    await expectRefused("delete", { ...envelope(token), ...params }, expected);
  });

  it("deletes nothing when one id is unknown or another tenant's, and answers both alike", async () => {
    const unknown = await expectRefused(
      "delete",
      { ...envelope(token), BillingAutomationIds: [resident.id, UNKNOWN_GUID] },
      bad([["BillingAutomationIds[1]", "not_found"]], "NOT_FOUND"),
    );
    const foreignOne = await expectRefused(
      "delete",
      { ...envelope(token), BillingAutomationIds: [resident.id, foreign.id] },
      bad([["BillingAutomationIds[1]", "not_found"]], "NOT_FOUND"),
    );
    expect(foreignOne.Message.replace(foreign.id, "<id>")).toBe(unknown.Message.replace(UNKNOWN_GUID, "<id>"));
    const still = await w.db.select({ id: schema.automations.id }).from(schema.automations);
    expect(still.map((r) => r.id).sort()).toEqual([resident.id, foreign.id].sort());
  });
});

describe("tenant isolation", () => {
  it("a token reads and writes only its own enterprise's automations", async () => {
    const mine = await send("getAll", { ...envelope(token), Limitation: { Count: 100 } });
    expect((mine.json.BillingAutomations as { Id: string }[]).map((a) => a.Id)).toEqual([resident.id]);
    const theirs = await send("getAll", { ...envelope(otherToken), Limitation: { Count: 100 } });
    expect((theirs.json.BillingAutomations as { Id: string }[]).map((a) => a.Id)).toEqual([foreign.id]);
    const filtered = await send("getAll", {
      ...envelope(token),
      BillingAutomationIds: [foreign.id],
      Limitation: { Count: 100 },
    });
    expect(filtered.json).toEqual({ BillingAutomations: [], Cursor: null });
  });
});

describe("500: an unexpected fault shows nothing of its cause", () => {
  it("answers a generic Message and logs the cause", async () => {
    const logged: object[] = [];
    // A clock that yields an invalid date: the token is accepted, the automation's creation time cannot be written.
    const broken = createCompatApp({
      db: w.db,
      clock: { now: () => new Date(Number.NaN) },
      logger: { error: (obj) => logged.push(obj) },
    });
    const before = await snapshot();
    const res = await broken.request(`${BASE}/add`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...envelope(token), ...valid("add") }),
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      Message: "Internal error; it has been logged.",
      RequestId: expect.any(String),
      Details: { Code: "INTERNAL", Errors: [] },
    });
    expect(text).not.toMatch(/at .*\.ts|insert|Invalid time|RangeError/i);
    expect(logged).toHaveLength(1);
    expect(await snapshot()).toBe(before);
  });
});

describe("409: a concurrent change", () => {
  it("an update that loses a race with another change of the same automation is refused with 409, and changes nothing", async () => {
    const db = w.db.$client;
    let pending: ReturnType<typeof send> | undefined;
    // Another writer holds the automation's row (and moves its version on) while the Mews update runs.
    await db.begin(async (tx) => {
      await tx`update automations set version = version + 1 where id = ${resident.id}`;
      pending = send("update", {
        ...envelope(token),
        BillingAutomationUpdates: [{ BillingAutomationId: resident.id, Name: { Value: "lost the race" } }],
      });
      for (let i = 0; i < 500; i++) {
        const [row] = await db`select count(*)::int as n from pg_locks where not granted`;
        if ((row?.n as number) > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    const res = await pending;
    expect(res?.status, res?.text).toBe(409);
    expect(res?.json).toEqual({
      Message: `billing automation ${resident.id} was changed by another request; reload and retry`,
      RequestId: expect.any(String),
      Details: { Code: "CONCURRENT_MODIFICATION", Errors: [] },
    });
    const [row] = await db`select name from automations where id = ${resident.id}`;
    expect(row?.name).toBe("An automation");
  });
});
