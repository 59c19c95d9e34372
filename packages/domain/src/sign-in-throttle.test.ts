import { describe, expect, it } from "vitest";
import { retryAfterSeconds, signInBlockMs, throttleKey } from "./sign-in-throttle.ts";

describe("sign-in throttling", () => {
  it.each([
    ["email", 1, 0],
    ["email", 4, 0],
    ["email", 5, 1000],
    ["email", 6, 2000],
    ["email", 7, 4000],
    ["email", 14, 512_000],
    ["email", 15, 900_000],
    ["email", 500, 900_000],
    ["ip", 19, 0],
    ["ip", 20, 1000],
    ["ip", 21, 2000],
  ] as const)("a %s key's failure number %i blocks it for %i ms", (kind, failures, ms) => {
    expect(signInBlockMs(kind, failures)).toBe(ms);
  });

  it("Retry-After is whole seconds, rounded up, at least 1", () => {
    const now = new Date("2027-03-10T12:00:00Z");
    expect(retryAfterSeconds(new Date("2027-03-10T12:00:01.200Z"), now)).toBe(2);
    expect(retryAfterSeconds(new Date("2027-03-10T12:00:00.001Z"), now)).toBe(1);
    expect(retryAfterSeconds(new Date("2027-03-10T12:15:00Z"), now)).toBe(900);
  });

  it("email keys are lower-cased, address keys kept as given", () => {
    expect(throttleKey("email", "Ops@Example.TEST")).toBe("email:ops@example.test");
    expect(throttleKey("ip", "::1")).toBe("ip:::1");
  });
});
