/**
 * Faults: three real worker processes (node apps/worker/src/main.ts, in their
 * looping mode) drain over 10,000 due rows of mixed kinds in two tenants in
 * different time zones, while a seeded random schedule SIGKILLs random workers
 * at random moments and restarts them, until nothing is due.
 *
 * The seed and the checks are the worker package's (apps/worker/test/fixtures.ts):
 * invoices (plain, catch-up, and after an invoicing hold ends), grace starts,
 * pauses under a delinquency hold, lapses, scheduled extensions (one
 * reactivating lapsed subscriptions), ended holds to release; plus accounts held
 * for invoicing or delinquency, drafts, terminated and lapsed subscriptions that
 * must be left alone. Expectations are computed independently in SQL.
 *
 * Proves, however the kills fall:
 * - nothing due is left and every past day is marked processed;
 * - every due subscription has exactly one invoice, for exactly the periods due
 *   (no period twice, none missing), and held ones have none;
 * - every grace start, pause, lapse, scheduled action and hold release happened
 *   exactly once, with exactly one audit event each, and no (entity, action)
 *   pair appears twice in the audit trail; held accounts are untouched as the
 *   spec says (no invoice while held for invoicing; a delinquency hold pauses a
 *   grace period instead of lapsing it);
 * - no row is lost: the seeded rows are all still there;
 * - the ticks tell the truth: a worker that was never killed reports exactly the
 *   effects it audited, its ticks all succeeded; a killed worker's unfinished
 *   tick is marked failed; nothing is left "running";
 * - a later tick is a no-op.
 *
 * Reproduce a failure with FAULTS_SEED=<the printed seed>.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import {
  assertEffects,
  assertInvoices,
  assertNothingDue,
  days,
  type ExpectedInvoice,
  expectCleanExit,
  expectedEffectCounts,
  killStartedWorkers,
  leftDue,
  NOW,
  query,
  type RunningWorker,
  type SeededTenant,
  scalar,
  seedAll,
  startWorker,
  TENANTS,
  ticksOf,
} from "@holdfast/worker/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng } from "./random.ts";

/** Plain due subscriptions per tenant: 2 × (4,800 + 20) invoices plus 488 other effects = 10,128 due rows. */
const PLAIN = 4800;
const WORKERS = 3;
/**
 * At least MIN_KILLS kills, and more (up to MAX_KILLS, so the run always ends) until MIN_MID_TICK of them
 * landed in a tick: a random kill often finds a worker booting or idle.
 */
const MIN_KILLS = 10;
const MIN_MID_TICK = 3;
const MAX_KILLS = 24;
/** Random pause between two kills, and between a kill and the restart. */
const KILL_GAP_MS: [number, number] = [200, 2500];
/**
 * Rows a job claims per transaction in these workers. The product's 1,000 drains the 10,000 rows in a few
 * seconds on an idle machine, too fast for kills to land in work; small batches mean hundreds of
 * transactions, each a point where a kill leaves a claimed, uncommitted batch behind.
 */
const BATCH_SIZE = "20";
/** Share of kills aimed at a worker with a tick under way; the rest hit any worker (booting, idle or busy). */
const AIMED = 0.75;
const RESTART_GAP_MS: [number, number] = [0, 1000];
/** The looping workers' pause between ticks: short, so the kills find ticks under way. */
const INTERVAL_MS = "200";
const DRAIN_DEADLINE_MS = 220_000;

