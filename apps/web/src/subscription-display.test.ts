import {
  assertSubscriptionMove,
  SUBSCRIPTION_VIEWS as DOMAIN_VIEWS,
  EXTENDABLE_STATES,
  SUBSCRIPTION_MOVES,
  SUBSCRIPTION_STATES,
} from "@holdfast/domain";
import { describe, expect, it } from "vitest";
import {
  allowedSubscriptionMoves,
  daysLeftText,
  describeSubscriptionChange,
  isExtendable,
  SUBSCRIPTION_VIEWS,
  snapshotState,
} from "./subscription-display.ts";

const grace = (start: string, end: string, pausedOn: string | null = null) => ({ start, end, pausedOn });

describe("what a subscription's history event changed", () => {
  it.each([
    ["create", null, { state: "draft", nextBillingDate: "2030-05-20", grace: null }, []],
    [
      "an invoice issued by the worker",
      { state: "effective", nextBillingDate: "2030-05-20", grace: null },
      { state: "effective", nextBillingDate: "2030-06-20", grace: null, businessDate: "2030-05-20" },
      ["next billing 2030-05-20 → 2030-06-20", "business date 2030-05-20"],
    ],
    [
      "a grace period started",
      { state: "effective", grace: null },
      { state: "effective", grace: grace("2030-05-31", "2030-06-14") },
      ["grace period 2030-05-31 → 2030-06-14"],
    ],
    [
      "an extension",
      { state: "effective", grace: { ...grace("2030-05-31", "2030-06-14"), daysLeft: 4 } },
      { state: "effective", grace: { ...grace("2030-05-31", "2030-07-10"), daysLeft: 30 } },
      ["grace end 2030-06-14 → 2030-07-10"],
    ],
    [
      "a pause, then a resume",
      { grace: grace("2030-05-31", "2030-06-14") },
      { grace: grace("2030-05-31", "2030-06-14", "2030-06-02") },
      ["grace paused on 2030-06-02"],
    ],
    [
      "a resume that moved the end",
      { grace: grace("2030-05-31", "2030-06-14", "2030-06-02") },
      { grace: grace("2030-05-31", "2030-06-19") },
      ["grace end 2030-06-14 → 2030-06-19", "grace resumed (paused since 2030-06-02)"],
    ],
    [
      "a payment that ended the grace period",
      { grace: grace("2030-05-31", "2030-06-14") },
      { grace: null },
      ["grace period ended (was to end 2030-06-14)"],
    ],
    [
      "a lapse",
      { state: "effective", grace: grace("2030-05-31", "2030-06-14"), lapsedOn: null },
      { state: "not_effective", grace: grace("2030-05-31", "2030-06-14"), lapsedOn: "2030-06-15" },
      ["lapsed on 2030-06-15"],
    ],
    ["something that is no snapshot", "x", 42, []],
  ])("%s", (_name, before, after, words) => {
    expect(describeSubscriptionChange(before, after)).toEqual(words);
  });

  it("reads the state from either snapshot", () => {
    expect(snapshotState({ state: "effective" })).toBe("effective");
    expect(snapshotState(null)).toBeNull();
    expect(snapshotState({ state: 3 })).toBeNull();
  });
});

describe("the moves a subscription offers", () => {
  it.each([
    ["draft", ["activate", "terminate"]],
    ["effective", ["terminate"]],
    ["not_effective", ["terminate"]],
    ["terminated", []],
  ] as const)("%s: %j", (state, moves) => {
    expect(allowedSubscriptionMoves(state)).toEqual(moves);
  });

  it.each(SUBSCRIPTION_STATES)("%s: offers exactly the moves and the extension the domain allows", (state) => {
    const allowed = SUBSCRIPTION_MOVES.filter((move) => {
      try {
        assertSubscriptionMove(state, move);
        return true;
      } catch {
        return false;
      }
    });
    expect(allowedSubscriptionMoves(state)).toEqual(allowed);
    expect(isExtendable(state)).toBe(EXTENDABLE_STATES.includes(state));
  });

  it("lists the views the API offers", () => {
    expect(SUBSCRIPTION_VIEWS).toEqual(DOMAIN_VIEWS);
  });

  it("counts the days left", () => {
    expect(daysLeftText(1)).toBe("1 day left");
    expect(daysLeftText(4)).toBe("4 days left");
    expect(daysLeftText(0)).toBe("0 days left");
  });
});
