/**
 * Concurrency of hold moves through the real router against a real database:
 * racing validations and activations of overlapping holds (the overlap rule is
 * backed by the hold_claims exclusion constraint), and many identical moves of
 * one hold at once (exactly one applies, the rest get CONFLICT).
 */
import { isAppError } from "@holdfast/domain";
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { type Caller, expectTrpcError, type Hold, settle, setupWorld } from "./harness.ts";

const w = setupWorld();

type ChainResult = { kind: "hold"; hold: Hold } | { kind: "error"; error: unknown };

/** validate, then activate if validation passed: what a client racing another would do. */
async function validateThenActivate(api: Caller, locator: string): Promise<ChainResult> {
  try {
    const validated = await api.holds.validate({ locator });
    if (validated.holdState !== "validated") return { kind: "hold", hold: validated };
    return { kind: "hold", hold: await api.holds.activate({ locator }) };
  } catch (error) {
    return { kind: "error", error };
  }
}

/** Alice validates then activates hold a while Bob does the same with hold b; then both holds as stored. */
async function race(alice: Caller, a: Hold, bob: Caller, b: Hold) {
  const results = await Promise.all([validateThenActivate(alice, a.locator), validateThenActivate(bob, b.locator)]);
  const finals = await Promise.all([alice.holds.get({ locator: a.locator }), alice.holds.get({ locator: b.locator })]);
  return { results, finals };
}

/** A tenant of the test's own, with a client (its own token) and one account. */
async function tenantWithAccount(name: string) {
  const tenantId = await w.tenant(name);
  const api = await w.caller(tenantId);
  const account = await w.account(tenantId);
  return { tenantId, api, account };
}

/** Claims of one account and process whose inclusive periods overlap: must always be none. */
async function overlappingClaimPairs(): Promise<number> {
  const rows = await w.db.$client.unsafe(`
    select count(*)::int as n
    from hold_claims a
    join hold_claims b
      on a.account_id = b.account_id
     and a.process = b.process
     and a.hold_id < b.hold_id
     and daterange(a.start_date, a.end_date, '[]') && daterange(b.start_date, b.end_date, '[]')`);
  return Number(rows[0]?.n);
}

/** The app error code behind a tRPC error (INVALID_TRANSITION, VERSION_CONFLICT, ...). */
function appCode(e: unknown): string | undefined {
  return e instanceof TRPCError && isAppError(e.cause) ? e.cause.code : undefined;
}

type Dates = { startDate?: string | null; endDate?: string | null };

/** Pairs of same-process periods that overlap (inclusive bounds; null is open). */
const OVERLAPPING: { name: string; a: Dates; b: Dates }[] = [
  { name: "both open-ended", a: {}, b: {} },
  {
    name: "identical bounded periods",
    a: { startDate: "2027-04-01", endDate: "2027-04-30" },
    b: { startDate: "2027-04-01", endDate: "2027-04-30" },
  },
  {
    name: "partial overlap",
    a: { startDate: "2027-04-01", endDate: "2027-04-30" },
    b: { startDate: "2027-04-15", endDate: "2027-05-15" },
  },
  {
    name: "touching on one day (inclusive bounds)",
    a: { startDate: "2027-04-01", endDate: "2027-04-15" },
    b: { startDate: "2027-04-15", endDate: "2027-04-30" },
  },
  {
    name: "one inside the other",
    a: { startDate: "2027-04-01", endDate: "2027-06-30" },
    b: { startDate: "2027-05-01", endDate: "2027-05-02" },
  },
  {
    name: "open end vs later bounded",
    a: { startDate: "2027-04-01" },
    b: { startDate: "2027-09-01", endDate: "2027-09-30" },
  },
  {
    name: "open start (today) vs bounded",
    a: { endDate: "2027-04-10" },
    b: { startDate: "2027-04-10", endDate: "2027-04-11" },
  },
  { name: "today only vs open-ended", a: { startDate: "2027-03-10", endDate: "2027-03-10" }, b: {} },
  { name: "far future overlap", a: { startDate: "2030-01-01", endDate: "2030-12-31" }, b: { startDate: "2030-12-31" } },
  {
    name: "single-day periods on the same day",
    a: { startDate: "2027-05-05", endDate: "2027-05-05" },
    b: { startDate: "2027-05-05", endDate: "2027-05-05" },
  },
];

