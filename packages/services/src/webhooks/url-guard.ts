import ipaddr from "ipaddr.js";
import { nonPublicRange } from "./delivery-guard.ts";

/**
 * Webhooks go to the public internet only: an address that is loopback,
 * private, link-local, unique-local, multicast, reserved or otherwise not
 * global unicast is refused (IPv4-mapped IPv6 is judged as its IPv4), unless
 * `HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1`. `checkWebhookUrl` refuses such literal
 * hosts when an endpoint is saved; the sender checks every address a name
 * resolves to with `isPrivateAddress` before it connects.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  return nonPublicRange(bare) !== null;
}

/** `HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1` lets webhooks reach private and loopback addresses (tests, closed networks). */
export function allowPrivateWebhooksFromEnv(value: string | undefined): boolean {
  return value === "1";
}

/** A literal host name that can only be this machine. */
function isLocalName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return h === "localhost" || h.endsWith(".localhost");
}

/**
 * Why a webhook URL is refused before anything is resolved, or null: not
 * http(s), malformed, with credentials, or (unless `allowPrivate`) a literal
 * private address or `localhost`. Names are judged where they resolve, at send time.
 */
export function checkWebhookUrl(url: string, options: { allowPrivate: boolean }): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an http:// or https:// URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "must be an http:// or https:// URL";
  if (parsed.hostname === "") return "must name a host";
  if (parsed.username !== "" || parsed.password !== "") return "must not carry a user name or password";
  if (options.allowPrivate) return null;
  const host = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (isLocalName(host)) {
    return "must not point at this machine (set HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1 to allow)";
  }
  if (ipaddr.isValid(host) && isPrivateAddress(host)) {
    return "must not point at a loopback, private or link-local address (set HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1 to allow)";
  }
  return null;
}
