import type { DomainEvent } from "@holdfast/domain";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

export { WebhookVerificationError };

/** The event a verified webhook delivery carries. */
export type HoldfastWebhookEvent = DomainEvent;

/** A delivery's headers: a fetch `Headers`, or a plain object such as Node's `req.headers`. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

const HEADER_NAMES = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;

function pickHeaders(headers: WebhookHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  if (typeof (headers as Headers).get === "function") {
    for (const name of HEADER_NAMES) {
      const value = (headers as Headers).get(name);
      if (value !== null) picked[name] = value;
    }
    return picked;
  }
  for (const [key, value] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    const name = key.toLowerCase();
    if (!(HEADER_NAMES as readonly string[]).includes(name) || value === undefined) continue;
    picked[name] = typeof value === "string" ? value : value.join(" ");
  }
  return picked;
}

/**
 * Verifies a Holdfast webhook delivery (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature` with v1 HMAC-SHA256 signatures, timestamp within 5 minutes) and returns
 * its event. `secret` is the endpoint's `whsec_…` secret; `rawBody` is the request body exactly
 * as received (verify before any JSON parsing). While a secret rotates the delivery carries
 * several signatures (`v1,a v1,b`) and one valid signature is enough.
 * Throws `WebhookVerificationError` on missing headers, a bad signature or an old or future timestamp.
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  rawBody: string | Uint8Array,
): HoldfastWebhookEvent {
  const event = new Webhook(secret).verify(rawBody, pickHeaders(headers));
  if (typeof event !== "object" || event === null) {
    throw new WebhookVerificationError("Webhook body is not a JSON event");
  }
  return event as HoldfastWebhookEvent;
}
