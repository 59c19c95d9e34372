/**
 * Faults at rollover: three real worker processes (node apps/worker/src/main.ts,
 * looping, small batches) share one tenant's first tick after midnight: the
 * ended day's final pass (late arrivals due that day) and the new day's due
 * work (invoices, grace starts, lapses). Two workers are SIGKILLed while they
 * hold an open batch, one during the ended day and one during the new day, and
 * restarted.
 *
 * Proves: the ended day is closed; nothing due is left; each subscription got
 * exactly one invoice, issued on the date it was due, each grace start and
 * lapse happened once on its date, with one audit event each (no
 * (entity, action) twice); every worker, killed or not, applied effects; the
 * ticks tell the truth (only the killed ticks failed).
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { DAY_STEPS, fixedClock, provisionTenant } from "@holdfast/services";
import { days, seedDueSubscriptions, setProcessedThrough } from "@holdfast/testing/seed";
import {
  expectCleanExit,
  killMidBatch,
  killStartedWorkers,
  leftDue,
  NOTHING_DUE,
  query,
  type RunningWorker,
  scalar,
  startWorker,
  ticksOf,
} from "@holdfast/worker/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** 30 seconds past midnight in UTC: the tenant's today is 15 May, and 14 May has just ended. */
const NOW = "2027-05-15T00:00:30Z";
const TODAY = "2027-05-15";
const YESTERDAY = "2027-05-14";
const LATE = 400;
const DUE = { invoices: 4000, graceStarts: 300, lapses: 300 };
const INVOICES = LATE + DUE.invoices;
/** The number of steps of a date (the marker's step once a pass is complete). */
const STEPS = DAY_STEPS.length;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("3 workers at rollover on one tenant, two SIGKILLed mid-batch and restarted", () => {
  let t: TestDatabase;
  let tenantId = "";
  const incarnations: RunningWorker[] = [];
  const killed: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ tenantId } = await provisionTenant(
      t.db,
      { name: "Rollover", timeZone: "UTC", email: "rollover@example.test", password: "a long enough password" },
      { clock: fixedClock("2027-04-01T12:00:00Z") },
    ));
    // Before midnight the workers passed over 14 May twice; the marker is at the end of the second pass.
    await setProcessedThrough(t.db.$client, tenantId, days(YESTERDAY, -1));
    await query(t.db, "update tenant_worker_state set open_pass = 1, open_step = $2 where tenant_id = $1", [
      tenantId,
      STEPS,
    ]);
    // Late arrivals due on 14 May (its final pass gets them), and what falls due at midnight.
    await seedDueSubscriptions(t.db.$client, tenantId, "late", YESTERDAY, { invoices: LATE });
    await seedDueSubscriptions(t.db.$client, tenantId, "new", TODAY, DUE);
  });

  afterAll(async () => {
    killStartedWorkers();
    await t?.close();
  });

  it("the workers share the rollover; the killed ones' batches are redone once", { timeout: 240_000 }, async () => {
    const start = () => {
      const w = startWorker(t.url, ["--interval-ms", "200", "--now", NOW], 200_000, { WORKER_BATCH_SIZE: "20" });
      incarnations.push(w);
      return w;
    };
    const slots = [start(), start(), start()];
    // First kill while 14 May's late invoices are being issued, the second during 15 May's.
    for (const fraction of [0.03, 0.5]) {
      const { victim, invoicesAtKill } = await killMidBatch(t.db, slots, INVOICES, fraction);
      killed.push(victim.workerId);
      const [marker] = await query(
        t.db,
        "select processed_through::text as d, open_pass, open_step from tenant_worker_state where tenant_id = $1",
        [tenantId],
      );
      console.log(
        `[faults-rollover] SIGKILLed ${victim.workerId} at ${invoicesAtKill} invoices; marker ${JSON.stringify(marker)}`,
      );
      slots[slots.indexOf(victim)] = start();
    }
    const deadline = Date.now() + 150_000;
    for (;;) {
      const left = await leftDue(t.db, tenantId, TODAY);
      const [state] = await query<{ d: string }>(
        t.db,
        "select processed_through::text as d from tenant_worker_state where tenant_id = $1",
        [tenantId],
      );
      if (state?.d === YESTERDAY && JSON.stringify(left) === JSON.stringify(NOTHING_DUE)) break;
      if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(left)}, through ${state?.d}`);
      await sleep(200);
    }
    // Each live worker has booted (recorded a tick) before it is asked to stop.
    for (const w of slots) {
      while (
        (await scalar(t.db, "select count(*)::int as n from worker_ticks where worker_id = $1", [w.workerId])) === 0
      )
        await sleep(100);
      w.child.kill("SIGTERM");
    }
    for (const e of await Promise.all(slots.map((w) => w.exited))) expectCleanExit(e);
  });

  it("14 May is closed; every invoice, grace start and lapse happened once, on its date", async () => {
    const invoices = await query<{ d: string; n: number; subs: number }>(
      t.db,
      `select issued_on::text as d, count(*)::int as n, count(distinct subscription_id)::int as subs
         from invoices where tenant_id = $1 and number like 'INV-%' group by 1 order by 1`,
      [tenantId],
    );
    expect(invoices).toEqual([
      { d: YESTERDAY, n: LATE, subs: LATE },
      { d: TODAY, n: DUE.invoices, subs: DUE.invoices },
    ]);
    expect(
      await query(
        t.db,
        "select entity_id, action from audit_events where actor_type = 'worker' group by 1, 2 having count(*) > 1",
      ),
    ).toEqual([]);
    const effects = await query<{ d: string; action: string; n: number }>(
      t.db,
      `select after->>'businessDate' as d, action, count(*)::int as n from audit_events
        where tenant_id = $1 and actor_type = 'worker' group by 1, 2 order by 1, 2`,
      [tenantId],
    );
    expect(effects).toEqual([
      { d: YESTERDAY, action: "issueInvoice", n: LATE },
      { d: TODAY, action: "issueInvoice", n: DUE.invoices },
      { d: TODAY, action: "lapse", n: DUE.lapses },
      { d: TODAY, action: "startGracePeriod", n: DUE.graceStarts },
    ]);
    // 14 May is processed (15 May's passes go on with every tick; SIGTERM may leave one of its steps open).
    const [marker] = await query(
      t.db,
      "select processed_through::text as d from tenant_worker_state where tenant_id = $1",
      [tenantId],
    );
    expect(marker).toEqual({ d: YESTERDAY });
  });

  it("the work was shared: each worker applied effects; only the killed ticks failed", async () => {
    const byWorker = await query<{ actor_id: string; n: number }>(
      t.db,
      "select actor_id, count(*)::int as n from audit_events where actor_type = 'worker' group by 1",
    );
    console.log(`[faults-rollover] effects by worker: ${JSON.stringify(byWorker)}`);
    // The three first workers (two of them killed after committing work) each applied effects.
    for (const w of incarnations.slice(0, 3))
      expect(byWorker.find((b) => b.actor_id === w.workerId)?.n ?? 0).toBeGreaterThan(0);
    const ticks = await ticksOf(t.db);
    expect(ticks.filter((k) => k.status === "running")).toEqual([]);
    for (const k of ticks) {
      if (k.status === "failed") expect(killed).toContain(k.worker_id);
      else expect(k).toMatchObject({ status: "succeeded", errors: [] });
      expect(k.counts.tenantsBusy ?? 0).toBe(0);
    }
    expect(ticks.filter((k) => k.status === "failed").length).toBe(killed.length);
  });
});
