import { type AutomationOutput, issueRule } from "@holdfast/domain";
import { zodResolver } from "@hookform/resolvers/zod";
import { describe, expect, it } from "vitest";
import { withRuleNote } from "../components/field-error.tsx";
import { planAutomationEdit, serverIssueName } from "./automation-edit.ts";
import {
  type AutomationFormValues,
  automationForm,
  automationFormDefaults,
  checkAutomationForm,
  emptyAssignmentRow,
  formSlot,
  parseIdList,
  reportedIssues,
  shownIssues,
} from "./automation-forms.ts";
import { routePreviewDefaults, routePreviewForm } from "./route-preview-form.ts";

const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const COMPANY = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const RATE = "ab3682ba-4493-4eb0-bcdc-8d000f5bad65";
const RATE_2 = "599c477e-b826-4444-8ded-4fa7276ef0c1";
const PRODUCT = "f0184ec2-9f02-4026-9b70-0b2bed2adde7";
const CATEGORY = "2e0f5930-605e-4a23-9994-a7701a56b576";

function valid(): AutomationFormValues {
  const v = automationFormDefaults();
  return {
    ...v,
    name: "Company A",
    assignments: [
      {
        ...emptyAssignmentRow(),
        serviceId: SERVICE,
        routedItemTypes: { ...emptyAssignmentRow().routedItemTypes, spaceOrder: true },
      },
    ],
  };
}

const issuesOf = (v: AutomationFormValues) => checkAutomationForm(v).issues.map((i) => `${i.name}: ${i.message}`);

