import { flattenZodError, HOLD_NOT_ACTIVE_MESSAGE } from "@holdfast/domain";
import { appErrorOf, sortRules } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import {
  type Caller,
  databaseChecksum,
  expectTrpcError,
  type HoldFields,
  holdInState,
  setupWorld,
  TODAY,
} from "./harness.ts";

/**
 * The ORMB amend (seeds/002) of an active hold, through the real router: hold
 * end date, target end dates, an added target, comments, characteristics
 * (Update upserts, Delete removes); refused on any other state with ORMB's
 * exact message; refused with BAD_REQUEST when the result breaks a rule; and
 * refused once the hold's end date has passed.
 */

const w = setupWorld({ tenantName: "Amend tenant" });

/** Characteristics as a map by type: Update and Delete are about membership, not order. */
const byType = (chars: readonly { type: string; value: string; effectiveDate: string | null }[]) =>
  Object.fromEntries(chars.map((c) => [c.type, { value: c.value, effectiveDate: c.effectiveDate }]));

/** Targets as a map by process. */
const byProcess = (targets: readonly { process: string; startDate: string | null; endDate: string | null }[]) =>
  Object.fromEntries(targets.map((t) => [t.process, { startDate: t.startDate, endDate: t.endDate }]));

const ORMB_LIKE: HoldFields = {
  startDate: TODAY,
  endDate: "2027-06-30",
  comments: "Initial hold",
  sourceSystem: "SMALL_NSC_PRIME",
  externalSourceId: "ESI99",
  externalTransactionId: "ETI21",
  targets: [
    { process: "invoicing", endDate: "2027-06-15" },
    { process: "funding", endDate: "2027-06-15" },
  ],
  characteristics: [
    { type: "INVOICE_TYPE", value: "STD", effectiveDate: "2027-03-10" },
    { type: "INVOICE_HOLD_REASON", value: "CMDP", effectiveDate: "2027-03-10" },
  ],
};

async function activeHold(accountLocator: string, fields: HoldFields = ORMB_LIKE) {
  const active = await holdInState(w.api, accountLocator, "active", fields);
  expect(active.holdState).toBe("active");
  return active;
}

