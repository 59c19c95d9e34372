/**
 * The automation editor's values, checked by the very schema the server uses
 * (`zAutomationInput`: its shape, then `checkAutomation`'s cross-field rules),
 * so the editor shows what the server would refuse, at the same paths, while
 * the user types. Also: the diff an edit sends (`automations.update` for the
 * automation's own fields, `automations.updateAssignments` for its
 * assignments), and where a server issue's path lands in the form.
 */
import {
  type AssignmentTargetType,
  type AutomationOutput,
  type BillAggregationType,
  type ConsumptionPeriod,
  issueRule,
  type Prepayment,
  ROUTED_ITEM_TYPE_KEYS,
  type RoutedItemTypes,
  type TriggerType,
  type zAssignmentInput,
  type zAssignmentUpdate,
  zAutomationInput,
  type zAutomationUpdate,
} from "@holdfast/domain";
import type { z } from "zod";
import { issuePathSegments, type PathSegment } from "./issue-paths.ts";

export type AutomationInputValues = z.input<typeof zAutomationInput>;
export type AutomationInputData = z.output<typeof zAutomationInput>;

// ---- Form values: strings from inputs, rows from field arrays ----

export interface CompanyRow {
  companyId: string;
  relations: { partnerCompany: boolean; travelAgency: boolean };
}

export interface AccountingCategoryRow {
  accountingCategoryId: string;
  itemTypes: { products: boolean; customItems: boolean };
}

export interface AssignmentRow {
  /**
   * The stored assignment's id; "" for one added in this form (its service is
   * then editable). Not `id`: useFieldArray keys its rows by `id`.
   */
  assignmentId: string;
  serviceId: string;
  routedItemTypes: RoutedItemTypes;
  /** GUIDs separated by commas, spaces or new lines. */
  rateIds: string;
  productCategoryIds: string;
  productIds: string;
  accountingCategoryAssignments: AccountingCategoryRow[];
}

export interface AutomationFormValues {
  name: string;
  description: string;
  prepayment: Prepayment;
  assignmentTargetType: AssignmentTargetType;
  triggerType: TriggerType;
  billAggregationType: BillAggregationType;
  /** Shown and sent only for Recurring automations. */
  processingStartOffset: string;
  orderItemConsumptionPeriod: ConsumptionPeriod | "";
  companies: CompanyRow[];
  assignments: AssignmentRow[];
}

export const ROUTED_ITEM_TYPE_LABELS: Record<keyof RoutedItemTypes, string> = {
  spaceOrder: "Space order",
  cityTax: "City tax",
  allProducts: "All products",
  deposits: "Deposits",
  additionalExpenses: "Additional expenses",
  allCustomItems: "All custom items",
};

/** The three GUID-list conditions of an assignment, typed one per line or comma-separated. */
export const ID_LISTS = ["rateIds", "productCategoryIds", "productIds"] as const;
export type IdList = (typeof ID_LISTS)[number];
export const ID_LIST_LABELS: Record<IdList, string> = {
  rateIds: "rate ids",
  productCategoryIds: "product category ids",
  productIds: "product ids",
};

const noItemTypes = (): RoutedItemTypes => ({
  spaceOrder: false,
  cityTax: false,
  allProducts: false,
  deposits: false,
  additionalExpenses: false,
  allCustomItems: false,
});

export const emptyCompanyRow = (): CompanyRow => ({
  companyId: "",
  relations: { partnerCompany: true, travelAgency: false },
});

export const emptyAccountingCategoryRow = (): AccountingCategoryRow => ({
  accountingCategoryId: "",
  itemTypes: { products: true, customItems: false },
});

export const emptyAssignmentRow = (): AssignmentRow => ({
  assignmentId: "",
  serviceId: "",
  routedItemTypes: noItemTypes(),
  rateIds: "",
  productCategoryIds: "",
  productIds: "",
  accountingCategoryAssignments: [],
});

/** "a, b\nc" → ["a", "b", "c"]. */
export function parseIdList(text: string): string[] {
  return text.split(/[\s,;]+/).filter((s) => s !== "");
}

export function formatIdList(ids: readonly string[]): string {
  return ids.join("\n");
}

/**
 * A new automation starts in a combination the rules accept (company as
 * details, one bill per customer: companies may stay empty), so the first
 * rule message the user sees is one their own change caused.
 */
