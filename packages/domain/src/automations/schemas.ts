import { z } from "zod";
import { zBusinessDate, zMutation, zScope, zTenantLocator, zText, zVersion } from "../common-schemas.ts";
import { ruleCheck, ruleIssue } from "../rule-issues.ts";
import {
  ASSIGNMENT_TARGET_TYPES,
  type AutomationFields,
  type AutomationRuleSet,
  BILL_AGGREGATION_TYPES,
  CONSUMPTION_PERIODS,
  checkAutomation,
  AUTOMATION_LIMITS as L,
  PREPAYMENT_TYPES,
  TRIGGER_TYPES,
  withoutNotApplicable,
} from "./automation.ts";
import { NO_ROUTE_REASONS, ORDER_ITEM_TYPES } from "./routing.ts";

/** Mews identifiers are GUIDs; kept in lower case, as PostgreSQL returns them. */
export const zGuid = z.guid({ error: "must be a GUID" }).transform((s) => s.toLowerCase());
const zGuids = (max: number) => z.array(zGuid).max(max, { error: `at most ${max} items` });

export const zPrepayment = z.enum(PREPAYMENT_TYPES);
export const zAssignmentTargetType = z.enum(ASSIGNMENT_TARGET_TYPES);
export const zTriggerType = z.enum(TRIGGER_TYPES);
export const zBillAggregationType = z.enum(BILL_AGGREGATION_TYPES);
export const zConsumptionPeriod = z.enum(CONSUMPTION_PERIODS);

export const zCompanyWithRelations = z.strictObject({
  companyId: zGuid,
  relations: z.strictObject({ partnerCompany: z.boolean(), travelAgency: z.boolean() }),
});

export const zRoutedItemTypes = z.strictObject({
  spaceOrder: z.boolean(),
  cityTax: z.boolean(),
  allProducts: z.boolean(),
  deposits: z.boolean(),
  additionalExpenses: z.boolean(),
  allCustomItems: z.boolean(),
});

export const zAccountingCategoryAssignment = z.strictObject({
  accountingCategoryId: zGuid,
  itemTypes: z.strictObject({ products: z.boolean(), customItems: z.boolean() }),
});

const assignmentConditions = {
  rateIds: zGuids(L.conditionIds),
  productCategoryIds: zGuids(L.conditionIds),
  productIds: zGuids(L.conditionIds),
  accountingCategoryAssignments: z.array(zAccountingCategoryAssignment).max(L.accountingCategories, {
    error: `at most ${L.accountingCategories} items`,
  }),
};

export const zAssignmentInput = z.strictObject({
  serviceId: zGuid,
  routedItemTypes: zRoutedItemTypes,
  rateIds: assignmentConditions.rateIds.default([]),
  productCategoryIds: assignmentConditions.productCategoryIds.default([]),
  productIds: assignmentConditions.productIds.default([]),
  accountingCategoryAssignments: assignmentConditions.accountingCategoryAssignments.default([]),
});

/** "assignments[0].rateIds" → ["assignments", 0, "rateIds"] */
export function pathSegments(path: string): (string | number)[] {
  return path
    .split(/\.|\[(\d+)\]/)
    .filter((s) => s !== undefined && s !== "")
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Limits the field schemas already enforce: not reported a second time by the rules. */
export const FIELD_SCHEMA_RULES: ReadonlySet<string> = new Set(["max_length", "max_items"]);

/** The cross-field rules as zod issues (the rule in params), so forms and server share them. */
const refineWithRules = (rules: AutomationRuleSet) => (a: AutomationFields, ctx: z.RefinementCtx) => {
  for (const p of checkAutomation(a, rules)) {
    if (FIELD_SCHEMA_RULES.has(p.rule)) continue;
    ruleIssue(ctx, { path: pathSegments(p.path), rule: p.rule, message: p.message });
  }
};

const automationFields = z.strictObject({
  name: zText(L.nameLength).min(1, { error: "must not be empty" }),
  description: zText(L.descriptionLength)
    .nullish()
    .transform((v) => v ?? null),
  companies: z
    .array(zCompanyWithRelations)
    .max(L.companies, { error: `at most ${L.companies} items` })
    .default([]),
  prepayment: zPrepayment,
  assignmentTargetType: zAssignmentTargetType,
  triggerType: zTriggerType,
  billAggregationType: zBillAggregationType,
  processingStartOffset: zText(L.processingStartOffsetLength)
    .nullish()
    .transform((v) => v ?? null),
  orderItemConsumptionPeriod: zConsumptionPeriod.nullish().transform((v) => v ?? null),
  assignments: z.array(zAssignmentInput).max(L.assignments, { error: `at most ${L.assignments} items` }),
});

export const zAutomationInput = automationFields.superRefine(refineWithRules("holdfast"));
export type AutomationInput = z.input<typeof zAutomationInput>;

/** An automation as the Mews routes take it: the `mews` rule set, the Recurring-only fields dropped on other trigger types. */
export const zMewsAutomationInput = automationFields
  .superRefine(refineWithRules("mews"))
  .transform((a) => withoutNotApplicable(a));

const zBatch = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1, { error: "at least one item" })
    .max(L.batch, { error: `at most ${L.batch} items` });

