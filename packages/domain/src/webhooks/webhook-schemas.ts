import { z } from "zod";
import { zLocator, zMutation, zScope, zText, zVersion } from "../common-schemas.ts";
import { EVENT_TYPES, zEventType } from "../events/event-schemas.ts";

/** An endpoint's URL: http or https, at most 2,048 characters; where it resolves is checked when sending. */
export const zWebhookUrl = zText(2048).pipe(
  z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }),
);

const zEventTypes = z
  .array(zEventType)
  .min(1, { error: "must name at least one event type" })
  .max(EVENT_TYPES.length)
  .transform((ts) => [...new Set(ts)]);

export const createWebhookInput = z.strictObject({
  ...zMutation,
  url: zWebhookUrl,
  eventTypes: zEventTypes,
  description: zText(500).default(""),
});
export type CreateWebhookInput = z.output<typeof createWebhookInput>;

export const listWebhooksInput = z
  .strictObject({
    ...zScope,
    cursor: zLocator.nullish(),
    /** Sent by tRPC's infinite queries; pages always run newest first. */
    direction: z.enum(["forward", "backward"]).optional(),
    limit: z.number().int().min(1).max(100).default(50),
  })
  .default({ limit: 50 });
export type ListWebhooksInput = z.output<typeof listWebhooksInput>;

export const updateWebhookInput = z.strictObject({
  ...zMutation,
  locator: zLocator,
  /** The version last read: a stale one is a CONFLICT. */
  version: zVersion,
  url: zWebhookUrl.optional(),
  eventTypes: zEventTypes.optional(),
  description: zText(500).optional(),
  /** false disables the endpoint; true enables it again (and clears `failing`). */
  enabled: z.boolean().optional(),
});
export type UpdateWebhookInput = z.output<typeof updateWebhookInput>;

export const webhookLocatorInput = z.strictObject({ ...zMutation, locator: zLocator });
export type WebhookLocatorInput = z.output<typeof webhookLocatorInput>;

/** An endpoint as listed: never its secret, only the secret's first characters. */
export const webhookOutput = z.object({
  locator: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()),
  status: z.enum(["enabled", "failing", "disabled"]),
  secretPrefix: z.string(),
  /** After a rotation, the old secret signs too until then. */
  previousSecretExpiresAt: z.string().nullable(),
  failingSince: z.string().nullable(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});
export type WebhookOutput = z.infer<typeof webhookOutput>;

/** An endpoint just made (or its secret just rotated), with the `whsec_…` secret shown this once. */
export const createdWebhookOutput = webhookOutput.extend({ secret: z.string() });
export type CreatedWebhookOutput = z.infer<typeof createdWebhookOutput>;

export const webhookPageOutput = z.object({ items: z.array(webhookOutput), nextCursor: z.string().nullable() });
export type WebhookPageOutput = z.infer<typeof webhookPageOutput>;

export const webhookDeliveriesInput = z.strictObject({
  ...zScope,
  endpoint: zLocator,
  status: z.enum(["pending", "succeeded", "failed"]).optional(),
  cursor: zLocator.nullish(),
  /** Sent by tRPC's infinite queries; pages always run newest first. */
  direction: z.enum(["forward", "backward"]).optional(),
  limit: z.number().int().min(1).max(100).default(50),
});
export type WebhookDeliveriesInput = z.output<typeof webhookDeliveriesInput>;

export const webhookAttemptOutput = z.object({
  attemptedAt: z.string(),
  durationMs: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  responseBody: z.string().nullable(),
});

export const webhookDeliveryOutput = z.object({
  locator: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  origin: z.enum(["event", "replay", "test"]),
  status: z.enum(["pending", "succeeded", "failed"]),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  /** The latest attempts, newest first (at most 10). */
  recentAttempts: z.array(webhookAttemptOutput),
});
export type WebhookDeliveryOutput = z.infer<typeof webhookDeliveryOutput>;

export const webhookDeliveryPageOutput = z.object({
  items: z.array(webhookDeliveryOutput),
  nextCursor: z.string().nullable(),
});
export type WebhookDeliveryPageOutput = z.infer<typeof webhookDeliveryPageOutput>;

export const replayWebhookInput = z.strictObject({ ...zMutation, eventId: zLocator, endpoint: zLocator });
export type ReplayWebhookInput = z.output<typeof replayWebhookInput>;

export const sendTestWebhookInput = z.strictObject({ ...zMutation, endpoint: zLocator });
export type SendTestWebhookInput = z.output<typeof sendTestWebhookInput>;

/** Deliveries are retried for up to 3 days; the endpoint is then marked failing. */
export const WEBHOOK_RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
/** A rotated secret keeps signing for 24 h. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

/**
 * The type of the synthetic event `webhooks.sendTest` delivers. Its
 * domain_events row is written already dispatched (fan-out skips it), about
 * entity `webhook_endpoint` and the endpoint's locator; it is not one of
 * EVENT_TYPES, so events.list and subscriptions never see it.
 */
export const WEBHOOK_TEST_EVENT_TYPE = "webhook.test";
