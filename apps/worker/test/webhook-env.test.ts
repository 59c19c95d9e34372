import pino from "pino";
import { describe, expect, it } from "vitest";
import { readWorkerEnv } from "../src/env.ts";
import { deliveryOptions } from "../src/webhook-delivery.ts";

const clock = { now: () => new Date("2026-12-07T00:00:00Z") };
const logger = pino({ level: "silent" });
const KEY = Buffer.alloc(32, 7).toString("base64");

describe("the worker's webhook delivery settings", () => {
  it("delivers with the documented defaults when the secret key is set", () => {
    const env = readWorkerEnv({ DATABASE_URL: "postgres://x@127.0.0.1/x", HOLDFAST_SECRET_KEY: KEY });
    const opts = deliveryOptions(env, clock, "w1", logger);
    expect(opts).toMatchObject({
      timeoutMs: 15_000,
      concurrencyPerEndpoint: 4,
      allowPrivate: false,
      disableAfterDays: 5,
      pollMs: 100,
    });
    // The box opens what a box under the same key sealed.
    expect(opts?.box.open(opts.box.seal("whsec_x"))).toBe("whsec_x");
  });

  it("takes each variable, and HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1 allows private addresses", () => {
    const env = readWorkerEnv({
      DATABASE_URL: "postgres://x@127.0.0.1/x",
      HOLDFAST_SECRET_KEY: KEY,
      HOLDFAST_WEBHOOKS_TIMEOUT_MS: "2500",
      HOLDFAST_WEBHOOKS_CONCURRENCY: "2",
      HOLDFAST_WEBHOOKS_ALLOW_PRIVATE: "1",
      HOLDFAST_WEBHOOKS_DISABLE_AFTER_DAYS: "9",
      HOLDFAST_WEBHOOKS_POLL_MS: "50",
    });
    expect(deliveryOptions(env, clock, "w1", logger)).toMatchObject({
      timeoutMs: 2500,
      concurrencyPerEndpoint: 2,
      allowPrivate: true,
      disableAfterDays: 9,
      pollMs: 50,
    });
  });

  it("does not deliver without a secret key, or with HOLDFAST_WEBHOOKS_DELIVERY=off", () => {
    const base = { DATABASE_URL: "postgres://x@127.0.0.1/x" };
    expect(deliveryOptions(readWorkerEnv(base), clock, "w1", logger)).toBeNull();
    const off = readWorkerEnv({ ...base, HOLDFAST_SECRET_KEY: KEY, HOLDFAST_WEBHOOKS_DELIVERY: "off" });
    expect(deliveryOptions(off, clock, "w1", logger)).toBeNull();
  });
});
