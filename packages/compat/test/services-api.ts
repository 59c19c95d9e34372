import {
  AppError,
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
  moveSubscription,
  type Principal,
  portfolioTenantIds,
  releaseHold,
  resetHold,
  type ServiceContext,
  updateAutomationAssignments,
  updateHold,
  validateHold,
} from "@holdfast/services";
import { z } from "zod";
import { type CompatDeps, serviceFor } from "../src/context.ts";

/** Reading an entity's history needs read access to that kind of entity. */
const HISTORY_PERMISSION: Record<string, Permission> = {
  hold: "holds:read",
  account: "holds:read",
  automation: "automations:read",
  subscription: "subscriptions:read",
  subscription_action: "subscriptions:read",
  invoice: "subscriptions:read",
  tenant: "admin",
  user: "admin",
  token: "admin",
};

interface Scope {
  tenantId: string;
  service: ServiceContext;
}

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
      run: (scope: Scope, input: z.output<I>) => Promise<unknown>,
    ) =>
    async (raw: z.input<I>): Promise<z.output<O>> => {
      const parsed = input.parse(raw);
      const tenantLocator = (parsed as { tenantLocator?: string }).tenantLocator;
      const needed = typeof permission === "function" ? permission(parsed) : permission;
      return output.parse(await run(serviceFor(deps, principal, tenantLocator, needed, requestId), parsed));
    };
  const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
  const { db, clock } = deps;

  return {
    holds: {
      create: call("holds:write", createHoldInput, holdOutput, (s, i) =>
        createHold(s.service, { ...i, tenantId: s.tenantId }),
      ),
      update: call("holds:write", updateHoldInput, holdOutput, (s, i) =>
        updateHold(s.service, { ...i, tenantId: s.tenantId }),
      ),
      validate: call("holds:write", moveHoldInput, holdOutput, (s, i) =>
        validateHold(s.service, { ...i, tenantId: s.tenantId }),
      ),
      activate: call("holds:write", moveHoldInput, holdOutput, (s, i) =>
        activateHold(s.service, { ...i, tenantId: s.tenantId }),
      ),
      release: call("holds:write", moveHoldInput, holdOutput, (s, i) =>
        releaseHold(s.service, { ...i, tenantId: s.tenantId }),
      ),
      reset: call("holds:write", moveHoldInput, holdOutput, (s, i) =>
        resetHold(s.service, { ...i, tenantId: s.tenantId }),
      ),
      discard: call("holds:write", moveHoldInput, holdOutput, (s, i) =>
        discardHold(s.service, { ...i, tenantId: s.tenantId }),
      ),
      get: call("holds:read", getHoldInput, holdOutput, (s, i) => getHold(db, clock, s.tenantId, i.locator)),
      listByAccount: call("holds:list", listAccountHoldsInput, accountHoldListOutput, (s, i) =>
        listAccountHolds(db, clock, { ...i, tenantId: s.tenantId }),
      ),
      list: call("holds:list", listHoldsInput, holdPageOutput, (s, i) =>
        listHolds(db, clock, { ...i, tenantId: s.tenantId }),
      ),
      effect: call("holds:read", holdEffectInput, holdEffectOutput, (s, i) =>
        getHoldEffect(db, clock, { ...i, tenantId: s.tenantId }),
      ),
    },
    automations: {
      /** Across every tenant the caller may read automations in (Mews portfolio access). */
      getAll: async (raw: z.input<typeof getAllAutomationsInput>) =>
        automationListOutput.parse(
          await getAllAutomations(
            db,
            portfolioTenantIds(principal, "automations:read"),
            getAllAutomationsInput.parse(raw),
          ),
        ),
      add: call(
        "automations:write",
        addAutomationsInput,
        z.object({ automations: z.array(automationOutput) }),
        async (s, i) => ({ automations: await addAutomations(s.service, { ...i, tenantId: s.tenantId }) }),
      ),
      updateAssignments: call("automations:write", updateAssignmentsInput, automationOutput, (s, i) =>
        updateAutomationAssignments(s.service, { ...i, tenantId: s.tenantId }),
      ),
      delete: call("automations:write", deleteAutomationsInput, z.object({}), (s, i) =>
        deleteAutomations(s.service, { ...i, tenantId: s.tenantId }),
      ),
    },
    subscriptions: {
      create: call("subscriptions:write", createSubscriptionInput, subscriptionOutput, (s, i) =>
        createSubscription(s.service, { ...i, tenantId: s.tenantId }),
      ),
      activate: call("subscriptions:write", moveSubscriptionInput, subscriptionOutput, (s, i) =>
        moveSubscription(s.service, "activate", { ...i, tenantId: s.tenantId }),
      ),
      terminate: call("subscriptions:write", moveSubscriptionInput, subscriptionOutput, (s, i) =>
        moveSubscription(s.service, "terminate", { ...i, tenantId: s.tenantId }),
      ),
      get: call("subscriptions:read", getSubscriptionInput, subscriptionOutput, (s, i) =>
        getSubscription(db, clock, s.tenantId, i.locator),
      ),
      extendGracePeriod: call("subscriptions:write", extendGracePeriodInput, actionOutput.partial(), (s, i) =>
        extendGracePeriod(s.service, { ...i, tenantId: s.tenantId }),
      ),
      listActions: call("subscriptions:read", listActionsInput, page(actionOutput), (s, i) =>
        listSubscriptionActions(db, s.tenantId, i),
      ),
    },
    audit: {
      /** An entity's history; none at all means unknown or another tenant's. */
      history: call(
        (i) => HISTORY_PERMISSION[i.entityType] ?? "admin",
        auditHistoryInput,
        z.array(auditEventOutput),
        async (s, i) => {
          const events = await listEntityHistory(db, s.tenantId, i.entityType, i.entityId);
          if (events.length === 0) throw AppError.notFound(i.entityType, i.entityId);
          return events;
        },
      ),
    },
  };
}

export type ServicesApi = ReturnType<typeof servicesApi>;