describe("amend an active hold", () => {
  it("the seed's full update in one call: hold end date, BILL and FNDG end dates, comments, characteristic Update and Delete", async () => {
    const hold = await activeHold(await w.newAccount());
    const amended = await w.api.holds.amend({
      locator: hold.locator,
      endDate: "2027-07-31",
      comments: "Update the fields based on the request ID",
      targets: [
        { process: "invoicing", endDate: "2027-07-23" },
        { process: "funding", endDate: "2027-07-23" },
      ],
      characteristics: [
        { action: "Update", type: "INVOICE_TYPE", value: "CMR", effectiveDate: "2027-03-10" },
        { action: "Delete", type: "INVOICE_HOLD_REASON", value: "CMDP", effectiveDate: "2027-03-10" },
      ],
    });
    expect(amended).toMatchObject({
      holdState: "active",
      version: hold.version + 1,
      startDate: TODAY,
      endDate: "2027-07-31",
      comments: "Update the fields based on the request ID",
      // Untouched fields stay.
      sourceSystem: "SMALL_NSC_PRIME",
      externalSourceId: "ESI99",
      externalTransactionId: "ETI21",
      allowedMoves: ["release", "amend"],
      schedule: "in_effect",
    });
    expect(byProcess(amended.targets)).toEqual({
      invoicing: { startDate: null, endDate: "2027-07-23" },
      funding: { startDate: null, endDate: "2027-07-23" },
    });
    expect(amended.characteristics).toEqual([{ type: "INVOICE_TYPE", value: "CMR", effectiveDate: "2027-03-10" }]);

    const stored = await w.api.holds.get({ locator: hold.locator });
    expect(byProcess(stored.targets)).toEqual(byProcess(amended.targets));
    expect(stored.characteristics).toEqual(amended.characteristics);
    expect(stored).toMatchObject({ endDate: "2027-07-31", comments: amended.comments, version: amended.version });
  });

  it("the hold end date alone: nothing else changes", async () => {
    const hold = await activeHold(await w.newAccount());
    const amended = await w.api.holds.amend({ locator: hold.locator, endDate: "2027-08-31" });
    expect(amended.endDate).toBe("2027-08-31");
    expect(byProcess(amended.targets)).toEqual(byProcess(hold.targets));
    expect(byType(amended.characteristics)).toEqual(byType(hold.characteristics));
    expect(amended.comments).toBe(hold.comments);
    expect(amended.startDate).toBe(hold.startDate);
  });

  it("the hold end date can be removed (until released)", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: TODAY,
      endDate: "2027-06-30",
      targets: [{ process: "invoicing" }],
    });
    const amended = await w.api.holds.amend({ locator: hold.locator, endDate: null });
    expect(amended.endDate).toBeNull();
    const effect = await w.api.holds.effect({
      accountLocator: hold.accountLocator,
      process: "invoicing",
      date: "2030-01-01",
    });
    expect(effect.held).toBe(true);
  });

  it("a target's end date: only that target changes, its start date stays", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: TODAY,
      endDate: "2027-06-30",
      targets: [
        { process: "invoicing", startDate: "2027-03-15", endDate: "2027-06-15" },
        { process: "funding", endDate: "2027-06-15" },
      ],
    });
    const amended = await w.api.holds.amend({
      locator: hold.locator,
      targets: [{ process: "funding", endDate: "2027-06-20" }],
    });
    expect(byProcess(amended.targets)).toEqual({
      invoicing: { startDate: "2027-03-15", endDate: "2027-06-15" },
      funding: { startDate: null, endDate: "2027-06-20" },
    });
    expect(amended.endDate).toBe("2027-06-30");
    const effect = await w.api.holds.effect({
      accountLocator: hold.accountLocator,
      process: "funding",
      date: "2027-06-18",
    });
    expect(effect.held).toBe(true);
  });

  it("an added target: the account becomes held for that process too", async () => {
    const hold = await activeHold(await w.newAccount());
    const account = hold.accountLocator;
    expect((await w.api.holds.effect({ accountLocator: account, process: "autopay" })).held).toBe(false);
    const amended = await w.api.holds.amend({
      locator: hold.locator,
      targets: [{ process: "autopay", endDate: "2027-06-01" }],
    });
    expect(byProcess(amended.targets)).toEqual({
      invoicing: { startDate: null, endDate: "2027-06-15" },
      funding: { startDate: null, endDate: "2027-06-15" },
      autopay: { startDate: null, endDate: "2027-06-01" },
    });
    expect(amended.targetType).toBeNull();
    const effect = await w.api.holds.effect({ accountLocator: account, process: "autopay" });
    expect(effect).toMatchObject({ held: true, holdLocators: [hold.locator], date: TODAY });
    expect((await w.api.holds.effect({ accountLocator: account, process: "autopay", date: "2027-06-02" })).held).toBe(
      false,
    );
  });

  it("comments: set, and cleared with null", async () => {
    const hold = await activeHold(await w.newAccount());
    const set = await w.api.holds.amend({ locator: hold.locator, comments: "Customer disputes the March invoice" });
    expect(set.comments).toBe("Customer disputes the March invoice");
    expect(set.endDate).toBe(hold.endDate);
    const cleared = await w.api.holds.amend({ locator: hold.locator, comments: null });
    expect(cleared.comments).toBeNull();
    expect(cleared.version).toBe(hold.version + 2);
  });

  it("characteristics Update upserts: a new type is inserted, an existing type is overwritten, others stay", async () => {
    const hold = await activeHold(await w.newAccount());
    const amended = await w.api.holds.amend({
      locator: hold.locator,
      characteristics: [
        { action: "Update", type: "INVOICE_TYPE", value: "CMR", effectiveDate: "2027-04-01" },
        { action: "Update", type: "STATE_OF_ISSUE", value: "TX" },
      ],
    });
    expect(byType(amended.characteristics)).toEqual({
      INVOICE_TYPE: { value: "CMR", effectiveDate: "2027-04-01" },
      INVOICE_HOLD_REASON: { value: "CMDP", effectiveDate: "2027-03-10" },
      STATE_OF_ISSUE: { value: "TX", effectiveDate: null },
    });
    const stored = await w.api.holds.get({ locator: hold.locator });
    expect(byType(stored.characteristics)).toEqual(byType(amended.characteristics));
    expect(stored.characteristics).toHaveLength(3);
  });

  it("characteristics Delete removes one; deleting an absent one is refused, nothing changed", async () => {
    const hold = await activeHold(await w.newAccount());
    const deleted = await w.api.holds.amend({
      locator: hold.locator,
      characteristics: [{ action: "Delete", type: "INVOICE_HOLD_REASON" }],
    });
    expect(byType(deleted.characteristics)).toEqual({ INVOICE_TYPE: { value: "STD", effectiveDate: "2027-03-10" } });

    for (const absent of [
      { action: "Delete" as const, type: "NEVER_THERE" },
      { action: "Delete" as const, type: "INVOICE_TYPE", value: "CMR" },
      { action: "Delete" as const, type: "INVOICE_TYPE", effectiveDate: "2027-03-11" },
    ]) {
      const err = await expectTrpcError(
        w.api.holds.amend({ locator: hold.locator, characteristics: [absent] }),
        "BAD_REQUEST",
      );
      expect(appErrorOf(err).issues.map((i) => [i.path, i.rule])).toEqual([
        ["characteristics[0]", "characteristic_not_found"],
      ]);
    }
    const stored = await w.api.holds.get({ locator: hold.locator });
    expect(stored.version).toBe(deleted.version);
    expect(byType(stored.characteristics)).toEqual({ INVOICE_TYPE: { value: "STD", effectiveDate: "2027-03-10" } });
  });

  it("entityEndDate, sourceSystem and externalSourceId are stored; the ORMB id is on the output", async () => {
    const hold = await activeHold(await w.newAccount());
    expect(hold.ormbId).toBeGreaterThan(10_000_000_000_000);
    const amended = await w.api.holds.amend({
      locator: hold.locator,
      entityEndDate: "2027-06-20",
      sourceSystem: "BIG_NSC",
      externalSourceId: "ESI100",
    });
    expect(amended).toMatchObject({ entityEndDate: "2027-06-20", sourceSystem: "BIG_NSC", externalSourceId: "ESI100" });
    expect(await w.api.holds.get({ locator: hold.locator })).toMatchObject({
      ormbId: hold.ormbId,
      entityEndDate: "2027-06-20",
      sourceSystem: "BIG_NSC",
      externalSourceId: "ESI100",
    });
  });

  it("an Update without a value is refused at input", async () => {
    const hold = await activeHold(await w.newAccount());
    const err = await expectTrpcError(
      w.api.holds.amend({ locator: hold.locator, characteristics: [{ action: "Update", type: "INVOICE_TYPE" }] }),
      "BAD_REQUEST",
    );
    expect(err.cause).toBeInstanceOf(ZodError);
    expect(flattenZodError(err.cause as ZodError).map((i) => i.path)).toEqual(["characteristics[0].value"]);
  });

  it("the audit history records the amend with before and after", async () => {
    const hold = await activeHold(await w.newAccount());
    const amended = await w.api.holds.amend({
      locator: hold.locator,
      endDate: "2027-09-30",
      comments: "extended",
      characteristics: [{ action: "Delete", type: "INVOICE_TYPE" }],
    });
    const history = await w.api.audit.history({ entityType: "hold", entityId: hold.locator });
    expect(history.map((e) => e.action)).toEqual(["create", "validate", "activate", "amend"]);
    const event = history[3];
    expect(event).toMatchObject({
      actorType: "token",
      before: { holdState: "active", endDate: "2027-06-30", comments: "Initial hold", version: hold.version },
      after: { holdState: "active", endDate: "2027-09-30", comments: "extended", version: amended.version },
    });
    const before = event?.before as { characteristics: { type: string }[] };
    const after = event?.after as { characteristics: { type: string }[] };
    expect(before.characteristics.map((c) => c.type).sort()).toEqual(["INVOICE_HOLD_REASON", "INVOICE_TYPE"]);
    expect(after.characteristics.map((c) => c.type)).toEqual(["INVOICE_HOLD_REASON"]);
  });

  it("the amend's answer is the hold as stored: a later get returns the same hold", async () => {
    const hold = await activeHold(await w.newAccount());
    const amended = await w.api.holds.amend({
      locator: hold.locator,
      targets: [{ process: "autopay", endDate: "2027-06-01" }],
      characteristics: [{ action: "Update", type: "A_FIRST_TYPE", value: "x" }],
    });
    const stored = await w.api.holds.get({ locator: hold.locator });
    expect(amended).toEqual(stored);
  });

  it("expectedVersion: a stale one is CONFLICT and changes nothing, the current one applies", async () => {
    const hold = await activeHold(await w.newAccount());
    const before = await databaseChecksum(w.db);
    const err = await expectTrpcError(
      w.api.holds.amend({ locator: hold.locator, expectedVersion: hold.version - 1, comments: "stale" }),
      "CONFLICT",
    );
    expect(appErrorOf(err).code).toBe("VERSION_CONFLICT");
    expect(await databaseChecksum(w.db)).toBe(before);
    const ok = await w.api.holds.amend({ locator: hold.locator, expectedVersion: hold.version, comments: "fresh" });
    expect(ok).toMatchObject({ comments: "fresh", version: hold.version + 1 });
  });
});

