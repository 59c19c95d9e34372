import { globalSearchInput, globalSearchOutput } from "@holdfast/domain";
import { searchGlobal } from "@holdfast/services";
import { router, scopedProcedure } from "../trpc.ts";

export const searchRouter = router({
  /** The header's search; any member may call it, and each group needs its read permission (else it is empty). */
  global: scopedProcedure(() => null)
    .input(globalSearchInput)
    .output(globalSearchOutput)
    .query(({ ctx, input }) => searchGlobal(ctx.service, input)),
});
