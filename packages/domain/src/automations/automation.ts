import type { FieldIssue } from "../errors.ts";

/** Mews billing automations (seed 001): enums, limits and the cross-field rules. */

export const PREPAYMENT_TYPES = ["All", "Prepaid"] as const;
export type Prepayment = (typeof PREPAYMENT_TYPES)[number];

export const ASSIGNMENT_TARGET_TYPES = ["CompanyAsDetails", "CompanyAsOwner", "NoCompany"] as const;
export type AssignmentTargetType = (typeof ASSIGNMENT_TARGET_TYPES)[number];

export const TRIGGER_TYPES = ["Continuous", "Recurring", "Legacy"] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const BILL_AGGREGATION_TYPES = [
  "OnePerReservation",
  "AggregateByCustomer",
  "AggregateAll",
  "AggregatePerReservationGroup",
] as const;
export type BillAggregationType = (typeof BILL_AGGREGATION_TYPES)[number];

export const CONSUMPTION_PERIODS = [
  "MonthBefore",
  "SameMonthAndMonthBefore",
  "SameMonth",
  "SameMonthAndMonthAfter",
  "MonthAfter",
] as const;
export type ConsumptionPeriod = (typeof CONSUMPTION_PERIODS)[number];

export const ROUTED_ITEM_TYPE_KEYS = [
  "spaceOrder",
  "cityTax",
  "allProducts",
  "deposits",
  "additionalExpenses",
  "allCustomItems",
] as const;
export type RoutedItemTypes = Record<(typeof ROUTED_ITEM_TYPE_KEYS)[number], boolean>;

export const COMPANY_RELATIONS = ["partnerCompany", "travelAgency"] as const;
export type CompanyRelation = (typeof COMPANY_RELATIONS)[number];

/** Every documented limit, in one place. */
export const AUTOMATION_LIMITS = {
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
} as const;

export interface CompanyWithRelations {
  companyId: string;
  relations: Record<CompanyRelation, boolean>;
}

export interface AccountingCategoryAssignment {
  accountingCategoryId: string;
  itemTypes: { products: boolean; customItems: boolean };
}

export interface AutomationAssignment {
  id: string;
  serviceId: string;
  routedItemTypes: RoutedItemTypes;
  rateIds: string[];
  productCategoryIds: string[];
  productIds: string[];
  accountingCategoryAssignments: AccountingCategoryAssignment[];
}

/** The fields the rules look at (ids and times aside). */
export interface AutomationFields {
  name: string;
  description: string | null;
  companies: CompanyWithRelations[];
  prepayment: Prepayment;
  assignmentTargetType: AssignmentTargetType;
  triggerType: TriggerType;
  billAggregationType: BillAggregationType;
  processingStartOffset: string | null;
  orderItemConsumptionPeriod: ConsumptionPeriod | null;
  assignments: Omit<AutomationAssignment, "id">[];
}

/** Each bill aggregation in words, for the rule messages. */
const AGGREGATION_WORDS: Record<BillAggregationType, string> = {
  OnePerReservation: "One bill per reservation",
  AggregateByCustomer: "Aggregating by customer",
  AggregateAll: "Aggregating all items on one bill",
  AggregatePerReservationGroup: "One bill per reservation group",
};

/** ISO 8601 duration, e.g. P1D or P0M5DT2H; Mews' processing start offset. */
export const ISO_DURATION_RE = /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

/**
 * Which rules apply: `holdfast` (the first-party API and the dashboard) is
 * every rule below; `mews` (the Mews compatibility routes) is only what Mews
 * documents: it leaves out HOLDFAST_ONLY_RULES, and treats the fields Mews
 * calls "applicable only" to Recurring automations as not sent on the others.
 */
export type AutomationRuleSet = "holdfast" | "mews";

/** Holdfast's own rules, which Mews does not document: only the `holdfast` rule set has them. */
export const HOLDFAST_ONLY_RULES: ReadonlySet<string> = new Set(["relation_required", "routes_nothing"]);

