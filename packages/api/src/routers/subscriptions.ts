import {
  actionOutput,
  cancelActionInput,
  createSubscriptionInput,
  extendGracePeriodInput,
  getSubscriptionInput,
  invoiceOutput,
  listActionsInput,
  listInvoicesInput,
  listSubscriptionsInput,
  moveSubscriptionInput,
  recordPaymentInput,
  subscriptionOutput,
  tenantSettingsOutput,
  updateSettingsInput,
  zScope,
} from "@holdfast/domain";
import * as subs from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

const read = scopedProcedure("subscriptions:read");
const write = scopedProcedure("subscriptions:write");
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const subscriptionsRouter = router({
  create: write
    .input(createSubscriptionInput)
    .output(subscriptionOutput)
    .mutation(({ ctx, input }) => subs.createSubscription(ctx.service, { ...input, tenantId: ctx.tenantId })),
  activate: write
    .input(moveSubscriptionInput)
    .output(subscriptionOutput)
    .mutation(({ ctx, input }) => subs.moveSubscription(ctx.service, "activate", { ...input, tenantId: ctx.tenantId })),
  terminate: write
    .input(moveSubscriptionInput)
    .output(subscriptionOutput)
    .mutation(({ ctx, input }) =>
      subs.moveSubscription(ctx.service, "terminate", { ...input, tenantId: ctx.tenantId }),
    ),
  get: read
    .input(getSubscriptionInput)
    .output(subscriptionOutput)
    .query(({ ctx, input }) => subs.getSubscription(ctx.db, ctx.clock, ctx.tenantId, input.locator)),
  /** all, in grace, lapsing within N days, lapsed. */
  list: read
    .input(listSubscriptionsInput)
    .output(page(subscriptionOutput))
    .query(({ ctx, input }) => subs.listSubscriptions(ctx.db, ctx.clock, { ...input, tenantId: ctx.tenantId })),
  /** CRM.COM extend grace period: now, or on a scheduled date. The answer is projected by fieldsSet. */
  extendGracePeriod: write
    .input(extendGracePeriodInput)
    .output(actionOutput.partial())
    .mutation(({ ctx, input }) => subs.extendGracePeriod(ctx.service, { ...input, tenantId: ctx.tenantId })),
  listActions: read
    .input(listActionsInput)
    .output(page(actionOutput))
    .query(({ ctx, input }) => subs.listSubscriptionActions(ctx.db, ctx.tenantId, input)),
  cancelAction: write
    .input(cancelActionInput)
    .output(actionOutput)
    .mutation(({ ctx, input }) => subs.cancelScheduledAction(ctx.service, { ...input, tenantId: ctx.tenantId })),
});

export const invoicesRouter = router({
  list: read
    .input(listInvoicesInput)
    .output(page(invoiceOutput))
    .query(({ ctx, input }) => subs.listInvoices(ctx.db, { ...input, tenantId: ctx.tenantId })),
  recordPayment: write
    .input(recordPaymentInput)
    .output(invoiceOutput)
    .mutation(({ ctx, input }) => subs.recordPayment(ctx.service, { ...input, tenantId: ctx.tenantId })),
});

export const settingsRouter = router({
  get: read
    .input(z.strictObject({ ...zScope }).default({}))
    .output(tenantSettingsOutput)
    .query(({ ctx }) => subs.getTenantSettings(ctx.db, ctx.tenantId)),
  update: scopedProcedure("admin")
    .input(updateSettingsInput)
    .output(tenantSettingsOutput)
    .mutation(({ ctx, input }) => subs.updateTenantSettings(ctx.service, { ...input, tenantId: ctx.tenantId })),
});
