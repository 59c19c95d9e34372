import { overviewInput, overviewOutput } from "@holdfast/domain";
import { getOverview } from "@holdfast/services";
import { router, scopedProcedure } from "../trpc.ts";

export const overviewRouter = router({
  /** The tenant's figures for today: lapses due, grace periods, holds in effect, overdue invoices, the worker. Any member may read it. */
  get: scopedProcedure(() => null)
    .input(overviewInput)
    .output(overviewOutput)
    .query(({ ctx }) => getOverview(ctx.service)),
});