export function automationFormDefaults(a?: AutomationOutput): AutomationFormValues {
  if (!a) {
    return {
      name: "",
      description: "",
      prepayment: "All",
      assignmentTargetType: "CompanyAsDetails",
      triggerType: "Continuous",
      billAggregationType: "AggregateByCustomer",
      processingStartOffset: "",
      orderItemConsumptionPeriod: "",
      companies: [],
      assignments: [emptyAssignmentRow()],
    };
  }
  return {
    name: a.name,
    description: a.description ?? "",
    prepayment: a.prepayment,
    assignmentTargetType: a.assignmentTargetType,
    triggerType: a.triggerType,
    billAggregationType: a.billAggregationType,
    processingStartOffset: a.processingStartOffset ?? "",
    orderItemConsumptionPeriod: a.orderItemConsumptionPeriod ?? "",
    companies: a.companies.map((c) => ({ companyId: c.companyId, relations: { ...c.relations } })),
    assignments: a.assignments.map((s) => ({
      assignmentId: s.id,
      serviceId: s.serviceId,
      routedItemTypes: { ...s.routedItemTypes },
      rateIds: formatIdList(s.rateIds),
      productCategoryIds: formatIdList(s.productCategoryIds),
      productIds: formatIdList(s.productIds),
      accountingCategoryAssignments: s.accountingCategoryAssignments.map((c) => ({
        accountingCategoryId: c.accountingCategoryId,
        itemTypes: { ...c.itemTypes },
      })),
    })),
  };
}

function toAssignmentInput(s: AssignmentRow): z.input<typeof zAssignmentInput> {
  return {
    serviceId: s.serviceId.trim(),
    routedItemTypes: { ...s.routedItemTypes },
    rateIds: parseIdList(s.rateIds),
    productCategoryIds: parseIdList(s.productCategoryIds),
    productIds: parseIdList(s.productIds),
    accountingCategoryAssignments: s.accountingCategoryAssignments.map((c) => ({
      accountingCategoryId: c.accountingCategoryId.trim(),
      itemTypes: { ...c.itemTypes },
    })),
  };
}

/** The form's values as `automations.add` takes one automation. Blank means "none" (null). */
export function toAutomationInput(v: AutomationFormValues): AutomationInputValues {
  const recurring = v.triggerType === "Recurring";
  const offset = v.processingStartOffset.trim();
  return {
    name: v.name.trim(),
    description: v.description.trim() === "" ? null : v.description,
    companies: v.companies.map((c) => ({ companyId: c.companyId.trim(), relations: { ...c.relations } })),
    prepayment: v.prepayment,
    assignmentTargetType: v.assignmentTargetType,
    triggerType: v.triggerType,
    billAggregationType: v.billAggregationType,
    processingStartOffset: recurring && offset !== "" ? offset : null,
    orderItemConsumptionPeriod: recurring && v.orderItemConsumptionPeriod !== "" ? v.orderItemConsumptionPeriod : null,
    assignments: v.assignments.map(toAssignmentInput),
  };
}

// ---- Issues, at the form's field names ----

export interface FormIssue {
  /** The form field, row or list that shows it, e.g. `assignments.0.rateIds`. */
  name: string;
  /** The domain rule for cross-field and rule checks (named in the issue's params); null for shape checks. */
  rule: string | null;
  message: string;
}

/**
 * Zod's path for a form name. An id in a GUID list is reported on the list's
 * text area, naming which item is wrong.
 */
function placeZodIssue(zi: z.core.$ZodIssue, input: AutomationInputValues): FormIssue {
  const segments = zi.path.map((s) => (typeof s === "number" ? s : String(s)));
  const rule = issueRule(zi) ?? null;
  let text = zi.message;
  const [list, row, field, item] = segments;
  if (
    list === "assignments" &&
    typeof row === "number" &&
    ID_LISTS.includes(field as IdList) &&
    typeof item === "number" &&
    segments.length === 4
  ) {
    const value = (input.assignments[row]?.[field as IdList] as string[] | undefined)?.[item];
    text = `item ${item + 1}${value !== undefined ? ` ("${value}")` : ""} ${text}`;
    return { name: segments.slice(0, 3).join("."), rule, message: text };
  }
  return { name: segments.join("."), rule, message: text };
}

/**
 * Checks the form with the server's own schema. Returns the parsed input
 * when it passes, else every issue at the form name that shows it.
 */
export function checkAutomationForm(values: AutomationFormValues): {
  input: AutomationInputValues;
  data: AutomationInputData | null;
  issues: FormIssue[];
} {
  const input = toAutomationInput(values);
  const result = zAutomationInput.safeParse(input);
  if (result.success) return { input, data: result.data, issues: [] };
  const issues: FormIssue[] = [];
  for (const zi of result.error.issues) {
    const issue = placeZodIssue(zi, input);
    const same = issues.filter((i) => i.name === issue.name);
    // The rules repeat "name must not be empty" that the shape already said.
    if (issue.rule === "required" && same.length > 0) continue;
    if (same.some((i) => i.message === issue.message)) continue;
    issues.push(issue);
  }
  return { input, data: null, issues };
}

