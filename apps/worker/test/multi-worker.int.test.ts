/**
 * Three real worker processes (node apps/worker/src/main.ts) drain one real
 * PostgreSQL database holding ~6,000 subscriptions in two tenants (UTC and
 * Pacific/Auckland, so their business dates differ), 5,240 of them due for an
 * invoice, with a three-day catch-up. One worker is killed with SIGKILL while
 * it has a batch open (after it has already committed work); a fourth `--once`
 * worker then finishes whatever was left.
 *
 * Proves, against expectations computed independently in SQL from the seed:
 * - every due, unheld subscription got exactly one invoice for exactly the
 *   periods due (one, or one catch-up invoice covering several), and its next
 *   billing date moved past today; nothing held for invoicing was invoiced;
 * - grace periods start exactly once where an invoice is overdue (with the
 *   tenant's grace days), never under a delinquency hold, which pauses a
 *   running grace period instead of lapsing it;
 * - subscriptions whose grace ended lapse exactly once; due scheduled
 *   extensions run exactly once (one reactivating lapsed subscriptions), future
 *   ones wait; invoicing holds past their end date are released exactly once;
 * - every worker audit event is one effect: no (entity, action) twice, and each
 *   entity has exactly the worker actions its category calls for (versions too);
 * - nothing due is left (the claim predicates, re-run in SQL, find no row);
 * - the surviving workers' ticks succeeded and their counts plus the killed
 *   worker's committed effects add up to the effects in the database;
 * - a later tick is a no-op.
 * It prints the drain time and rows per second. The seed and the checks live in
 * fixtures.ts (shared with the reliability suite's faults-workers test).
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertCountsAddUp,
  assertEffects,
  assertInvoices,
  assertNothingDue,
  CATCH_UP_DAYS,
  days,
  type ExpectedInvoice,
  expectCleanExit,
  expectedEffectCounts,
  killMidBatch,
  killStartedWorkers,
  leftDue,
  NOW,
  pgArray,
  query,
  type RunningWorker,
  type SeededTenant,
  scalar,
  seedAll,
  startWorker,
  TENANTS,
  ticksOf,
  workerInvoices,
} from "./fixtures.ts";

/**
 * Plain due subscriptions per tenant, anchored over the last 12 days; one in 50 is three months behind (its
 * last period started before the catch-up window), so it gets one catch-up invoice of 4 periods on any day.
 */
const PLAIN = 2600;

// ---------------------------------------------------------------------------------------------

