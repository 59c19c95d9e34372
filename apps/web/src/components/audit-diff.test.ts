import { describe, expect, it } from "vitest";
import { changedFields, entityHref } from "./audit-diff.ts";

describe("changedFields", () => {
  it("lists only the fields that differ, nested ones by path", () => {
    expect(
      changedFields(
        { state: "effective", grace: { start: "2027-01-01", end: "2027-01-15" }, version: 3, same: [1] },
        { state: "effective", grace: { start: "2027-01-01", end: "2027-01-25" }, version: 4, same: [1] },
      ),
    ).toEqual([
      { field: "grace.end", before: "2027-01-15", after: "2027-01-25" },
      { field: "version", before: "3", after: "4" },
    ]);
  });

  it("shows a create as every field from none, and a removed value as none", () => {
    expect(changedFields(null, { name: "Acme", externalId: null })).toEqual([
      { field: "name", before: "—", after: "Acme" },
    ]);
    expect(changedFields({ grace: { end: "2027-01-15" } }, { grace: null })).toEqual([
      { field: "grace.end", before: "2027-01-15", after: "—" },
    ]);
  });
});

describe("entityHref", () => {
  it("links the entities that have a page", () => {
    expect(entityHref("hold", "01ABC")).toBe("/holds/01ABC");
    expect(entityHref("invoice", "01ABC")).toBeNull();
  });
});
