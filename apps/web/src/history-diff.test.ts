import { describe, expect, it } from "vitest";
import { fieldChanges, fieldLabel, formatValue } from "./history-diff.ts";

describe("fieldChanges: what an audit event changed, with the values", () => {
  it("lists each changed field with its value before and after", () => {
    const before = { holdState: "active", endDate: "2026-12-11", comments: "Disputed", version: 3 };
    const after = { holdState: "active", endDate: "2026-12-21", comments: "Disputed", version: 4 };
    expect(fieldChanges(before, after)).toEqual([
      { field: "endDate", label: "end date", before: "2026-12-11", after: "2026-12-21" },
    ]);
  });

  it("shows a cleared or newly set value as —", () => {
    expect(fieldChanges({ endDate: "2026-12-11" }, { endDate: null })).toEqual([
      { field: "endDate", label: "end date", before: "2026-12-11", after: "—" },
    ]);
    expect(fieldChanges({}, { comments: "Payment plan" })).toEqual([
      { field: "comments", label: "comments", before: "—", after: "Payment plan" },
    ]);
  });

  it("compares nested objects leaf by leaf", () => {
    const before = { grace: { start: "2030-05-31", end: "2030-06-14", pausedOn: null } };
    const after = { grace: { start: "2030-05-31", end: "2030-06-24", pausedOn: null } };
    expect(fieldChanges(before, after)).toEqual([
      { field: "grace.end", label: "grace end", before: "2030-06-14", after: "2030-06-24" },
    ]);
  });

  it("compares lists whole and shows their items", () => {
    const before = { targets: [{ process: "invoicing", endDate: null }] };
    const after = {
      targets: [
        { process: "invoicing", endDate: null },
        { process: "funding", endDate: "2027-01-31" },
      ],
    };
    expect(fieldChanges(before, after)).toEqual([
      {
        field: "targets",
        label: "targets",
        before: "(process invoicing)",
        after: "(process invoicing), (process funding; end date 2027-01-31)",
      },
    ]);
  });

  it("leaves out bookkeeping (version, ids, timestamps, who) and the fields the caller names", () => {
    const before = { version: 1, updatedAt: "a", updatedBy: "user:1", updatedUtc: "x", state: "draft", note: "a" };
    const after = { version: 2, updatedAt: "b", updatedBy: "user:2", updatedUtc: "y", state: "active", note: "b" };
    expect(fieldChanges(before, after, ["state"]).map((c) => c.field)).toEqual(["note"]);
  });

  it("has nothing to compare on a creation or a deletion", () => {
    expect(fieldChanges(null, { endDate: "2026-12-11" })).toEqual([]);
    expect(fieldChanges({ endDate: "2026-12-11" }, null)).toEqual([]);
  });

  it("lists a created or deleted record's fields from or to none when asked for whole records", () => {
    expect(fieldChanges(null, { name: "Acme", externalId: null, version: 1 }, [], { whole: true })).toEqual([
      { field: "name", label: "name", before: "—", after: "Acme" },
    ]);
    expect(fieldChanges({ endDate: "2026-12-11" }, null, [], { whole: true })).toEqual([
      { field: "endDate", label: "end date", before: "2026-12-11", after: "—" },
    ]);
    expect(fieldChanges(null, null, [], { whole: true })).toEqual([]);
  });
});

describe("labels and values", () => {
  it("turns field names into words", () => {
    expect(fieldLabel("endGracePeriodOn")).toBe("end grace period on");
    expect(fieldLabel("grace.pausedOn")).toBe("grace paused on");
  });

  it("keeps a value to one short line", () => {
    expect(formatValue(true)).toBe("true");
    expect(formatValue([])).toBe("none");
    expect(formatValue("x".repeat(500))).toHaveLength(160);
  });
});