describe("amend on a hold that is not active fails with ORMB's message", () => {
  it('draft, validated, released and discarded: CONFLICT "The hold request is not in the active status." and nothing changes', async () => {
    expect(HOLD_NOT_ACTIVE_MESSAGE).toBe("The hold request is not in the active status.");
    const fields: HoldFields = { targets: [{ process: "invoicing" }] };

    const draft = await w.api.holds.create({ accountLocator: await w.newAccount(), ...fields });
    const validatedCreated = await w.api.holds.create({ accountLocator: await w.newAccount(), ...fields });
    const validated = await w.api.holds.validate({ locator: validatedCreated.locator });
    const released = await w.api.holds.release({ locator: (await activeHold(await w.newAccount(), fields)).locator });
    const discardedCreated = await w.api.holds.create({ accountLocator: await w.newAccount(), ...fields });
    const discarded = await w.api.holds.discard({ locator: discardedCreated.locator });

    for (const [state, hold] of [
      ["draft", draft],
      ["validated", validated],
      ["released", released],
      ["discarded", discarded],
    ] as const) {
      expect(hold.holdState).toBe(state);
      const before = await databaseChecksum(w.db);
      const err = await expectTrpcError(
        w.api.holds.amend({
          locator: hold.locator,
          endDate: "2027-12-31",
          comments: "amend",
          targets: [{ process: "funding" }],
        }),
        "CONFLICT",
      );
      expect(err.message).toBe("The hold request is not in the active status.");
      expect(appErrorOf(err).code).toBe("HOLD_NOT_ACTIVE");
      expect(await databaseChecksum(w.db)).toBe(before);
      const stored = await w.api.holds.get({ locator: hold.locator });
      expect(stored).toMatchObject({ holdState: state, version: hold.version, endDate: null, comments: null });
    }
  });
});

