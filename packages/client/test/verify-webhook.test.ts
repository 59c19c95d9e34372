import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { type DomainEventOutput, verifyWebhook, WebhookVerificationError } from "../src/index.ts";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const secret = newSecret();

const event: DomainEventOutput = {
  id: "01JEVENT0000000000000000000",
  type: "hold.created",
  version: 1,
  tenantLocator: "acme",
  entity: { type: "hold", id: "H-1" },
  occurredAt: "2026-12-07T08:00:00.000Z",
  requestId: "req-1",
  data: { locator: "H-1", status: "draft" },
};
const body = JSON.stringify(event);

/** Headers of a delivery signed with the library itself. */
function signed(payload: string, signingSecret = secret, at = new Date()) {
  const id = "msg_1";
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(signingSecret).sign(id, at, payload),
  };
}

describe("verifyWebhook", () => {
  it("returns the event of a delivery signed with the Standard Webhooks library", () => {
    expect(verifyWebhook(secret, signed(body), body)).toEqual(event);
  });

  it("takes a fetch Headers instance, header names in any case, and a byte body", () => {
    const headers = new Headers(signed(body));
    expect(verifyWebhook(secret, headers, new TextEncoder().encode(body))).toEqual(event);
    const upper = Object.fromEntries(Object.entries(signed(body)).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(secret, upper, body).type).toBe("hold.created");
  });

  it("takes Node's req.headers and a Buffer body", () => {
    const headers: IncomingHttpHeaders = { ...signed(body), "content-type": "application/json", "set-cookie": ["a=b"] };
    expect(verifyWebhook(secret, headers, Buffer.from(body))).toEqual(event);
  });

  it("refuses a tampered body", () => {
    const tampered = body.replace('"H-1"', '"H-2"');
    expect(() => verifyWebhook(secret, signed(body), tampered)).toThrow(
      new WebhookVerificationError("No matching signature found"),
    );
  });

  it("refuses a delivery signed with another secret", () => {
    expect(() => verifyWebhook(secret, signed(body, newSecret()), body)).toThrow(/No matching signature found/);
  });

  it("refuses a timestamp older than 5 minutes, and one more than 5 minutes ahead", () => {
    const old = signed(body, secret, new Date(Date.now() - 6 * 60_000));
    expect(() => verifyWebhook(secret, old, body)).toThrow(/timestamp too old/);
    const ahead = signed(body, secret, new Date(Date.now() + 6 * 60_000));
    expect(() => verifyWebhook(secret, ahead, body)).toThrow(/timestamp too new/);
  });

  it("refuses a delivery without its headers", () => {
    const { "webhook-signature": _, ...unsigned } = signed(body);
    expect(() => verifyWebhook(secret, unsigned, body)).toThrow(/Missing required headers/);
  });

  it("during a rotation accepts the delivery when one of its signatures is valid", () => {
    const headers = signed(body);
    const other = signed(body, newSecret())["webhook-signature"];
    const rotated = { ...headers, "webhook-signature": `${other} ${headers["webhook-signature"]}` };
    expect(verifyWebhook(secret, rotated, body)).toEqual(event);
    const bothWrong = { ...headers, "webhook-signature": `${other} ${signed(body, newSecret())["webhook-signature"]}` };
    expect(() => verifyWebhook(secret, bothWrong, body)).toThrow(WebhookVerificationError);
  });

  it("refuses a verified body that is not a JSON object", () => {
    expect(() => verifyWebhook(secret, signed("42"), "42")).toThrow(/not a JSON event/);
  });
});