describe("the automation form, checked by the server's schema", () => {
  it("starts in a combination the rules accept; only the blanks are reported", () => {
    expect(checkAutomationForm(automationFormDefaults()).issues).toEqual([
      { name: "name", code: "too_small", rule: null, message: "must not be empty" },
      { name: "assignments.0.serviceId", code: "invalid_format", rule: null, message: "must be a GUID" },
      {
        name: "assignments.0.routedItemTypes",
        code: "custom",
        rule: "routes_nothing",
        message: "This assignment routes nothing: choose an item type, a product or an accounting category",
      },
    ]);
  });

  it("parses a filled form into the add input", () => {
    const result = checkAutomationForm({ ...valid(), description: "  " });
    expect(result.issues).toEqual([]);
    expect(result.data).toMatchObject({
      name: "Company A",
      description: null,
      companies: [],
      processingStartOffset: null,
      orderItemConsumptionPeriod: null,
      assignments: [{ serviceId: SERVICE, rateIds: [], productIds: [], accountingCategoryAssignments: [] }],
    });
  });

  it("reports NoCompany with AggregateAll at both fields, and nothing once aggregated by customer", () => {
    const v = { ...valid(), assignmentTargetType: "NoCompany" as const, billAggregationType: "AggregateAll" as const };
    const { issues } = checkAutomationForm(v);
    expect(issues.map((i) => [i.name, i.rule])).toEqual([
      ["billAggregationType", "no_company_requires_aggregate_by_customer"],
      ["assignmentTargetType", "aggregation_requires_company_as_owner"],
    ]);
    expect(issues[0]?.message).toBe("Without a company, items can only be aggregated by customer");
    expect(issuesOf({ ...v, billAggregationType: "AggregateByCustomer" })).toEqual([]);
  });

  it("needs companies with CompanyAsOwner, each with a relation", () => {
    const v = {
      ...valid(),
      assignmentTargetType: "CompanyAsOwner" as const,
      billAggregationType: "AggregateAll" as const,
    };
    expect(issuesOf(v)).toEqual(["companies: Choose at least one company: the company owns the bill"]);
    const withCompany = {
      ...v,
      companies: [{ companyId: COMPANY.toUpperCase(), relations: { partnerCompany: false, travelAgency: false } }],
    };
    expect(issuesOf(withCompany)).toEqual([
      "companies.0.relations: Say how the company relates: partner company, travel agency, or both",
    ]);
  });

  it("asks a Recurring automation for its period and offset, and ignores them otherwise", () => {
    const recurring = { ...valid(), triggerType: "Recurring" as const };
    expect(issuesOf(recurring)).toEqual([
      "orderItemConsumptionPeriod: A recurring automation needs a consumption period",
      "processingStartOffset: A recurring automation needs a processing start offset",
    ]);
    expect(issuesOf({ ...recurring, orderItemConsumptionPeriod: "SameMonth", processingStartOffset: "1 day" })).toEqual(
      ["processingStartOffset: Write an ISO 8601 duration, such as P1D (a day) or P0M5DT0H"],
    );
    const hidden = { ...valid(), orderItemConsumptionPeriod: "SameMonth" as const, processingStartOffset: "P1D" };
    expect(checkAutomationForm(hidden).data).toMatchObject({
      processingStartOffset: null,
      orderItemConsumptionPeriod: null,
    });
  });

  it("reads GUID lists split by commas or lines, and names the bad item on the list", () => {
    expect(parseIdList(` ${RATE},${RATE_2}\n\n x `)).toEqual([RATE, RATE_2, "x"]);
    const v = valid();
    const row = {
      ...(v.assignments[0] ?? emptyAssignmentRow()),
      rateIds: `${RATE}, nope`,
      productIds: `${PRODUCT}\n${PRODUCT}`,
    };
    expect(issuesOf({ ...v, assignments: [row] })).toEqual([
      'assignments.0.rateIds: item 2 ("nope") must be a GUID',
      "assignments.0.productIds: an id is listed twice",
    ]);
  });

  it("shows a field's own issue once left, a rule as soon as a change causes it, everything after a submit", () => {
    const issues = checkAutomationForm({
      ...automationFormDefaults(),
      assignmentTargetType: "NoCompany",
      billAggregationType: "AggregateAll",
    }).issues;
    const names = (state: Parameters<typeof shownIssues>[1]) => shownIssues(issues, state).map((i) => i.name);
    const none = () => false;
    expect(names({ submitted: false, dirty: false, touched: none })).toEqual([]);
    expect(names({ submitted: false, dirty: true, touched: none })).toEqual([
      "billAggregationType",
      "assignmentTargetType",
    ]);
    expect(names({ submitted: false, dirty: true, touched: (n) => n === "assignments.0" })).toEqual([
      "billAggregationType",
      "assignmentTargetType",
      "assignments.0.routedItemTypes",
    ]);
    expect(names({ submitted: false, dirty: true, touched: (n) => n === "name" })).toEqual([
      "name",
      "billAggregationType",
      "assignmentTargetType",
    ]);
    expect(names({ submitted: true, dirty: false, touched: none })).toHaveLength(5);
  });

  it("places a name at the field, row or list the form shows", () => {
    const v = valid();
    expect(formSlot("assignments.0.rateIds", v)).toBe("assignments.0.rateIds");
    expect(formSlot("assignments.0.routedItemTypes.spaceOrder", v)).toBe("assignments.0.routedItemTypes");
    expect(formSlot("assignments.3.serviceId", v)).toBe("assignments");
    expect(formSlot("processingStartOffset", v)).toBeNull();
    expect(formSlot("processingStartOffset", { ...v, triggerType: "Recurring" })).toBe("processingStartOffset");
    expect(formSlot("(input)", v)).toBeNull();
  });
});

const stored: AutomationOutput = {
  id: "01900000-0000-7000-8000-000000000001",
  enterpriseId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
  name: "Company A",
  description: null,
  companies: [{ companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } }],
  prepayment: "All",
  assignmentTargetType: "CompanyAsOwner",
  triggerType: "Continuous",
  billAggregationType: "AggregateAll",
  createdUtc: "2030-06-10T12:00:00.000Z",
  updatedUtc: "2030-06-10T12:00:00.000Z",
  processingStartOffset: null,
  orderItemConsumptionPeriod: null,
  version: 4,
  assignments: ["a1", "a2", "a3"].map((tag, i) => ({
    id: `01900000-0000-7000-8000-0000000000${tag}`,
    automationId: "01900000-0000-7000-8000-000000000001",
    serviceId: SERVICE,
    routedItemTypes: {
      spaceOrder: i === 0,
      cityTax: false,
      allProducts: i === 1,
      deposits: false,
      additionalExpenses: false,
      allCustomItems: i === 2,
    },
    rateIds: i === 0 ? [RATE] : [],
    productCategoryIds: [],
    productIds: [],
    accountingCategoryAssignments:
      i === 2 ? [{ accountingCategoryId: CATEGORY, itemTypes: { products: false, customItems: true } }] : [],
  })),
};

