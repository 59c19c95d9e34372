import {
  removeDirectoryNameInput,
  setDirectoryNameInput,
  tenantSettingsOutput,
  updateSettingsInput,
  zDirectoryKind,
  zScope,
} from "@holdfast/domain";
import { getTenantSettings, removeDirectoryName, setDirectoryName, updateTenantSettings } from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

export const settingsRouter = router({
  /** Any member of the tenant may read them: the dashboard shows dates and times in the tenant's zone. */
  get: scopedProcedure(() => null)
    .input(z.strictObject({ ...zScope }).default({}))
    .output(tenantSettingsOutput)
    .query(({ ctx }) => getTenantSettings(ctx.service)),
  update: scopedProcedure("admin")
    .input(updateSettingsInput)
    .output(tenantSettingsOutput)
    .mutation(({ ctx, input }) => updateTenantSettings(ctx.service, input)),
  /** Names a service or company for the automation pickers (adds or renames it). */
  setDirectoryName: scopedProcedure("admin")
    .input(setDirectoryNameInput)
    .output(z.object({ kind: zDirectoryKind, id: z.string(), name: z.string(), updatedAt: z.string() }))
    .mutation(({ ctx, input }) => setDirectoryName(ctx.service, input)),
  removeDirectoryName: scopedProcedure("admin")
    .input(removeDirectoryNameInput)
    .output(z.object({}))
    .mutation(({ ctx, input }) => removeDirectoryName(ctx.service, input)),
});
