import {
  createdWebhookOutput,
  createWebhookInput,
  listWebhooksInput,
  replayWebhookInput,
  sendTestWebhookInput,
  updateWebhookInput,
  webhookDeliveriesInput,
  webhookDeliveryOutput,
  webhookDeliveryPageOutput,
  webhookLocatorInput,
  webhookOutput,
  webhookPageOutput,
} from "@holdfast/domain";
import {
  createWebhook,
  deleteWebhook,
  listWebhookDeliveries,
  listWebhooks,
  replayWebhook,
  rotateWebhookSecret,
  sendTestWebhook,
  updateWebhook,
} from "@holdfast/services";
import { router, scopedProcedure } from "../trpc.ts";

const admin = scopedProcedure("admin");

export const webhooksRouter = router({
  /** A new endpoint; the answer carries its `whsec_…` signing secret, shown this once. */
  create: admin
    .input(createWebhookInput)
    .output(createdWebhookOutput)
    .mutation(({ ctx, input }) => createWebhook(ctx.service, input)),
  /** The tenant's endpoints, newest first: never a secret. */
  list: admin
    .input(listWebhooksInput)
    .output(webhookPageOutput)
    .query(({ ctx, input }) => listWebhooks(ctx.service, input)),
  /** URL, event types, description, enabled; at the version last read. */
  update: admin
    .input(updateWebhookInput)
    .output(webhookOutput)
    .mutation(({ ctx, input }) => updateWebhook(ctx.service, input)),
  delete: admin
    .input(webhookLocatorInput)
    .output(webhookOutput)
    .mutation(({ ctx, input }) => deleteWebhook(ctx.service, input)),
  /** A new secret, shown this once; the old one also signs for 24 h. */
  rotateSecret: admin
    .input(webhookLocatorInput)
    .output(createdWebhookOutput)
    .mutation(({ ctx, input }) => rotateWebhookSecret(ctx.service, input)),
  /** An endpoint's deliveries, newest first, with their latest attempts. */
  deliveries: admin
    .input(webhookDeliveriesInput)
    .output(webhookDeliveryPageOutput)
    .query(({ ctx, input }) => listWebhookDeliveries(ctx.service, input)),
  /** One of the tenant's events (of the last 30 days) delivered again to one endpoint. */
  replay: admin
    .input(replayWebhookInput)
    .output(webhookDeliveryOutput)
    .mutation(({ ctx, input }) => replayWebhook(ctx.service, input)),
  /** A `webhook.test` event delivered to one endpoint. */
  sendTest: admin
    .input(sendTestWebhookInput)
    .output(webhookDeliveryOutput)
    .mutation(({ ctx, input }) => sendTestWebhook(ctx.service, input)),
});
