import { schema, type Transaction } from "@holdfast/db";
import {
  AppError,
  AUTOMATION_LIMITS,
  type AutomationFields,
  type AutomationOutput,
  type AutomationRuleSet,
  type AutomationUpdate,
  applyAssignmentChanges,
  checkAutomation,
  type FieldIssue,
  mergeAutomation,
  type UpdateAssignmentsInput,
  withoutNotApplicable,
} from "@holdfast/domain";
import { and, eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { recordAudit } from "../audit.ts";
import type { ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";
import {
  type AutomationRecord,
  loadAutomationRecords,
  saveAutomationChildren,
  toAutomationOutput,
} from "./automation-store.ts";

const prefix = (p: string, issues: FieldIssue[]) => issues.map((i) => ({ ...i, path: `${p}.${i.path}` }));

/** Loads the tenant's automations for a change; an id not found is NOT_FOUND at `path(i)`. */
export async function loadForChange(tx: Transaction, tenantId: string, ids: string[], path: (i: number) => string) {
  const rows = ids.length
    ? await tx
        .select()
        .from(schema.automations)
        .where(and(eq(schema.automations.tenantId, tenantId), inArray(schema.automations.id, ids)))
    : [];
  const found = new Map((await loadAutomationRecords(tx, rows)).map((r) => [r.id, r]));
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0) {
    const id = ids[missing] ?? "";
    throw new AppError("NOT_FOUND", `${path(missing)}: billing automation ${id} was not found`, {
      issues: [{ path: path(missing), rule: "not_found", message: `billing automation ${id} was not found` }],
      details: { entity: "automation", locator: id },
    });
  }
  return found;
}

/** Writes one automation's row with a version predicate, its children, and an audit event. */
export async function saveChanged(
  tx: Transaction,
  ctx: ServiceContext,
  current: AutomationRecord,
  next: Omit<AutomationRecord, "row" | "id">,
  action: string,
): Promise<AutomationOutput> {
  const now = ctx.clock.now();
  const [row] = await tx
    .update(schema.automations)
    .set({
      name: next.name,
      description: next.description,
      prepayment: next.prepayment,
      assignmentTargetType: next.assignmentTargetType,
      billAggregationType: next.billAggregationType,
      processingStartOffset: next.processingStartOffset,
      orderItemConsumptionPeriod: next.orderItemConsumptionPeriod,
      version: current.row.version + 1,
      updatedAt: now,
    })
    .where(and(eq(schema.automations.id, current.id), eq(schema.automations.version, current.row.version)))
    .returning();
  if (!row) throw AppError.concurrentChange({ entity: "billing automation", locator: current.id });
  const saved: AutomationRecord = { ...next, row, id: row.id };
  await saveAutomationChildren(tx, row.id, saved);
  const out = toAutomationOutput(saved);
  await recordAudit(tx, ctx, {
    tenantId: row.tenantId,
    entityType: "automation",
    entityId: row.id,
    action,
    before: toAutomationOutput(current),
    after: out,
  });
  return out;
}

/** VERSION_CONFLICT when the caller expected another version than the stored one. */
export function checkVersion(current: AutomationRecord, expected: number | undefined, path: string) {
  if (expected !== undefined && expected !== current.row.version) {
    throw AppError.staleVersion({
      entity: "billing automation",
      locator: current.id,
      currentVersion: current.row.version,
      expectedVersion: expected,
      path,
    });
  }
}

/** Adds up to 100 automations, all or none. Inputs are already checked by the shared schema. */
export function addAutomations(
  ctx: ServiceContext,
  input: { idempotencyKey?: string | undefined; automations: AutomationFields[] },
): Promise<AutomationOutput[]> {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "automations.add", idempotencyKey, request }, async (tx) => {
    const problems = input.automations.flatMap((a, i) =>
      prefix(`automations[${i}]`, checkAutomation(a, ctx.automationRules)),
    );
    if (problems.length) throw AppError.badRequest(problems);
    const now = ctx.clock.now();
    const out: AutomationOutput[] = [];
    for (const a of input.automations) {
      const [row] = await tx
        .insert(schema.automations)
        .values({
          id: uuidv7(),
          tenantId,
          name: a.name,
          description: a.description,
          prepayment: a.prepayment,
          assignmentTargetType: a.assignmentTargetType,
          triggerType: a.triggerType,
          billAggregationType: a.billAggregationType,
          processingStartOffset: a.processingStartOffset,
          orderItemConsumptionPeriod: a.orderItemConsumptionPeriod,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      const record: AutomationRecord = {
        ...a,
        row,
        id: row.id,
        assignments: a.assignments.map((s) => ({ ...s, id: uuidv7() })),
      };
      await saveAutomationChildren(tx, row.id, record);
      const created = toAutomationOutput(record);
      await recordAudit(tx, ctx, {
        tenantId,
        entityType: "automation",
        entityId: row.id,
        action: "create",
        before: null,
        after: created,
      });
      out.push(created);
    }
    return out;
  });
}

/** Updates up to 100 automations, all or none; only the fields sent change, and the merged result is checked again. */
export function updateAutomations(
  ctx: ServiceContext,
  input: { idempotencyKey?: string | undefined; updates: AutomationUpdate[] },
): Promise<AutomationOutput[]> {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "automations.update", idempotencyKey, request }, async (tx) => {
    const ids = input.updates.map((u) => u.automationId);
    const dup = ids.findIndex((id, i) => ids.indexOf(id) !== i);
    if (dup >= 0) {
      throw AppError.badRequest([
        {
          path: `updates[${dup}].automationId`,
          rule: "duplicate_id",
          message: "the same automation is updated twice in one batch",
        },
      ]);
    }
    const found = await loadForChange(tx, tenantId, ids, (i) => `updates[${i}].automationId`);
    const merged = input.updates.map((u, i) => {
      const current = found.get(u.automationId) as AutomationRecord;
      checkVersion(current, u.expectedVersion, `updates[${i}]`);
      const { automationId: _id, expectedVersion: _v, triggerType: _t, ...patch } = u;
      const next = mergeAutomation(current, patch);
      return { current, next: ctx.automationRules === "mews" ? withoutNotApplicable(next) : next };
    });
    const problems = merged.flatMap(({ next }, i) =>
      prefix(`updates[${i}]`, checkAutomation(next, ctx.automationRules)),
    );
    if (problems.length) throw AppError.badRequest(problems);
    const out: AutomationOutput[] = [];
    for (const { current, next } of merged) {
      // An update that changes nothing writes nothing: no new version, no audit event.
      const unchanged = JSON.stringify(toAutomationOutput(next)) === JSON.stringify(toAutomationOutput(current));
      out.push(unchanged ? toAutomationOutput(current) : await saveChanged(tx, ctx, current, next, "update"));
    }
    return out;
  });
}

