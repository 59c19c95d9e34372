import {
  accountHoldListOutput,
  actionOutput,
  addAutomationsInput,
  auditEventOutput,
  auditHistoryInput,
  automationListOutput,
  automationOutput,
  createHoldInput,
  createSubscriptionInput,
  deleteAutomationsInput,
  extendGracePeriodInput,
  getAllAutomationsInput,
  getHoldInput,
  getSubscriptionInput,
  historyReadPermission,
  holdEffectInput,
  holdEffectOutput,
  holdOutput,
  holdPageOutput,
  listAccountHoldsInput,
  listActionsInput,
  listHoldsInput,
  moveHoldInput,
  moveSubscriptionInput,
  type Permission,
  subscriptionOutput,
  updateAssignmentsInput,
  updateHoldInput,
} from "@holdfast/domain";
import {
  activateHold,
  activateSubscription,
  addAutomations,
  createHold,
  createSubscription,
  deleteAutomations,
  discardHold,
  extendGracePeriod,
  getAllAutomations,
  getHold,
  getHoldEffect,
  getSubscription,
  listAccountHolds,
  listEntityHistory,
  listHolds,
  listSubscriptionActions,
  type Principal,
  releaseHold,
  resetHold,
  type ServiceContext,
  terminateSubscription,
  updateAutomationAssignments,
  updateHold,
  validateHold,
} from "@holdfast/services";
import { z } from "zod";
import { type CompatDeps, portfolioFor, serviceFor } from "../src/context.ts";

/**
 * The use cases the compatibility routes share with the tRPC procedures,
 * called directly for the tests' cross-checks and set-up: each parses its
 * input and output with the shared schemas and resolves the tenant and the
 * permission as the procedures do, so what a test reads here is what any
 * other surface reads.
 */
export function servicesApi(deps: CompatDeps, principal: Principal, requestId = "test") {
  const call =
    <I extends z.ZodType, O extends z.ZodType>(
      permission: Permission | ((input: z.output<I>) => Permission),
      input: I,
      output: O,
      run: (ctx: ServiceContext, input: z.output<I>) => Promise<unknown>,
    ) =>
    async (raw: z.input<I>): Promise<z.output<O>> => {
      const parsed = input.parse(raw);
      const tenantLocator = (parsed as { tenantLocator?: string }).tenantLocator;
      const needed = typeof permission === "function" ? permission(parsed) : permission;
      return output.parse(await run(serviceFor(deps, principal, tenantLocator, needed, requestId), parsed));
    };
  const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

  return {
    holds: {
      create: call("holds:write", createHoldInput, holdOutput, createHold),
      update: call("holds:write", updateHoldInput, holdOutput, updateHold),
      validate: call("holds:write", moveHoldInput, holdOutput, validateHold),
      activate: call("holds:write", moveHoldInput, holdOutput, activateHold),
      release: call("holds:write", moveHoldInput, holdOutput, releaseHold),
      reset: call("holds:write", moveHoldInput, holdOutput, resetHold),
      discard: call("holds:write", moveHoldInput, holdOutput, discardHold),
      get: call("holds:read", getHoldInput, holdOutput, getHold),
      listByAccount: call("holds:list", listAccountHoldsInput, accountHoldListOutput, listAccountHolds),
      list: call("holds:list", listHoldsInput, holdPageOutput, listHolds),
      effect: call("holds:read", holdEffectInput, holdEffectOutput, getHoldEffect),
    },
    automations: {
      /** Across every tenant the caller may read automations in (Mews portfolio access). */
      getAll: async (raw: z.input<typeof getAllAutomationsInput>) =>
        automationListOutput.parse(
          await getAllAutomations(
            portfolioFor(deps, principal, "automations:read", requestId),
            getAllAutomationsInput.parse(raw),
          ),
        ),
      add: call(
        "automations:write",
        addAutomationsInput,
        z.object({ automations: z.array(automationOutput) }),
        async (ctx, i) => ({ automations: await addAutomations(ctx, i) }),
      ),
      updateAssignments: call(
        "automations:write",
        updateAssignmentsInput,
        automationOutput,
        updateAutomationAssignments,
      ),
      delete: call("automations:write", deleteAutomationsInput, z.object({}), deleteAutomations),
    },
    subscriptions: {
      create: call("subscriptions:write", createSubscriptionInput, subscriptionOutput, createSubscription),
      activate: call("subscriptions:write", moveSubscriptionInput, subscriptionOutput, activateSubscription),
      terminate: call("subscriptions:write", moveSubscriptionInput, subscriptionOutput, terminateSubscription),
      get: call("subscriptions:read", getSubscriptionInput, subscriptionOutput, getSubscription),
      extendGracePeriod: call("subscriptions:write", extendGracePeriodInput, actionOutput.partial(), extendGracePeriod),
      listActions: call("subscriptions:read", listActionsInput, page(actionOutput), listSubscriptionActions),
    },
    audit: {
      /** An entity's history; none at all means unknown or another tenant's. */
      history: call(
        (i) => historyReadPermission(i.entityType) ?? "admin",
        auditHistoryInput,
        z.array(auditEventOutput),
        listEntityHistory,
      ),
    },
  };
}

export type ServicesApi = ReturnType<typeof servicesApi>;
