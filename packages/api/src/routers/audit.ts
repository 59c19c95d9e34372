import { AppError, auditEventOutput, auditHistoryInput, hasPermission, type Permission } from "@holdfast/domain";
import { listEntityHistory } from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

/** Reading an entity's history needs read access to that kind of entity. */
const READ_PERMISSION: Record<string, Permission> = {
  hold: "holds:read",
  account: "holds:read",
  tenant: "admin",
  user: "admin",
  token: "admin",
};

export const auditRouter = router({
  history: scopedProcedure("holds:read")
    .input(auditHistoryInput)
    .output(z.array(auditEventOutput))
    .query(async ({ ctx, input }) => {
      const needed = READ_PERMISSION[input.entityType] ?? "admin";
      const grant = ctx.principal.grants.find((g) => g.tenantId === ctx.tenantId);
      if (!hasPermission(grant?.permissions ?? [], needed)) {
        throw new AppError("FORBIDDEN", `reading this history needs the ${needed} permission`);
      }
      const events = await listEntityHistory(ctx.db, ctx.tenantId, input.entityType, input.entityId);
      // Every entity has at least its create event: none means unknown or another tenant's.
      if (events.length === 0) throw AppError.notFound(input.entityType, input.entityId);
      return events;
    }),
});
