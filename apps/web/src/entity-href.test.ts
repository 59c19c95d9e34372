import { describe, expect, it } from "vitest";
import { entityHref } from "./entity-href.ts";

describe("entityHref", () => {
  it("links the entities that have a page", () => {
    expect(entityHref("hold", "01ABC")).toBe("/holds/01ABC");
    expect(entityHref("invoice", "01ABC")).toBeNull();
  });
});
