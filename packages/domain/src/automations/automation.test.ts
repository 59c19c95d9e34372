import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { issueRule } from "../rule-issues.ts";
import { type PathAndRule, sortRules, zodRulesOf } from "../testing.ts";
import {
  type AccountingCategoryAssignment,
  ASSIGNMENT_TARGET_TYPES,
  type AssignmentChanges,
  type AssignmentTargetType,
  AUTOMATION_LIMITS,
  type AutomationAssignment,
  type AutomationFields,
  type AutomationPatch,
  applyAssignmentChanges,
  BILL_AGGREGATION_TYPES,
  type BillAggregationType,
  COMPANY_RELATIONS,
  CONSUMPTION_PERIODS,
  type CompanyWithRelations,
  checkAutomation,
  mergeAutomation,
  PREPAYMENT_TYPES,
  ROUTED_ITEM_TYPE_KEYS,
  type RoutedItemTypes,
  TRIGGER_TYPES,
} from "./automation.ts";
import {
  addAutomationsInput,
  deleteAutomationsInput,
  getAllAutomationsInput,
  updateAssignmentsInput,
  updateAutomationsInput,
  zAutomationInput,
  zAutomationUpdate,
} from "./schemas.ts";

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/** A distinct, valid RFC 9562 v4 UUID per number (passes both z.guid and z.uuid). */
function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}
const guids = (count: number, from = 1) => Array.from({ length: count }, (_, i) => guid(from + i));

const NO_FLAGS: RoutedItemTypes = {
  spaceOrder: false,
  cityTax: false,
  allProducts: false,
  deposits: false,
  additionalExpenses: false,
  allCustomItems: false,
};
const flags = (on: Partial<RoutedItemTypes>): RoutedItemTypes => ({ ...NO_FLAGS, ...on });

const SERVICE = guid(0x5e);
const COMPANY_A = guid(0xa1);
const COMPANY_B = guid(0xb1);

function assignment(overrides: Partial<Omit<AutomationAssignment, "id">> = {}): Omit<AutomationAssignment, "id"> {
  return {
    serviceId: SERVICE,
    routedItemTypes: flags({ spaceOrder: true }),
    rateIds: [],
    productCategoryIds: [],
    productIds: [],
    accountingCategoryAssignments: [],
    ...overrides,
  };
}

function company(companyId: string, partnerCompany = true, travelAgency = false): CompanyWithRelations {
  return { companyId, relations: { partnerCompany, travelAgency } };
}

function category(n: number, products = true, customItems = false): AccountingCategoryAssignment {
  return { accountingCategoryId: guid(n), itemTypes: { products, customItems } };
}

/** A valid Continuous automation: CompanyAsOwner, AggregateAll, one company, one assignment. */
function automation(overrides: Partial<AutomationFields> = {}): AutomationFields {
  return {
    name: "Company A billing automation",
    description: null,
    companies: [company(COMPANY_A)],
    prepayment: "All",
    assignmentTargetType: "CompanyAsOwner",
    triggerType: "Continuous",
    billAggregationType: "AggregateAll",
    processingStartOffset: null,
    orderItemConsumptionPeriod: null,
    assignments: [assignment()],
    ...overrides,
  };
}

/** A valid Recurring automation. */
function recurring(overrides: Partial<AutomationFields> = {}): AutomationFields {
  return automation({
    triggerType: "Recurring",
    orderItemConsumptionPeriod: "MonthBefore",
    processingStartOffset: "P1D",
    ...overrides,
  });
}

type Problem = PathAndRule;

/** The problems as sorted {path, rule}; every problem must carry a message. */
function problemsOf(a: AutomationFields): Problem[] {
  const problems = checkAutomation(a);
  for (const p of problems) expect(p.message.trim().length).toBeGreaterThan(0);
  return sortRules(problems);
}

const p = (path: string, rule: string): Problem => ({ path, rule });

/** The JSON shape zAutomationInput takes for an automation. */
function asInput(a: AutomationFields): Record<string, unknown> {
  return { ...a };
}

type Issue = { path: (string | number)[]; rule: string; message: string };
function issuesOf(schema: z.ZodType, input: unknown): Issue[] {
  const r = schema.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => ({
    path: i.path.map((s) => (typeof s === "symbol" ? String(s) : s)),
    rule: issueRule(i) ?? i.code,
    message: i.message,
  }));
}
const pathsOf = (issues: Issue[]) => issues.map((i) => i.path.join("."));

// ---------------------------------------------------------------------------------------------
// Enums and limits, written out from the seed
// ---------------------------------------------------------------------------------------------

