import { flattenZodError } from "@holdfast/domain";
import { appErrorOf, sortRules } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { errorData } from "../src/errors.ts";
import {
  databaseChecksum,
  expectTrpcError,
  type Hold,
  type HoldFields,
  holdInState,
  setupWorld,
  TODAY,
} from "./harness.ts";

/**
 * Validation of holds through the real router: every rule lands in
 * validationResult.problems with its exact path and rule, the hold stays draft,
 * and activation checks every rule again.
 */

const w = setupWorld({ tenantName: "Validation tenant" });

const INVOICING: HoldFields = { targets: [{ process: "invoicing" }] };

async function create(accountLocator: string, fields: HoldFields = INVOICING) {
  return w.api.holds.create({ accountLocator, ...fields });
}

async function validated(accountLocator: string, fields: HoldFields = INVOICING) {
  return holdInState(w.api, accountLocator, "validated", fields);
}

async function active(accountLocator: string, fields: HoldFields = INVOICING) {
  return holdInState(w.api, accountLocator, "active", fields);
}

/** Validates a draft that must fail: it stays draft, and the problems are returned. */
async function expectProblems(hold: Hold, expected: { path: string; rule: string }[]) {
  const result = await w.api.holds.validate({ locator: hold.locator });
  expect(result.holdState).toBe("draft");
  expect(result.validatedAt).toBeNull();
  expect(result.allowedMoves).toEqual(["update", "validate", "discard"]);
  expect(result.validationResult).not.toBeNull();
  expect(result.validationResult?.success).toBe(false);
  expect(result.validationResult?.checkedOn).toBe(TODAY);
  expect(sortRules(result.validationResult?.problems ?? [])).toEqual(
    sortRules(expected.map((e) => ({ ...e, message: "" }))),
  );
  for (const p of result.validationResult?.problems ?? []) expect(p.message.length).toBeGreaterThan(0);
  // The stored hold agrees with the answer.
  const stored = await w.api.holds.get({ locator: hold.locator });
  expect(stored.holdState).toBe("draft");
  expect(stored.validationResult).toEqual(result.validationResult);
  // A hold that stayed draft claims nothing: another hold of the same account and process validates.
  return result;
}

