/**
 * Bodies at the edge, in process: a body longer than 8 KB is read past its
 * first 8 KB only once the token found there authenticates (Mews
 * `AccessToken`, CRM.COM `token`), and JSON nested deeper than 64 levels is
 * refused before it is parsed, in each vendor's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonTooDeepAt, scanStringField } from "../src/body.ts";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

const MEWS = "/api/connector/v1/billingAutomations/getAll";
const CRM = "/crm/subscriptions/extend_grace_period";

let w: CompatWorld;
let token: string;
let tenant: string;

beforeAll(async () => {
  w = await createCompatWorld();
  tenant = await w.tenant("Edge");
  token = await w.token(tenant);
});
afterAll(() => w.close());

const envelope = (accessToken?: string) => ({
  ClientToken: "client",
  ...(accessToken === undefined ? {} : { AccessToken: accessToken }),
  Client: "Edge test 1.0.0",
});
const padding = "x".repeat(20 * 1024);

/** A body streamed in small chunks, counting how much of it the route pulled. */
function streamed(text: string) {
  const bytes = new TextEncoder().encode(text);
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= bytes.length) return controller.close();
      const chunk = bytes.subarray(pulled, pulled + 1024);
      pulled += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { body, pulled: () => pulled };
}

describe("a body over 8 KB", () => {
  it("Mews: without a valid AccessToken in the first 8 KB, 401 after reading only about 8 KB", async () => {
    for (const text of [
      JSON.stringify({ ...envelope(), Padding: padding, AccessToken: token }),
      JSON.stringify({ ...envelope("not-a-valid-token-at-all"), Padding: padding }),
    ]) {
      const s = streamed(text);
      const res = await w.app.request(MEWS, { method: "POST", body: s.body, duplex: "half" } as RequestInit);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ Details: { Code: "UNAUTHORIZED" } });
      expect(s.pulled()).toBeLessThanOrEqual(8 * 1024 + 1024 * 2);
    }
  });

  it("Mews: with a valid AccessToken in the first 8 KB, read to the end (an unknown parameter is then refused)", async () => {
    const s = streamed(JSON.stringify({ ...envelope(token), Padding: padding }));
    const res = await w.app.request(MEWS, { method: "POST", body: s.body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("Padding");
    expect(s.pulled()).toBeGreaterThan(20 * 1024);
  });

  it("CRM.COM: the token in the first 8 KB or the Authorization header lets it be read; neither gives 401", async () => {
    const body = { subscription_identifier: { id: "x" }, udf_string_1: padding };
    const none = await w.request(CRM, { method: "POST", body });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ status: { code: "UNAUTHORIZED" }, data: null });
    for (const res of [
      await w.request(CRM, { method: "POST", body: { token, ...body } }),
      await w.request(CRM, { method: "POST", token, body }),
    ]) {
      expect(res.status).toBe(400);
    }
  });
});

describe("nesting deeper than 64 levels", () => {
  const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

  it("is found by the pre-scan, strings aside", () => {
    expect(jsonTooDeepAt(deep(64))).toBe(-1);
    expect(jsonTooDeepAt(deep(65))).toBe(64);
    expect(jsonTooDeepAt(JSON.stringify({ a: "[".repeat(500) }))).toBe(-1);
    expect(jsonTooDeepAt(JSON.stringify({ a: '\\"[[[' }))).toBe(-1);
  });

  it("is refused with 400 in each vendor's shape", async () => {
    const mews = await w.request(MEWS, { method: "POST", body: `{"AccessToken":"${token}","x":${deep(100)}}` });
    expect(mews.status).toBe(400);
    expect(mews.json).toMatchObject({ Details: { Code: "BAD_REQUEST" } });
    const crm = await w.request(CRM, { method: "POST", token, body: `{"x":${deep(100)}}` });
    expect(crm.status).toBe(400);
    expect(crm.json).toMatchObject({ status: { code: "BAD_REQUEST" }, data: null });
    const socotra = await w.request(`/billing/${tenant}/holds`, {
      method: "POST",
      token,
      body: `{"x":${deep(100)}}`,
    });
    expect(socotra.status).toBe(400);
    expect(socotra.json).toMatchObject({
      error: { code: "BAD_REQUEST", issues: [{ path: "(body)", rule: "max_depth" }] },
    });
  });
});

it("scanStringField reads the first field's string value, escapes included", () => {
  expect(scanStringField('{"a":1, "AccessToken" : "abc\\"d"}', "AccessToken")).toBe('abc"d');
  expect(scanStringField('{"x":"\\"AccessToken\\": \\"no\\""}', "AccessToken")).toBeUndefined();
  expect(scanStringField('{"AccessToken": 12}', "AccessToken")).toBeUndefined();
});
