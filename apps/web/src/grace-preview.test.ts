import { describe, expect, it } from "vitest";
import { describeGracePreview, previewGraceExtension } from "./grace-preview.ts";

const base = {
  endBy: "days" as const,
  days: "",
  date: "",
  scheduledDate: "",
  today: "2026-12-06",
  currentEnd: "2026-12-11",
};

describe("previewGraceExtension: the new end, as the server computes it", () => {
  it("counts days from today when applied now", () => {
    const p = previewGraceExtension({ ...base, days: "15" });
    expect(p).toEqual({
      appliedOn: "2026-12-06",
      countsFrom: "today",
      newEnd: "2026-12-21",
      difference: 10,
      problem: null,
    });
    expect(p && describeGracePreview(p, base.currentEnd)).toBe(
      "New end 2026-12-21 (+10 days from the current end 2026-12-11)",
    );
  });

  it("counts days from a future scheduled date; today or a past date runs it now", () => {
    expect(previewGraceExtension({ ...base, days: "5", scheduledDate: "2026-12-10" })).toMatchObject({
      appliedOn: "2026-12-10",
      countsFrom: "scheduled date",
      newEnd: "2026-12-15",
      difference: 4,
    });
    expect(previewGraceExtension({ ...base, days: "10", scheduledDate: "2026-12-06" })).toMatchObject({
      appliedOn: "2026-12-06",
      countsFrom: "today",
    });
  });

  it("takes a date as the new end as given", () => {
    const p = previewGraceExtension({ ...base, endBy: "date", date: "2026-12-12" });
    expect(p).toMatchObject({ newEnd: "2026-12-12", difference: 1, problem: null });
    expect(p && describeGracePreview(p, base.currentEnd)).toBe(
      "New end 2026-12-12 (+1 day from the current end 2026-12-11)",
    );
  });

  it("says when the new end is not later than the current one, as the server would refuse it", () => {
    const p = previewGraceExtension({ ...base, days: "3" });
    expect(p).toMatchObject({ newEnd: "2026-12-09", difference: -2 });
    expect(p?.problem).toBe("must be later than the current end 2026-12-11");
    expect(p && describeGracePreview(p, base.currentEnd)).toBe(
      "New end 2026-12-09 (−2 days from the current end 2026-12-11)",
    );
  });

  it("with no grace period running, starts one from the day it is applied", () => {
    const p = previewGraceExtension({ ...base, currentEnd: null, days: "7" });
    expect(p).toMatchObject({ newEnd: "2026-12-13", difference: null, problem: null });
    expect(p && describeGracePreview(p, null)).toBe("New end 2026-12-13 (a new grace period from 2026-12-06)");
  });

  it("has nothing to show until the form says an end", () => {
    expect(previewGraceExtension({ ...base, days: "" })).toBeNull();
    expect(previewGraceExtension({ ...base, days: "1.5" })).toBeNull();
    expect(previewGraceExtension({ ...base, endBy: "date", date: "" })).toBeNull();
  });
});
