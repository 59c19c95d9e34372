import { describe, expect, it } from "vitest";
import { issuePathSegments, placeIssues, toFieldName } from "./issue-paths.ts";

describe("server issue paths become form field names", () => {
  it.each([
    ["accountLocator", ["accountLocator"], "accountLocator"],
    ["targets[0].endDate", ["targets", 0, "endDate"], "targets.0.endDate"],
    ["targets[12]", ["targets", 12], "targets.12"],
    ["characteristics[1].value", ["characteristics", 1, "value"], "characteristics.1.value"],
    ["(input)", ["(input)"], "(input)"],
    ["", [], ""],
  ])("%s", (path, segments, name) => {
    expect(issuePathSegments(path)).toEqual(segments);
    expect(toFieldName(path)).toBe(name);
  });

  it("places issues beside known fields and leaves the rest for the top of the form", () => {
    const known = new Set(["endDate", "targets.0.endDate", "targets.1"]);
    const placed = placeIssues(
      [
        { path: "endDate", rule: "not_in_past", message: "end date is before today" },
        { path: "targets[0].endDate", rule: "not_before_start", message: "too early" },
        { path: "startDate", rule: "not_in_past", message: "start date is before today" },
        { path: "(input)", rule: "unrecognized_keys", message: "bad" },
        { path: "targets[1].process", rule: "overlapping_hold", message: "overlaps" },
      ],
      (name) => (known.has(name) ? name : name.startsWith("targets.1.") ? "targets.1" : null),
    );
    expect(placed.byField).toEqual({
      endDate: ["end date is before today"],
      "targets.0.endDate": ["too early"],
      "targets.1": ["overlaps"],
    });
    expect(placed.unplaced.map((i) => i.path)).toEqual(["startDate", "(input)"]);
  });
});
