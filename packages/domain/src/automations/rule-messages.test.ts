/**
 * The automation rules speak to people (no enum names, a sentence), and keep
 * their rule code: through checkAutomation and through the zod schema, where
 * the code travels in the issue's params.rule.
 */
import { describe, expect, it } from "vitest";
import { flattenZodError } from "../rule-issues.ts";
import {
  ASSIGNMENT_TARGET_TYPES,
  type AutomationFields,
  BILL_AGGREGATION_TYPES,
  CONSUMPTION_PERIODS,
  checkAutomation,
  TRIGGER_TYPES,
} from "./automation.ts";
import { zAutomationInput } from "./schemas.ts";

const COMPANY = "9b5e0c79-3a53-4f6a-8a4f-6a0c1c1d2e3f";
const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const routesAll = {
  spaceOrder: true,
  cityTax: false,
  allProducts: false,
  deposits: false,
  additionalExpenses: false,
  allCustomItems: false,
};
const valid: AutomationFields = {
  name: "Company bills",
  description: null,
  companies: [{ companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } }],
  prepayment: "All",
  assignmentTargetType: "CompanyAsOwner",
  triggerType: "Continuous",
  billAggregationType: "AggregateAll",
  processingStartOffset: null,
  orderItemConsumptionPeriod: null,
  assignments: [
    {
      serviceId: SERVICE,
      routedItemTypes: routesAll,
      rateIds: [],
      productCategoryIds: [],
      productIds: [],
      accountingCategoryAssignments: [],
    },
  ],
};

const ENUM_WORDS = [
  ...ASSIGNMENT_TARGET_TYPES,
  ...BILL_AGGREGATION_TYPES,
  ...TRIGGER_TYPES,
  ...CONSUMPTION_PERIODS,
  "partnerCompany",
  "travelAgency",
];

const CASES: [string, Partial<AutomationFields>, { path: string; rule: string; message: string }[]][] = [
  [
    "all items on one bill without the company as owner",
    { assignmentTargetType: "CompanyAsDetails" },
    [
      {
        path: "assignmentTargetType",
        rule: "aggregation_requires_company_as_owner",
        message: "Aggregating all items on one bill needs the company as the bill owner",
      },
    ],
  ],
  [
    "one bill per reservation group without the company as owner",
    { assignmentTargetType: "CompanyAsDetails", billAggregationType: "AggregatePerReservationGroup" },
    [
      {
        path: "assignmentTargetType",
        rule: "aggregation_requires_company_as_owner",
        message: "One bill per reservation group needs the company as the bill owner",
      },
    ],
  ],
  [
    "no company, aggregating all",
    { assignmentTargetType: "NoCompany", companies: [] },
    [
      {
        path: "billAggregationType",
        rule: "no_company_requires_aggregate_by_customer",
        message: "Without a company, items can only be aggregated by customer",
      },
      {
        path: "assignmentTargetType",
        rule: "aggregation_requires_company_as_owner",
        message: "Aggregating all items on one bill needs the company as the bill owner",
      },
    ],
  ],
  [
    "the company owns the bill but none is chosen",
    { companies: [] },
    [
      {
        path: "companies",
        rule: "companies_required",
        message: "Choose at least one company: the company owns the bill",
      },
    ],
  ],
  [
    "a company with no relation",
    { companies: [{ companyId: COMPANY, relations: { partnerCompany: false, travelAgency: false } }] },
    [
      {
        path: "companies[0].relations",
        rule: "relation_required",
        message: "Say how the company relates: partner company, travel agency, or both",
      },
    ],
  ],
  [
    "recurring without its period and offset",
    { triggerType: "Recurring" },
    [
      {
        path: "orderItemConsumptionPeriod",
        rule: "required_for_recurring",
        message: "A recurring automation needs a consumption period",
      },
      {
        path: "processingStartOffset",
        rule: "required_for_recurring",
        message: "A recurring automation needs a processing start offset",
      },
    ],
  ],
  [
    "an assignment that routes nothing",
    {
      assignments: [
        {
          ...(valid.assignments[0] as AutomationFields["assignments"][number]),
          routedItemTypes: { ...routesAll, spaceOrder: false },
        },
      ],
    },
    [
      {
        path: "assignments[0].routedItemTypes",
        rule: "routes_nothing",
        message: "This assignment routes nothing: choose an item type, a product or an accounting category",
      },
    ],
  ],
];

describe("automation rule messages", () => {
  it("the valid automation breaks no rule", () => {
    expect(checkAutomation(valid)).toEqual([]);
  });

  it.each(CASES)("%s: plain words, the rule code kept", (_, change, expected) => {
    const issues = checkAutomation({ ...valid, ...change });
    expect(issues).toEqual(expected);
    for (const issue of issues) {
      for (const word of ENUM_WORDS) expect(issue.message, issue.rule).not.toContain(word);
      expect(issue.message).toMatch(/^[A-Z]/);
    }
  });

  it("through the schema, the message reaches the client with the rule in params.rule", () => {
    const result = zAutomationInput.safeParse({ ...valid, assignmentTargetType: "CompanyAsDetails" });
    expect(result.success).toBe(false);
    const issues = result.success ? [] : result.error.issues;
    const aggregation = issues.find((i) => i.path.join(".") === "assignmentTargetType");
    expect(aggregation).toMatchObject({
      message: "Aggregating all items on one bill needs the company as the bill owner",
      params: { rule: "aggregation_requires_company_as_owner" },
    });
    expect(result.success ? [] : flattenZodError(result.error)).toContainEqual({
      path: "assignmentTargetType",
      rule: "aggregation_requires_company_as_owner",
      message: "Aggregating all items on one bill needs the company as the bill owner",
    });
  });
});
