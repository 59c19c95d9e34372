import type { AppRouter } from "@holdfast/api";
import { createTRPCClient, httpBatchLink, httpLink, type TRPCClient, TRPCClientError } from "@trpc/client";

export type {
  DomainEvent,
  DomainEventOf,
  DomainEventOutput,
  EventData,
  EventEntityType,
  EventType,
} from "@holdfast/domain";
export { type HoldfastWebhookEvent, verifyWebhook, type WebhookHeaders, WebhookVerificationError } from "./webhooks.ts";
export type { AppRouter };
export { TRPCClientError };

export interface HoldfastClientOptions {
  /** The server's base URL, e.g. http://localhost:3000 (the client adds /trpc). */
  url: string;
  /** A bearer token (API token or dashboard session). */
  token: string;
  /** Batch concurrent calls into one request (default true). */
  batch?: boolean;
  fetch?: typeof globalThis.fetch;
}

/** The typed client: one method per procedure, e.g. `client.holds.effect.query(input)`. */
export type HoldfastClient = TRPCClient<AppRouter>;

/** A fully typed Holdfast client for other services. */
export function createHoldfastClient(opts: HoldfastClientOptions): HoldfastClient {
  const base = opts.url.replace(/\/+$/, "");
  const link = ((opts.batch ?? true) ? httpBatchLink : httpLink)({
    url: `${base}/trpc`,
    headers: () => ({ authorization: `Bearer ${opts.token}` }),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  return createTRPCClient<AppRouter>({ links: [link] });
}
