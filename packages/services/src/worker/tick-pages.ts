import { schema } from "@holdfast/db";
import { desc, lt } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { splitPage } from "../paging.ts";
import { ownCounts, publicWorkerId } from "./run-tick.ts";

/**
 * The worker's ticks, newest first, in keyset pages (the cursor is the last
 * tick id of the previous page), as the context's tenant sees them: its own
 * counts and errors only, the worker's public id.
 */
export async function listWorkerTicks(ctx: ServiceContext, input: { cursor?: string | null; limit: number }) {
  const t = schema.workerTicks;
  const rows = await ctx.db
    .select()
    .from(t)
    .where(input.cursor ? lt(t.id, input.cursor) : undefined)
    .orderBy(desc(t.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      workerId: publicWorkerId(r.workerId),
      status: r.status,
      clockAt: r.clockAt.toISOString(),
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      counts: ownCounts(r.counts, ctx.tenantId),
      errors: r.errors.filter((e) => e.startsWith(`tenant ${ctx.tenantId}:`) || !e.startsWith("tenant ")),
    })),
    nextCursor,
  };
}