describe("racing validate+activate of two overlapping drafts", () => {
  it("ends with exactly one active hold per account, the other draft with an overlapping_hold problem (10 accounts)", async () => {
    const tenantId = await w.tenant("Race tenant");
    const alice = await w.caller(tenantId);
    const bob = await w.caller(tenantId);

    for (const [i, pair] of OVERLAPPING.entries()) {
      const account = await w.account(tenantId, `Race account ${i}`);
      const process = (["invoicing", "delinquency", "funding", "autopay", "refund"] as const)[i % 5] ?? "invoicing";
      const a = await alice.holds.create({ accountLocator: account.locator, targets: [{ process }], ...pair.a });
      const b = await bob.holds.create({ accountLocator: account.locator, targets: [{ process }], ...pair.b });

      const { results, finals } = await race(alice, a, bob, b);

      for (const r of results) {
        if (r.kind === "error") {
          // A refused chain must be a clear refusal, never a crash.
          expect(r.error, pair.name).toBeInstanceOf(TRPCError);
          expect(["CONFLICT", "PRECONDITION_FAILED"], pair.name).toContain((r.error as TRPCError).code);
        }
      }

      const active = finals.filter((h) => h.holdState === "active");
      expect(active, `${pair.name}: exactly one active`).toHaveLength(1);
      const loser = finals.find((h) => h.holdState !== "active");
      const loserResult = results[finals.indexOf(loser as Hold)];
      expect(loser?.holdState, pair.name).toBe("draft");
      if (loserResult?.kind === "hold") {
        // The chain stopped at validation: the hold says why.
        expect(loser?.validationResult?.success, pair.name).toBe(false);
        expect(
          loser?.validationResult?.problems.map((p) => p.rule),
          pair.name,
        ).toContain("overlapping_hold");
      }
      // Claims: the winner holds its process, the loser holds nothing.
      const claims = await w.db.$client.unsafe("select hold_id, process from hold_claims where account_id = $1", [
        account.locator,
      ]);
      expect(
        claims.map((c) => c.hold_id),
        pair.name,
      ).toEqual([active[0]?.locator]);
      expect(claims[0]?.process, pair.name).toBe(process);
    }

    expect(await overlappingClaimPairs()).toBe(0);
  });

  it("does not block holds of the same account whose periods do not overlap, or that hold other processes", async () => {
    const { api, account } = await tenantWithAccount("No-clash tenant");
    const a = await api.holds.create({
      accountLocator: account.locator,
      targets: [{ process: "invoicing" }],
      startDate: "2027-04-01",
      endDate: "2027-04-14",
    });
    const b = await api.holds.create({
      accountLocator: account.locator,
      targets: [{ process: "invoicing" }],
      startDate: "2027-04-15",
      endDate: "2027-04-30",
    });
    const c = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "funding" }] });
    const results = await Promise.all([a, b, c].map((h) => validateThenActivate(api, h.locator)));
    expect(results.map((r) => (r.kind === "hold" ? r.hold.holdState : "error"))).toEqual([
      "active",
      "active",
      "active",
    ]);
    expect(await overlappingClaimPairs()).toBe(0);
  });

  it("lets only one of two multi-target holds sharing one overlapping process win, with no deadlock or crash", async () => {
    const tenantId = await w.tenant("Multi-target tenant");
    const alice = await w.caller(tenantId);
    const bob = await w.caller(tenantId);
    for (let i = 0; i < 5; i++) {
      const account = await w.account(tenantId, `Multi ${i}`);
      const a = await alice.holds.create({
        accountLocator: account.locator,
        targets: [{ process: "refund" }, { process: "funding" }, { process: "invoicing" }],
      });
      const b = await bob.holds.create({
        accountLocator: account.locator,
        targets: [{ process: "invoicing" }, { process: "autopay" }, { process: "refund" }],
      });
      const { results, finals } = await race(alice, a, bob, b);
      for (const r of results) {
        if (r.kind === "error") expect(["CONFLICT", "PRECONDITION_FAILED"]).toContain((r.error as TRPCError).code);
      }
      expect(finals.map((h) => h.holdState).sort()).toEqual(["active", "draft"]);
    }
    expect(await overlappingClaimPairs()).toBe(0);
  });

  it("refuses an overlapping row written straight into hold_claims: the database itself enforces the rule (SQLSTATE 23P01)", async () => {
    const { tenantId, api, account } = await tenantWithAccount("SQL tenant");
    const winner = await api.holds.create({
      accountLocator: account.locator,
      targets: [{ process: "delinquency" }],
      startDate: "2027-04-01",
      endDate: "2027-04-30",
    });
    await api.holds.validate({ locator: winner.locator });
    await api.holds.activate({ locator: winner.locator });
    const other = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "delinquency" }] });

    const insert = (start: string | null, end: string | null, process = "delinquency") =>
      w.db.$client.unsafe(
        `insert into hold_claims (hold_id, tenant_id, account_id, process, start_date, end_date) values ($1, $2, $3, $4, $5, $6)`,
        [other.locator, tenantId, account.locator, process, start, end],
      );

    for (const [start, end] of [
      ["2027-04-30", "2027-05-31"], // shares the winner's last day
      ["2027-03-01", "2027-04-01"], // shares the winner's first day
      ["2027-04-10", "2027-04-11"], // inside
      [null, null], // open on both sides
    ] as const) {
      let caught: unknown;
      try {
        await insert(start, end);
      } catch (e) {
        caught = e;
      }
      expect(caught, `${start}..${end}`).toBeDefined();
      expect((caught as { code?: string }).code).toBe("23P01");
      expect((caught as { constraint_name?: string }).constraint_name).toBe("hold_claims_no_overlap");
    }

    // Not overlapping, or another process: accepted (then removed again, inside a rolled-back transaction).
    await w.db.$client
      .begin(async (sql) => {
        await sql.unsafe(
          `insert into hold_claims (hold_id, tenant_id, account_id, process, start_date, end_date) values ($1, $2, $3, 'delinquency', '2027-05-01', null)`,
          [other.locator, tenantId, account.locator],
        );
        await sql.unsafe(
          `insert into hold_claims (hold_id, tenant_id, account_id, process, start_date, end_date) values ($1, $2, $3, 'funding', null, null)`,
          [other.locator, tenantId, account.locator],
        );
        throw new Error("rollback");
      })
      .catch((e: unknown) => {
        if (!(e instanceof Error) || e.message !== "rollback") throw e;
      });
    expect(await overlappingClaimPairs()).toBe(0);
    const claims = await w.db.$client.unsafe("select hold_id from hold_claims where account_id = $1", [
      account.locator,
    ]);
    expect(claims.map((c) => c.hold_id)).toEqual([winner.locator]);
  });
});

