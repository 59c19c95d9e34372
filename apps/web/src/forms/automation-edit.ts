/**
 * An edit of a stored automation: the one `automations.save` call it sends
 * (only the fields and assignments that differ from what was loaded), and
 * where a server issue about that call, or about an add, lands in the form.
 */
import {
  type AutomationOutput,
  ROUTED_ITEM_TYPE_KEYS,
  type RoutedItemTypes,
  type zAssignmentInput,
  type zAssignmentUpdate,
  type zAutomationUpdate,
} from "@holdfast/domain";
import type { z } from "zod";
import { type AssignmentRow, type AutomationInputData, ID_LISTS, type IdList } from "./automation-forms.ts";
import { issuePathSegments, type PathSegment } from "./issue-paths.ts";

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
export type IssueSource = { call: "add" } | { call: "save"; addRows: readonly number[]; updateRows: readonly number[] };

/** Fields of the save call that the form does not show. */
const SAVE_ONLY = new Set(["automationId", "expectedVersion", "triggerType", "tenantLocator", "idempotencyKey"]);

/**
 * A server issue's path (as a form name: `automations.0.name`,
 * `assignmentsToAdd.1.rateIds.0`) → the form name that shows it, or null
 * for the top of the form. The batch prefix of an add (`automations[0]`) is
 * stripped; a save's added and updated assignments map back to their form rows.
 */
export function serverIssueName(name: string, source: IssueSource): string | null {
  // Accepts `automations[0].name` and `automations.0.name` alike.
  let s: PathSegment[] = issuePathSegments(name).map((x) => (typeof x === "string" && /^\d+$/.test(x) ? Number(x) : x));
  if (source.call === "add") {
    if (s[0] !== "automations" || typeof s[1] !== "number") return null;
    s = s.slice(2);
    if (s[0] === "triggerType") return null;
  } else {
    const [list, index, ...rest] = s;
    if (typeof list !== "string" || SAVE_ONLY.has(list) || list === "assignmentIdsToRemove") return null;
    if (list === "assignmentsToAdd" || list === "assignmentsToUpdate") {
      if (typeof index !== "number") return "assignments";
      const row = (list === "assignmentsToAdd" ? source.addRows : source.updateRows)[index];
      if (row === undefined) return null;
      s = ["assignments", row, ...(rest[0] === "id" ? [] : rest)];
    }
  }
  // An item of a GUID list shows on the list's text area.
  if (s[0] === "assignments" && ID_LISTS.includes(s[2] as IdList)) s = s.slice(0, 3);
  return s.length ? s.join(".") : null;
}
