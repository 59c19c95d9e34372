import { lookup } from "node:dns/promises";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * SSRF protection for webhook deliveries. Before each send the endpoint's host
 * is resolved (every address) and refused if any address is not public
 * unicast: loopback, private (10/8, 172.16/12, 192.168/16), link-local
 * (169.254/16, fe80::/10, cloud metadata), unique-local (fc00::/7), CGNAT
 * (100.64/10), multicast, unspecified, broadcast and the reserved ranges,
 * IPv4-mapped IPv6 judged as its IPv4 address. `allowPrivate`
 * (HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1) lifts the check. The request then
 * connects to the checked address (`pinnedLookup`), so the name cannot
 * resolve elsewhere between the check and the connection (DNS rebinding).
 */
export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/** A refused destination; the message says which address and why, and is recorded on the attempt. */
export class WebhookAddressRefused extends Error {
  override name = "WebhookAddressRefused";
}

/** The range ipaddr.js gives a non-public address (`loopback`, `private`, …), or null for public unicast. */
export function nonPublicRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return "invalid";
  const range = ipaddr.process(address).range();
  return range === "unicast" ? null : range;
}

const DESCRIPTIONS: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private address",
  linkLocal: "a link-local address",
  uniqueLocal: "a unique-local address",
  carrierGradeNat: "a carrier-grade NAT address",
  multicast: "a multicast address",
  unspecified: "the unspecified address",
  broadcast: "a broadcast address",
};

function refusal(address: string, range: string): WebhookAddressRefused {
  const what = DESCRIPTIONS[range] ?? `a reserved address (${range})`;
  return new WebhookAddressRefused(
    `refused: ${address} is ${what}; set HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1 to deliver to private networks`,
  );
}

/**
 * Throws `WebhookAddressRefused` unless `address` is public unicast (or
 * `allowPrivate`). Pure: connects to nothing.
 */
export function assertDeliverableAddress(address: string, allowPrivate: boolean): void {
  if (allowPrivate) return;
  const range = nonPublicRange(address);
  if (range) throw refusal(address, range);
}

/** The URL's host as a bare name or address (IPv6 without brackets). */
export function urlHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Every address `host` resolves to, each checked; the first is the one to
 * connect to. An IP literal is checked as it is, without a lookup.
 */
export async function resolveDeliveryAddress(host: string, allowPrivate: boolean): Promise<CheckedAddress> {
  const addresses = ipaddr.isValid(host)
    ? [{ address: host, family: host.includes(":") ? 6 : 4 }]
    : await lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new Error(`${host} resolves to no address`);
  for (const a of addresses) assertDeliverableAddress(a.address, allowPrivate);
  const first = addresses[0] as { address: string; family: number };
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** A `lookup` for http.request that answers with the already checked address, whatever the name. */
export function pinnedLookup(checked: CheckedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) {
      (callback as unknown as (e: null, a: CheckedAddress[]) => void)(null, [checked]);
    } else {
      callback(null, checked.address, checked.family);
    }
  };
}