describe("validate: each rule lands in validationResult.problems and the hold stays draft", () => {
  it("a closed account (closed through accounts.close): accountLocator / account_closed", async () => {
    const account = await w.newAccount();
    const hold = await create(account);
    const closed = await w.api.accounts.close({ locator: account });
    expect(closed.status).toBe("closed");
    await expectProblems(hold, [{ path: "accountLocator", rule: "account_closed" }]);
  });

  it("a closed account that is reopened validates again", async () => {
    const account = await w.newAccount();
    const hold = await create(account);
    await w.api.accounts.close({ locator: account });
    await expectProblems(hold, [{ path: "accountLocator", rule: "account_closed" }]);
    await w.api.accounts.reopen({ locator: account });
    const v = await w.api.holds.validate({ locator: hold.locator });
    expect(v).toMatchObject({
      holdState: "validated",
      validationResult: { success: true, problems: [], checkedOn: TODAY },
    });
  });

  it("a start date in the past: startDate / not_in_past; today itself is not in the past", async () => {
    const account = await w.newAccount();
    const past = await create(account, { startDate: "2027-03-09", targets: [{ process: "invoicing" }] });
    const result = await expectProblems(past, [{ path: "startDate", rule: "not_in_past" }]);
    expect(result.validationResult?.problems[0]?.message).toContain("2027-03-09");

    const other = await w.newAccount();
    const today = await create(other, { startDate: TODAY, targets: [{ process: "invoicing" }] });
    expect((await w.api.holds.validate({ locator: today.locator })).holdState).toBe("validated");
  });

  it("an end date in the past: endDate / not_in_past", async () => {
    const account = await w.newAccount();
    const hold = await create(account, { endDate: "2027-03-01", targets: [{ process: "delinquency" }] });
    await expectProblems(hold, [{ path: "endDate", rule: "not_in_past" }]);
  });

  it("an end date before the start date: endDate / not_before_start; the same day is allowed", async () => {
    const account = await w.newAccount();
    const hold = await create(account, {
      startDate: "2027-04-10",
      endDate: "2027-04-01",
      targets: [{ process: "invoicing" }],
    });
    await expectProblems(hold, [{ path: "endDate", rule: "not_before_start" }]);

    const oneDay = await create(await w.newAccount(), {
      startDate: "2027-04-10",
      endDate: "2027-04-10",
      targets: [{ process: "invoicing" }],
    });
    expect((await w.api.holds.validate({ locator: oneDay.locator })).holdState).toBe("validated");
  });

  it("a target whose dates lie outside the hold's: targets[i] / outside_hold_dates", async () => {
    const hold = { startDate: "2027-04-01", endDate: "2027-04-30" };
    // Starts before the hold.
    const early = await create(await w.newAccount(), {
      ...hold,
      targets: [{ process: "invoicing" }, { process: "funding", startDate: "2027-03-25" }],
    });
    await expectProblems(early, [{ path: "targets[1]", rule: "outside_hold_dates" }]);
    // Ends after the hold.
    const late = await create(await w.newAccount(), {
      ...hold,
      targets: [{ process: "funding", endDate: "2027-05-01" }],
    });
    await expectProblems(late, [{ path: "targets[0]", rule: "outside_hold_dates" }]);
    // A hold with no end date (until released) may hold a target with its own end date.
    const openHold = await create(await w.newAccount(), {
      startDate: "2027-04-01",
      targets: [{ process: "funding", startDate: "2027-04-05", endDate: "2027-04-10" }],
    });
    expect((await w.api.holds.validate({ locator: openHold.locator })).holdState).toBe("validated");
    // Exactly on the hold's edges is inside.
    const edges = await create(await w.newAccount(), {
      ...hold,
      targets: [{ process: "funding", startDate: "2027-04-01", endDate: "2027-04-30" }],
    });
    expect((await w.api.holds.validate({ locator: edges.locator })).holdState).toBe("validated");
  });

  it("a target that ends before it starts: targets[i].endDate / not_before_start; a target start in the past: targets[i].startDate / not_in_past", async () => {
    const backwards = await create(await w.newAccount(), {
      targets: [{ process: "invoicing" }, { process: "autopay", startDate: "2027-04-10", endDate: "2027-04-01" }],
    });
    await expectProblems(backwards, [{ path: "targets[1].endDate", rule: "not_before_start" }]);

    const pastTarget = await create(await w.newAccount(), {
      targets: [{ process: "refund", startDate: "2027-03-01" }],
    });
    await expectProblems(pastTarget, [{ path: "targets[0].startDate", rule: "not_in_past" }]);
  });

  it("overdue together with delinquency: targets / overdue_with_delinquency", async () => {
    const hold = await create(await w.newAccount(), { targets: [{ process: "overdue" }, { process: "delinquency" }] });
    await expectProblems(hold, [{ path: "targets", rule: "overdue_with_delinquency" }]);
    // Each alone is fine.
    const overdue = await create(await w.newAccount(), { targets: [{ process: "overdue" }, { process: "invoicing" }] });
    expect((await w.api.holds.validate({ locator: overdue.locator })).holdState).toBe("validated");
  });

  it("several problems at once are all reported", async () => {
    const account = await w.newAccount();
    const hold = await create(account, {
      startDate: "2027-03-01",
      endDate: "2027-02-20",
      // Sent in the canonical process order (invoicing, delinquency, autopay, funding, overdue, refund).
      targets: [
        { process: "delinquency", endDate: "2027-12-31" },
        { process: "funding", startDate: "2027-03-05" },
        { process: "overdue" },
      ],
    });
    await w.api.accounts.close({ locator: account });
    await expectProblems(hold, [
      { path: "accountLocator", rule: "account_closed" },
      { path: "targets", rule: "overdue_with_delinquency" },
      { path: "startDate", rule: "not_in_past" },
      { path: "endDate", rule: "not_in_past" },
      { path: "endDate", rule: "not_before_start" },
      { path: "targets[0]", rule: "outside_hold_dates" },
      // Starts after the hold's end, with no end of its own: an empty period outside the hold.
      { path: "targets[1]", rule: "outside_hold_dates" },
      { path: "targets[1].startDate", rule: "not_in_past" },
    ]);
  });

  it("a failed validation still counts as a move: version, audit and a later fix", async () => {
    const account = await w.newAccount();
    const hold = await create(account, { startDate: "2027-03-01", targets: [{ process: "invoicing" }] });
    const failed = await w.api.holds.validate({ locator: hold.locator, expectedVersion: 1 });
    expect(failed).toMatchObject({ holdState: "draft", version: 2 });
    const fixed = await w.api.holds.update({ locator: hold.locator, startDate: "2027-03-11" });
    expect(fixed.validationResult).toBeNull();
    const ok = await w.api.holds.validate({ locator: hold.locator });
    expect(ok).toMatchObject({ holdState: "validated", validationResult: { success: true, problems: [] } });
    const history = await w.api.audit.history({ entityType: "hold", entityId: hold.locator });
    expect(history.map((e) => e.action)).toEqual(["create", "validate", "update", "validate"]);
    expect(history[1]).toMatchObject({
      before: { holdState: "draft" },
      after: { holdState: "draft", validationResult: { success: false } },
    });
  });
});

