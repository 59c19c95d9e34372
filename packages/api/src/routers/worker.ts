import { zScope } from "@holdfast/domain";
import { workerStatus } from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

const tick = z.object({
  id: z.string(),
  workerId: z.string(),
  status: z.string(),
  clockAt: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  counts: z.record(z.string(), z.number()),
  errors: z.array(z.string()),
});

export const workerRouter = router({
  /** The last ticks, their counts and errors, and how long since one finished. */
  /** Any member of the tenant may see it (the worker serves holds and subscriptions alike). */
  status: scopedProcedure(() => null)
    .input(z.strictObject({ ...zScope, limit: z.number().int().min(1).max(200).default(20) }).default({ limit: 20 }))
    .output(
      z.object({
        now: z.string(),
        today: z.string(),
        processedThrough: z.string().nullable(),
        lagDays: z.number().int().nullable(),
        lagSeconds: z.number().nullable(),
        dueInvoices: z.number().int(),
        ticks: z.array(tick),
      }),
    )
    .query(({ ctx, input }) => workerStatus(ctx.service, input)),
});
