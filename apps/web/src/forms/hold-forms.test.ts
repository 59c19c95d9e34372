import type { HoldOutput } from "@holdfast/domain";
import { issuesOfZod } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { amendForm, amendFormDefaults, holdForm, holdFormDefaults } from "./hold-forms.ts";

const ACCOUNT = "01HZY0ACCT0000000000000000";

describe("the create form's schema (createHoldInput behind form values)", () => {
  const base = { ...holdFormDefaults(), accountLocator: ACCOUNT };

  it("turns empty inputs into nulls and gives createHoldInput's shape", () => {
    const parsed = holdForm.parse({
      ...base,
      comments: "  ",
      targets: [{ process: "funding", startDate: "", endDate: "2030-02-01" }],
    });
    expect(parsed).toEqual({
      accountLocator: ACCOUNT,
      targets: [{ process: "funding", startDate: null, endDate: "2030-02-01" }],
      startDate: null,
      endDate: null,
      comments: null,
      characteristics: [],
    });
  });

  it.each([
    [
      "an end date before the start date",
      { startDate: "2030-01-10", endDate: "2030-01-09" },
      "endDate: end date must not be before start date",
    ],
    [
      "a target outside the hold's dates",
      { endDate: "2030-01-31", targets: [{ process: "invoicing", startDate: "", endDate: "2030-02-05" }] },
      "targets.0: the target's dates must lie inside the hold's dates",
    ],
    [
      "overdue with delinquency",
      {
        targets: [
          { process: "overdue", startDate: "", endDate: "" },
          { process: "delinquency", startDate: "", endDate: "" },
        ],
      },
      "targets: overdue and delinquency cannot be on the same hold",
    ],
    ["no target", { targets: [] }, "targets: a hold needs at least one target"],
    [
      "a process twice (once, from the schema)",
      {
        targets: [
          { process: "funding", startDate: "", endDate: "" },
          { process: "funding", startDate: "", endDate: "" },
        ],
      },
      "targets.1.process: funding is targeted twice",
    ],
  ])("refuses %s at its field", (_name, change, issue) => {
    expect(issuesOfZod(holdForm.safeParse({ ...base, ...change }))).toEqual([issue]);
  });

  it("leaves rules that need the server's today to the server", () => {
    expect(holdForm.safeParse({ ...base, startDate: "2001-01-01" }).success).toBe(true);
  });

  it("refuses a missing account with the schema's own rule", () => {
    expect(issuesOfZod(holdForm.safeParse(holdFormDefaults()))[0]).toMatch(/^accountLocator: /);
  });
});

const active: HoldOutput = {
  locator: "01HZY0HD000000000000000000",
  ormbId: 10000000000001,
  tenantLocator: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  accountLocator: ACCOUNT,
  holdState: "active",
  targetType: null,
  targets: [
    { process: "invoicing", startDate: null, endDate: null },
    { process: "funding", startDate: null, endDate: "2030-03-01" },
  ],
  startDate: "2030-01-01",
  endDate: "2030-06-30",
  comments: "first",
  characteristics: [{ type: "reason", value: "dispute", effectiveDate: null }],
  sourceSystem: null,
  externalSourceId: null,
  externalTransactionId: null,
  entityEndDate: null,
  validationResult: null,
  releaseReason: null,
  discardReason: null,
  schedule: "in_effect",
  allowedMoves: ["release", "amend"],
  version: 3,
  createdAt: "2030-01-01T00:00:00.000Z",
  updatedAt: "2030-01-01T00:00:00.000Z",
  createdBy: "user:x",
  updatedBy: "user:x",
  validatedAt: null,
  validatedBy: null,
  activatedAt: null,
  activatedBy: null,
  releasedAt: null,
  releasedBy: null,
  discardedAt: null,
  discardedBy: null,
};

describe("the amend form's schema (amendHoldInput behind form values)", () => {
  const schema = amendForm(active);
  const defaults = amendFormDefaults(active);

  it("sends nothing but the locator and version when nothing changed", () => {
    expect(schema.parse(defaults)).toEqual({ locator: active.locator, expectedVersion: 3 });
  });

  it("sends every target, existing ones first, when one changes, so indices match the server's", () => {
    const values = {
      ...defaults,
      endDate: "2030-07-31",
      targets: [
        ...defaults.targets.slice(0, 1),
        {
          ...(defaults.targets[1] ?? { process: "funding" as const, existing: true, startDate: "" }),
          endDate: "2030-04-01",
        },
        { process: "autopay" as const, existing: false, startDate: "2030-02-01", endDate: "" },
      ],
      characteristics: [
        { action: "Delete" as const, type: "reason", value: "ignored", effectiveDate: "" },
        { action: "Update" as const, type: "ticket", value: "OPS-1", effectiveDate: "" },
      ],
    };
    expect(schema.parse(values)).toEqual({
      locator: active.locator,
      expectedVersion: 3,
      endDate: "2030-07-31",
      targets: [
        { process: "invoicing", endDate: null },
        { process: "funding", endDate: "2030-04-01" },
        { process: "autopay", startDate: "2030-02-01", endDate: null },
      ],
      characteristics: [
        { action: "Delete", type: "reason" },
        { action: "Update", type: "ticket", value: "OPS-1", effectiveDate: null },
      ],
    });
  });

  it("refuses a target end date after the amended hold's end, at that target", () => {
    const values = { ...defaults, endDate: "2030-02-01" };
    expect(issuesOfZod(schema.safeParse(values))).toEqual([
      "targets.1: the target's dates must lie inside the hold's dates",
    ]);
  });

  it("refuses adding a process the hold already targets", () => {
    const values = {
      ...defaults,
      targets: [...defaults.targets, { process: "funding" as const, existing: false, startDate: "", endDate: "" }],
    };
    expect(issuesOfZod(schema.safeParse(values))).toEqual(["targets.2.process: funding is already a target"]);
  });
});