describe("validate: the overlap rule (Socotra)", () => {
  const april = { startDate: "2027-04-01", endDate: "2027-04-30" };

  it("a validated hold of the same account and process over overlapping dates: targets[i].process / overlapping_hold", async () => {
    const account = await w.newAccount();
    const first = await validated(account, { ...april, targets: [{ process: "invoicing" }] });
    const second = await create(account, {
      startDate: "2027-04-15",
      endDate: "2027-05-15",
      targets: [{ process: "invoicing" }, { process: "funding" }],
    });
    const result = await expectProblems(second, [{ path: "targets[0].process", rule: "overlapping_hold" }]);
    expect(result.validationResult?.problems[0]?.message).toContain(first.locator);
  });

  it("a problem's path indexes the targets as the hold's answers list them (create, get and validate agree)", async () => {
    const account = await w.newAccount();
    await validated(account, { ...april, targets: [{ process: "invoicing" }] });
    // Sent out of the canonical process order: funding first, invoicing second.
    const second = await create(account, { ...april, targets: [{ process: "funding" }, { process: "invoicing" }] });
    const stored = await w.api.holds.get({ locator: second.locator });
    // Every answer about one hold lists its targets in the same order.
    expect(stored.targets).toEqual(second.targets);
    const result = await w.api.holds.validate({ locator: second.locator });
    expect(result.targets).toEqual(second.targets);
    // So targets[i] in a problem is the target the client sees at index i.
    const i = second.targets.findIndex((t) => t.process === "invoicing");
    expect(result.validationResult?.problems.map(({ path, rule }) => ({ path, rule }))).toEqual([
      { path: `targets[${i}].process`, rule: "overlapping_hold" },
    ]);
  });

  it("an active hold counts too, and so does an open-ended one", async () => {
    const account = await w.newAccount();
    await active(account, { targets: [{ process: "delinquency" }] }); // no dates: until released
    const later = await create(account, {
      startDate: "2028-01-01",
      endDate: "2028-01-31",
      targets: [{ process: "delinquency" }],
    });
    await expectProblems(later, [{ path: "targets[0].process", rule: "overlapping_hold" }]);
  });

  it("dates are inclusive: starting on the other hold's end date overlaps, the day after does not", async () => {
    const account = await w.newAccount();
    await validated(account, { ...april, targets: [{ process: "invoicing" }] });
    const touching = await create(account, {
      startDate: "2027-04-30",
      endDate: "2027-05-10",
      targets: [{ process: "invoicing" }],
    });
    await expectProblems(touching, [{ path: "targets[0].process", rule: "overlapping_hold" }]);
    const after = await create(account, {
      startDate: "2027-05-01",
      endDate: "2027-05-10",
      targets: [{ process: "invoicing" }],
    });
    expect((await w.api.holds.validate({ locator: after.locator })).holdState).toBe("validated");
  });

  it("target dates, not only hold dates, decide the overlap", async () => {
    const account = await w.newAccount();
    await validated(account, {
      ...april,
      targets: [{ process: "funding", startDate: "2027-04-01", endDate: "2027-04-10" }],
    });
    const disjointTarget = await create(account, {
      ...april,
      targets: [{ process: "funding", startDate: "2027-04-11" }],
    });
    expect((await w.api.holds.validate({ locator: disjointTarget.locator })).holdState).toBe("validated");
  });

  it("does not count a draft, a discarded or a released hold, another account, another process, or disjoint dates", async () => {
    const account = await w.newAccount();
    const targets = [{ process: "invoicing" as const }];

    // A draft hold claims nothing.
    await create(account, { ...april, targets });
    // A discarded hold (it was validated first) claims nothing.
    const discarded = await validated(account, { ...april, targets });
    await w.api.holds.discard({ locator: discarded.locator });
    // A released hold claims nothing.
    const released = await active(account, { ...april, targets });
    await w.api.holds.release({ locator: released.locator });
    // Another account's validated hold.
    await validated(await w.newAccount(), { ...april, targets });
    // Another process of this account.
    await validated(account, { ...april, targets: [{ process: "delinquency" }] });
    // Disjoint dates for this account and process.
    await validated(account, { startDate: "2027-05-01", endDate: "2027-05-31", targets });
    await validated(account, { startDate: "2027-03-10", endDate: "2027-03-31", targets });

    const hold = await create(account, { ...april, targets });
    const result = await w.api.holds.validate({ locator: hold.locator });
    expect(result.validationResult).toEqual({ success: true, checkedOn: TODAY, problems: [] });
    expect(result.holdState).toBe("validated");
  });

  it("two racing validations of overlapping holds: exactly one is validated (the database enforces it)", async () => {
    const account = await w.newAccount();
    const a = await create(account, { ...april, targets: [{ process: "autopay" }] });
    const b = await create(account, { startDate: "2027-04-20", targets: [{ process: "autopay" }] });
    const results = await Promise.allSettled([
      w.api.holds.validate({ locator: a.locator }),
      w.api.holds.validate({ locator: b.locator }),
    ]);
    const states = results.map((r) => (r.status === "fulfilled" ? r.value.holdState : "error"));
    expect(states.sort()).toEqual(["draft", "validated"]);
    const loser = results.find((r) => r.status === "fulfilled" && r.value.holdState === "draft");
    expect(loser?.status === "fulfilled" && loser.value.validationResult?.problems.map((p) => p.rule)).toEqual([
      "overlapping_hold",
    ]);
    const listed = await w.api.holds.listByAccount({ accountLocator: account, state: "validated" });
    expect(listed.items).toHaveLength(1);
  });
});