describe("an amend that would break a rule is BAD_REQUEST and changes nothing", () => {
  async function expectRefused(
    locator: string,
    amend: Omit<Parameters<Caller["holds"]["amend"]>[0], "locator">,
    expected: { path: string; rule: string }[],
  ) {
    const before = await databaseChecksum(w.db);
    const err = await expectTrpcError(w.api.holds.amend({ locator, ...amend }), "BAD_REQUEST");
    const app = appErrorOf(err);
    expect(app.code).toBe("BAD_REQUEST");
    expect(sortRules(app.issues)).toEqual(sortRules(expected.map((e) => ({ ...e, message: "" }))));
    expect(await databaseChecksum(w.db)).toBe(before);
    return app;
  }

  it("a hold end date in the past: endDate / not_in_past", async () => {
    const hold = await activeHold(await w.newAccount(), { endDate: "2027-06-30", targets: [{ process: "invoicing" }] });
    await expectRefused(hold.locator, { endDate: "2027-03-09" }, [{ path: "endDate", rule: "not_in_past" }]);
  });

  it("a hold end date before its start date: endDate / not_before_start", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: "2027-04-01",
      endDate: "2027-06-30",
      targets: [{ process: "invoicing" }],
    });
    await expectRefused(hold.locator, { endDate: "2027-03-20" }, [{ path: "endDate", rule: "not_before_start" }]);
  });

  it("a target end date beyond the hold's end: targets[i] / outside_hold_dates", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: TODAY,
      endDate: "2027-06-30",
      targets: [{ process: "invoicing" }, { process: "funding", endDate: "2027-06-15" }],
    });
    // Issue paths index the hold's targets as the hold lists them (as in validationResult).
    const i = hold.targets.findIndex((t) => t.process === "funding");
    await expectRefused(hold.locator, { targets: [{ process: "funding", endDate: "2027-07-15" }] }, [
      { path: `targets[${i}]`, rule: "outside_hold_dates" },
    ]);
  });

  it("a hold end date that leaves a target outside: targets[i] / outside_hold_dates", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: TODAY,
      endDate: "2027-06-30",
      targets: [{ process: "invoicing", endDate: "2027-06-15" }],
    });
    await expectRefused(hold.locator, { endDate: "2027-06-01" }, [{ path: "targets[0]", rule: "outside_hold_dates" }]);
  });

  it("a target end date in the past: targets[i].endDate / not_in_past", async () => {
    const hold = await activeHold(await w.newAccount(), { targets: [{ process: "invoicing", endDate: "2027-06-15" }] });
    await expectRefused(hold.locator, { targets: [{ process: "invoicing", endDate: "2027-03-01" }] }, [
      { path: "targets[0].endDate", rule: "not_in_past" },
    ]);
  });

  it("an added delinquency target on a hold with overdue: targets / overdue_with_delinquency", async () => {
    const hold = await activeHold(await w.newAccount(), { targets: [{ process: "overdue" }] });
    await expectRefused(hold.locator, { targets: [{ process: "delinquency" }] }, [
      { path: "targets", rule: "overdue_with_delinquency" },
    ]);
  });

  it("an added target that overlaps another active hold of the account: overlapping_hold", async () => {
    const account = await w.newAccount();
    await activeHold(account, { startDate: "2027-05-01", endDate: "2027-05-31", targets: [{ process: "autopay" }] });
    const hold = await activeHold(account, {
      startDate: TODAY,
      endDate: "2027-06-30",
      targets: [{ process: "invoicing" }],
    });
    const app = await expectTrpcError(
      w.api.holds.amend({ locator: hold.locator, targets: [{ process: "autopay" }] }),
      "BAD_REQUEST",
    );
    expect(appErrorOf(app).issues.map((i) => i.rule)).toEqual(["overlapping_hold"]);
    expect((await w.api.holds.get({ locator: hold.locator })).targets.map((t) => t.process)).toEqual(["invoicing"]);
  });

  it("extending the end date into another active hold's dates: overlapping_hold; shortening it frees those dates", async () => {
    const account = await w.newAccount();
    const first = await activeHold(account, {
      startDate: TODAY,
      endDate: "2027-04-30",
      targets: [{ process: "invoicing" }],
    });
    const later = await w.api.holds.create({
      accountLocator: account,
      startDate: "2027-05-01",
      endDate: "2027-05-31",
      targets: [{ process: "invoicing" }],
    });
    expect((await w.api.holds.validate({ locator: later.locator })).holdState).toBe("validated");

    const err = await expectTrpcError(
      w.api.holds.amend({ locator: first.locator, endDate: "2027-05-15" }),
      "BAD_REQUEST",
    );
    expect(appErrorOf(err).issues.map((i) => i.rule)).toEqual(["overlapping_hold"]);

    // The other way round: shortening the first hold lets an overlapping draft validate.
    const overlapping = await w.api.holds.create({
      accountLocator: account,
      startDate: "2027-04-20",
      endDate: "2027-04-30",
      targets: [{ process: "invoicing" }],
    });
    expect((await w.api.holds.validate({ locator: overlapping.locator })).holdState).toBe("draft");
    await w.api.holds.amend({ locator: first.locator, endDate: "2027-04-19" });
    expect((await w.api.holds.validate({ locator: overlapping.locator })).holdState).toBe("validated");
  });
});