export const addAutomationsInput = z.strictObject({ ...zMutation, automations: zBatch(zAutomationInput) });
export const mewsAddAutomationsInput = z.strictObject({ ...zMutation, automations: zBatch(zMewsAutomationInput) });

/** An automation's own fields that an edit may change; null clears a nullable field. */
const automationPatch = {
  name: zText(L.nameLength).min(1, { error: "must not be empty" }).optional(),
  description: zText(L.descriptionLength).nullable().optional(),
  companies: z
    .array(zCompanyWithRelations)
    .max(L.companies, { error: `at most ${L.companies} items` })
    .optional(),
  prepayment: zPrepayment.optional(),
  assignmentTargetType: zAssignmentTargetType.optional(),
  billAggregationType: zBillAggregationType.optional(),
  processingStartOffset: zText(L.processingStartOffsetLength).nullable().optional(),
  orderItemConsumptionPeriod: zConsumptionPeriod.nullable().optional(),
};

/** Only the fields sent change; null clears a nullable field. The trigger type is fixed at creation. */
export const zAutomationUpdate = z
  .strictObject({
    automationId: zGuid,
    expectedVersion: zVersion.optional(),
    ...automationPatch,
    triggerType: z.unknown().optional(),
  })
  .superRefine((u, ctx) => {
    if (u.triggerType !== undefined) {
      ruleIssue(ctx, {
        path: ["triggerType"],
        rule: "trigger_type_fixed",
        message: "the trigger type is fixed once the automation is created",
      });
    }
  });
export type AutomationUpdate = z.output<typeof zAutomationUpdate>;

export const updateAutomationsInput = z.strictObject({ ...zMutation, updates: zBatch(zAutomationUpdate) });

export const zAssignmentUpdate = z.strictObject({
  id: zGuid,
  routedItemTypes: zRoutedItemTypes.partial().optional(),
  rateIds: assignmentConditions.rateIds.optional(),
  productCategoryIds: assignmentConditions.productCategoryIds.optional(),
  productIds: assignmentConditions.productIds.optional(),
  accountingCategoryAssignments: assignmentConditions.accountingCategoryAssignments.optional(),
});

/** Assignments to add, change (only the fields sent) and remove. */
const assignmentChanges = {
  assignmentsToAdd: z
    .array(zAssignmentInput)
    .max(L.assignments, { error: `at most ${L.assignments} items` })
    .optional(),
  assignmentsToUpdate: z
    .array(zAssignmentUpdate)
    .max(L.assignments, { error: `at most ${L.assignments} items` })
    .optional(),
  assignmentIdsToRemove: zGuids(L.assignmentsToRemove).optional(),
};

export const updateAssignmentsInput = z.strictObject({
  ...zMutation,
  automationId: zGuid,
  expectedVersion: zVersion.optional(),
  ...assignmentChanges,
});
export type UpdateAssignmentsInput = z.output<typeof updateAssignmentsInput>;

/**
 * One automation's own fields and its assignments, saved together: all of it
 * applies, with one new version, or none of it. The trigger type is fixed at creation.
 */
export const saveAutomationInput = z.strictObject({
  ...zMutation,
  automationId: zGuid,
  expectedVersion: zVersion.optional(),
  ...automationPatch,
  ...assignmentChanges,
});
export type SaveAutomationInput = z.output<typeof saveAutomationInput>;

export const deleteAutomationsInput = z.strictObject({
  ...zMutation,
  automationIds: zGuids(L.batch).min(1, { error: "at least one item" }),
});