function plan(edit: (v: AutomationFormValues) => AutomationFormValues) {
  const values = edit(automationFormDefaults(stored));
  const { data, issues } = checkAutomationForm(values);
  expect(issues).toEqual([]);
  if (!data) throw new Error("invalid");
  return planAutomationEdit(stored, data, values.assignments);
}

describe("an edit sends only what changed", () => {
  it("sends nothing for an unchanged form, whatever the case of its GUIDs", () => {
    expect(
      plan((v) => ({
        ...v,
        companies: v.companies.map((c) => ({ ...c, companyId: c.companyId.toUpperCase() })),
        assignments: v.assignments.map((s) => ({ ...s, rateIds: s.rateIds.toUpperCase() })),
      })),
    ).toEqual({ update: null, assignments: null, addRows: [], updateRows: [] });
  });

  it("sends the changed fields of the automation, null clearing one", () => {
    const p = plan((v) => ({
      ...v,
      name: "Company A (2031)",
      billAggregationType: "OnePerReservation",
      companies: [...v.companies, { companyId: RATE_2, relations: { partnerCompany: false, travelAgency: true } }],
    }));
    expect(p.update).toEqual({
      name: "Company A (2031)",
      billAggregationType: "OnePerReservation",
      companies: [
        { companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } },
        { companyId: RATE_2, relations: { partnerCompany: false, travelAgency: true } },
      ],
    });
    expect(p.assignments).toBeNull();
    const cleared = plan((v) => ({ ...v, description: "" }));
    expect(cleared.update).toBeNull();
  });

  it("adds, updates (only the changed fields and flags) and removes assignments, mapping rows back", () => {
    const p = plan((v) => {
      const [first, , third] = v.assignments;
      if (!first || !third) throw new Error("rows");
      return {
        ...v,
        assignments: [
          { ...first, routedItemTypes: { ...first.routedItemTypes, cityTax: true }, rateIds: `${RATE}\n${RATE_2}` },
          third,
          { ...emptyAssignmentRow(), serviceId: SERVICE, productIds: PRODUCT },
        ],
      };
    });
    expect(p.update).toBeNull();
    expect(p.assignments).toEqual({
      assignmentsToAdd: [
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
          productIds: [PRODUCT],
          accountingCategoryAssignments: [],
        },
      ],
      assignmentsToUpdate: [
        { id: stored.assignments[0]?.id, routedItemTypes: { cityTax: true }, rateIds: [RATE, RATE_2] },
      ],
      assignmentIdsToRemove: [stored.assignments[1]?.id],
    });
    expect(p.addRows).toEqual([2]);
    expect(p.updateRows).toEqual([0]);
  });
});

