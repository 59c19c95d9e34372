import { auditEventOutput, auditHistoryInput, historyReadPermission } from "@holdfast/domain";
import { listEntityHistory } from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

const permissionFor = (raw: unknown) =>
  historyReadPermission(raw && typeof raw === "object" ? (raw as { entityType?: unknown }).entityType : undefined);

export const auditRouter = router({
  /** An entity's history; reading it needs read access to that kind of entity. */
  history: scopedProcedure(permissionFor)
    .input(auditHistoryInput)
    .output(z.array(auditEventOutput))
    .query(({ ctx, input }) => listEntityHistory(ctx.service, input)),
});
