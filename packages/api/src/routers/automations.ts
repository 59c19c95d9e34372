import {
  addAutomationsInput,
  automationListOutput,
  automationOutput,
  deleteAutomationsInput,
  directoryOutput,
  getAllAutomationsInput,
  listDirectoryInput,
  previewRouteInput,
  routePreviewOutput,
  saveAutomationInput,
  updateAssignmentsInput,
  updateAutomationsInput,
} from "@holdfast/domain";
import {
  addAutomations,
  deleteAutomations,
  getAllAutomations,
  listDirectory,
  previewOrderItemRoute,
  saveAutomation,
  updateAutomationAssignments,
  updateAutomations,
} from "@holdfast/services";
import { z } from "zod";
import { portfolioProcedure, router, scopedProcedure } from "../trpc.ts";

const write = scopedProcedure("automations:write");

export const automationsRouter = router({
  /** Mews getAll: across every tenant the caller may read, or the `enterpriseIds` named. */
  getAll: portfolioProcedure("automations:read")
    .input(getAllAutomationsInput)
    .output(automationListOutput)
    .query(({ ctx, input }) => getAllAutomations(ctx.service, input)),
  add: write
    .input(addAutomationsInput)
    .output(z.object({ automations: z.array(automationOutput) }))
    .mutation(async ({ ctx, input }) => ({ automations: await addAutomations(ctx.service, input) })),
  update: write
    .input(updateAutomationsInput)
    .output(z.object({ automations: z.array(automationOutput) }))
    .mutation(async ({ ctx, input }) => ({ automations: await updateAutomations(ctx.service, input) })),
  updateAssignments: write
    .input(updateAssignmentsInput)
    .output(automationOutput)
    .mutation(({ ctx, input }) => updateAutomationAssignments(ctx.service, input)),
  /** One automation's own fields and its assignments together: all of it applies, or none. */
  save: write
    .input(saveAutomationInput)
    .output(automationOutput)
    .mutation(({ ctx, input }) => saveAutomation(ctx.service, input)),
  delete: write
    .input(deleteAutomationsInput)
    .output(z.object({}))
    .mutation(({ ctx, input }) => deleteAutomations(ctx.service, input)),
  /** Which automation and assignment route this order item, to which bill; or why none does. */
  previewRoute: scopedProcedure("automations:read")
    .input(previewRouteInput)
    .output(routePreviewOutput)
    .query(({ ctx, input }) => previewOrderItemRoute(ctx.service, input)),
  /** The services and companies the tenant knows (used by its automations, or named by an admin), with names. */
  directory: scopedProcedure("automations:read")
    .input(listDirectoryInput)
    .output(directoryOutput)
    .query(({ ctx, input }) => listDirectory(ctx.service, input)),
});
