import {
  actionOutput,
  cancelActionInput,
  createSubscriptionInput,
  extendGraceManyInput,
  extendGraceManyOutput,
  extendGracePeriodInput,
  getSubscriptionInput,
  listActionsInput,
  listSubscriptionsInput,
  moveSubscriptionInput,
  subscriptionOutput,
  terminateSubscriptionInput,
} from "@holdfast/domain";
import {
  activateSubscription,
  cancelScheduledAction,
  createSubscription,
  extendGraceMany,
  extendGracePeriod,
  getSubscription,
  listSubscriptionActions,
  listSubscriptions,
  terminateSubscription,
} from "@holdfast/services";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc.ts";

const read = scopedProcedure("subscriptions:read");
const write = scopedProcedure("subscriptions:write");

/** A keyset page of items. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const subscriptionsRouter = router({
  create: write
    .input(createSubscriptionInput)
    .output(subscriptionOutput)
    .mutation(({ ctx, input }) => createSubscription(ctx.service, input)),
  activate: write
    .input(moveSubscriptionInput)
    .output(subscriptionOutput)
    .mutation(({ ctx, input }) => activateSubscription(ctx.service, input)),
  terminate: write
    .input(terminateSubscriptionInput)
    .output(subscriptionOutput)
    .mutation(({ ctx, input }) => terminateSubscription(ctx.service, input)),
  get: read
    .input(getSubscriptionInput)
    .output(subscriptionOutput)
    .query(({ ctx, input }) => getSubscription(ctx.service, input)),
  /** all, in grace, lapsing within N days, lapsed. */
  list: read
    .input(listSubscriptionsInput)
    .output(page(subscriptionOutput))
    .query(({ ctx, input }) => listSubscriptions(ctx.service, input)),
  /** CRM.COM extend grace period: now, or on a scheduled date. The answer is projected by fieldsSet. */
  extendGracePeriod: write
    .input(extendGracePeriodInput)
    .output(actionOutput.partial())
    .mutation(({ ctx, input }) => extendGracePeriod(ctx.service, input)),
  /** Extends the grace of many subscriptions (by locators, or a list filter's matches, at most 500); answers per item. */
  extendGraceMany: write
    .input(extendGraceManyInput)
    .output(extendGraceManyOutput)
    .mutation(({ ctx, input }) => extendGraceMany(ctx.service, input)),
  listActions: read
    .input(listActionsInput)
    .output(page(actionOutput))
    .query(({ ctx, input }) => listSubscriptionActions(ctx.service, input)),
  cancelAction: write
    .input(cancelActionInput)
    .output(actionOutput)
    .mutation(({ ctx, input }) => cancelScheduledAction(ctx.service, input)),
});
