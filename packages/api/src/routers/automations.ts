import {
  addAutomationsInput,
  automationListOutput,
  automationOutput,
  deleteAutomationsInput,
  getAllAutomationsInput,
  previewRouteInput,
  routePreviewOutput,
  saveAutomationInput,
  updateAssignmentsInput,
  updateAutomationsInput,
} from "@holdfast/domain";
import * as automations from "@holdfast/services";
import { z } from "zod";
import { portfolioProcedure, router, scopedProcedure } from "../trpc.ts";

const write = scopedProcedure("automations:write");

export const automationsRouter = router({
  /** Mews getAll: across every tenant the caller may read, or the `enterpriseIds` named. */
  getAll: portfolioProcedure("automations:read")
    .input(getAllAutomationsInput)
    .output(automationListOutput)
    .query(({ ctx, input }) => automations.getAllAutomations(ctx.db, ctx.tenantIds, input)),
  add: write
    .input(addAutomationsInput)
    .output(z.object({ automations: z.array(automationOutput) }))
    .mutation(async ({ ctx, input }) => ({
      automations: await automations.addAutomations(ctx.service, { ...input, tenantId: ctx.tenantId }),
    })),
  update: write
    .input(updateAutomationsInput)
    .output(z.object({ automations: z.array(automationOutput) }))
    .mutation(async ({ ctx, input }) => ({
      automations: await automations.updateAutomations(ctx.service, { ...input, tenantId: ctx.tenantId }),
    })),
  updateAssignments: write
    .input(updateAssignmentsInput)
    .output(automationOutput)
    .mutation(({ ctx, input }) =>
      automations.updateAutomationAssignments(ctx.service, { ...input, tenantId: ctx.tenantId }),
    ),
  /** One automation's own fields and its assignments together: all of it applies, or none. */
  save: write
    .input(saveAutomationInput)
    .output(automationOutput)
    .mutation(({ ctx, input }) => automations.saveAutomation(ctx.service, { ...input, tenantId: ctx.tenantId })),
  delete: write
    .input(deleteAutomationsInput)
    .output(z.object({}))
    .mutation(({ ctx, input }) => automations.deleteAutomations(ctx.service, { ...input, tenantId: ctx.tenantId })),
  /** Which automation and assignment route this order item, to which bill; or why none does. */
  previewRoute: scopedProcedure("automations:read")
    .input(previewRouteInput)
    .output(routePreviewOutput)
    .query(({ ctx, input }) =>
      automations.previewOrderItemRoute(ctx.db, ctx.clock, { ...input, tenantId: ctx.tenantId }),
    ),
});
