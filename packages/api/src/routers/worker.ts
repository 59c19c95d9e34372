import {
  workerDailyEffectsInput,
  workerDailyEffectsOutput,
  workerStatusOutput,
  workerTicksInput,
  workerTicksOutput,
  zScope,
} from "@holdfast/domain";
import { listWorkerDailyEffects, listWorkerTicks, workerStatus } from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

export const workerRouter = router({
  /** The last ticks, their counts and errors, how long since one finished, the live workers and whether they are stalled. */
  /** Any member of the tenant may see it (the worker serves holds and subscriptions alike). */
  status: scopedProcedure(() => null)
    .input(z.strictObject({ ...zScope, limit: z.number().int().min(1).max(200).default(20) }).default({ limit: 20 }))
    .output(workerStatusOutput)
    .query(({ ctx, input }) => workerStatus(ctx.service, input)),
  /** Tick history, newest first, keyset-paged; each tick with this tenant's counts and errors only. Any member may see it. */
  ticks: scopedProcedure(() => null)
    .input(workerTicksInput)
    .output(workerTicksOutput)
    .query(({ ctx, input }) => listWorkerTicks(ctx.service, input)),
  /** The worker's effects per business day (last 30 days by default, at most 90). Any member may see it. */
  dailyEffects: scopedProcedure(() => null)
    .input(workerDailyEffectsInput)
    .output(workerDailyEffectsOutput)
    .query(({ ctx, input }) => listWorkerDailyEffects(ctx.service, input)),
});