describe("the form's schema, through react-hook-form's zod resolver", () => {
  const resolve = (values: AutomationFormValues) =>
    zodResolver(automationForm)(values, undefined, {
      fields: {},
      names: ["assignments.0.serviceId", "companies.0.companyId"],
      criteriaMode: "all",
      shouldUseNativeValidation: false,
    });

  it("reports every issue of the check at its form name, with its code, nested rows and lists included", async () => {
    const v = {
      ...automationFormDefaults(),
      assignmentTargetType: "CompanyAsOwner" as const,
      billAggregationType: "AggregateAll" as const,
      companies: [{ companyId: "nope", relations: { partnerCompany: false, travelAgency: false } }],
      assignments: [{ ...emptyAssignmentRow(), rateIds: `${RATE}, x`, productIds: `${PRODUCT}\n${PRODUCT}` }],
    };
    const { errors } = await resolve(v);
    // A rule's message reaches the form with its rule code, for the "rule: …" note.
    const expected = checkAutomationForm(v).issues.map(({ rule, ...i }) => ({
      ...i,
      message: i.code === "custom" ? withRuleNote(i.message, rule) : i.message,
    }));
    expect(expected.length).toBeGreaterThan(5);
    const byName = (a: { name: string; message: string }, b: { name: string; message: string }) =>
      `${a.name} ${a.message}`.localeCompare(`${b.name} ${b.message}`);
    expect(reportedIssues(errors).sort(byName)).toEqual(expected.sort(byName));
  });

  it("hands a valid form's values, add input and parsed data to the submit", async () => {
    const v = { ...valid(), description: "  " };
    const result = await resolve(v);
    expect(result.errors).toEqual({});
    const { input, data } = checkAutomationForm(v);
    expect(result.values).toEqual({ values: v, input, data });
  });
});

describe("server issues land beside the form's fields", () => {
  const save = { call: "save", addRows: [3, 4], updateRows: [1] } as const;
  it.each([
    ["automations.0.billAggregationType", { call: "add" } as const, "billAggregationType"],
    ["automations.0.assignments.1.rateIds.3", { call: "add" } as const, "assignments.1.rateIds"],
    ["tenantLocator", { call: "add" } as const, null],
    ["name", save, "name"],
    ["companies.2.companyId", save, "companies.2.companyId"],
    ["expectedVersion", save, null],
    ["tenantLocator", save, null],
  ])("%s (%o) → %s", (name, source, expected) => {
    expect(serverIssueName(name, source)).toBe(expected);
  });

  it("maps the save's assignment lists to the form's rows", () => {
    const source = save;
    expect(serverIssueName("assignmentsToAdd.1.serviceId", source)).toBe("assignments.4.serviceId");
    expect(serverIssueName("assignmentsToUpdate.0.rateIds.0", source)).toBe("assignments.1.rateIds");
    expect(serverIssueName("assignmentsToUpdate.0.id", source)).toBe("assignments.1");
    expect(serverIssueName("assignments.2.routedItemTypes", source)).toBe("assignments.2.routedItemTypes");
    expect(serverIssueName("assignments", source)).toBe("assignments");
    expect(serverIssueName("assignmentIdsToRemove.0", source)).toBeNull();
    expect(serverIssueName("automationId", source)).toBeNull();
  });
});

describe("the routing preview form, checked by previewRouteInput", () => {
  it("sends blanks as none and names missing ids at their fields", () => {
    const result = routePreviewForm.safeParse({ ...routePreviewDefaults(), processingDate: "" });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual([
      "orderItem.serviceId",
      "reservation.id",
      "reservation.ownerId",
    ]);
  });

  it("needs a company and its relation together", () => {
    const d = routePreviewDefaults();
    const v = {
      ...d,
      orderItem: { ...d.orderItem, serviceId: SERVICE, consumptionDate: "2030-06-10" },
      reservation: { ...d.reservation, id: RATE, ownerId: RATE_2, companyId: COMPANY },
    };
    const refused = routePreviewForm.safeParse(v);
    expect(refused.error?.issues.map((i) => [i.path.join("."), issueRule(i), i.message])).toEqual([
      ["reservation.companyRelation", "company_relation", "companyId and companyRelation go together"],
    ]);
    const ok = routePreviewForm.parse({ ...v, reservation: { ...v.reservation, companyRelation: "partnerCompany" } });
    expect(ok).toEqual({
      orderItem: {
        serviceId: SERVICE,
        itemType: "SpaceOrder",
        rateId: null,
        productId: null,
        productCategoryId: null,
        accountingCategoryId: null,
        consumptionDate: "2030-06-10",
      },
      reservation: {
        id: RATE,
        ownerId: RATE_2,
        companyId: COMPANY,
        companyRelation: "partnerCompany",
        reservationGroupId: null,
        prepaid: false,
      },
    });
  });
});
