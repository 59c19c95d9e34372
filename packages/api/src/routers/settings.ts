import { tenantSettingsOutput, updateSettingsInput, zScope } from "@holdfast/domain";
import { getTenantSettings, updateTenantSettings } from "@holdfast/services";
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
});