describe("enums and limits match the Mews seed", () => {
  it("has exactly the documented enum values", () => {
    expect(PREPAYMENT_TYPES).toEqual(["All", "Prepaid"]);
    expect(ASSIGNMENT_TARGET_TYPES).toEqual(["CompanyAsDetails", "CompanyAsOwner", "NoCompany"]);
    expect(TRIGGER_TYPES).toEqual(["Continuous", "Recurring", "Legacy"]);
    expect(BILL_AGGREGATION_TYPES).toEqual([
      "OnePerReservation",
      "AggregateByCustomer",
      "AggregateAll",
      "AggregatePerReservationGroup",
    ]);
    expect(CONSUMPTION_PERIODS).toEqual([
      "MonthBefore",
      "SameMonthAndMonthBefore",
      "SameMonth",
      "SameMonthAndMonthAfter",
      "MonthAfter",
    ]);
    expect(ROUTED_ITEM_TYPE_KEYS).toEqual([
      "spaceOrder",
      "cityTax",
      "allProducts",
      "deposits",
      "additionalExpenses",
      "allCustomItems",
    ]);
    expect(COMPANY_RELATIONS).toEqual(["partnerCompany", "travelAgency"]);
  });

  it("has every documented limit", () => {
    expect(AUTOMATION_LIMITS).toEqual({
      nameLength: 255,
      descriptionLength: 1000,
      companies: 1000,
      assignments: 20,
      conditionIds: 100,
      accountingCategories: 100,
      processingStartOffsetLength: 20,
      batch: 100,
      assignmentsToRemove: 100,
      filterEnterpriseIds: 1000,
      filterCompanyIds: 100,
      filterAutomationIds: 100,
      pageCountMin: 1,
      pageCountMax: 1000,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// checkAutomation: every rule
// ---------------------------------------------------------------------------------------------

interface RuleCase {
  name: string;
  automation: AutomationFields;
  problems: Problem[];
}

const RULE_CASES: RuleCase[] = [
  // The baselines are valid.
  { name: "the Continuous baseline is valid", automation: automation(), problems: [] },
  { name: "the Recurring baseline is valid", automation: recurring(), problems: [] },
  { name: "a Legacy automation is valid", automation: automation({ triggerType: "Legacy" }), problems: [] },
  { name: "prepayment Prepaid is valid", automation: automation({ prepayment: "Prepaid" }), problems: [] },
  { name: "an automation without assignments is valid", automation: automation({ assignments: [] }), problems: [] },

  // Name.
  { name: "an empty name", automation: automation({ name: "" }), problems: [p("name", "required")] },
  { name: "a blank name", automation: automation({ name: " \t\n " }), problems: [p("name", "required")] },
  { name: "a one-character name", automation: automation({ name: "x" }), problems: [] },

  // NoCompany requires AggregateByCustomer; any other aggregation requires CompanyAsOwner.
  {
    name: "NoCompany with AggregateByCustomer",
    automation: automation({
      assignmentTargetType: "NoCompany",
      billAggregationType: "AggregateByCustomer",
      companies: [],
    }),
    problems: [],
  },
  {
    name: "NoCompany with OnePerReservation breaks both aggregation rules",
    automation: automation({
      assignmentTargetType: "NoCompany",
      billAggregationType: "OnePerReservation",
      companies: [],
    }),
    problems: [
      p("assignmentTargetType", "aggregation_requires_company_as_owner"),
      p("billAggregationType", "no_company_requires_aggregate_by_customer"),
    ],
  },
  {
    name: "CompanyAsDetails with AggregateAll",
    automation: automation({ assignmentTargetType: "CompanyAsDetails", billAggregationType: "AggregateAll" }),
    problems: [p("assignmentTargetType", "aggregation_requires_company_as_owner")],
  },
  {
    name: "CompanyAsDetails with AggregateByCustomer",
    automation: automation({ assignmentTargetType: "CompanyAsDetails", billAggregationType: "AggregateByCustomer" }),
    problems: [],
  },

  // Companies may be empty only with CompanyAsDetails or NoCompany.
  {
    name: "CompanyAsOwner without companies",
    automation: automation({ companies: [] }),
    problems: [p("companies", "companies_required")],
  },
  {
    name: "CompanyAsDetails without companies",
    automation: automation({
      assignmentTargetType: "CompanyAsDetails",
      billAggregationType: "AggregateByCustomer",
      companies: [],
    }),
    problems: [],
  },
  {
    name: "NoCompany with companies listed",
    automation: automation({ assignmentTargetType: "NoCompany", billAggregationType: "AggregateByCustomer" }),
    problems: [],
  },

  // Each company once, with at least one relation.
  {
    name: "a company listed twice",
    automation: automation({ companies: [company(COMPANY_A), company(COMPANY_B), company(COMPANY_A, false, true)] }),
    problems: [p("companies[2].companyId", "duplicate_company")],
  },
  {
    name: "a company listed three times is reported at each repeat",
    automation: automation({ companies: [company(COMPANY_A), company(COMPANY_A), company(COMPANY_A)] }),
    problems: [p("companies[1].companyId", "duplicate_company"), p("companies[2].companyId", "duplicate_company")],
  },
  {
    name: "a company with neither relation",
    automation: automation({ companies: [company(COMPANY_A), company(COMPANY_B, false, false)] }),
    problems: [p("companies[1].relations", "relation_required")],
  },
  {
    name: "a company as travel agency only",
    automation: automation({ companies: [company(COMPANY_A, false, true)] }),
    problems: [],
  },
  {
    name: "a company with both relations",
    automation: automation({ companies: [company(COMPANY_A, true, true)] }),
    problems: [],
  },

  // Recurring requires a consumption period and an offset; those two only for Recurring.
  {
    name: "Recurring without a period or an offset",
    automation: recurring({ orderItemConsumptionPeriod: null, processingStartOffset: null }),
    problems: [
      p("orderItemConsumptionPeriod", "required_for_recurring"),
      p("processingStartOffset", "required_for_recurring"),
    ],
  },
  {
    name: "Recurring without a period",
    automation: recurring({ orderItemConsumptionPeriod: null }),
    problems: [p("orderItemConsumptionPeriod", "required_for_recurring")],
  },
  {
    name: "Recurring without an offset",
    automation: recurring({ processingStartOffset: null }),
    problems: [p("processingStartOffset", "required_for_recurring")],
  },
  {
    name: "Continuous with a period and an offset",
    automation: automation({ orderItemConsumptionPeriod: "SameMonth", processingStartOffset: "P1D" }),
    problems: [p("orderItemConsumptionPeriod", "only_for_recurring"), p("processingStartOffset", "only_for_recurring")],
  },
  {
    name: "Legacy with a period",
    automation: automation({ triggerType: "Legacy", orderItemConsumptionPeriod: "MonthAfter" }),
    problems: [p("orderItemConsumptionPeriod", "only_for_recurring")],
  },
  {
    name: "Legacy with an offset",
    automation: automation({ triggerType: "Legacy", processingStartOffset: "PT2H" }),
    problems: [p("processingStartOffset", "only_for_recurring")],
  },
  {
    name: "Continuous with a bad offset reports both rules",
    automation: automation({ processingStartOffset: "tomorrow" }),
    problems: [p("processingStartOffset", "iso_duration"), p("processingStartOffset", "only_for_recurring")],
  },

  // Assignments.
  {
    name: "an assignment that routes nothing",
    automation: automation({ assignments: [assignment(), assignment({ routedItemTypes: NO_FLAGS })] }),
    problems: [p("assignments[1].routedItemTypes", "routes_nothing")],
  },
  {
    name: "a rate condition alone routes nothing (rates only narrow space orders)",
    automation: automation({ assignments: [assignment({ routedItemTypes: NO_FLAGS, rateIds: [guid(1)] })] }),
    problems: [p("assignments[0].routedItemTypes", "routes_nothing")],
  },
  {
    name: "an accounting category routing neither products nor custom items routes nothing",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(1, false, false)] }),
      ],
    }),
    problems: [p("assignments[0].routedItemTypes", "routes_nothing")],
  },
  {
    name: "a product id condition routes something without any flag",
    automation: automation({ assignments: [assignment({ routedItemTypes: NO_FLAGS, productIds: [guid(1)] })] }),
    problems: [],
  },
  {
    name: "a product category condition routes something without any flag",
    automation: automation({ assignments: [assignment({ routedItemTypes: NO_FLAGS, productCategoryIds: [guid(1)] })] }),
    problems: [],
  },
  {
    name: "an accounting category for products routes something without any flag",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(1, true, false)] }),
      ],
    }),
    problems: [],
  },
  {
    name: "an accounting category for custom items routes something without any flag",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(1, false, true)] }),
      ],
    }),
    problems: [],
  },
  ...ROUTED_ITEM_TYPE_KEYS.map((key) => ({
    name: `the ${key} flag alone routes something`,
    automation: automation({ assignments: [assignment({ routedItemTypes: flags({ [key]: true }) })] }),
    problems: [],
  })),
  {
    name: "a rate id listed twice",
    automation: automation({ assignments: [assignment({ rateIds: [guid(1), guid(2), guid(1)] })] }),
    problems: [p("assignments[0].rateIds", "duplicate_id")],
  },
  {
    name: "a product category id listed twice",
    automation: automation({ assignments: [assignment(), assignment({ productCategoryIds: [guid(3), guid(3)] })] }),
    problems: [p("assignments[1].productCategoryIds", "duplicate_id")],
  },
  {
    name: "a product id listed twice",
    automation: automation({ assignments: [assignment({ productIds: [guid(4), guid(4)] })] }),
    problems: [p("assignments[0].productIds", "duplicate_id")],
  },
  {
    name: "an accounting category listed twice",
    automation: automation({
      assignments: [
        assignment({ accountingCategoryAssignments: [category(5, true, false), category(5, false, true)] }),
      ],
    }),
    problems: [p("assignments[0].accountingCategoryAssignments", "duplicate_id")],
  },
  {
    name: "the same id in different condition lists is not a duplicate",
    automation: automation({
      assignments: [
        assignment({
          rateIds: [guid(7)],
          productIds: [guid(7)],
          productCategoryIds: [guid(7)],
          accountingCategoryAssignments: [category(7)],
        }),
      ],
    }),
    problems: [],
  },
  {
    name: "two assignments may use the same service and conditions",
    automation: automation({ assignments: [assignment({ rateIds: [guid(1)] }), assignment({ rateIds: [guid(1)] })] }),
    problems: [],
  },
];

