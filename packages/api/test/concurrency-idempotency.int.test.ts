/**
 * Idempotency keys (Stripe semantics) through the real router: the same key
 * and body return the stored first answer; the same key with another body or
 * operation is refused and changes nothing; keys are per tenant; concurrent
 * retries with one key do the work once.
 */
import { isAppError } from "@holdfast/domain";
import type { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { type Caller, databaseChecksum, expectTrpcError, settle, setupWorld } from "./harness.ts";

const w = setupWorld();

async function countHolds(tenantId: string, where = ""): Promise<number> {
  const rows = await w.db.$client.unsafe(`select count(*)::int as n from holds where tenant_id = $1 ${where}`, [
    tenantId,
  ]);
  return Number(rows[0]?.n);
}

async function countAudit(entityId: string, action: string): Promise<number> {
  const rows = await w.db.$client.unsafe(
    "select count(*)::int as n from audit_events where entity_id = $1 and action = $2",
    [entityId, action],
  );
  return Number(rows[0]?.n);
}

/** The refusal must name the idempotencyKey field, for people and for programs. */
function expectNamesIdempotencyKey(err: TRPCError) {
  expect(err.message).toContain("idempotencyKey");
  expect(isAppError(err.cause)).toBe(true);
  if (isAppError(err.cause)) {
    expect(err.cause.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(err.cause.issues.map((i) => i.path)).toContain("idempotencyKey");
  }
}

describe("idempotent create", () => {
  let tenantId: string;
  let accountLocator: string;
  let api: Caller;
  beforeAll(async () => {
    tenantId = await w.tenant("Idempotency tenant");
    accountLocator = (await w.account(tenantId)).locator;
    api = await w.caller(tenantId);
  });

  const body = (accountLocator: string) => ({
    accountLocator,
    targets: [{ process: "funding" as const, endDate: "2027-06-30" }],
    endDate: "2027-06-30",
    comments: "waiting on the bank",
    characteristics: [{ type: "reason", value: "bank dispute" }],
  });

  it("replays the stored first answer (same locator) and creates one hold", async () => {
    const first = await api.holds.create({ ...body(accountLocator), idempotencyKey: "create-1" });
    const before = await databaseChecksum(w.db);
    // Another client (another token of the tenant) retrying the same request.
    const other = await w.caller(tenantId);
    const replay = await other.holds.create({ ...body(accountLocator), idempotencyKey: "create-1" });
    expect(replay).toEqual(first);
    expect(await countHolds(tenantId, `and comments = 'waiting on the bank'`)).toBe(1);
    expect(await countAudit(first.locator, "create")).toBe(1);
    expect(await databaseChecksum(w.db)).toBe(before);
  });

  it("replays the first answer even after the hold has moved on (the answer is stored, not recomputed)", async () => {
    const first = await api.holds.create({
      ...body(accountLocator),
      comments: "moves on",
      idempotencyKey: "create-then-move",
    });
    await api.holds.discard({ locator: first.locator });
    const replay = await api.holds.create({
      ...body(accountLocator),
      comments: "moves on",
      idempotencyKey: "create-then-move",
    });
    expect(replay).toEqual(first);
    expect(replay.holdState).toBe("draft");
  });

  it("treats key order and omitted optional fields as the same body", async () => {
    const a = await api.holds.create({
      accountLocator,
      targets: [{ process: "refund" }],
      comments: "order",
      idempotencyKey: "create-order",
    });
    const b = await api.holds.create({
      comments: "order",
      targets: [{ process: "refund" }],
      idempotencyKey: "create-order",
      accountLocator,
    });
    expect(b).toEqual(a);
  });

  it("refuses the same key with a different body: UNPROCESSABLE_CONTENT naming idempotencyKey, nothing changes", async () => {
    await api.holds.create({ ...body(accountLocator), idempotencyKey: "create-2" });
    const before = await databaseChecksum(w.db);
    const holdsBefore = await countHolds(tenantId);
    for (const changed of [
      { ...body(accountLocator), comments: "another comment" },
      { ...body(accountLocator), targets: [{ process: "autopay" as const }] },
      { ...body(accountLocator), characteristics: [] },
      { ...body(accountLocator), endDate: null },
    ]) {
      const err = await expectTrpcError(
        api.holds.create({ ...changed, idempotencyKey: "create-2" }),
        "UNPROCESSABLE_CONTENT",
      );
      expectNamesIdempotencyKey(err);
    }
    expect(await countHolds(tenantId)).toBe(holdsBefore);
    expect(await databaseChecksum(w.db)).toBe(before);
  });

  it("refuses the same key on a different operation", async () => {
    const created = await api.holds.create({ ...body(accountLocator), comments: "op", idempotencyKey: "shared-key" });
    const before = await databaseChecksum(w.db);
    const err = await expectTrpcError(
      api.holds.validate({ locator: created.locator, idempotencyKey: "shared-key" }),
      "UNPROCESSABLE_CONTENT",
    );
    expectNamesIdempotencyKey(err);
    const err2 = await expectTrpcError(
      api.holds.discard({ locator: created.locator, idempotencyKey: "shared-key" }),
      "UNPROCESSABLE_CONTENT",
    );
    expectNamesIdempotencyKey(err2);
    expect(await databaseChecksum(w.db)).toBe(before);
    expect((await api.holds.get({ locator: created.locator })).holdState).toBe("draft");
  });

  it("keeps keys per tenant: the same key in tenant B is independent", async () => {
    const tenantB = await w.tenant("Tenant B");
    const accountB = (await w.account(tenantB)).locator;
    const apiB = await w.caller(tenantB);
    const a = await api.holds.create({ ...body(accountLocator), comments: "per tenant", idempotencyKey: "tenant-key" });
    const b = await apiB.holds.create({ ...body(accountB), comments: "per tenant", idempotencyKey: "tenant-key" });
    expect(b.locator).not.toBe(a.locator);
    expect(b.tenantLocator).toBe(tenantB);
    expect(await countHolds(tenantB)).toBe(1);
    // B's use of the key did not disturb A's stored answer, nor A's of B's.
    expect(
      await api.holds.create({ ...body(accountLocator), comments: "per tenant", idempotencyKey: "tenant-key" }),
    ).toEqual(a);
    expect(
      await apiB.holds.create({ ...body(accountB), comments: "per tenant", idempotencyKey: "tenant-key" }),
    ).toEqual(b);
    // A different body in B under B's key is refused in B only.
    await expectTrpcError(
      apiB.holds.create({ ...body(accountB), comments: "changed", idempotencyKey: "tenant-key" }),
      "UNPROCESSABLE_CONTENT",
    );
  });

  it("30 concurrent creates with one key: one hold, 30 identical answers", async () => {
    const callers = await Promise.all(Array.from({ length: 30 }, () => w.caller(tenantId)));
    const holdsBefore = await countHolds(tenantId);
    const { ok: answers, failed } = await settle(
      callers.map((c) =>
        c.holds.create({ ...body(accountLocator), comments: "stampede", idempotencyKey: "create-stampede" }),
      ),
    );
    expect(failed.map(String)).toEqual([]);
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(await countHolds(tenantId)).toBe(holdsBefore + 1);
    expect(await countHolds(tenantId, `and comments = 'stampede'`)).toBe(1);
    const keys = await w.db.$client.unsafe(
      "select count(*)::int as n from idempotency_keys where tenant_id = $1 and key = 'create-stampede'",
      [tenantId],
    );
    expect(keys[0]?.n).toBe(1);
  });

  it("a failed attempt stores nothing, so a corrected retry with the same key runs", async () => {
    const before = await databaseChecksum(w.db);
    // The account does not exist in this tenant: refused, nothing stored (not even the key).
    await expectTrpcError(
      api.holds.create({ ...body("01ARZ3NDEKTSV4RRFFQ69G5FAV"), idempotencyKey: "create-fails-first" }),
      "BAD_REQUEST",
    );
    expect(await databaseChecksum(w.db)).toBe(before);
    // The same key and the same (bad) body: refused the same way again, not a stored error.
    await expectTrpcError(
      api.holds.create({ ...body("01ARZ3NDEKTSV4RRFFQ69G5FAV"), idempotencyKey: "create-fails-first" }),
      "BAD_REQUEST",
    );
    const ok = await api.holds.create({
      ...body(accountLocator),
      comments: "retry",
      idempotencyKey: "create-fails-first",
    });
    expect(ok.holdState).toBe("draft");
  });

  it("keeps a key at least 24 hours", async () => {
    const first = await api.holds.create({
      ...body(accountLocator),
      comments: "a day later",
      idempotencyKey: "create-day",
    });
    const rows = await w.db.$client.unsafe(
      "select extract(epoch from expires_at - created_at)::int as ttl from idempotency_keys where tenant_id = $1 and key = 'create-day'",
      [tenantId],
    );
    expect(Number(rows[0]?.ttl)).toBeGreaterThanOrEqual(24 * 60 * 60);
    w.clock.set("2027-03-11T11:59:00Z");
    try {
      expect(
        await api.holds.create({ ...body(accountLocator), comments: "a day later", idempotencyKey: "create-day" }),
      ).toEqual(first);
    } finally {
      w.clock.set("2027-03-10T12:00:00Z");
    }
  });
});

describe("idempotent moves", () => {
  let tenantId: string;
  let api: Caller;
  beforeAll(async () => {
    tenantId = await w.tenant("Idempotent moves");
    api = await w.caller(tenantId);
  });

  async function activeHold() {
    const account = await w.account(tenantId);
    const h = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "invoicing" }] });
    await api.holds.validate({ locator: h.locator });
    return api.holds.activate({ locator: h.locator });
  }

  it("a release replayed with its key returns the first answer rather than CONFLICT", async () => {
    const hold = await activeHold();
    const first = await api.holds.release({ locator: hold.locator, idempotencyKey: "release-1" });
    expect(first).toMatchObject({ holdState: "released", version: hold.version + 1 });
    const before = await databaseChecksum(w.db);
    const replay = await api.holds.release({ locator: hold.locator, idempotencyKey: "release-1" });
    expect(replay).toEqual(first);
    expect(await databaseChecksum(w.db)).toBe(before);
    expect(await countAudit(hold.locator, "release")).toBe(1);
    // Without the key it is a new request: CONFLICT naming the state.
    const err = await expectTrpcError(api.holds.release({ locator: hold.locator }), "CONFLICT");
    expect(err.message).toContain("released");
  });

  it("a replay naming a now-stale expectedVersion still returns the stored answer", async () => {
    const hold = await activeHold();
    const first = await api.holds.release({
      locator: hold.locator,
      expectedVersion: hold.version,
      idempotencyKey: "release-v",
    });
    expect(
      await api.holds.release({ locator: hold.locator, expectedVersion: hold.version, idempotencyKey: "release-v" }),
    ).toEqual(first);
  });

  it("20 concurrent releases with one key: one release, 20 identical answers, no CONFLICT", async () => {
    const hold = await activeHold();
    const callers = await Promise.all(Array.from({ length: 20 }, () => w.caller(tenantId)));
    const { ok: answers, failed } = await settle(
      callers.map((c) => c.holds.release({ locator: hold.locator, idempotencyKey: "release-stampede" })),
    );
    expect(failed.map(String)).toEqual([]);
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ holdState: "released", version: hold.version + 1 });
    expect(await countAudit(hold.locator, "release")).toBe(1);
  });

  it("the same move key on another hold is a different body: refused, and the other hold is untouched", async () => {
    const a = await activeHold();
    const b = await activeHold();
    await api.holds.release({ locator: a.locator, idempotencyKey: "release-which" });
    const before = await databaseChecksum(w.db);
    const err = await expectTrpcError(
      api.holds.release({ locator: b.locator, idempotencyKey: "release-which" }),
      "UNPROCESSABLE_CONTENT",
    );
    expectNamesIdempotencyKey(err);
    expect(await databaseChecksum(w.db)).toBe(before);
    expect((await api.holds.get({ locator: b.locator })).holdState).toBe("active");
  });

  it("a refused move stores nothing: the same key works once the move is allowed", async () => {
    const account = await w.account(tenantId);
    const h = await api.holds.create({ accountLocator: account.locator, targets: [{ process: "autopay" }] });
    await expectTrpcError(api.holds.activate({ locator: h.locator, idempotencyKey: "activate-later" }), "CONFLICT");
    await api.holds.validate({ locator: h.locator });
    const active = await api.holds.activate({ locator: h.locator, idempotencyKey: "activate-later" });
    expect(active.holdState).toBe("active");
    expect(await api.holds.activate({ locator: h.locator, idempotencyKey: "activate-later" })).toEqual(active);
  });

  it("an amend replayed with its key returns the first answer and applies once", async () => {
    const hold = await activeHold();
    const input = {
      locator: hold.locator,
      comments: "amended once",
      characteristics: [{ action: "Update" as const, type: "note", value: "x" }],
    };
    const first = await api.holds.amend({ ...input, idempotencyKey: "amend-1" });
    const second = await api.holds.amend({ ...input, idempotencyKey: "amend-1" });
    expect(second).toEqual(first);
    expect(first.version).toBe(hold.version + 1);
    expect((await api.holds.get({ locator: hold.locator })).version).toBe(hold.version + 1);
    expect(await countAudit(hold.locator, "amend")).toBe(1);
  });
});
