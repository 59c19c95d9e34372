import { describe, expect, it } from "vitest";
import { prettyLogs, requestLogsWanted } from "./logger.ts";

describe("the log format", () => {
  it("is readable lines on a terminal, JSON otherwise and under CI", () => {
    expect(prettyLogs(true, undefined)).toBe(true);
    expect(prettyLogs(true, "")).toBe(true);
    expect(prettyLogs(false, undefined)).toBe(false);
    expect(prettyLogs(true, "1")).toBe(false);
  });

  it("has request lines off on a terminal and on otherwise, unless HOLDFAST_LOG_REQUESTS says", () => {
    expect(requestLogsWanted(undefined, true)).toBe(false);
    expect(requestLogsWanted(undefined, false)).toBe(true);
    expect(requestLogsWanted("1", true)).toBe(true);
    expect(requestLogsWanted("0", false)).toBe(false);
  });
});
