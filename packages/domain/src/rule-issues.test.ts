import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flattenZodError, ruleCheck, ruleIssue } from "./rule-issues.ts";

const schema = z
  .strictObject({
    items: z.array(z.strictObject({ when: z.string().refine((v) => v === "ok", ruleCheck("ok_only", "must be ok")) })),
    count: z.number(),
  })
  .superRefine((v, ctx) => {
    if (v.items.length > 1) ruleIssue(ctx, { path: ["items", 1], rule: "one_item", message: "give one item" });
  });

function flattened(input: unknown) {
  const r = schema.safeParse(input);
  if (r.success) throw new Error("expected a refusal");
  return flattenZodError(r.error);
}

describe("flattenZodError", () => {
  it("takes the rule from the issue's params and keeps the message as it is", () => {
    expect(flattened({ items: [{ when: "no" }], count: 1 })).toEqual([
      { path: "items[0].when", rule: "ok_only", message: "must be ok" },
    ]);
  });

  it("reports a superRefine rule at its path", () => {
    expect(flattened({ items: [{ when: "ok" }, { when: "ok" }], count: 1 })).toEqual([
      { path: "items[1]", rule: "one_item", message: "give one item" },
    ]);
  });

  it("falls back to zod's code for shape issues, and names the whole input as (input)", () => {
    expect(flattened({ items: [], count: "1" })).toEqual([
      { path: "count", rule: "invalid_type", message: expect.any(String) },
    ]);
    const whole = z.number().safeParse("x");
    expect(whole.error && flattenZodError(whole.error)).toEqual([
      { path: "(input)", rule: "invalid_type", message: expect.any(String) },
    ]);
  });
});