describe("checkAutomation: every rule", () => {
  it.each(RULE_CASES)("$name", ({ automation: a, problems }) => {
    expect(problemsOf(a)).toEqual(sortRules(problems));
  });

  it("does not change the automation it checks", () => {
    const a = automation({ name: "", companies: [company(COMPANY_A), company(COMPANY_A)] });
    const copy = structuredClone(a);
    checkAutomation(a);
    expect(a).toEqual(copy);
  });
});

// ---------------------------------------------------------------------------------------------
// Processing start offset: ISO 8601 duration, at most 20 characters
// ---------------------------------------------------------------------------------------------

describe("checkAutomation: processing start offset", () => {
  const VALID = ["P1D", "PT12H", "PT30M", "PT45S", "P1M", "P1Y", "P2W", "P0M5DT0H", "P1Y2M3DT4H5M6S", "P0D"];
  const INVALID = [
    "",
    " ",
    "P",
    "PT",
    "P1DT",
    "1D",
    "P1H",
    "PT1D",
    "p1d",
    " P1D",
    "P1D ",
    "P1.5D",
    "PD",
    "P-1D",
    "1 day",
    "00:30:00",
  ];

  it.each(VALID)("accepts %j", (offset) => {
    expect(problemsOf(recurring({ processingStartOffset: offset }))).toEqual([]);
  });

  it.each(INVALID)("refuses %j as not an ISO 8601 duration", (offset) => {
    expect(problemsOf(recurring({ processingStartOffset: offset }))).toEqual([
      p("processingStartOffset", "iso_duration"),
    ]);
  });

  it("accepts 20 characters and refuses 21 with max_length alone", () => {
    const twenty = `P${"9".repeat(18)}D`;
    const twentyOne = `P${"9".repeat(19)}D`;
    expect(twenty).toHaveLength(20);
    expect(twentyOne).toHaveLength(21);
    expect(problemsOf(recurring({ processingStartOffset: twenty }))).toEqual([]);
    expect(problemsOf(recurring({ processingStartOffset: twentyOne }))).toEqual([
      p("processingStartOffset", "max_length"),
    ]);
    // 21 characters that are not even a duration: still only the length is reported.
    expect(problemsOf(recurring({ processingStartOffset: "x".repeat(21) }))).toEqual([
      p("processingStartOffset", "max_length"),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Target type × aggregation type, written out literally
// ---------------------------------------------------------------------------------------------

const OK = "valid";
const AGG_NEEDS_OWNER = "aggregation_requires_company_as_owner";
const NO_COMPANY_NEEDS_ABC = "no_company_requires_aggregate_by_customer";
type Verdict = typeof OK | Problem[];

/** Every (target, aggregation) pair, with companies listed so only the combination rules matter. */
const COMBINATIONS: Record<AssignmentTargetType, Record<BillAggregationType, Verdict>> = {
  CompanyAsOwner: {
    OnePerReservation: OK,
    AggregateByCustomer: OK,
    AggregateAll: OK,
    AggregatePerReservationGroup: OK,
  },
  CompanyAsDetails: {
    OnePerReservation: [p("assignmentTargetType", AGG_NEEDS_OWNER)],
    AggregateByCustomer: OK,
    AggregateAll: [p("assignmentTargetType", AGG_NEEDS_OWNER)],
    AggregatePerReservationGroup: [p("assignmentTargetType", AGG_NEEDS_OWNER)],
  },
  NoCompany: {
    OnePerReservation: [p("assignmentTargetType", AGG_NEEDS_OWNER), p("billAggregationType", NO_COMPANY_NEEDS_ABC)],
    AggregateByCustomer: OK,
    AggregateAll: [p("assignmentTargetType", AGG_NEEDS_OWNER), p("billAggregationType", NO_COMPANY_NEEDS_ABC)],
    AggregatePerReservationGroup: [
      p("assignmentTargetType", AGG_NEEDS_OWNER),
      p("billAggregationType", NO_COMPANY_NEEDS_ABC),
    ],
  },
};

describe("target type × aggregation type", () => {
  const cells = ASSIGNMENT_TARGET_TYPES.flatMap((target) =>
    BILL_AGGREGATION_TYPES.map((aggregation) => ({ target, aggregation, verdict: COMBINATIONS[target][aggregation] })),
  );

  it("covers all 12 combinations, 6 of them valid", () => {
    expect(cells).toHaveLength(12);
    expect(cells.filter((c) => c.verdict === OK)).toHaveLength(6);
  });

  it.each(cells)("$target × $aggregation", ({ target, aggregation, verdict }) => {
    const a = automation({ assignmentTargetType: target, billAggregationType: aggregation });
    expect(problemsOf(a)).toEqual(verdict === OK ? [] : verdict);
    // The shared schema gives the same verdict: the same rules at the same paths.
    expect(sortRules(zodRulesOf(zAutomationInput, asInput(a)))).toEqual(verdict === OK ? [] : verdict);
  });
});

// ---------------------------------------------------------------------------------------------
// Every problem at once
// ---------------------------------------------------------------------------------------------

describe("checkAutomation reports every problem at once", () => {
  it("lists every broken rule of a thoroughly broken automation", () => {
    const a: AutomationFields = {
      name: "x".repeat(256),
      description: "d".repeat(1001),
      companies: [company(COMPANY_A, false, false), company(COMPANY_A)],
      prepayment: "Prepaid",
      assignmentTargetType: "NoCompany",
      triggerType: "Recurring",
      billAggregationType: "AggregateAll",
      processingStartOffset: "every day",
      orderItemConsumptionPeriod: null,
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, rateIds: guids(101) }),
        assignment({
          productIds: [guid(1), guid(1)],
          productCategoryIds: guids(101),
          accountingCategoryAssignments: Array.from({ length: 101 }, (_, i) => category(i + 1)),
        }),
        ...Array.from({ length: 19 }, () => assignment()),
      ],
    };
    expect(problemsOf(a)).toEqual(
      sortRules([
        p("name", "max_length"),
        p("description", "max_length"),
        p("billAggregationType", NO_COMPANY_NEEDS_ABC),
        p("assignmentTargetType", AGG_NEEDS_OWNER),
        p("companies[0].relations", "relation_required"),
        p("companies[1].companyId", "duplicate_company"),
        p("orderItemConsumptionPeriod", "required_for_recurring"),
        p("processingStartOffset", "iso_duration"),
        p("assignments", "max_items"),
        p("assignments[0].rateIds", "max_items"),
        p("assignments[0].routedItemTypes", "routes_nothing"),
        p("assignments[1].productIds", "duplicate_id"),
        p("assignments[1].productCategoryIds", "max_items"),
        p("assignments[1].accountingCategoryAssignments", "max_items"),
      ]),
    );
  });

  it("reports a missing name and missing companies together", () => {
    expect(problemsOf(automation({ name: "", companies: [] }))).toEqual([
      p("companies", "companies_required"),
      p("name", "required"),
    ]);
  });

  it("the schema reports them all too, each rule and message at the rule's path", () => {
    const a = automation({
      name: "  ",
      companies: [],
      triggerType: "Recurring",
      assignments: [assignment({ routedItemTypes: NO_FLAGS })],
    });
    const issues = issuesOf(zAutomationInput, asInput(a));
    const expected = checkAutomation(a);
    expect(expected).toHaveLength(5);
    expect(issues.map((i) => ({ path: i.path.join("."), rule: i.rule, message: i.message }))).toEqual(
      expected.map((x) => ({ path: x.path.replace(/\[(\d+)\]/g, ".$1"), rule: x.rule, message: x.message })),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Every documented limit, at its edge and one past it: checkAutomation
// ---------------------------------------------------------------------------------------------

interface LimitCase {
  name: string;
  atLimit: AutomationFields;
  pastLimit: AutomationFields;
  problem: Problem;
  /** The schema issue path, dot-joined. */
  schemaPath: string;
}

const manyCompanies = (n: number) => guids(n, 0x10000).map((id) => company(id));
const manyCategories = (n: number) => Array.from({ length: n }, (_, i) => category(0x20000 + i));

const LIMIT_CASES: LimitCase[] = [
  {
    name: "name 255/256 characters",
    atLimit: automation({ name: "n".repeat(255) }),
    pastLimit: automation({ name: "n".repeat(256) }),
    problem: p("name", "max_length"),
    schemaPath: "name",
  },
  {
    name: "description 1000/1001 characters",
    atLimit: automation({ description: "d".repeat(1000) }),
    pastLimit: automation({ description: "d".repeat(1001) }),
    problem: p("description", "max_length"),
    schemaPath: "description",
  },
  {
    name: "companies 1000/1001",
    atLimit: automation({ companies: manyCompanies(1000) }),
    pastLimit: automation({ companies: manyCompanies(1001) }),
    problem: p("companies", "max_items"),
    schemaPath: "companies",
  },
  {
    name: "assignments 20/21",
    atLimit: automation({ assignments: Array.from({ length: 20 }, () => assignment()) }),
    pastLimit: automation({ assignments: Array.from({ length: 21 }, () => assignment()) }),
    problem: p("assignments", "max_items"),
    schemaPath: "assignments",
  },
  {
    name: "rateIds 100/101",
    atLimit: automation({ assignments: [assignment({ rateIds: guids(100) })] }),
    pastLimit: automation({ assignments: [assignment({ rateIds: guids(101) })] }),
    problem: p("assignments[0].rateIds", "max_items"),
    schemaPath: "assignments.0.rateIds",
  },
  {
    name: "productCategoryIds 100/101",
    atLimit: automation({ assignments: [assignment({ productCategoryIds: guids(100) })] }),
    pastLimit: automation({ assignments: [assignment({ productCategoryIds: guids(101) })] }),
    problem: p("assignments[0].productCategoryIds", "max_items"),
    schemaPath: "assignments.0.productCategoryIds",
  },
  {
    name: "productIds 100/101",
    atLimit: automation({ assignments: [assignment({ productIds: guids(100) })] }),
    pastLimit: automation({ assignments: [assignment({ productIds: guids(101) })] }),
    problem: p("assignments[0].productIds", "max_items"),
    schemaPath: "assignments.0.productIds",
  },
  {
    name: "accounting categories 100/101",
    atLimit: automation({ assignments: [assignment({ accountingCategoryAssignments: manyCategories(100) })] }),
    pastLimit: automation({ assignments: [assignment({ accountingCategoryAssignments: manyCategories(101) })] }),
    problem: p("assignments[0].accountingCategoryAssignments", "max_items"),
    schemaPath: "assignments.0.accountingCategoryAssignments",
  },
  {
    name: "processing start offset 20/21 characters",
    atLimit: recurring({ processingStartOffset: `P${"1".repeat(18)}D` }),
    pastLimit: recurring({ processingStartOffset: `P${"1".repeat(19)}D` }),
    problem: p("processingStartOffset", "max_length"),
    schemaPath: "processingStartOffset",
  },
];

describe("every documented limit at its edge and one past it", () => {
  it.each(LIMIT_CASES)("checkAutomation: $name", ({ atLimit, pastLimit, problem }) => {
    expect(problemsOf(atLimit)).toEqual([]);
    expect(problemsOf(pastLimit)).toEqual([problem]);
  });

  it.each(LIMIT_CASES)("zAutomationInput: $name", ({ atLimit, pastLimit, schemaPath }) => {
    expect(issuesOf(zAutomationInput, asInput(atLimit))).toEqual([]);
    const issues = issuesOf(zAutomationInput, asInput(pastLimit));
    expect(issues.length).toBeGreaterThan(0);
    // Every issue is about the field past its limit, and nothing else.
    expect(new Set(pathsOf(issues))).toEqual(new Set([schemaPath]));
  });
});

// ---------------------------------------------------------------------------------------------
// Limits through the other schemas
// ---------------------------------------------------------------------------------------------

const VALID_INPUT = asInput(automation());
const AUTOMATION_ID = guid(0xa0);

interface SchemaLimitCase {
  name: string;
  schema: z.ZodType;
  accepted: unknown[];
  refused: { input: unknown; path: string }[];
}

const assignmentInput = () => ({ serviceId: SERVICE, routedItemTypes: flags({ cityTax: true }) });

const SCHEMA_LIMIT_CASES: SchemaLimitCase[] = [
  {
    name: "addAutomationsInput: batch 1..100",
    schema: addAutomationsInput,
    accepted: [{ automations: [VALID_INPUT] }, { automations: Array.from({ length: 100 }, () => VALID_INPUT) }],
    refused: [
      { input: { automations: [] }, path: "automations" },
      { input: { automations: Array.from({ length: 101 }, () => VALID_INPUT) }, path: "automations" },
    ],
  },
  {
    name: "addAutomationsInput: the failing item is named by its index",
    schema: addAutomationsInput,
    accepted: [],
    refused: [
      {
        input: { automations: [VALID_INPUT, VALID_INPUT, { ...VALID_INPUT, companies: [] }] },
        path: "automations.2.companies",
      },
    ],
  },
  {
    name: "updateAutomationsInput: batch 1..100",
    schema: updateAutomationsInput,
    accepted: [{ updates: guids(100).map((automationId) => ({ automationId, name: "n" })) }],
    refused: [
      { input: { updates: [] }, path: "updates" },
      { input: { updates: guids(101).map((automationId) => ({ automationId })) }, path: "updates" },
    ],
  },
  {
    name: "zAutomationUpdate: name 255/256, description 1000/1001, companies 1000/1001, offset 20/21",
    schema: zAutomationUpdate,
    accepted: [
      { automationId: AUTOMATION_ID, name: "n".repeat(255) },
      { automationId: AUTOMATION_ID, description: "d".repeat(1000) },
      { automationId: AUTOMATION_ID, companies: manyCompanies(1000) },
      { automationId: AUTOMATION_ID, processingStartOffset: `${"P".padEnd(19, "1")}D` },
    ],
    refused: [
      { input: { automationId: AUTOMATION_ID, name: "n".repeat(256) }, path: "name" },
      { input: { automationId: AUTOMATION_ID, name: "" }, path: "name" },
      { input: { automationId: AUTOMATION_ID, description: "d".repeat(1001) }, path: "description" },
      { input: { automationId: AUTOMATION_ID, companies: manyCompanies(1001) }, path: "companies" },
      {
        input: { automationId: AUTOMATION_ID, processingStartOffset: `${"P".padEnd(20, "1")}D` },
        path: "processingStartOffset",
      },
    ],
  },
  {
    name: "getAllAutomationsInput: count 1..1000",
    schema: getAllAutomationsInput,
    accepted: [
      { limitation: { count: 1 } },
      { limitation: { count: 1000 } },
      { limitation: { count: 10, cursor: guid(1) } },
    ],
    refused: [
      { input: { limitation: { count: 0 } }, path: "limitation.count" },
      { input: { limitation: { count: 1001 } }, path: "limitation.count" },
      { input: { limitation: { count: 1.5 } }, path: "limitation.count" },
      { input: { limitation: { count: -1 } }, path: "limitation.count" },
      { input: {}, path: "limitation" },
    ],
  },
  {
    name: "getAllAutomationsInput: enterprise ids 1000/1001",
    schema: getAllAutomationsInput,
    accepted: [{ limitation: { count: 1 }, enterpriseIds: guids(1000) }],
    refused: [{ input: { limitation: { count: 1 }, enterpriseIds: guids(1001) }, path: "enterpriseIds" }],
  },
  {
    name: "getAllAutomationsInput: company ids 100/101",
    schema: getAllAutomationsInput,
    accepted: [{ limitation: { count: 1 }, companyIds: guids(100) }],
    refused: [{ input: { limitation: { count: 1 }, companyIds: guids(101) }, path: "companyIds" }],
  },
  {
    name: "getAllAutomationsInput: automation ids 100/101",
    schema: getAllAutomationsInput,
    accepted: [{ limitation: { count: 1 }, automationIds: guids(100) }],
    refused: [{ input: { limitation: { count: 1 }, automationIds: guids(101) }, path: "automationIds" }],
  },
  {
    name: "updateAssignmentsInput: add 20/21",
    schema: updateAssignmentsInput,
    accepted: [{ automationId: AUTOMATION_ID, assignmentsToAdd: Array.from({ length: 20 }, assignmentInput) }],
    refused: [
      {
        input: { automationId: AUTOMATION_ID, assignmentsToAdd: Array.from({ length: 21 }, assignmentInput) },
        path: "assignmentsToAdd",
      },
    ],
  },
  {
    name: "updateAssignmentsInput: update 20/21",
    schema: updateAssignmentsInput,
    accepted: [{ automationId: AUTOMATION_ID, assignmentsToUpdate: guids(20).map((id) => ({ id })) }],
    refused: [
      {
        input: { automationId: AUTOMATION_ID, assignmentsToUpdate: guids(21).map((id) => ({ id })) },
        path: "assignmentsToUpdate",
      },
    ],
  },
  {
    name: "updateAssignmentsInput: remove 100/101",
    schema: updateAssignmentsInput,
    accepted: [{ automationId: AUTOMATION_ID, assignmentIdsToRemove: guids(100) }],
    refused: [
      { input: { automationId: AUTOMATION_ID, assignmentIdsToRemove: guids(101) }, path: "assignmentIdsToRemove" },
    ],
  },
  {
    name: "updateAssignmentsInput: condition lists 100/101 on added and updated assignments",
    schema: updateAssignmentsInput,
    accepted: [
      {
        automationId: AUTOMATION_ID,
        assignmentsToAdd: [
          { ...assignmentInput(), rateIds: guids(100), productIds: guids(100), productCategoryIds: guids(100) },
        ],
        assignmentsToUpdate: [{ id: guid(1), accountingCategoryAssignments: manyCategories(100) }],
      },
    ],
    refused: [
      {
        input: { automationId: AUTOMATION_ID, assignmentsToAdd: [{ ...assignmentInput(), rateIds: guids(101) }] },
        path: "assignmentsToAdd.0.rateIds",
      },
      {
        input: {
          automationId: AUTOMATION_ID,
          assignmentsToAdd: [{ ...assignmentInput(), accountingCategoryAssignments: manyCategories(101) }],
        },
        path: "assignmentsToAdd.0.accountingCategoryAssignments",
      },
      {
        input: { automationId: AUTOMATION_ID, assignmentsToUpdate: [{ id: guid(1), productIds: guids(101) }] },
        path: "assignmentsToUpdate.0.productIds",
      },
      {
        input: { automationId: AUTOMATION_ID, assignmentsToUpdate: [{ id: guid(1), productCategoryIds: guids(101) }] },
        path: "assignmentsToUpdate.0.productCategoryIds",
      },
    ],
  },
  {
    name: "deleteAutomationsInput: 1..100",
    schema: deleteAutomationsInput,
    accepted: [{ automationIds: guids(1) }, { automationIds: guids(100) }],
    refused: [
      { input: { automationIds: [] }, path: "automationIds" },
      { input: { automationIds: guids(101) }, path: "automationIds" },
      { input: {}, path: "automationIds" },
    ],
  },
];

describe("limits through the zod schemas", () => {
  it.each(SCHEMA_LIMIT_CASES)("$name", ({ schema, accepted, refused }) => {
    for (const input of accepted) expect(issuesOf(schema, input)).toEqual([]);
    for (const { input, path } of refused) {
      const issues = issuesOf(schema, input);
      expect(issues.length, JSON.stringify(input).slice(0, 200)).toBeGreaterThan(0);
      expect(new Set(pathsOf(issues))).toEqual(new Set([path]));
    }
  });

  it("zAutomationInput fills the defaults of a minimal automation", () => {
    const minimal = {
      name: "Minimal",
      prepayment: "All",
      assignmentTargetType: "NoCompany",
      triggerType: "Continuous",
      billAggregationType: "AggregateByCustomer",
      assignments: [{ serviceId: SERVICE, routedItemTypes: flags({ deposits: true }) }],
    };
    expect(zAutomationInput.parse(minimal)).toEqual({
      ...minimal,
      description: null,
      companies: [],
      processingStartOffset: null,
      orderItemConsumptionPeriod: null,
      assignments: [
        {
          serviceId: SERVICE,
          routedItemTypes: flags({ deposits: true }),
          rateIds: [],
          productCategoryIds: [],
          productIds: [],
          accountingCategoryAssignments: [],
        },
      ],
    });
  });

  it("zAutomationInput refuses CompanyAsOwner when companies are left out (the default is empty)", () => {
    const { companies: _c, ...rest } = VALID_INPUT;
    expect(zodRulesOf(zAutomationInput, rest)).toEqual([{ path: "companies", rule: "companies_required" }]);
  });

  it("a company GUID repeated in another letter case is the same company (stored as one uuid)", () => {
    const upper = COMPANY_A.toUpperCase();
    const input = asInput(automation({ companies: [company(COMPANY_A), company(upper)] }));
    expect(zodRulesOf(zAutomationInput, input)).toEqual([
      { path: "companies[1].companyId", rule: "duplicate_company" },
    ]);
  });

  it("GUIDs are read in any letter case and come out in lower case", () => {
    const input = asInput(
      automation({
        companies: [company(COMPANY_A.toUpperCase())],
        assignments: [assignment({ serviceId: SERVICE.toUpperCase(), rateIds: [guid(0xabc).toUpperCase()] })],
      }),
    );
    const out = zAutomationInput.parse(input);
    expect(out.companies[0]?.companyId).toBe(COMPANY_A);
    expect(out.assignments[0]?.serviceId).toBe(SERVICE);
    expect(out.assignments[0]?.rateIds).toEqual([guid(0xabc)]);
  });
});

// ---------------------------------------------------------------------------------------------
// mergeAutomation and zAutomationUpdate
// ---------------------------------------------------------------------------------------------

describe("mergeAutomation: only the fields sent change", () => {
  const current = recurring({
    name: "Current",
    description: "Current description",
    prepayment: "Prepaid",
    companies: [company(COMPANY_A), company(COMPANY_B, false, true)],
    orderItemConsumptionPeriod: "SameMonth",
    processingStartOffset: "P2D",
  });

  interface MergeCase {
    name: string;
    patch: AutomationPatch;
    changed: Partial<AutomationFields>;
  }

  const MERGE_CASES: MergeCase[] = [
    { name: "an empty patch changes nothing", patch: {}, changed: {} },
    {
      name: "undefined fields are not sent",
      patch: { name: undefined, description: undefined, processingStartOffset: undefined },
      changed: {},
    },
    { name: "name", patch: { name: "Renamed" }, changed: { name: "Renamed" } },
    { name: "description", patch: { description: "New" }, changed: { description: "New" } },
    { name: "null clears the description", patch: { description: null }, changed: { description: null } },
    {
      name: "null clears the offset",
      patch: { processingStartOffset: null },
      changed: { processingStartOffset: null },
    },
    {
      name: "null clears the consumption period",
      patch: { orderItemConsumptionPeriod: null },
      changed: { orderItemConsumptionPeriod: null },
    },
    {
      name: "companies are replaced as a whole",
      patch: { companies: [company(COMPANY_B)] },
      changed: { companies: [company(COMPANY_B)] },
    },
    { name: "an empty company list is sent, not ignored", patch: { companies: [] }, changed: { companies: [] } },
    { name: "prepayment", patch: { prepayment: "All" }, changed: { prepayment: "All" } },
    {
      name: "target and aggregation together",
      patch: { assignmentTargetType: "CompanyAsDetails", billAggregationType: "AggregateByCustomer" },
      changed: { assignmentTargetType: "CompanyAsDetails", billAggregationType: "AggregateByCustomer" },
    },
    {
      name: "period and offset",
      patch: { orderItemConsumptionPeriod: "MonthAfter", processingStartOffset: "PT6H" },
      changed: { orderItemConsumptionPeriod: "MonthAfter", processingStartOffset: "PT6H" },
    },
  ];

  it.each(MERGE_CASES)("$name", ({ patch, changed }) => {
    const before = structuredClone(current);
    const next = mergeAutomation(current, patch);
    expect(next).toEqual({ ...current, ...changed });
    expect(current).toEqual(before);
  });

  it("an empty patch returns an equal copy, not the same object", () => {
    const next = mergeAutomation(current, {});
    expect(next).toEqual(current);
    expect(next).not.toBe(current);
  });

  it("keeps fields the patch type does not know (ids, version) as they were", () => {
    const stored = { ...current, id: AUTOMATION_ID, version: 7 };
    expect(mergeAutomation(stored, { name: "x" })).toEqual({ ...stored, name: "x" });
  });

  it("the merged result is what the rules check", () => {
    // Each half of this change is valid alone; together with the stored aggregation it is not.
    const a = automation({ billAggregationType: "AggregateAll" });
    expect(problemsOf(mergeAutomation(a, { assignmentTargetType: "NoCompany" }))).toEqual([
      p("assignmentTargetType", AGG_NEEDS_OWNER),
      p("billAggregationType", NO_COMPANY_NEEDS_ABC),
    ]);
    expect(
      problemsOf(mergeAutomation(a, { assignmentTargetType: "NoCompany", billAggregationType: "AggregateByCustomer" })),
    ).toEqual([]);
    // Clearing the offset of a Recurring automation.
    expect(problemsOf(mergeAutomation(recurring(), { processingStartOffset: null }))).toEqual([
      p("processingStartOffset", "required_for_recurring"),
    ]);
    // Emptying the companies of a CompanyAsOwner automation.
    expect(problemsOf(mergeAutomation(a, { companies: [] }))).toEqual([p("companies", "companies_required")]);
  });
});

describe("zAutomationUpdate", () => {
  it("accepts an update with only the id", () => {
    expect(zAutomationUpdate.parse({ automationId: AUTOMATION_ID })).toEqual({ automationId: AUTOMATION_ID });
  });

  it("keeps null (clear) apart from absent (unchanged)", () => {
    expect(
      zAutomationUpdate.parse({
        automationId: AUTOMATION_ID,
        description: null,
        processingStartOffset: null,
        orderItemConsumptionPeriod: null,
      }),
    ).toEqual({
      automationId: AUTOMATION_ID,
      description: null,
      processingStartOffset: null,
      orderItemConsumptionPeriod: null,
    });
  });

  it("refuses a null name (a name cannot be cleared)", () => {
    expect(pathsOf(issuesOf(zAutomationUpdate, { automationId: AUTOMATION_ID, name: null }))).toEqual(["name"]);
  });

  it.each([["Continuous"], ["Recurring"], ["Legacy"], [null], [0], [{ value: "Recurring" }]])(
    "refuses triggerType %j with rule trigger_type_fixed",
    (triggerType) => {
      const issues = issuesOf(zAutomationUpdate, { automationId: AUTOMATION_ID, triggerType });
      expect(issues).toHaveLength(1);
      expect(issues[0]?.path).toEqual(["triggerType"]);
      expect(issues[0]?.rule).toBe("trigger_type_fixed");
    },
  );

  it("refuses unknown fields and a bad automation id", () => {
    expect(pathsOf(issuesOf(zAutomationUpdate, { automationId: "nope" }))).toEqual(["automationId"]);
    expect(issuesOf(zAutomationUpdate, { automationId: AUTOMATION_ID, assignments: [] })).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// applyAssignmentChanges
// ---------------------------------------------------------------------------------------------

describe("applyAssignmentChanges", () => {
  const A = guid(0xaa01);
  const B = guid(0xaa02);
  const C = guid(0xaa03);
  const UNKNOWN = guid(0xdead);
  const withId = (id: string, overrides: Partial<Omit<AutomationAssignment, "id">> = {}): AutomationAssignment => ({
    id,
    ...assignment(overrides),
  });
  const current = (): AutomationAssignment[] => [
    withId(A, { rateIds: [guid(1)] }),
    withId(B, { routedItemTypes: flags({ cityTax: true, deposits: true }) }),
    withId(C, { productIds: [guid(2)], routedItemTypes: NO_FLAGS }),
  ];
  function ids(...list: string[]) {
    let i = 0;
    return () => list[i++] ?? "no more ids";
  }

  it("adds, updates and removes in one call", () => {
    const before = current();
    const snapshot = structuredClone(before);
    const NEW = guid(0xbb01);
    const added = assignment({ routedItemTypes: flags({ allCustomItems: true }) });
    const r = applyAssignmentChanges(
      before,
      { add: [added], update: [{ id: C, productIds: [guid(3)], rateIds: [guid(4)] }], remove: [B] },
      ids(NEW),
    );
    expect(r.problems).toEqual([]);
    expect(r.assignments).toEqual([
      withId(A, { rateIds: [guid(1)] }),
      withId(C, { productIds: [guid(3)], rateIds: [guid(4)], routedItemTypes: NO_FLAGS }),
      { ...added, id: NEW },
    ]);
    expect(before).toEqual(snapshot);
  });

  it("no changes give the same assignments", () => {
    expect(applyAssignmentChanges(current(), {}, ids())).toEqual({ assignments: current(), problems: [] });
  });

  it("gives each added assignment a fresh id, in order", () => {
    const r = applyAssignmentChanges(
      [],
      { add: [assignment(), assignment({ serviceId: guid(9) })] },
      ids(guid(0xf1), guid(0xf2)),
    );
    expect(r.assignments.map((a) => [a.id, a.serviceId])).toEqual([
      [guid(0xf1), SERVICE],
      [guid(0xf2), guid(9)],
    ]);
  });

  interface FlagCase {
    name: string;
    patch: Partial<RoutedItemTypes>;
    result: RoutedItemTypes;
  }
  /** B starts with cityTax and deposits on. */
  const FLAG_CASES: FlagCase[] = [
    {
      name: "one flag on",
      patch: { spaceOrder: true },
      result: flags({ spaceOrder: true, cityTax: true, deposits: true }),
    },
    { name: "one flag off", patch: { cityTax: false }, result: flags({ deposits: true }) },
    {
      name: "one on, one off",
      patch: { deposits: false, allProducts: true },
      result: flags({ cityTax: true, allProducts: true }),
    },
    {
      name: "a flag set to its current value",
      patch: { cityTax: true },
      result: flags({ cityTax: true, deposits: true }),
    },
    { name: "no flags sent", patch: {}, result: flags({ cityTax: true, deposits: true }) },
    {
      name: "all six sent",
      patch: {
        spaceOrder: true,
        cityTax: false,
        allProducts: true,
        deposits: false,
        additionalExpenses: true,
        allCustomItems: true,
      },
      result: {
        spaceOrder: true,
        cityTax: false,
        allProducts: true,
        deposits: false,
        additionalExpenses: true,
        allCustomItems: true,
      },
    },
  ];

  it.each(FLAG_CASES)("merges routed item types flag by flag: $name", ({ patch, result }) => {
    const r = applyAssignmentChanges(current(), { update: [{ id: B, routedItemTypes: patch }] }, ids());
    expect(r.problems).toEqual([]);
    expect(r.assignments.find((a) => a.id === B)?.routedItemTypes).toEqual(result);
    // The other assignments are untouched.
    expect(r.assignments.filter((a) => a.id !== B)).toEqual(current().filter((a) => a.id !== B));
  });

  it("changes only the condition lists sent; an empty list clears one", () => {
    const r = applyAssignmentChanges(
      current(),
      { update: [{ id: A, rateIds: [], productCategoryIds: [guid(5)], productIds: undefined }] },
      ids(),
    );
    expect(r.assignments[0]).toEqual(withId(A, { rateIds: [], productCategoryIds: [guid(5)] }));
  });

  it("replaces accounting categories as a whole", () => {
    const r = applyAssignmentChanges(
      current(),
      { update: [{ id: C, accountingCategoryAssignments: [category(8, false, true)] }] },
      ids(),
    );
    expect(r.assignments[2]?.accountingCategoryAssignments).toEqual([category(8, false, true)]);
    expect(r.assignments[2]?.productIds).toEqual([guid(2)]);
  });

  it("reports unknown ids with their paths and rule, and still applies the rest", () => {
    const changes: AssignmentChanges = {
      remove: [A, UNKNOWN, guid(0xdeaf)],
      update: [
        { id: B, routedItemTypes: { spaceOrder: true } },
        { id: UNKNOWN, rateIds: [] },
      ],
    };
    const r = applyAssignmentChanges(current(), changes, ids());
    expect(r.problems.map(({ path, rule }) => ({ path, rule }))).toEqual([
      p("assignmentIdsToRemove[1]", "unknown_assignment"),
      p("assignmentIdsToRemove[2]", "unknown_assignment"),
      p("assignmentsToUpdate[1].id", "unknown_assignment"),
    ]);
    expect(r.problems[0]?.message).toContain(UNKNOWN);
    expect(r.assignments.map((a) => a.id)).toEqual([B, C]);
  });

  it("an assignment removed in the same call cannot be updated", () => {
    const r = applyAssignmentChanges(current(), { remove: [A], update: [{ id: A, rateIds: [] }] }, ids());
    expect(r.problems.map(({ path, rule }) => ({ path, rule }))).toEqual([
      p("assignmentsToUpdate[0].id", "unknown_assignment"),
    ]);
    expect(r.assignments.map((a) => a.id)).toEqual([B, C]);
  });

  it("the same id removed twice is unknown the second time", () => {
    const r = applyAssignmentChanges(current(), { remove: [C, C] }, ids());
    expect(r.problems.map(({ path, rule }) => ({ path, rule }))).toEqual([
      p("assignmentIdsToRemove[1]", "unknown_assignment"),
    ]);
  });

  it("the merged list is checked by checkAutomation (at most 20, every assignment routes something)", () => {
    const twenty = Array.from({ length: 20 }, (_, i) => withId(guid(0xc000 + i)));
    const r = applyAssignmentChanges(twenty, { add: [assignment()] }, ids(guid(0xcfff)));
    expect(r.assignments).toHaveLength(21);
    expect(problemsOf(automation({ assignments: r.assignments }))).toEqual([p("assignments", "max_items")]);
    const off = applyAssignmentChanges(
      current(),
      { update: [{ id: A, routedItemTypes: { spaceOrder: false } }] },
      ids(),
    );
    expect(problemsOf(automation({ assignments: off.assignments }))).toEqual([
      p("assignments[0].routedItemTypes", "routes_nothing"),
    ]);
  });
});