describe("a hold whose end date has passed", () => {
  it("can still be amended and released on its end date itself", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: TODAY,
      endDate: "2027-03-20",
      targets: [{ process: "invoicing" }],
    });
    w.clock.set("2027-03-20T23:00:00Z");
    const amended = await w.api.holds.amend({ locator: hold.locator, comments: "last day" });
    expect(amended.schedule).toBe("in_effect");
    const released = await w.api.holds.release({ locator: hold.locator });
    expect(released.holdState).toBe("released");
  });

  it("can no longer be amended or released the day after: CONFLICT, appCode HOLD_ENDED, nothing changes", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: TODAY,
      endDate: "2027-03-20",
      targets: [{ process: "invoicing" }],
    });
    w.clock.set("2027-03-21T00:00:00Z");
    const stored = await w.api.holds.get({ locator: hold.locator });
    expect(stored).toMatchObject({ holdState: "active", schedule: "ended" });

    const before = await databaseChecksum(w.db);
    const amendErr = await expectTrpcError(
      w.api.holds.amend({ locator: hold.locator, endDate: "2027-12-31" }),
      "CONFLICT",
    );
    expect(appErrorOf(amendErr).code).toBe("HOLD_ENDED");
    expect(amendErr.message).toContain("2027-03-20");
    const releaseErr = await expectTrpcError(w.api.holds.release({ locator: hold.locator }), "CONFLICT");
    expect(appErrorOf(releaseErr).code).toBe("HOLD_ENDED");
    expect(await databaseChecksum(w.db)).toBe(before);

    w.clock.advanceDays(30);
    await expectTrpcError(w.api.holds.amend({ locator: hold.locator, comments: "still?" }), "CONFLICT");
  });
});