const SEED = Number(process.env.FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Kill {
  atMs: number;
  workerId: string;
  /** Effects the worker had committed when it was killed. */
  committed: number;
  /** It had a transaction open (a batch claimed or written, not committed) at the kill. */
  inTransaction: boolean;
  /** It had a tick under way (started, not finished). */
  midTick: boolean;
}

describe(`3 workers over 10,000+ due rows with random SIGKILLs (FAULTS_SEED=${SEED})`, () => {
  let t: TestDatabase;
  let tenants: SeededTenant[] = [];
  let expected = new Map<string, ExpectedInvoice>();
  let totals: Record<string, [number, string[]]> = {};
  const incarnations: RunningWorker[] = [];
  const kills: Kill[] = [];
  let seededRows: Record<string, number> = {};

  const rowCounts = async () => {
    const [row] = await query<Record<string, number>>(
      t.db,
      `select (select count(*)::int from subscriptions) as subscriptions,
              (select count(*)::int from accounts) as accounts,
              (select count(*)::int from holds) as holds,
              (select count(*)::int from subscription_actions) as actions,
              (select count(*)::int from invoices where number like 'SEED-%') as "seededInvoices"`,
    );
    return row ?? {};
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ tenants, expected } = await seedAll(t.db, TENANTS, PLAIN, "faults-workers"));
    totals = expectedEffectCounts(tenants.length, expected.size);
    seededRows = await rowCounts();
  });

  afterAll(async () => {
    // Only the processes this file started, by their own handles.
    killStartedWorkers();
    await t?.close();
  });

  it("the seed holds over 10,000 due rows of mixed kinds", async () => {
    const dueRows = Object.values(totals).reduce((a, [n]) => a + n, 0);
    const left = await Promise.all(tenants.map((tn) => leftDue(t.db, tn.tenantId, tn.today)));
    console.log(`[faults-workers] FAULTS_SEED=${SEED}; ${dueRows} due rows: ${JSON.stringify(totals)}`);
    console.log(`[faults-workers] due by the claim predicates at the start: ${JSON.stringify(left)}`);
    expect(dueRows).toBeGreaterThanOrEqual(10_000);
    // Every kind is due at the start (grace starts and pauses only on later catch-up days for some rows).
    for (const l of left) {
      expect(l.invoices).toBeGreaterThan(PLAIN);
      expect(l.actions).toBeGreaterThan(0);
      expect(l.lapses).toBeGreaterThan(0);
      expect(l.releases).toBeGreaterThan(0);
      expect(l.graceStarts).toBeGreaterThan(0);
    }
  });

  it("workers killed at random and restarted drain everything", { timeout: DRAIN_DEADLINE_MS + 60_000 }, async () => {
    const random = prng(SEED);
    const between = ([lo, hi]: [number, number]) => lo + Math.floor(random() * (hi - lo));
    const start = () => {
      const w = startWorker(t.url, ["--interval-ms", INTERVAL_MS, "--now", NOW], DRAIN_DEADLINE_MS + 30_000, {
        WORKER_BATCH_SIZE: BATCH_SIZE,
      });
      incarnations.push(w);
      return w;
    };
    const slots = Array.from({ length: WORKERS }, start);
    const killedIds = new Set<string>();
    // A worker in looping mode only exits when told to: any other exit is a crash.
    const crashed: string[] = [];
    let stopping = false;
    for (const w of slots) watch(w);
    function watch(w: RunningWorker) {
      void w.exited.then((e) => {
        if (!killedIds.has(w.workerId) && !stopping)
          crashed.push(`${w.workerId} exited ${e.code}/${e.signal}\n${e.stderr.slice(-2000)}`);
      });
    }

    const t0 = Date.now();
    const isDone = async () => {
      for (const tn of tenants) {
        const left = await leftDue(t.db, tn.tenantId, tn.today);
        if (Object.values(left).some((n) => n > 0)) return false;
        const [state] = await query<{ d: string }>(
          t.db,
          "select processed_through::text as d from tenant_worker_state where tenant_id = $1",
          [tn.tenantId],
        );
        if (state?.d !== days(tn.today, -1)) return false;
      }
      return true;
    };

    let nextKillAt = t0 + between(KILL_GAP_MS);
    for (;;) {
      expect(crashed).toEqual([]);
      if (await isDone()) break;
      if (Date.now() - t0 > DRAIN_DEADLINE_MS) {
        const left = await Promise.all(tenants.map((tn) => leftDue(t.db, tn.tenantId, tn.today)));
        throw new Error(`not drained after ${DRAIN_DEADLINE_MS} ms (FAULTS_SEED=${SEED}): ${JSON.stringify(left)}`);
      }
      const moreKills =
        kills.length < MAX_KILLS && (kills.length < MIN_KILLS || kills.filter((k) => k.midTick).length < MIN_MID_TICK);
      if (moreKills && Date.now() >= nextKillAt) {
        // Most kills go to a worker that has a tick under way (random among those), the rest to any worker.
        const busy = await query<{ worker_id: string }>(
          t.db,
          "select worker_id from worker_ticks where status = 'running' and worker_id = any($1)",
          [slots.map((w) => w.workerId)],
        );
        const busySlots = slots.flatMap((w, i) => (busy.some((b) => b.worker_id === w.workerId) ? [i] : []));
        const aimed = random() < AIMED;
        if (aimed && busySlots.length === 0) {
          await sleep(20);
          continue;
        }
        const slot = aimed
          ? (busySlots[Math.floor(random() * busySlots.length)] as number)
          : Math.floor(random() * WORKERS);
        const victim = slots[slot];
        if (!victim) throw new Error("no such slot");
        const app = `holdfast-worker-${victim.workerId}`.slice(0, 63);
        // Just before the kill (for the log only: the worker moves on meanwhile).
        const [before] = await query<{ in_tx: boolean }>(
          t.db,
          "select exists (select 1 from pg_stat_activity where application_name = $1 and backend_xid is not null) as in_tx",
          [app],
        );
        killedIds.add(victim.workerId);
        victim.child.kill("SIGKILL");
        const atMs = Date.now() - t0;
        const exit = await victim.exited;
        expect(exit.signal, `${victim.workerId} should have died of SIGKILL`).toBe("SIGKILL");
        // After it: what it had committed, and whether it died inside a tick (one it never finished:
        // still "running", or already marked failed by another worker).
        const [after] = await query<{ committed: number; mid_tick: boolean }>(
          t.db,
          `select (select count(*)::int from audit_events where actor_type = 'worker' and actor_id = $1) as committed,
                  exists (select 1 from worker_ticks where worker_id = $1 and status <> 'succeeded') as mid_tick`,
          [victim.workerId],
        );
        kills.push({
          atMs,
          workerId: victim.workerId,
          committed: after?.committed ?? 0,
          inTransaction: before?.in_tx ?? false,
          midTick: after?.mid_tick ?? false,
        });
        await sleep(between(RESTART_GAP_MS));
        const fresh = start();
        slots[slot] = fresh;
        watch(fresh);
        nextKillAt = Date.now() + between(KILL_GAP_MS);
        continue;
      }
      await sleep(400);
    }
    const drainMs = Date.now() - t0;

    // Drained. A worker handles SIGTERM once it has booted (its first tick is recorded after the handlers are
    // installed): wait for that, then the live workers finish their tick on SIGTERM and exit cleanly.
    for (const w of slots) {
      const until = Date.now() + 90_000;
      while (
        (await scalar(t.db, "select count(*)::int as n from worker_ticks where worker_id = $1", [w.workerId])) === 0
      ) {
        if (Date.now() > until) throw new Error(`worker ${w.workerId} never started a tick`);
        await sleep(100);
      }
    }
    stopping = true;
    for (const w of slots) w.child.kill("SIGTERM");
    for (const e of await Promise.all(slots.map((w) => w.exited))) expectCleanExit(e);

    const effects = await scalar(t.db, "select count(*)::int as n from audit_events where actor_type = 'worker'");
    console.log(
      `[faults-workers] drained in ${drainMs} ms with ${kills.length} SIGKILLs and ${incarnations.length} worker ` +
        `processes: ${effects} audited effects (${Math.round((effects * 1000) / drainMs)}/s)`,
    );
    for (const k of kills) {
      console.log(
        `[faults-workers]   kill at ${k.atMs} ms: ${k.workerId}, ${k.committed} effects committed` +
          `${k.midTick ? ", mid-tick" : ""}${k.inTransaction ? ", with a transaction open" : ""}`,
      );
    }
    expect(kills.length).toBeGreaterThan(0);
    // The schedule did hit work in progress (not only idle or booting workers).
    expect(kills.filter((k) => k.midTick).length, `FAULTS_SEED=${SEED}`).toBeGreaterThan(0);
    // Process ids, and so worker ids, are distinct across incarnations (the per-worker checks rely on it).
    expect(new Set(incarnations.map((w) => w.workerId)).size).toBe(incarnations.length);
  });

  it("one more tick closes the killed workers' ticks and finds nothing to do", async () => {
    const before = await scalar(t.db, "select count(*)::int as n from audit_events");
    const w = startWorker(t.url, ["--once", "--now", NOW]);
    incarnations.push(w);
    expectCleanExit(await w.exited);
    expect(await scalar(t.db, "select count(*)::int as n from audit_events")).toBe(before);
    const [tick] = await query<{ status: string; counts: Record<string, number> }>(
      t.db,
      "select status, counts from worker_ticks where worker_id = $1",
      [w.workerId],
    );
    expect(tick?.status).toBe("succeeded");
    const acted = Object.entries(tick?.counts ?? {}).filter(
      // Totals and each tenant's own (`tenant:<id>:<count>`) alike.
      ([k, v]) => !["tenants", "daysProcessed"].includes(k.replace(/^tenant:[^:]+:/, "")) && v !== 0,
    );
    expect(acted).toEqual([]);
  });

  it("nothing is due and no seeded row was lost", async () => {
    await assertNothingDue(t.db, tenants);
    expect(await rowCounts()).toEqual(seededRows);
  });

  it("each due subscription got exactly one invoice for exactly the periods due; held ones none", async () => {
    const { late } = await assertInvoices(t.db, tenants, expected);
    console.log(`[faults-workers] invoices issued on a later catch-up day than an uninterrupted worker would: ${late}`);
  });

  it("every grace start, pause, lapse, action and release happened once, audited once; held accounts untouched", async () => {
    const { late } = await assertEffects(t.db, tenants, expected, PLAIN);
    console.log(`[faults-workers] grace starts/pauses/lapses on a later catch-up day: ${late}`);
    // Exactly the expected number of each effect, by audit action, across every worker.
    for (const [key, [total, actions]] of Object.entries(totals)) {
      const n = await scalar(
        t.db,
        "select count(*)::int as n from audit_events where actor_type = 'worker' and action = any($1::text[])",
        [`{${actions.join(",")}}`],
      );
      expect(n, key).toBe(total);
    }
  });

  it("the ticks tell the truth: unkilled workers report exactly what they did; killed ticks are failed", async () => {
    const ticks = await ticksOf(t.db);
    const killedIds = new Set(kills.map((k) => k.workerId));
    expect(ticks.filter((k) => k.status === "running")).toEqual([]);
    for (const k of ticks) {
      if (k.status === "failed") {
        // Only a killed worker's unfinished tick fails, and it says why.
        expect(killedIds.has(k.worker_id), JSON.stringify(k)).toBe(true);
        expect(k.errors).toEqual(["the worker stopped before finishing this tick"]);
      } else {
        expect(k).toMatchObject({ status: "succeeded", errors: [] });
      }
    }
    // A worker killed during a tick leaves exactly that tick failed.
    for (const id of killedIds) {
      expect(ticks.filter((k) => k.worker_id === id && k.status === "failed").length).toBeLessThanOrEqual(1);
    }
    expect(ticks.filter((k) => k.status === "failed").length).toBe(kills.filter((k) => k.midTick).length);

    const audited = await query<{ actor_id: string; action: string; n: number }>(
      t.db,
      "select actor_id, action, count(*)::int as n from audit_events where actor_type = 'worker' group by 1, 2",
    );
    const workerIds = new Set([...ticks.map((k) => k.worker_id), ...audited.map((a) => a.actor_id)]);
    for (const id of workerIds) {
      const reported = (key: string) =>
        ticks
          .filter((k) => k.worker_id === id && k.status === "succeeded")
          .reduce((a, k) => a + (k.counts[key] ?? 0), 0);
      for (const [key, [, actions]] of Object.entries(totals)) {
        const did = audited.filter((a) => a.actor_id === id && actions.includes(a.action)).reduce((a, r) => a + r.n, 0);
        // A killed worker's last tick has no counts, but its committed batches stay: it did at least what it reported.
        if (killedIds.has(id)) expect(did, `${id} ${key}`).toBeGreaterThanOrEqual(reported(key));
        else expect(did, `${id} ${key}`).toBe(reported(key));
      }
    }
  });
});
