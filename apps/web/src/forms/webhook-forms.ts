/**
 * The webhook endpoint form, built from the server's own input schema: the
 * URL (http or https), at least one event type, and a description.
 */
import { createWebhookInput, zText } from "@holdfast/domain";
import { z } from "zod";

export const webhookForm = z.object({
  url: createWebhookInput.shape.url,
  eventTypes: createWebhookInput.shape.eventTypes,
  description: zText(500),
});
export type WebhookFormValues = z.input<typeof webhookForm>;