/** How the first-party automations list can be sorted. */
export const AUTOMATION_SORTS = ["created", "name", "updated"] as const;
export type AutomationSort = (typeof AUTOMATION_SORTS)[number];

export const getAllAutomationsInput = z.strictObject({
  enterpriseIds: z
    .array(zTenantLocator)
    .max(L.filterEnterpriseIds, { error: `at most ${L.filterEnterpriseIds} items` })
    .optional(),
  companyIds: zGuids(L.filterCompanyIds).optional(),
  automationIds: zGuids(L.filterAutomationIds).optional(),
  limitation: z.strictObject({
    count: z.number().int().min(L.pageCountMin).max(L.pageCountMax),
    cursor: zGuid.nullish(),
  }),
  /** The list's order (first-party only; Mews' getAll has none): creation (the default), name or last change. */
  sort: z.enum(AUTOMATION_SORTS).optional(),
  order: z.enum(["asc", "desc"]).optional(),
});
export type GetAllAutomationsInput = z.output<typeof getAllAutomationsInput>;

export const automationOutput = z.object({
  id: z.string(),
  enterpriseId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  companies: z.array(zCompanyWithRelations),
  prepayment: zPrepayment,
  assignmentTargetType: zAssignmentTargetType,
  triggerType: zTriggerType,
  billAggregationType: zBillAggregationType,
  createdUtc: z.string(),
  updatedUtc: z.string(),
  processingStartOffset: z.string().nullable(),
  orderItemConsumptionPeriod: zConsumptionPeriod.nullable(),
  version: z.number().int(),
  assignments: z.array(
    z.object({
      id: z.string(),
      automationId: z.string(),
      serviceId: z.string(),
      routedItemTypes: zRoutedItemTypes,
      rateIds: z.array(z.string()),
      productCategoryIds: z.array(z.string()),
      productIds: z.array(z.string()),
      accountingCategoryAssignments: z.array(zAccountingCategoryAssignment),
    }),
  ),
});
export type AutomationOutput = z.infer<typeof automationOutput>;

export const automationListOutput = z.object({
  automations: z.array(automationOutput),
  /** The last returned automation's id; pass it as limitation.cursor for the next page. Null when the list is exhausted. */
  cursor: z.string().nullable(),
});

export const zOrderItem = z.strictObject({
  serviceId: zGuid,
  itemType: z.enum(ORDER_ITEM_TYPES),
  rateId: zGuid.nullish(),
  productId: zGuid.nullish(),
  productCategoryId: zGuid.nullish(),
  accountingCategoryId: zGuid.nullish(),
  consumptionDate: zBusinessDate,
});

export const zReservation = z
  .strictObject({
    id: zGuid,
    ownerId: zGuid,
    companyId: zGuid.nullish(),
    companyRelation: z.enum(["partnerCompany", "travelAgency"]).nullish(),
    reservationGroupId: zGuid.nullish(),
    prepaid: z.boolean(),
  })
  .refine(
    (r) => (r.companyId == null) === (r.companyRelation == null),
    ruleCheck("company_relation", "companyId and companyRelation go together", ["companyRelation"]),
  );

export const previewRouteInput = z.strictObject({
  ...zScope,
  orderItem: zOrderItem,
  reservation: zReservation,
  /** The day the routing runs (for Recurring consumption periods); defaults to today in the tenant's zone. */
  processingDate: zBusinessDate.optional(),
});

const zParty = z.object({ kind: z.enum(["company", "customer"]), id: z.string() });
const zRouteMatch = z.object({
  automationId: z.string(),
  automationName: z.string(),
  assignmentId: z.string(),
  bill: z.object({
    aggregationType: zBillAggregationType,
    aggregationKey: z.string(),
    owner: zParty,
    associatedAccount: zParty.nullable(),
  }),
});
const zRejection = z.object({
  automationId: z.string(),
  automationName: z.string(),
  reason: z.enum(NO_ROUTE_REASONS),
  message: z.string(),
});

export const routePreviewOutput = z.object({
  processingDate: z.string(),
  outcome: z.enum(["routed", "conflict", "not_routed"]),
  /** The route when exactly one automation routes the item. */
  route: zRouteMatch.nullable(),
  /** Every automation that routes the item (more than one is a conflict). */
  routes: z.array(zRouteMatch),
  rejections: z.array(zRejection),
});