/** `assignments.0.rateIds` → `assignments.0`; a top-level name → null. */
export function rowOf(name: string): string | null {
  const [list, index] = name.split(".");
  return list && index !== undefined && /^\d+$/.test(index) ? `${list}.${index}` : null;
}

/**
 * Which issues to show now. Everything after a submit. Before: a field's own
 * issue once the user has left that field, and a rule violation as soon as the
 * user's change causes it (a row's rules once they worked on that row), so a
 * blank new form or a just-added row is not all red.
 */
export function shownIssues(
  issues: readonly FormIssue[],
  state: { submitted: boolean; dirty: boolean; touched: (name: string) => boolean },
): FormIssue[] {
  if (state.submitted) return [...issues];
  return issues.filter((i) => {
    if (state.touched(i.name)) return true;
    if (i.rule === null) return false;
    const row = rowOf(i.name);
    return row ? state.touched(row) : state.dirty;
  });
}

// ---- An edit: what changed ----

type AutomationPatch = Omit<z.input<typeof zAutomationUpdate>, "automationId" | "expectedVersion" | "triggerType">;
type AssignmentUpdate = z.input<typeof zAssignmentUpdate>;

export interface AssignmentChanges {
  assignmentsToAdd?: z.input<typeof zAssignmentInput>[];
  assignmentsToUpdate?: AssignmentUpdate[];
  assignmentIdsToRemove?: string[];
}