describe("input checks before any rule", () => {
  it("duplicate targets are refused at input: BAD_REQUEST naming targets[1].process, nothing created", async () => {
    const account = await w.newAccount();
    const before = await databaseChecksum(w.db);
    const err = await expectTrpcError(
      create(account, { targets: [{ process: "invoicing" }, { process: "invoicing", endDate: "2027-04-01" }] }),
      "BAD_REQUEST",
    );
    expect(err.cause).toBeInstanceOf(ZodError);
    const issues = flattenZodError(err.cause as ZodError);
    expect(issues.map(({ path, rule }) => ({ path, rule }))).toEqual([
      { path: "targets[1].process", rule: "duplicate_target" },
    ]);
    // What a client over HTTP sees: the message names the field, the data carries field and rule.
    const shown = errorData(err);
    expect(shown.message).toContain("targets[1].process");
    expect(shown.data).toMatchObject({
      appCode: "INPUT",
      issues: [{ path: "targets[1].process", rule: "duplicate_target" }],
    });
    expect(await databaseChecksum(w.db)).toBe(before);
  });

  it("duplicate targets are refused by update too", async () => {
    const hold = await create(await w.newAccount());
    const err = await expectTrpcError(
      w.api.holds.update({
        locator: hold.locator,
        targets: [{ process: "funding" }, { process: "autopay" }, { process: "funding" }],
      }),
      "BAD_REQUEST",
    );
    const issues = flattenZodError(err.cause as ZodError);
    expect(issues.map(({ path, rule }) => ({ path, rule }))).toEqual([
      { path: "targets[2].process", rule: "duplicate_target" },
    ]);
    expect((await w.api.holds.get({ locator: hold.locator })).version).toBe(1);
  });

  it("a hold with no target is refused at input", async () => {
    const err = await expectTrpcError(create(await w.newAccount(), { targets: [] }), "BAD_REQUEST");
    const issues = flattenZodError(err.cause as ZodError);
    expect(issues.map((i) => i.path)).toEqual(["targets"]);
  });

  it("a hold created with an unknown account: BAD_REQUEST accountLocator / account_not_found, nothing created", async () => {
    const before = await databaseChecksum(w.db);
    const err = await expectTrpcError(create("01ARZ3NDEKTSV4RRFFQ69G5FAV"), "BAD_REQUEST");
    expect(appErrorOf(err).code).toBe("BAD_REQUEST");
    expect(sortRules(appErrorOf(err).issues)).toEqual([{ path: "accountLocator", rule: "account_not_found" }]);
    expect(await databaseChecksum(w.db)).toBe(before);
  });

  it("another tenant's account is as unknown as a made-up one", async () => {
    const otherTenant = await w.tenant("Other tenant");
    const foreign = await w.account(otherTenant, "Foreign account");
    const err = await expectTrpcError(create(foreign.locator), "BAD_REQUEST");
    expect(sortRules(appErrorOf(err).issues)).toEqual([{ path: "accountLocator", rule: "account_not_found" }]);
  });
});

