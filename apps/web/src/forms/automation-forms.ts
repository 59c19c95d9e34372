/**
 * The automation editor's values, checked by the very schema the server uses
 * (`zAutomationInput`: its shape, then `checkAutomation`'s cross-field rules),
 * so the editor shows what the server would refuse, at the same paths, while
 * the user types. `automationForm` is that check as the form's schema (for
 * `useZodForm`); the rest decides which issues show, and where.
 */
import {
  type AssignmentTargetType,
  type AutomationOutput,
  type BillAggregationType,
  type ConsumptionPeriod,
  issueRule,
  type Prepayment,
  type RoutedItemTypes,
  type TriggerType,
  type zAssignmentInput,
  zAutomationInput,
} from "@holdfast/domain";
import type { FieldErrors } from "react-hook-form";
import { z } from "zod";
import { withRuleNote } from "../components/field-error.tsx";

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
  /** The zod issue code: `custom` for the domain's rules, another for a shape check. */
  code: z.core.$ZodIssue["code"];
  /** The domain rule for cross-field and rule checks (named in the issue's params); null for shape checks. */
  rule: string | null;
  message: string;
}

/**
 * Zod's path for a form name. An id in a GUID list is reported on the list's
 * text area, naming which item is wrong.
 */
function placeZodIssue(zi: z.core.$ZodIssue, input: AutomationInputValues): FormIssue {
  const { code, path, message } = zi;
  const segments = path.map((s) => (typeof s === "number" ? s : String(s)));
  const rule = issueRule(zi) ?? null;
  let text = message;
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
    return { name: segments.slice(0, 3).join("."), code, rule, message: text };
  }
  return { name: segments.join("."), code, rule, message: text };
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

/** A form issue as react-hook-form reports it: no rule name, its zod code says whether it is a rule. */
export type ReportedIssue = Omit<FormIssue, "rule">;

/**
 * The form's schema, for `useZodForm`: `checkAutomationForm` as a zod schema
 * over the form's values. Each issue is reported at its form name, with its
 * own zod code; the output is what a save needs: the values (their rows keep
 * the stored assignment ids), the add input, and its parsed data.
 */
export const automationForm = z.custom<AutomationFormValues>().transform((values, ctx) => {
  const checked = checkAutomationForm(values);
  if (checked.data) return { values, input: checked.input, data: checked.data };
  // A parent's error first: the resolver nests a row's or a list's field errors inside it.
  const byDepth = [...checked.issues].sort((a, b) => a.name.split(".").length - b.name.split(".").length);
  for (const { code, name, rule, message } of byDepth) {
    // A domain rule's message carries its rule code, shown beside it as a small note.
    const text = code === "custom" ? withRuleNote(message, rule) : message;
    const issue = { code, path: name.split("."), message: text, input: values, params: { rule } };
    ctx.addIssue(issue as z.core.$ZodRawIssue);
  }
  return z.NEVER;
});
/** What a valid form hands to its submit: its values and the automation they describe. */
export type CheckedAutomation = z.output<typeof automationForm>;

/**
 * The errors the form's resolver reported (see `automationForm`) as issues
 * again, one per message, at the form names they were reported at.
 */
export function reportedIssues(errors: FieldErrors): ReportedIssue[] {
  const out: ReportedIssue[] = [];
  const visit = (node: unknown, path: readonly string[]) => {
    if (!node || typeof node !== "object") return;
    const error = node as Record<string, unknown>;
    if (typeof error.type === "string" && typeof error.message === "string") {
      const types = (error.types ?? { [error.type]: error.message }) as Record<string, unknown>;
      for (const [code, messages] of Object.entries(types)) {
        for (const message of [messages].flat()) {
          if (typeof message === "string") out.push({ name: path.join("."), code: code as FormIssue["code"], message });
        }
      }
    }
    for (const [key, child] of Object.entries(error)) {
      // A field array's own error is its `root`; `ref` is the field's element.
      if (key === "type" || key === "message" || key === "types" || key === "ref") continue;
      visit(child, key === "root" ? path : [...path, key]);
    }
  };
  visit(errors, []);
  return out;
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
export function shownIssues<I extends Pick<FormIssue, "name" | "code">>(
  issues: readonly I[],
  state: { submitted: boolean; dirty: boolean; touched: (name: string) => boolean },
): I[] {
  if (state.submitted) return [...issues];
  return issues.filter((i) => {
    if (state.touched(i.name)) return true;
    if (i.code !== "custom") return false;
    const row = rowOf(i.name);
    return row ? state.touched(row) : state.dirty;
  });
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
export function messagesByName(issues: readonly Pick<FormIssue, "name" | "message">[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of issues) {
    const prior = out.get(i.name);
    out.set(i.name, prior ? `${prior} ${i.message}` : i.message);
  }
  return out;
}
