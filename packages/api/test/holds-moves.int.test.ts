import type { HoldMove } from "@holdfast/domain";
import { appErrorOf, rulesOf } from "@holdfast/testing/issues";
import type { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import {
  databaseChecksum,
  expectTrpcError,
  type Hold,
  type HoldFields,
  type HoldState,
  holdInState,
  NOW,
  setupWorld,
  TODAY,
} from "./harness.ts";

/**
 * The Socotra state machine through the real router: refused moves name the
 * current state and the allowed moves; update edits a draft only; reset and
 * discard free the claim; expectedVersion; and the schedule of an active hold.
 */

const w = setupWorld({ tenantName: "Moves tenant" });

const APRIL: HoldFields = { startDate: "2027-04-01", endDate: "2027-04-30", targets: [{ process: "invoicing" }] };

/** A hold of a fresh account (unless one is given) brought to the given state. */
async function holdIn(state: HoldState, fields: HoldFields = APRIL, account?: string): Promise<Hold> {
  return holdInState(w.api, account ?? (await w.newAccount()), state, fields);
}

function move(name: Exclude<HoldMove, "update" | "amend">, locator: string, expectedVersion?: number) {
  const input = expectedVersion === undefined ? { locator } : { locator, expectedVersion };
  return w.api.holds[name](input);
}

function attempt(name: HoldMove, locator: string) {
  if (name === "update") return w.api.holds.update({ locator, comments: "edited" });
  if (name === "amend") return w.api.holds.amend({ locator, comments: "edited" });
  return move(name, locator);
}

describe("refused moves: CONFLICT naming the current state and the allowed moves", () => {
  const cases: { state: HoldState; move: HoldMove; message: string }[] = [
    {
      state: "draft",
      move: "release",
      message: "Cannot release a hold in state draft; allowed moves: update, validate, discard.",
    },
    {
      state: "draft",
      move: "activate",
      message: "Cannot activate a hold in state draft; allowed moves: update, validate, discard.",
    },
    {
      state: "draft",
      move: "reset",
      message: "Cannot reset a hold in state draft; allowed moves: update, validate, discard.",
    },
    {
      state: "validated",
      move: "validate",
      message: "Cannot validate a hold in state validated; allowed moves: activate, reset, discard.",
    },
    {
      state: "validated",
      move: "update",
      message: "Cannot update a hold in state validated; allowed moves: activate, reset, discard.",
    },
    {
      state: "validated",
      move: "release",
      message: "Cannot release a hold in state validated; allowed moves: activate, reset, discard.",
    },
    { state: "active", move: "reset", message: "Cannot reset a hold in state active; allowed moves: release, amend." },
    {
      state: "active",
      move: "discard",
      message: "Cannot discard a hold in state active; allowed moves: release, amend.",
    },
    {
      state: "active",
      move: "update",
      message: "Cannot update a hold in state active; allowed moves: release, amend.",
    },
    {
      state: "active",
      move: "validate",
      message: "Cannot validate a hold in state active; allowed moves: release, amend.",
    },
    {
      state: "active",
      move: "activate",
      message: "Cannot activate a hold in state active; allowed moves: release, amend.",
    },
    {
      state: "released",
      move: "release",
      message: "Cannot release a hold in state released; released is a final state and allows no moves.",
    },
    {
      state: "released",
      move: "activate",
      message: "Cannot activate a hold in state released; released is a final state and allows no moves.",
    },
    {
      state: "released",
      move: "update",
      message: "Cannot update a hold in state released; released is a final state and allows no moves.",
    },
    {
      state: "discarded",
      move: "discard",
      message: "Cannot discard a hold in state discarded; discarded is a final state and allows no moves.",
    },
    {
      state: "discarded",
      move: "validate",
      message: "Cannot validate a hold in state discarded; discarded is a final state and allows no moves.",
    },
    {
      state: "discarded",
      move: "reset",
      message: "Cannot reset a hold in state discarded; discarded is a final state and allows no moves.",
    },
  ];

  it.each(cases)("$move on a $state hold", async ({ state, move: name, message }) => {
    const hold = await holdIn(state);
    const before = await databaseChecksum(w.db);
    const err = await expectTrpcError(attempt(name, hold.locator), "CONFLICT");
    expect(err.message).toBe(message);
    const app = appErrorOf(err);
    expect(app.code).toBe("INVALID_TRANSITION");
    expect(app.details).toMatchObject({ state, move: name, allowedMoves: hold.allowedMoves });
    expect(await databaseChecksum(w.db)).toBe(before);
    expect(await w.api.holds.get({ locator: hold.locator })).toEqual(hold);
  });

  it("allowedMoves in every answer match what the machine accepts", async () => {
    expect((await holdIn("draft")).allowedMoves).toEqual(["update", "validate", "discard"]);
    expect((await holdIn("validated")).allowedMoves).toEqual(["activate", "reset", "discard"]);
    expect((await holdIn("active")).allowedMoves).toEqual(["release", "amend"]);
    expect((await holdIn("released")).allowedMoves).toEqual([]);
    expect((await holdIn("discarded")).allowedMoves).toEqual([]);
  });
});

describe("update edits a draft", () => {
  const FULL: HoldFields = {
    startDate: "2027-04-01",
    endDate: "2027-04-30",
    comments: "original",
    sourceSystem: "SRC",
    externalSourceId: "ESI1",
    externalTransactionId: "ETI1",
    targets: [{ process: "invoicing", endDate: "2027-04-20" }],
    characteristics: [{ type: "REASON", value: "dispute", effectiveDate: "2027-04-01" }],
  };

  it("only the fields sent change", async () => {
    const draft = await holdIn("draft", FULL);
    const comments = await w.api.holds.update({ locator: draft.locator, comments: "edited" });
    expect(comments).toEqual({
      ...draft,
      comments: "edited",
      version: draft.version + 1,
      updatedAt: comments.updatedAt,
    });

    const targets = await w.api.holds.update({ locator: draft.locator, targets: [{ process: "delinquency" }] });
    expect(targets).toMatchObject({
      targets: [{ process: "delinquency", startDate: null, endDate: null }],
      targetType: "delinquency",
      comments: "edited",
      startDate: "2027-04-01",
      endDate: "2027-04-30",
      characteristics: FULL.characteristics,
      externalTransactionId: "ETI1",
      version: draft.version + 2,
    });

    const dates = await w.api.holds.update({ locator: draft.locator, startDate: null, endDate: "2027-05-31" });
    expect(dates).toMatchObject({
      startDate: null,
      endDate: "2027-05-31",
      comments: "edited",
      targetType: "delinquency",
    });

    const chars = await w.api.holds.update({ locator: draft.locator, characteristics: [] });
    expect(chars).toMatchObject({ characteristics: [], comments: "edited", startDate: null, endDate: "2027-05-31" });

    const stored = await w.api.holds.get({ locator: draft.locator });
    expect(stored).toMatchObject({
      holdState: "draft",
      version: draft.version + 4,
      comments: "edited",
      startDate: null,
      endDate: "2027-05-31",
      sourceSystem: "SRC",
      externalSourceId: "ESI1",
      externalTransactionId: "ETI1",
      targets: [{ process: "delinquency", startDate: null, endDate: null }],
      characteristics: [],
    });
    const history = await w.api.audit.history({ entityType: "hold", entityId: draft.locator });
    expect(history.map((e) => e.action)).toEqual(["create", "update", "update", "update", "update"]);
    expect(history[1]).toMatchObject({ before: { comments: "original" }, after: { comments: "edited" } });
  });

  it("moves the draft to another account of the tenant, but not to an unknown one", async () => {
    const draft = await holdIn("draft");
    const other = await w.newAccount("Other");
    const moved = await w.api.holds.update({ locator: draft.locator, accountLocator: other });
    expect(moved.accountLocator).toBe(other);
    const err = await expectTrpcError(
      w.api.holds.update({ locator: draft.locator, accountLocator: "01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
      "BAD_REQUEST",
    );
    expect(rulesOf(appErrorOf(err).issues)).toEqual([{ path: "accountLocator", rule: "account_not_found" }]);
    expect((await w.api.holds.get({ locator: draft.locator })).accountLocator).toBe(other);
  });

  it("clears a stale validationResult", async () => {
    const draft = await holdIn("draft", { startDate: "2027-03-01", targets: [{ process: "invoicing" }] });
    const failed = await w.api.holds.validate({ locator: draft.locator });
    expect(failed.validationResult).toMatchObject({
      success: false,
      problems: [{ path: "startDate", rule: "not_in_past" }],
    });

    const updated = await w.api.holds.update({ locator: draft.locator, startDate: "2027-03-15" });
    expect(updated.validationResult).toBeNull();
    expect((await w.api.holds.get({ locator: draft.locator })).validationResult).toBeNull();

    const ok = await w.api.holds.validate({ locator: draft.locator });
    expect(ok).toMatchObject({ holdState: "validated", validationResult: { success: true, problems: [] } });
  });

  it("even an update that sends only comments clears the stale result", async () => {
    const draft = await holdIn("draft", { startDate: "2027-03-01", targets: [{ process: "invoicing" }] });
    await w.api.holds.validate({ locator: draft.locator });
    const updated = await w.api.holds.update({ locator: draft.locator, comments: "looked at it" });
    expect(updated.validationResult).toBeNull();
    expect(updated.startDate).toBe("2027-03-01");
  });
});

describe("reset and discard", () => {
  it("reset returns validated → draft, clears validation, and frees the claim so an overlapping hold can validate", async () => {
    const account = await w.newAccount();
    const first = await holdIn("validated", APRIL, account);
    const second = await w.api.holds.create({ accountLocator: account, ...APRIL });
    expect((await w.api.holds.validate({ locator: second.locator })).holdState).toBe("draft");

    const reset = await w.api.holds.reset({ locator: first.locator, expectedVersion: first.version });
    expect(reset).toMatchObject({
      holdState: "draft",
      version: first.version + 1,
      validationResult: null,
      validatedAt: null,
      validatedBy: null,
      allowedMoves: ["update", "validate", "discard"],
    });

    const secondValidated = await w.api.holds.validate({ locator: second.locator });
    expect(secondValidated.holdState).toBe("validated");
    // Now the reset hold is the one that overlaps.
    const again = await w.api.holds.validate({ locator: first.locator });
    expect(again.holdState).toBe("draft");
    expect(again.validationResult?.problems.map((p) => p.rule)).toEqual(["overlapping_hold"]);

    const history = await w.api.audit.history({ entityType: "hold", entityId: first.locator });
    expect(history.map((e) => e.action)).toEqual(["create", "validate", "reset", "validate"]);
  });

  it("a reset hold can be edited and validated again", async () => {
    const hold = await holdIn("validated");
    await w.api.holds.reset({ locator: hold.locator });
    const edited = await w.api.holds.update({ locator: hold.locator, endDate: "2027-05-31" });
    expect(edited.endDate).toBe("2027-05-31");
    expect((await w.api.holds.validate({ locator: hold.locator })).holdState).toBe("validated");
  });

  it("discard from draft", async () => {
    const draft = await holdIn("draft");
    const discarded = await w.api.holds.discard({ locator: draft.locator, expectedVersion: 1 });
    expect(discarded).toMatchObject({
      holdState: "discarded",
      version: 2,
      allowedMoves: [],
      releaseReason: null,
      schedule: null,
    });
    expect(discarded.discardedAt).toBe(new Date(NOW).toISOString());
    expect(discarded.discardedBy).toBe(draft.createdBy);
  });

  it("discard from validated frees the claim", async () => {
    const account = await w.newAccount();
    const first = await holdIn("validated", APRIL, account);
    const second = await w.api.holds.create({ accountLocator: account, ...APRIL });
    expect((await w.api.holds.validate({ locator: second.locator })).holdState).toBe("draft");
    const discarded = await w.api.holds.discard({ locator: first.locator });
    expect(discarded).toMatchObject({ holdState: "discarded", allowedMoves: [] });
    expect((await w.api.holds.validate({ locator: second.locator })).holdState).toBe("validated");
  });

  it("release frees the claim too", async () => {
    const account = await w.newAccount();
    const first = await holdIn("active", { targets: [{ process: "funding" }] }, account);
    const second = await w.api.holds.create({ accountLocator: account, ...APRIL, targets: [{ process: "funding" }] });
    expect((await w.api.holds.validate({ locator: second.locator })).holdState).toBe("draft");
    const released = await w.api.holds.release({ locator: first.locator });
    expect(released).toMatchObject({ holdState: "released", releaseReason: "released" });
    expect((await w.api.holds.validate({ locator: second.locator })).holdState).toBe("validated");
  });
});

describe("optimistic concurrency", () => {
  it("a stale expectedVersion is CONFLICT (VERSION_CONFLICT) and changes nothing, for every move", async () => {
    const draft = await holdIn("draft");
    const updated = await w.api.holds.update({ locator: draft.locator, comments: "v2" });
    expect(updated.version).toBe(2);

    for (const attemptStale of [
      () => w.api.holds.validate({ locator: draft.locator, expectedVersion: 1 }),
      () => w.api.holds.update({ locator: draft.locator, expectedVersion: 1, comments: "lost update" }),
      () => w.api.holds.discard({ locator: draft.locator, expectedVersion: 1 }),
      () => w.api.holds.validate({ locator: draft.locator, expectedVersion: 3 }),
    ]) {
      const before = await databaseChecksum(w.db);
      const err = await expectTrpcError(attemptStale(), "CONFLICT");
      expect(appErrorOf(err).code).toBe("VERSION_CONFLICT");
      expect(appErrorOf(err).details).toMatchObject({ currentVersion: 2 });
      expect(await databaseChecksum(w.db)).toBe(before);
    }
    expect(await w.api.holds.get({ locator: draft.locator })).toEqual(updated);

    const validated = await w.api.holds.validate({ locator: draft.locator, expectedVersion: 2 });
    expect(validated).toMatchObject({ holdState: "validated", version: 3 });
    await expectTrpcError(w.api.holds.activate({ locator: draft.locator, expectedVersion: 2 }), "CONFLICT");
    expect((await w.api.holds.activate({ locator: draft.locator, expectedVersion: 3 })).holdState).toBe("active");
  });

  it("two callers moving the same hold at once: exactly one move applies, the other gets CONFLICT", async () => {
    const hold = await holdIn("active");
    const other = await w.caller(w.tenantId);
    const results = await Promise.allSettled([
      w.api.holds.release({ locator: hold.locator }),
      other.holds.release({ locator: hold.locator }),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0]?.reason as TRPCError | undefined)?.code).toBe("CONFLICT");
    const stored = await w.api.holds.get({ locator: hold.locator });
    expect(stored).toMatchObject({ holdState: "released", version: hold.version + 1 });
    const history = await w.api.audit.history({ entityType: "hold", entityId: hold.locator });
    expect(history.filter((e) => e.action === "release")).toHaveLength(1);
  });

  it("two callers activating and discarding the same validated hold at once: one wins", async () => {
    const hold = await holdIn("validated");
    const results = await Promise.allSettled([
      w.api.holds.activate({ locator: hold.locator }),
      w.api.holds.discard({ locator: hold.locator }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    expect((rejected?.reason as TRPCError | undefined)?.code).toBe("CONFLICT");
    const stored = await w.api.holds.get({ locator: hold.locator });
    expect(stored.version).toBe(hold.version + 1);
    expect(["active", "discarded"]).toContain(stored.holdState);
  });
});

describe("schedule of an active hold", () => {
  it("is scheduled with a future start date and in_effect once the clock reaches it", async () => {
    const hold = await holdIn("active", {
      startDate: "2027-03-15",
      endDate: "2027-03-31",
      targets: [{ process: "invoicing" }],
    });
    expect(hold).toMatchObject({ holdState: "active", schedule: "scheduled", allowedMoves: ["release", "amend"] });
    expect((await w.api.holds.effect({ accountLocator: hold.accountLocator, process: "invoicing" })).held).toBe(false);

    w.clock.set("2027-03-14T23:59:59Z");
    expect((await w.api.holds.get({ locator: hold.locator })).schedule).toBe("scheduled");

    w.clock.set("2027-03-15T00:00:00Z");
    expect((await w.api.holds.get({ locator: hold.locator })).schedule).toBe("in_effect");
    expect((await w.api.holds.effect({ accountLocator: hold.accountLocator, process: "invoicing" })).held).toBe(true);

    w.clock.set("2027-03-31T12:00:00Z");
    expect((await w.api.holds.get({ locator: hold.locator })).schedule).toBe("in_effect");
    w.clock.set("2027-04-01T00:00:00Z");
    expect((await w.api.holds.get({ locator: hold.locator })).schedule).toBe("ended");
  });

  it("follows the tenant's time zone", async () => {
    const kiritimati = await w.tenant("Line Islands", "Pacific/Kiritimati");
    const kApi = await w.caller(kiritimati);
    const account = await w.account(kiritimati, "K");
    const created = await kApi.holds.create({
      accountLocator: account.locator,
      startDate: "2027-03-12",
      targets: [{ process: "invoicing" }],
    });
    await kApi.holds.validate({ locator: created.locator });
    const active = await kApi.holds.activate({ locator: created.locator });
    expect(active.schedule).toBe("scheduled");
    // 2027-03-11T10:00Z is 2027-03-12 00:00 in Kiritimati (UTC+14), still 2027-03-11 in UTC.
    w.clock.set("2027-03-11T10:00:00Z");
    expect((await kApi.holds.get({ locator: created.locator })).schedule).toBe("in_effect");
  });

  it("a scheduled hold can be released before it starts", async () => {
    const hold = await holdIn("active", { startDate: "2027-04-01", targets: [{ process: "invoicing" }] });
    expect(hold.schedule).toBe("scheduled");
    const released = await w.api.holds.release({ locator: hold.locator });
    expect(released).toMatchObject({ holdState: "released", schedule: null });
  });

  it("is null for holds that are not active", async () => {
    for (const state of ["draft", "validated", "released", "discarded"] as const) {
      expect((await holdIn(state)).schedule).toBeNull();
    }
  });

  it("today's start date activates in effect", async () => {
    const hold = await holdIn("active", { startDate: TODAY, targets: [{ process: "invoicing" }] });
    expect(hold.schedule).toBe("in_effect");
  });
});
