import { schema } from "@holdfast/db";
import type { ReleaseHoldsInput } from "@holdfast/domain";
import { desc } from "drizzle-orm";
import { runBulk } from "../bulk.ts";
import type { ServiceContext } from "../context.ts";
import { releaseHold } from "./hold-commands.ts";
import { holdFilterWhere } from "./hold-queries.ts";

/**
 * Releases the selected holds with one reason: each hold in its own
 * transaction, answered per item (a hold that cannot be released is a failed
 * item, the others are released). A filter selects at most 500 holds.
 */
export function releaseHolds(ctx: ServiceContext, input: ReleaseHoldsInput) {
  const { idempotencyKey, tenantLocator: _t, ...request } = input;
  return runBulk(ctx, {
    operation: "holds.releaseMany",
    idempotencyKey,
    request,
    selection: input.selection,
    expectedCount: input.expectedCount,
    key: "hold",
    resolve: async (db, limit) => {
      const h = schema.holds;
      const filter = input.selection.filter ?? {};
      const rows = await db
        .select({ id: h.id })
        .from(h)
        .where(holdFilterWhere(db, ctx.tenantId, filter))
        .orderBy(desc(h.id))
        .limit(limit);
      return rows.map((r) => r.id);
    },
    each: (locator, key) => releaseHold(ctx, { locator, reason: input.reason, idempotencyKey: key }),
  });
}
