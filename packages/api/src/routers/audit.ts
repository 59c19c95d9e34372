import {
  auditEventOutput,
  auditHistoryInput,
  auditListInput,
  auditListOutput,
  historyReadPermission,
} from "@holdfast/domain";
import { listAuditLog, listEntityHistory } from "@holdfast/services";
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
  /**
   * The tenant-wide audit log, newest first, keyset-paged. Any member may read it, and sees only the entity types it
   * may read; asking for one type needs read access to it.
   */
  list: scopedProcedure(permissionFor)
    .input(auditListInput)
    .output(auditListOutput)
    .query(({ ctx, input }) => listAuditLog(ctx.service, input)),
});
