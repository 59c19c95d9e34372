import { describe, expect, it } from "vitest";
import { parseWorkerArgs } from "../src/args.ts";

describe("parseWorkerArgs", () => {
  it("accepts the options after pnpm's `--` (the README's `start -- --interval-ms 2000`)", () => {
    expect(parseWorkerArgs(["--", "--interval-ms", "2000"])).toEqual({ "interval-ms": "2000" });
    expect(parseWorkerArgs(["--", "--once", "--now", "2027-01-01T00:00:00Z"])).toEqual({
      once: true,
      now: "2027-01-01T00:00:00Z",
    });
  });

  it("accepts them without it, and still refuses a stray positional or an unknown option", () => {
    expect(parseWorkerArgs(["--interval-ms", "2000"])).toEqual({ "interval-ms": "2000" });
    expect(parseWorkerArgs([])).toEqual({});
    expect(() => parseWorkerArgs(["--interval-ms", "2000", "extra"])).toThrow(/positional/i);
    expect(() => parseWorkerArgs(["--intervalms", "2000"])).toThrow(/unknown option/i);
  });
});