describe("activate checks every rule again", () => {
  it("closing the account after validation: activate gives PRECONDITION_FAILED; the hold stays validated and keeps the failed result", async () => {
    const account = await w.newAccount();
    const hold = await validated(account);
    expect(hold.validationResult?.success).toBe(true);
    await w.api.accounts.close({ locator: account });

    const err = await expectTrpcError(w.api.holds.activate({ locator: hold.locator }), "PRECONDITION_FAILED");
    const app = appErrorOf(err);
    expect(app.code).toBe("HOLD_INVALID");
    expect(sortRules(app.issues)).toEqual([{ path: "accountLocator", rule: "account_closed" }]);

    // The re-check's result replaces the stale success, audited as its own change.
    const stored = await w.api.holds.get({ locator: hold.locator });
    expect(stored).toMatchObject({
      holdState: "validated",
      version: hold.version + 1,
      activatedAt: null,
      validationResult: { success: false, problems: [expect.objectContaining({ rule: "account_closed" })] },
    });
    const history = await w.api.audit.history({ entityType: "hold", entityId: hold.locator });
    expect(history.map((e) => e.action)).toEqual(["create", "validate", "activate_refused"]);
  });

  it("a start date that has passed since validation: PRECONDITION_FAILED startDate / not_in_past", async () => {
    const account = await w.newAccount();
    const hold = await validated(account, { startDate: "2027-03-12", targets: [{ process: "invoicing" }] });
    w.clock.set("2027-03-13T09:00:00Z");
    const err = await expectTrpcError(w.api.holds.activate({ locator: hold.locator }), "PRECONDITION_FAILED");
    expect(sortRules(appErrorOf(err).issues)).toEqual([{ path: "startDate", rule: "not_in_past" }]);
    expect((await w.api.holds.get({ locator: hold.locator })).holdState).toBe("validated");
  });

  it("a reopened account lets the same hold activate", async () => {
    const account = await w.newAccount();
    const hold = await validated(account);
    await w.api.accounts.close({ locator: account });
    await expectTrpcError(w.api.holds.activate({ locator: hold.locator }), "PRECONDITION_FAILED");
    await w.api.accounts.reopen({ locator: account });
    const activated = await w.api.holds.activate({ locator: hold.locator, expectedVersion: hold.version + 1 });
    expect(activated).toMatchObject({ holdState: "active", version: hold.version + 2 });
    expect(activated.validationResult?.success).toBe(true);
  });
});

describe("today is the tenant's business date", () => {
  it("in Pacific/Kiritimati (UTC+14) 2027-03-10T12:00Z is already 2027-03-11, so 2027-03-10 is in the past", async () => {
    const kiritimati = await w.tenant("Line Islands", "Pacific/Kiritimati");
    const kApi = await w.caller(kiritimati);
    const account = await w.account(kiritimati, "Kiritimati account");
    const hold = await kApi.holds.create({
      accountLocator: account.locator,
      startDate: TODAY,
      targets: [{ process: "invoicing" }],
    });
    const result = await kApi.holds.validate({ locator: hold.locator });
    expect(result.holdState).toBe("draft");
    expect(result.validationResult).toMatchObject({ success: false, checkedOn: "2027-03-11" });
    expect(sortRules(result.validationResult?.problems ?? [])).toEqual([{ path: "startDate", rule: "not_in_past" }]);
  });

  it("in America/Los_Angeles 2027-03-10T05:00Z is still 2027-03-09, so 2027-03-09 is not in the past", async () => {
    w.clock.set("2027-03-10T05:00:00Z");
    const la = await w.tenant("Los Angeles", "America/Los_Angeles");
    const laApi = await w.caller(la);
    const account = await w.account(la, "LA account");
    const hold = await laApi.holds.create({
      accountLocator: account.locator,
      startDate: "2027-03-09",
      targets: [{ process: "invoicing" }],
    });
    const result = await laApi.holds.validate({ locator: hold.locator });
    expect(result).toMatchObject({
      holdState: "validated",
      validationResult: { success: true, checkedOn: "2027-03-09" },
    });
  });
});