/** Adds, updates and removes assignments in one call; at most 20 remain. */
export function updateAutomationAssignments(
  ctx: ServiceContext,
  input: UpdateAssignmentsInput,
): Promise<AutomationOutput> {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "automations.updateAssignments", idempotencyKey, request }, async (tx) => {
    const found = await loadForChange(tx, tenantId, [input.automationId], () => "automationId");
    const current = found.get(input.automationId) as AutomationRecord;
    checkVersion(current, input.expectedVersion, "automationId");
    const { next, problems } = changeAssignments(current, input, ctx.automationRules);
    if (problems.length) throw AppError.badRequest(problems);
    return saveChanged(tx, ctx, current, next, "updateAssignments");
  });
}

/**
 * An automation with its assignments added, updated and removed, and every
 * problem of the result: unknown assignment ids, the automation's rules, and
 * more than 20 assignments.
 */
export function changeAssignments(
  automation: AutomationRecord,
  changes: Pick<UpdateAssignmentsInput, "assignmentsToAdd" | "assignmentsToUpdate" | "assignmentIdsToRemove">,
  rules: AutomationRuleSet = "holdfast",
): { next: AutomationRecord; problems: FieldIssue[] } {
  const { assignments, problems } = applyAssignmentChanges(
    automation.assignments,
    { add: changes.assignmentsToAdd, update: changes.assignmentsToUpdate, remove: changes.assignmentIdsToRemove },
    uuidv7,
  );
  const next = { ...automation, assignments };
  const all = [...problems, ...checkAutomation(next, rules)];
  if (assignments.length > AUTOMATION_LIMITS.assignments && !all.some((p) => p.path === "assignments")) {
    all.push({
      path: "assignments",
      rule: "max_items",
      message: `at most ${AUTOMATION_LIMITS.assignments} assignments`,
    });
  }
  return { next, problems: all };
}

/** Deletes up to 100 automations, all or none. */
export function deleteAutomations(
  ctx: ServiceContext,
  input: { idempotencyKey?: string | undefined; automationIds: string[] },
): Promise<Record<string, never>> {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "automations.delete", idempotencyKey, request }, async (tx) => {
    const ids = [...new Set(input.automationIds)];
    const found = await loadForChange(
      tx,
      tenantId,
      ids,
      (i) => `automationIds[${input.automationIds.indexOf(ids[i] ?? "")}]`,
    );
    for (const current of found.values()) {
      const deleted = await tx
        .delete(schema.automations)
        .where(and(eq(schema.automations.id, current.id), eq(schema.automations.version, current.row.version)))
        .returning({ id: schema.automations.id });
      if (deleted.length === 0) throw AppError.concurrentChange({ entity: "billing automation", locator: current.id });
      await recordAudit(tx, ctx, {
        tenantId,
        entityType: "automation",
        entityId: current.id,
        action: "delete",
        before: toAutomationOutput(current),
        after: null,
      });
    }
    return {};
  });
}