export interface EditPlan {
  /** The automation's own fields that changed, or null. */
  update: AutomationPatch | null;
  /** The assignment changes, or null when none. */
  assignments: AssignmentChanges | null;
  /** Form row of each `assignmentsToAdd[k]` and `assignmentsToUpdate[k]`, to place the server's issues. */
  addRows: number[];
  updateRows: number[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const companiesKey = (
  cs: readonly { companyId: string; relations: { partnerCompany: boolean; travelAgency: boolean } }[],
) => cs.map((c) => [c.companyId.toLowerCase(), c.relations.partnerCompany, c.relations.travelAgency]);

const categoriesKey = (
  cs: readonly { accountingCategoryId: string; itemTypes: { products: boolean; customItems: boolean } }[],
) => cs.map((c) => [c.accountingCategoryId.toLowerCase(), c.itemTypes.products, c.itemTypes.customItems]);

/**
 * What an edit sends: only the fields that differ from the stored automation.
 * `rows` are the form's assignment rows (their stored ids), in the order of
 * `data.assignments`. New rows follow the kept ones, as the server appends
 * added assignments, so `assignments[i]` in a server issue is form row i.
 */
export function planAutomationEdit(
  before: AutomationOutput,
  data: AutomationInputData,
  rows: readonly AssignmentRow[],
): EditPlan {
  const update: AutomationPatch = {};
  if (data.name !== before.name) update.name = data.name;
  if (data.description !== before.description) update.description = data.description;
  if (!same(companiesKey(data.companies), companiesKey(before.companies))) update.companies = data.companies;
  if (data.prepayment !== before.prepayment) update.prepayment = data.prepayment;
  if (data.assignmentTargetType !== before.assignmentTargetType)
    update.assignmentTargetType = data.assignmentTargetType;
  if (data.billAggregationType !== before.billAggregationType) update.billAggregationType = data.billAggregationType;
  if (data.processingStartOffset !== before.processingStartOffset) {
    update.processingStartOffset = data.processingStartOffset;
  }
  if (data.orderItemConsumptionPeriod !== before.orderItemConsumptionPeriod) {
    update.orderItemConsumptionPeriod = data.orderItemConsumptionPeriod;
  }

  const stored = new Map(before.assignments.map((s) => [s.id, s]));
  const kept = new Set<string>();
  const toAdd: NonNullable<AssignmentChanges["assignmentsToAdd"]> = [];
  const toUpdate: AssignmentUpdate[] = [];
  const addRows: number[] = [];
  const updateRows: number[] = [];
  data.assignments.forEach((next, i) => {
    const id = rows[i]?.assignmentId ?? "";
    const was = id ? stored.get(id) : undefined;
    if (!was) {
      toAdd.push(next);
      addRows.push(i);
      return;
    }
    kept.add(id);
    const change: AssignmentUpdate = { id };
    const flags: Partial<RoutedItemTypes> = {};
    for (const k of ROUTED_ITEM_TYPE_KEYS)
      if (next.routedItemTypes[k] !== was.routedItemTypes[k]) flags[k] = next.routedItemTypes[k];
    if (Object.keys(flags).length > 0) change.routedItemTypes = flags;
    for (const list of ID_LISTS) {
      if (
        !same(
          next[list],
          was[list].map((s) => s.toLowerCase()),
        )
      )
        change[list] = next[list];
    }
    if (!same(categoriesKey(next.accountingCategoryAssignments), categoriesKey(was.accountingCategoryAssignments))) {
      change.accountingCategoryAssignments = next.accountingCategoryAssignments;
    }
    if (Object.keys(change).length > 1) {
      toUpdate.push(change);
      updateRows.push(i);
    }
  });
  const toRemove = before.assignments.filter((s) => !kept.has(s.id)).map((s) => s.id);

  const assignments: AssignmentChanges = {
    ...(toAdd.length ? { assignmentsToAdd: toAdd } : {}),
    ...(toUpdate.length ? { assignmentsToUpdate: toUpdate } : {}),
    ...(toRemove.length ? { assignmentIdsToRemove: toRemove } : {}),
  };
  return {
    update: Object.keys(update).length ? update : null,
    assignments: Object.keys(assignments).length ? assignments : null,
    addRows,
    updateRows,
  };
}

// ---- Server issues, at the form's field names ----

/** Which call an issue came from: its paths are relative to that call's input. */
export type IssueSource =
  | { call: "add" }
  | { call: "update" }
  | { call: "updateAssignments"; addRows: readonly number[]; updateRows: readonly number[] };

/**
 * A server issue's path (as a form name: `updates.0.name`,
 * `assignmentsToAdd.1.rateIds.0`) → the form name that shows it, or null
 * for the top of the form. The batch prefix (`automations[0]`, `updates[0]`)
 * is stripped; added and updated assignments map back to their form rows.
 */
export function serverIssueName(name: string, source: IssueSource): string | null {
  // Accepts `updates[0].name` and `updates.0.name` alike.
  let s: PathSegment[] = issuePathSegments(name).map((x) => (typeof x === "string" && /^\d+$/.test(x) ? Number(x) : x));
  if (source.call === "add" || source.call === "update") {
    const batch = source.call === "add" ? "automations" : "updates";
    if (s[0] !== batch || typeof s[1] !== "number") return null;
    s = s.slice(2);
    if (s[0] === "automationId" || s[0] === "expectedVersion" || s[0] === "triggerType") return null;
  } else {
    const [list, index, ...rest] = s;
    if (typeof index !== "number") return list === "assignments" ? "assignments" : null;
    if (list === "assignmentsToAdd" || list === "assignmentsToUpdate") {
      const row = (list === "assignmentsToAdd" ? source.addRows : source.updateRows)[index];
      if (row === undefined) return null;
      s = ["assignments", row, ...(rest[0] === "id" ? [] : rest)];
    } else if (list !== "assignments") {
      return null;
    }
  }
  // An item of a GUID list shows on the list's text area.
  if (s[0] === "assignments" && ID_LISTS.includes(s[2] as IdList)) s = s.slice(0, 3);
  return s.length ? s.join(".") : null;
}

const SLOTS = [
  /^(name|description|prepayment|assignmentTargetType|triggerType|billAggregationType|companies|assignments)$/,
  /^companies\.\d+(\.(companyId|relations))?$/,
  /^assignments\.\d+(\.(serviceId|routedItemTypes|rateIds|productCategoryIds|productIds|accountingCategoryAssignments))?$/,
  /^assignments\.\d+\.accountingCategoryAssignments\.\d+(\.(accountingCategoryId|itemTypes))?$/,
];

/**
 * The form name that shows a message for `name`: the name itself when the
 * form shows that field, else its nearest shown parent (a row or list), or
 * null (the top of the form) when none is shown, e.g. a row that no longer exists.
 */
export function formSlot(name: string, values: AutomationFormValues): string | null {
  const recurring = values.triggerType === "Recurring";
  let segments = name.split(".");
  while (segments.length > 0) {
    const candidate = segments.join(".");
    const shown =
      (recurring && (candidate === "processingStartOffset" || candidate === "orderItemConsumptionPeriod")) ||
      SLOTS.some((re) => re.test(candidate));
    if (shown && valueAt(values, segments) !== undefined) return candidate;
    segments = segments.slice(0, -1);
  }
  return null;
}

function valueAt(values: unknown, segments: readonly string[]): unknown {
  let node: unknown = values;
  for (const s of segments) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[s];
  }
  return node;
}

/** One message per issue. */
export function messagesByName(issues: readonly FormIssue[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of issues) {
    const prior = out.get(i.name);
    out.set(i.name, prior ? `${prior} ${i.message}` : i.message);
  }
  return out;
}
