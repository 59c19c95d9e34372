/**
 * The address guard the webhook procedures (at save time) and the sender (for
 * every resolved address) share: only global unicast addresses pass.
 */
import { checkWebhookUrl, isPrivateAddress } from "@holdfast/services";
import { describe, expect, it } from "vitest";

describe("isPrivateAddress", () => {
  it("refuses loopback, private, link-local, unique-local, CGNAT, multicast, reserved and mapped ones", () => {
    for (const a of [
      "127.0.0.1",
      "127.10.0.1",
      "10.0.0.1",
      "172.16.5.4",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "192.0.2.1",
      "::1",
      "::",
      "fe80::1",
      "fd12:3456::1",
      "ff02::1",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
      "[::1]",
      "not an address",
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
  });

  it("lets public unicast addresses through", () => {
    for (const a of ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"]) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });
});

describe("checkWebhookUrl", () => {
  it("refuses other schemes, credentials and literal private hosts; allows them with allowPrivate", () => {
    const strict = { allowPrivate: false };
    expect(checkWebhookUrl("https://hooks.example.com/x", strict)).toBeNull();
    expect(checkWebhookUrl("ftp://hooks.example.com/x", strict)).toMatch(/http/);
    expect(checkWebhookUrl("::nonsense", strict)).toMatch(/http/);
    expect(checkWebhookUrl("https://u:p@hooks.example.com/", strict)).toMatch(/user name/);
    for (const url of [
      "http://localhost:3000/",
      "http://api.localhost/",
      "http://127.0.0.1/",
      "http://[::1]/",
      "http://10.0.0.8/",
    ]) {
      expect(checkWebhookUrl(url, strict), url).toMatch(/HOLDFAST_WEBHOOKS_ALLOW_PRIVATE/);
      expect(checkWebhookUrl(url, { allowPrivate: true }), url).toBeNull();
    }
    // Names are judged where they resolve, when sending.
    expect(checkWebhookUrl("http://internal.example/", strict)).toBeNull();
  });
});