describe("allowedMoves of a hold on the tenant's today", () => {
  it("an active hold past its end date advertises no move (release and amend are refused with HOLD_ENDED); on its last day it advertises both", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: TODAY,
      endDate: "2027-03-20",
      targets: [{ process: "invoicing" }],
    });
    w.clock.set("2027-03-20T23:00:00Z");
    expect((await w.api.holds.get({ locator: hold.locator })).allowedMoves).toEqual(["release", "amend"]);

    w.clock.set("2027-03-21T00:00:00Z");
    const ended = await w.api.holds.get({ locator: hold.locator });
    expect(ended).toMatchObject({ holdState: "active", schedule: "ended", allowedMoves: [] });
    const listed = await w.api.holds.list({ accountLocator: hold.accountLocator });
    expect(listed.items.find((h) => h.locator === hold.locator)?.allowedMoves).toEqual([]);
    for (const move of ["release", "amend"] as const) {
      const err = await expectTrpcError(w.api.holds[move]({ locator: hold.locator }), "CONFLICT");
      expect(appErrorOf(err).code, move).toBe("HOLD_ENDED");
    }
    // Any other move is refused naming the moves allowed today: none.
    const discardErr = await expectTrpcError(w.api.holds.discard({ locator: hold.locator }), "CONFLICT");
    expect(appErrorOf(discardErr)).toMatchObject({
      code: "INVALID_TRANSITION",
      details: { state: "active", move: "discard", allowedMoves: [] },
    });
  });

  it("a validated hold whose start date has passed advertises reset and discard, not activate (refused with HOLD_INVALID)", async () => {
    const hold = await holdInState(w.api, await w.newAccount(), "validated", {
      startDate: TODAY,
      endDate: "2027-06-30",
      targets: [{ process: "invoicing" }],
    });
    expect(hold.allowedMoves).toEqual(["activate", "reset", "discard"]);
    w.clock.set("2027-03-11T12:00:00Z");
    expect((await w.api.holds.get({ locator: hold.locator })).allowedMoves).toEqual(["reset", "discard"]);
    const err = await expectTrpcError(w.api.holds.activate({ locator: hold.locator }), "PRECONDITION_FAILED");
    expect(appErrorOf(err).code).toBe("HOLD_INVALID");
    expect(appErrorOf(err).issues).toEqual([expect.objectContaining({ path: "startDate", rule: "not_in_past" })]);
  });
});

describe("an active hold that started in the past", () => {
  it("can still be amended: its old start dates are not refused", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: TODAY,
      endDate: "2027-06-30",
      targets: [{ process: "invoicing", startDate: "2027-03-11", endDate: "2027-06-15" }, { process: "funding" }],
    });
    w.clock.set("2027-04-15T12:00:00Z");
    const amended = await w.api.holds.amend({
      locator: hold.locator,
      endDate: "2027-07-31",
      targets: [{ process: "invoicing", endDate: "2027-07-15" }],
      comments: "extended after start",
    });
    expect(amended).toMatchObject({
      holdState: "active",
      startDate: TODAY,
      endDate: "2027-07-31",
      schedule: "in_effect",
    });
    expect(byProcess(amended.targets)).toEqual({
      invoicing: { startDate: "2027-03-11", endDate: "2027-07-15" },
      funding: { startDate: null, endDate: null },
    });
    expect(amended.validationResult).toMatchObject({ success: true, checkedOn: "2027-04-15" });
  });

  it("but a new start date in the past is refused: targets[i].startDate / not_in_past", async () => {
    const hold = await activeHold(await w.newAccount(), {
      startDate: TODAY,
      endDate: "2027-06-30",
      targets: [{ process: "invoicing", startDate: "2027-03-11" }],
    });
    w.clock.set("2027-04-15T12:00:00Z");
    const before = await databaseChecksum(w.db);
    const err = await expectTrpcError(
      w.api.holds.amend({ locator: hold.locator, targets: [{ process: "invoicing", startDate: "2027-03-20" }] }),
      "BAD_REQUEST",
    );
    expect(sortRules(appErrorOf(err).issues)).toEqual([{ path: "targets[0].startDate", rule: "not_in_past" }]);
    expect(await databaseChecksum(w.db)).toBe(before);
  });
});
