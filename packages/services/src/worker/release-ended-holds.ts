import { schema } from "@holdfast/db";
import type { BusinessDate } from "@holdfast/domain";
import { and, eq, isNotNull, lt, sql } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import { actorLabel, type ServiceContext } from "../context.ts";
import { loadHoldRecords, replaceClaims, toHoldOutput, toRecord } from "../holds/hold-store.ts";

export const END_DATE_REACHED = "end_date_reached";

/**
 * Releases the tenant's active holds whose end date is before `today`.
 * Claims due rows in short transactions with FOR UPDATE SKIP LOCKED, so any
 * number of workers can run; the state and version predicates make a repeat a no-op.
 */
export async function releaseEndedHolds(
  ctx: ServiceContext,
  { today, batchSize = 200 }: { today: BusinessDate; batchSize?: number },
): Promise<number> {
  const { tenantId } = ctx;
  let released = 0;
  for (;;) {
    const n = await ctx.db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(schema.holds)
        .where(
          and(
            eq(schema.holds.tenantId, tenantId),
            eq(schema.holds.state, "active"),
            isNotNull(schema.holds.endDate),
            lt(schema.holds.endDate, today),
          ),
        )
        .orderBy(schema.holds.endDate)
        .limit(batchSize)
        .for("update", { skipLocked: true });
      if (due.length === 0) return 0;
      const records = await loadHoldRecords(tx, due);
      const now = ctx.clock.now();
      const by = actorLabel(ctx.actor);
      for (const current of records) {
        const [row] = await tx
          .update(schema.holds)
          .set({
            state: "released",
            releaseReason: END_DATE_REACHED,
            releasedAt: now,
            releasedBy: by,
            updatedAt: now,
            updatedBy: by,
            version: sql`${schema.holds.version} + 1`,
          })
          .where(
            and(
              eq(schema.holds.id, current.locator),
              eq(schema.holds.state, "active"),
              eq(schema.holds.version, current.row.version),
            ),
          )
          .returning();
        if (!row) continue;
        await replaceClaims(tx, null, row.id);
        await recordAudit(tx, ctx, {
          tenantId,
          entityType: "hold",
          entityId: row.id,
          action: "release",
          before: toHoldOutput(current, today),
          after: toHoldOutput(toRecord(row, current.targets, current.characteristics), today),
        });
      }
      return records.length;
    });
    released += n;
    if (n < batchSize) return released;
  }
}