/** The automation with the Recurring-only fields (processing start offset, consumption period) cleared unless it is Recurring. */
export function withoutNotApplicable<A extends AutomationFields>(a: A): A {
  if (a.triggerType === "Recurring") return a;
  return { ...a, processingStartOffset: null, orderItemConsumptionPeriod: null };
}

/**
 * Every rule an automation must meet, on create and on the merged result of
 * every update. Returns every problem found, not just the first. Paths are
 * relative to the automation (the caller prefixes the batch index). Messages
 * are written for people; the rule code names the rule for support and code
 * (the Mews routes answer in Mews' enum names instead, by rule code).
 */
export function checkAutomation(fields: AutomationFields, rules: AutomationRuleSet = "holdfast"): FieldIssue[] {
  const problems: FieldIssue[] = [];
  const a = rules === "mews" ? withoutNotApplicable(fields) : fields;
  const add = (path: string, rule: string, message: string) => {
    if (rules === "mews" && HOLDFAST_ONLY_RULES.has(rule)) return;
    problems.push({ path, rule, message });
  };
  const L = AUTOMATION_LIMITS;

  if (a.name.trim().length === 0) add("name", "required", "Give the automation a name");
  if (a.name.length > L.nameLength) add("name", "max_length", `name must be at most ${L.nameLength} characters`);
  if (a.description !== null && a.description.length > L.descriptionLength) {
    add("description", "max_length", `description must be at most ${L.descriptionLength} characters`);
  }

  if (a.assignmentTargetType === "NoCompany" && a.billAggregationType !== "AggregateByCustomer") {
    add(
      "billAggregationType",
      "no_company_requires_aggregate_by_customer",
      "Without a company, items can only be aggregated by customer",
    );
  }
  if (a.billAggregationType !== "AggregateByCustomer" && a.assignmentTargetType !== "CompanyAsOwner") {
    add(
      "assignmentTargetType",
      "aggregation_requires_company_as_owner",
      `${AGGREGATION_WORDS[a.billAggregationType]} needs the company as the bill owner`,
    );
  }
  if (a.companies.length === 0 && a.assignmentTargetType === "CompanyAsOwner") {
    add("companies", "companies_required", "Choose at least one company: the company owns the bill");
  }
  if (a.companies.length > L.companies) add("companies", "max_items", `at most ${L.companies} companies`);
  const seenCompanies = new Set<string>();
  a.companies.forEach((c, i) => {
    if (seenCompanies.has(c.companyId))
      add(`companies[${i}].companyId`, "duplicate_company", "This company is listed twice");
    seenCompanies.add(c.companyId);
    if (!c.relations.partnerCompany && !c.relations.travelAgency) {
      add(
        `companies[${i}].relations`,
        "relation_required",
        "Say how the company relates: partner company, travel agency, or both",
      );
    }
  });

  if (a.triggerType === "Recurring") {
    if (a.orderItemConsumptionPeriod === null) {
      add("orderItemConsumptionPeriod", "required_for_recurring", "A recurring automation needs a consumption period");
    }
    if (a.processingStartOffset === null) {
      add("processingStartOffset", "required_for_recurring", "A recurring automation needs a processing start offset");
    }
  } else {
    if (a.orderItemConsumptionPeriod !== null) {
      add("orderItemConsumptionPeriod", "only_for_recurring", "Only a recurring automation has a consumption period");
    }
    if (a.processingStartOffset !== null) {
      add("processingStartOffset", "only_for_recurring", "Only a recurring automation has a processing start offset");
    }
  }
  if (a.processingStartOffset !== null) {
    if (a.processingStartOffset.length > L.processingStartOffsetLength) {
      add("processingStartOffset", "max_length", `at most ${L.processingStartOffsetLength} characters`);
    } else if (!ISO_DURATION_RE.test(a.processingStartOffset)) {
      add("processingStartOffset", "iso_duration", "Write an ISO 8601 duration, such as P1D (a day) or P0M5DT0H");
    }
  }

  if (a.assignments.length > L.assignments) {
    add("assignments", "max_items", `at most ${L.assignments} assignments`);
  }
  a.assignments.forEach((s, i) => {
    const p = `assignments[${i}]`;
    for (const key of ["rateIds", "productCategoryIds", "productIds"] as const) {
      if (s[key].length > L.conditionIds) add(`${p}.${key}`, "max_items", `at most ${L.conditionIds} ids`);
      if (new Set(s[key]).size !== s[key].length) add(`${p}.${key}`, "duplicate_id", "an id is listed twice");
    }
    if (s.accountingCategoryAssignments.length > L.accountingCategories) {
      add(`${p}.accountingCategoryAssignments`, "max_items", `at most ${L.accountingCategories} accounting categories`);
    }
    const cats = s.accountingCategoryAssignments.map((c) => c.accountingCategoryId);
    if (new Set(cats).size !== cats.length) {
      add(`${p}.accountingCategoryAssignments`, "duplicate_id", "an accounting category is listed twice");
    }
    const routesSomething =
      ROUTED_ITEM_TYPE_KEYS.some((k) => s.routedItemTypes[k]) ||
      s.productIds.length > 0 ||
      s.productCategoryIds.length > 0 ||
      s.accountingCategoryAssignments.some((c) => c.itemTypes.products || c.itemTypes.customItems);
    if (!routesSomething) {
      add(
        `${p}.routedItemTypes`,
        "routes_nothing",
        "This assignment routes nothing: choose an item type, a product or an accounting category",
      );
    }
  });
  return problems;
}

