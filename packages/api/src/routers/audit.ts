import { auditEventOutput, auditHistoryInput, type Permission } from "@holdfast/domain";
import { listEntityHistory } from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

/** Reading an entity's history needs read access to that kind of entity. */
const READ_PERMISSION: Record<string, Permission> = {
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

const permissionFor = (raw: unknown): Permission | null => {
  const type = raw && typeof raw === "object" ? (raw as { entityType?: unknown }).entityType : undefined;
  return typeof type === "string" && Object.hasOwn(READ_PERMISSION, type) ? (READ_PERMISSION[type] ?? null) : null;
};

export const auditRouter = router({
  /** An entity's history; reading it needs read access to that kind of entity. */
  history: scopedProcedure(permissionFor)
    .input(auditHistoryInput)
    .output(z.array(auditEventOutput))
    .query(({ ctx, input }) => listEntityHistory(ctx.service, input)),
});
