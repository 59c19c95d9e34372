import { AppError, type AutomationOutput, mergeAutomation, type SaveAutomationInput } from "@holdfast/domain";
import type { ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";
import { changeAssignments, checkVersion, loadForChange, saveChanged } from "./automation-commands.ts";
import { type AutomationRecord, toAutomationOutput } from "./automation-store.ts";

/**
 * Saves one automation's own fields and its assignment changes together, in
 * one transaction: all of it applies, with one new version and one audit
 * event, or nothing does. Only the fields sent change; the merged automation is
 * checked against every rule before anything is written. A save that changes
 * nothing writes nothing: no new version, no audit event.
 */
export function saveAutomation(ctx: ServiceContext, input: SaveAutomationInput): Promise<AutomationOutput> {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "automations.save", idempotencyKey, request }, async (tx) => {
    const {
      automationId,
      expectedVersion,
      assignmentsToAdd,
      assignmentsToUpdate,
      assignmentIdsToRemove,
      tenantLocator: _tenantLocator,
      ...patch
    } = request;
    const found = await loadForChange(tx, tenantId, [automationId], () => "automationId");
    const current = found.get(automationId) as AutomationRecord;
    checkVersion(current, expectedVersion, "expectedVersion");
    const merged = mergeAutomation(current, patch);
    const { next, problems } = changeAssignments(merged, {
      assignmentsToAdd,
      assignmentsToUpdate,
      assignmentIdsToRemove,
    });
    if (problems.length) throw AppError.badRequest(problems);
    const unchanged = JSON.stringify(toAutomationOutput(next)) === JSON.stringify(toAutomationOutput(current));
    return unchanged ? toAutomationOutput(current) : saveChanged(tx, ctx, current, next, "save");
  });
}