/** Updates change only the fields they send; `undefined` means "not sent". */
export type AutomationPatch = {
  [K in keyof Omit<AutomationFields, "assignments" | "triggerType">]?: AutomationFields[K];
};

export function mergeAutomation<A extends AutomationFields>(current: A, patch: AutomationPatch): A {
  const next = { ...current };
  for (const key of Object.keys(patch) as (keyof AutomationPatch)[]) {
    const value = patch[key];
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  return next;
}

export interface AssignmentChanges {
  add?: Omit<AutomationAssignment, "id">[];
  /** Only the fields sent change; routed item type flags merge one by one. */
  update?: ({ id: string; routedItemTypes?: Partial<RoutedItemTypes> | undefined } & Partial<
    Omit<AutomationAssignment, "id" | "routedItemTypes">
  >)[];
  remove?: string[];
}

/**
 * Applies add, update and remove in one step. Unknown ids are reported; the
 * caller checks the result (at most 20 assignments after the change).
 */
export function applyAssignmentChanges(
  current: AutomationAssignment[],
  changes: AssignmentChanges,
  newId: () => string,
): { assignments: AutomationAssignment[]; problems: FieldIssue[] } {
  const problems: FieldIssue[] = [];
  const byId = new Map(current.map((a) => [a.id, { ...a }]));
  (changes.remove ?? []).forEach((id, i) => {
    if (!byId.delete(id)) add(`assignmentIdsToRemove[${i}]`, id);
  });
  (changes.update ?? []).forEach((u, i) => {
    const existing = byId.get(u.id);
    if (!existing) {
      add(`assignmentsToUpdate[${i}].id`, u.id);
      return;
    }
    const { routedItemTypes, id: _id, ...rest } = u;
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) (existing as Record<string, unknown>)[k] = v;
    if (routedItemTypes) {
      const flags = { ...existing.routedItemTypes };
      for (const k of ROUTED_ITEM_TYPE_KEYS) flags[k] = routedItemTypes[k] ?? flags[k];
      existing.routedItemTypes = flags;
    }
  });
  const kept = current.filter((a) => byId.has(a.id)).map((a) => byId.get(a.id) as AutomationAssignment);
  const added = (changes.add ?? []).map((a) => ({ ...a, id: newId() }));
  return { assignments: [...kept, ...added], problems };

  function add(path: string, id: string) {
    problems.push({ path, rule: "unknown_assignment", message: `assignment ${id} is not part of this automation` });
  }
}