describe("3 workers over 5,240 due subscriptions in two time zones, one SIGKILLed mid-batch", () => {
  let t: TestDatabase;
  let tenants: SeededTenant[] = [];
  let expected = new Map<string, ExpectedInvoice>();
  let victim: RunningWorker | undefined;
  let survivors: RunningWorker[] = [];
  let recoveryId = "";
  let victimCommittedAtKill = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ tenants, expected } = await seedAll(t.db, TENANTS, PLAIN));
  });

  afterAll(async () => {
    // Only the processes this file started, by their own handles.
    killStartedWorkers();
    await t?.close();
  });

  it("three workers drain it; one is killed with SIGKILL while it holds an open batch", {
    timeout: 170_000,
  }, async () => {
    const t0 = Date.now();
    const workers = [0, 1, 2].map(() => startWorker(t.url, ["--once", "--now", NOW]));
    const kill = await killMidBatch(t.db, workers, expected.size, 0.1);
    victim = kill.victim;
    victimCommittedAtKill = kill.committedAtKill;
    survivors = workers.filter((w) => w !== victim);
    console.log(
      `[multi-worker] SIGKILLed worker pid ${victim.pid} ${Date.now() - t0} ms after start, at ${kill.invoicesAtKill}/${expected.size} ` +
        `invoices (${((100 * kill.invoicesAtKill) / expected.size).toFixed(1)}%), after it had committed ${kill.committedAtKill} effects`,
    );
    expect(kill.invoicesAtKill).toBeLessThan(expected.size * 0.6);

    for (const e of await Promise.all(survivors.map((w) => w.exited))) expectCleanExit(e);
    const drainMs = Date.now() - t0;

    // What the survivors left (they normally pick up the killed worker's rolled-back batch themselves).
    const left = await Promise.all(tenants.map((tn) => leftDue(t.db, tn.tenantId, tn.today)));
    const invoices = await workerInvoices(t.db);
    const effects = await scalar(t.db, "select count(*)::int as n from audit_events where actor_type = 'worker'");
    const [window] = await query<{ ms: number }>(
      t.db,
      `select (extract(epoch from max(finished_at) - min(started_at)) * 1000)::int as ms from worker_ticks
        where worker_id = any($1::text[])`,
      [pgArray(survivors.map((w) => w.workerId))],
    );
    const tickMs = window?.ms ?? drainMs;
    console.log(
      `[multi-worker] 3 workers (1 killed): ${invoices} invoices, ${effects} audited effects; ` +
        `${drainMs} ms from spawn to the survivors' exit (${Math.round((invoices * 1000) / drainMs)} invoices/s, ` +
        `${Math.round((effects * 1000) / drainMs)} effects/s); ticks ran ${tickMs} ms ` +
        `(${Math.round((invoices * 1000) / tickMs)} invoices/s, ${Math.round((effects * 1000) / tickMs)} effects/s); ` +
        `left after the survivors: ${JSON.stringify(left)}`,
    );
  });

  it("one more --once worker finishes whatever the killed one left", { timeout: 120_000 }, async () => {
    const started = Date.now();
    const w = startWorker(t.url, ["--once", "--now", NOW]);
    recoveryId = w.workerId;
    expectCleanExit(await w.exited);
    console.log(`[multi-worker] recovery worker ran in ${Date.now() - started} ms`);
    await assertNothingDue(t.db, tenants);
  });

  it("each due subscription got exactly one invoice for exactly the periods due; none was issued twice", async () => {
    const { late } = await assertInvoices(t.db, tenants, expected);
    console.log(`[multi-worker] invoices issued on a later catch-up day than an uninterrupted worker would: ${late}`);
  });

  it("every subscription, action and hold carries exactly the worker effects its case calls for, each once", async () => {
    const { late } = await assertEffects(t.db, tenants, expected, PLAIN);
    console.log(
      `[multi-worker] grace starts/pauses/lapses on a later catch-up day than an uninterrupted worker would: ${late}`,
    );
  });

  it("the ticks are recorded: survivors succeeded, the killed worker's is marked failed, counts add up", async () => {
    const ticks = await ticksOf(t.db);
    const victimId = victim?.workerId ?? "";
    expect(ticks).toHaveLength(4);
    const finished = ticks.filter((k) => k.worker_id !== victimId);
    expect(new Set(finished.map((k) => k.worker_id))).toEqual(
      new Set([...survivors.map((w) => w.workerId), recoveryId]),
    );
    for (const k of finished) {
      expect(k).toMatchObject({ status: "succeeded", errors: [] });
      expect(k.finished_at).not.toBeNull();
      expect(k.counts.tenants).toBe(2);
      // Workers share every date: none finds a tenant busy.
      expect(k.counts.tenantsBusy ?? 0).toBe(0);
      expect(k.counts.daysProcessed).toBeLessThanOrEqual(2 * CATCH_UP_DAYS);
    }
    // The killed worker's tick never finished: a later tick, finding its owner's heartbeat stale, marks it failed.
    expect(ticks.filter((k) => k.status === "running")).toEqual([]);
    expect(ticks.filter((k) => k.worker_id === victimId)).toMatchObject([
      { status: "failed", errors: ["the worker stopped before finishing this tick"] },
    ]);
    expect(
      await scalar(t.db, "select count(*)::int as n from audit_events where actor_type = 'worker' and actor_id = $1", [
        victimId,
      ]),
    ).toBeGreaterThanOrEqual(victimCommittedAtKill);
    await assertCountsAddUp(t.db, finished, victimId, expectedEffectCounts(tenants.length, expected.size));
  });

  it("a later tick finds nothing to do", async () => {
    const before = await scalar(t.db, "select count(*)::int as n from audit_events");
    const w = startWorker(t.url, ["--once", "--now", NOW]);
    expectCleanExit(await w.exited);
    expect(await scalar(t.db, "select count(*)::int as n from audit_events")).toBe(before);
    const [tick] = await query<{ status: string; counts: Record<string, number> }>(
      t.db,
      "select status, counts from worker_ticks where worker_id = $1",
      [w.workerId],
    );
    expect(tick?.status).toBe("succeeded");
    // Counts are kept in all and per tenant (`tenant:<id>:<count>`); neither may show an effect.
    const acted = Object.entries(tick?.counts ?? {}).filter(
      ([k, v]) => !["tenants", "daysProcessed"].includes(k.replace(/^tenant:[^:]+:/, "")) && v !== 0,
    );
    expect(acted).toEqual([]);
  });
});

describe("a lone worker SIGKILLed mid-batch: its rolled-back batch and unfinished days are left for the next worker", () => {
  const LONE_PLAIN = 1500;
  let t: TestDatabase;
  let tenants: SeededTenant[] = [];
  let expected = new Map<string, ExpectedInvoice>();

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ tenants, expected } = await seedAll(t.db, TENANTS.slice(0, 1), LONE_PLAIN));
  });
  afterAll(async () => {
    killStartedWorkers();
    await t?.close();
  });

  it("the next --once worker does exactly what is left, once", { timeout: 170_000 }, async () => {
    const [tenant] = tenants;
    if (!tenant) throw new Error("no tenant");
    const w = startWorker(t.url, ["--once", "--now", NOW]);
    const { victim, invoicesAtKill } = await killMidBatch(t.db, [w], expected.size, 0.2);
    const left = await leftDue(t.db, tenant.tenantId, tenant.today);
    const [state] = await query<{ d: string }>(t.db, "select processed_through::text as d from tenant_worker_state");
    console.log(
      `[multi-worker] lone worker killed at ${invoicesAtKill}/${expected.size} invoices; left: ${JSON.stringify(left)}; ` +
        `processed through ${state?.d}`,
    );
    // Work is left, and the day it was on is not marked processed, so the next worker redoes that day.
    expect(left.invoices).toBeGreaterThan(0);
    expect(left.invoices).toBe(expected.size - (await workerInvoices(t.db)));
    expect(state?.d).toBeDefined();
    expect((state?.d ?? "") < days(tenant.today, -1)).toBe(true);

    const started = Date.now();
    const next = startWorker(t.url, ["--once", "--now", NOW]);
    expectCleanExit(await next.exited);
    console.log(`[multi-worker] the next worker finished the rest in ${Date.now() - started} ms`);

    await assertNothingDue(t.db, tenants);
    await assertInvoices(t.db, tenants, expected);
    await assertEffects(t.db, tenants, expected, LONE_PLAIN);
    const ticks = await ticksOf(t.db);
    expect(ticks.map((k) => [k.worker_id, k.status])).toEqual([
      [victim.workerId, "failed"],
      [next.workerId, "succeeded"],
    ]);
    await assertCountsAddUp(
      t.db,
      ticks.filter((k) => k.worker_id === next.workerId),
      victim.workerId,
      expectedEffectCounts(tenants.length, expected.size),
    );
  });
});
