/** Locators (ULIDs) from the pooled randomness: well-formed, distinct, in creation order, every character used. */
import { newLocator } from "@holdfast/services";
import { describe, expect, it } from "vitest";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe("newLocator", () => {
  it("gives distinct, well-formed ULIDs in creation order", () => {
    const ids = Array.from({ length: 20_000 }, () => newLocator());
    for (const id of ids) expect(id).toMatch(ULID);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("draws the random part from all 32 characters", async () => {
    const seen = new Set<string>();
    // Ids minted in different milliseconds have independent random parts (within one, the last one counts up).
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 2));
      for (const c of newLocator().slice(10)) seen.add(c);
    }
    expect(seen.size).toBe(32);
  });
});