type MoveName = "validate" | "activate" | "release" | "reset" | "discard";

/** A hold, on an account of its own, in the state each move starts from. */
async function holdReadyFor(api: Caller, tenantId: string, move: MoveName | "update" | "amend"): Promise<Hold> {
  const accountLocator = (await w.account(tenantId, `Account for ${move}`)).locator;
  const draft = await api.holds.create({ accountLocator, targets: [{ process: "invoicing" }], endDate: "2027-12-31" });
  if (move === "validate" || move === "discard" || move === "update") return draft;
  const validated = await api.holds.validate({ locator: draft.locator });
  if (move === "activate" || move === "reset") return validated;
  return api.holds.activate({ locator: draft.locator });
}

const MOVES: { move: MoveName; to: string }[] = [
  { move: "release", to: "released" },
  { move: "activate", to: "active" },
  { move: "validate", to: "validated" },
  { move: "reset", to: "draft" },
  { move: "discard", to: "discarded" },
];

describe("20 identical moves of one hold at once", () => {
  let tenantId: string;
  let callers: Caller[];
  beforeAll(async () => {
    tenantId = await w.tenant("Stampede tenant");
    // Separate tokens: as if 20 different clients pressed the button.
    callers = await Promise.all(Array.from({ length: 20 }, () => w.caller(tenantId)));
  });

  async function expectExactlyOneMove(
    hold: Hold,
    move: string,
    to: string,
    results: { ok: Hold[]; failed: unknown[] },
    codes: string[],
  ) {
    expect(results.ok, `${move}: exactly one applies`).toHaveLength(1);
    expect(results.failed).toHaveLength(19);
    for (const e of results.failed) {
      expect(e).toBeInstanceOf(TRPCError);
      expect((e as TRPCError).code, (e as Error).message).toBe("CONFLICT");
      expect(codes).toContain(appCode(e));
    }
    expect(results.ok[0]).toMatchObject({ holdState: to, version: hold.version + 1 });
    const after = await callers[0]?.holds.get({ locator: hold.locator });
    expect(after).toMatchObject({ holdState: to, version: hold.version + 1 });
    const history = await callers[0]?.audit.history({ entityType: "hold", entityId: hold.locator });
    expect(history?.filter((e) => e.action === move)).toHaveLength(1);
    expect(history?.at(-1)).toMatchObject({
      action: move,
      before: { version: hold.version },
      after: { version: hold.version + 1, holdState: to },
    });
  }

  for (const { move, to } of MOVES) {
    it(`${move} without expectedVersion: one applies, 19 get CONFLICT, version +1, one audit event`, async () => {
      const hold = await holdReadyFor(callers[0] as Caller, tenantId, move);
      const results = await settle(callers.map((c) => c.holds[move]({ locator: hold.locator })));
      await expectExactlyOneMove(hold, move, to, results, ["INVALID_TRANSITION", "CONCURRENT_MODIFICATION"]);
    });

    it(`${move} with the same expectedVersion: one applies, 19 get CONFLICT, version +1, one audit event`, async () => {
      const hold = await holdReadyFor(callers[0] as Caller, tenantId, move);
      const results = await settle(
        callers.map((c) => c.holds[move]({ locator: hold.locator, expectedVersion: hold.version })),
      );
      await expectExactlyOneMove(hold, move, to, results, ["VERSION_CONFLICT", "CONCURRENT_MODIFICATION"]);
    });
  }

  it("update with the same expectedVersion: one edit applies, 19 get CONFLICT", async () => {
    const hold = await holdReadyFor(callers[0] as Caller, tenantId, "update");
    const results = await settle(
      callers.map((c, i) =>
        c.holds.update({ locator: hold.locator, expectedVersion: hold.version, comments: `edit ${i}` }),
      ),
    );
    await expectExactlyOneMove(hold, "update", "draft", results, ["VERSION_CONFLICT", "CONCURRENT_MODIFICATION"]);
    const after = await callers[0]?.holds.get({ locator: hold.locator });
    expect(after?.comments).toBe(results.ok[0]?.comments);
  });

  it("amend with the same expectedVersion: one amendment applies, 19 get CONFLICT", async () => {
    const hold = await holdReadyFor(callers[0] as Caller, tenantId, "amend");
    const results = await settle(
      callers.map((c, i) =>
        c.holds.amend({
          locator: hold.locator,
          expectedVersion: hold.version,
          endDate: `2028-01-${String(i + 1).padStart(2, "0")}`,
        }),
      ),
    );
    await expectExactlyOneMove(hold, "amend", "active", results, ["VERSION_CONFLICT", "CONCURRENT_MODIFICATION"]);
    const after = await callers[0]?.holds.get({ locator: hold.locator });
    expect(after?.endDate).toBe(results.ok[0]?.endDate);
    // The claim follows the one amendment that applied.
    const claims = await w.db.$client.unsafe("select end_date from hold_claims where hold_id = $1", [hold.locator]);
    expect(claims.map((c) => c.end_date)).toEqual([after?.endDate]);
  });

  it("a stale expectedVersion is refused with CONFLICT naming the current version, and changes nothing", async () => {
    const hold = await holdReadyFor(callers[0] as Caller, tenantId, "release");
    const err = await expectTrpcError(
      callers[1]?.holds.release({ locator: hold.locator, expectedVersion: hold.version - 1 }) as Promise<unknown>,
      "CONFLICT",
    );
    expect(appCode(err)).toBe("VERSION_CONFLICT");
    expect(err.message).toContain(`version ${hold.version}`);
    expect(await callers[0]?.holds.get({ locator: hold.locator })).toMatchObject({
      holdState: "active",
      version: hold.version,
    });
  });

  it("release racing amend on one active hold, all naming the same version: exactly one change applies", async () => {
    const hold = await holdReadyFor(callers[0] as Caller, tenantId, "release");
    const results = await settle(
      callers.map((c, i) =>
        i % 2 === 0
          ? c.holds.release({ locator: hold.locator, expectedVersion: hold.version })
          : c.holds.amend({ locator: hold.locator, expectedVersion: hold.version, comments: `amend ${i}` }),
      ),
    );
    expect(results.ok).toHaveLength(1);
    for (const e of results.failed) expect((e as TRPCError).code).toBe("CONFLICT");
    const history = await callers[0]?.audit.history({ entityType: "hold", entityId: hold.locator });
    expect(history?.filter((e) => e.action === "release" || e.action === "amend")).toHaveLength(1);
    expect((await callers[0]?.holds.get({ locator: hold.locator }))?.version).toBe(hold.version + 1);
  });
});
