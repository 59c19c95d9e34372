import { schema } from "@holdfast/db";
import type { ExtendGraceManyInput } from "@holdfast/domain";
import { desc } from "drizzle-orm";
import { runBulk } from "../bulk.ts";
import type { ServiceContext } from "../context.ts";
import { tenantToday } from "../tenancy/tenants.ts";
import { extendGracePeriod } from "./grace-extension.ts";
import { subscriptionFilterWhere } from "./subscription-queries.ts";

/**
 * Extends the grace period of the selected subscriptions, each as the single
 * extend-grace call would (its own transaction, its own action), answered per
 * item. A filter selects at most 500 subscriptions.
 */
export function extendGraceMany(ctx: ServiceContext, input: ExtendGraceManyInput) {
  const { idempotencyKey, tenantLocator: _t, ...request } = input;
  const end =
    input.endGracePeriodOn !== undefined
      ? { endGracePeriodOn: input.endGracePeriodOn }
      : { endGracePeriodAfterDays: input.endGracePeriodAfterDays };
  return runBulk(ctx, {
    operation: "subscriptions.extendGraceMany",
    idempotencyKey,
    request,
    selection: input.selection,
    expectedCount: input.expectedCount,
    key: "action",
    resolve: async (db, limit) => {
      const s = schema.subscriptions;
      const today = await tenantToday(db, ctx.clock, ctx.tenantId);
      const filter = input.selection.filter ?? { view: "all" as const };
      const rows = await db
        .select({ id: s.id })
        .from(s)
        .where(subscriptionFilterWhere(ctx.tenantId, today, filter))
        .orderBy(desc(s.id))
        .limit(limit);
      return rows.map((r) => r.id);
    },
    each: (locator, key) =>
      extendGracePeriod(ctx, { subscriptionIdentifier: { id: locator }, ...end, idempotencyKey: key }),
  });
}
