/**
 * Workers share one tenant's business dates (packages/services/src/worker/shared-days.ts):
 * several runTick calls, each with its own connection pool as a separate
 * worker process would have, run at once on one tenant.
 *
 * Every worker audit event is also logged by a trigger with clock_timestamp()
 * at the moment it is written, so the tests can see the order in which the
 * effects of each business date and step were applied across the workers.
 */
import { closeDb, createDb, type Database } from "@holdfast/db";
import { DAY_STEPS, fixedClock, runTick, type TickResult } from "@holdfast/services";
import { days, seedDueSubscriptions, setProcessedThrough } from "@holdfast/testing/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupWorld } from "./harness.ts";

const w = setupWorld({ now: "2027-03-10T09:00:00Z" });

/** The step of each subscription audit action, from the product's own step list. */
const STEP_OF: Record<string, number> = {
  issueInvoice: DAY_STEPS.findIndex((s) => s.effect === "invoicesIssued"),
  issueCatchUpInvoice: DAY_STEPS.findIndex((s) => s.effect === "invoicesIssued"),
  startGracePeriod: DAY_STEPS.findIndex((s) => s.effect === "gracePeriodsStarted"),
  lapse: DAY_STEPS.findIndex((s) => s.effect === "subscriptionsLapsed"),
};

const pools: Database[] = [];
/** A worker's own pool, as a worker process has. */
function workerDb(name: string) {
  const db = createDb(w.url, { max: 4, name });
  pools.push(db);
  return db;
}

beforeAll(async () => {
  await w.db.$client.unsafe(`
    create table test_effect_log (
      seq bigserial primary key, started_at timestamptz not null default transaction_timestamp(),
      committed_at timestamptz, tenant_id uuid not null, actor_id text not null, action text not null,
      business_date date);
    create function test_log_effect() returns trigger language plpgsql as $$
    begin
      if new.actor_type = 'worker' then
        -- A worker named "stalling-..." holds its first invoice batch open for three seconds, then fails it.
        if new.actor_id like 'stalling%' and new.action = 'issueInvoice' then
          perform pg_sleep(3);
          raise exception 'a stalled batch fails';
        end if;
        -- A worker named "slow-..." holds each transaction that writes an effect open a fifth of a second longer.
        if new.actor_id like 'slow%' and current_setting('test.slept', true) is distinct from 'yes' then
          perform set_config('test.slept', 'yes', true);
          perform pg_sleep(0.2);
        end if;
        insert into test_effect_log (tenant_id, actor_id, action, business_date)
        values (new.tenant_id, new.actor_id, new.action, (new.after->>'businessDate')::date);
      end if;
      return new;
    end $$;
    create trigger test_log_effect after insert on audit_events for each row execute function test_log_effect();
    -- When the transaction that wrote the effect commits (a deferred trigger runs at commit).
    create function test_effect_committed() returns trigger language plpgsql as $$
    begin
      update test_effect_log set committed_at = clock_timestamp() where seq = new.seq;
      return null;
    end $$;
    create constraint trigger test_effect_committed after insert on test_effect_log
      deferrable initially deferred for each row execute function test_effect_committed();`);
});
afterAll(async () => {
  for (const db of pools) await closeDb(db);
});

const runWorkers = (names: string[], now: string, batchSize: number) =>
  Promise.all(names.map((name) => runTick(workerDb(name), fixedClock(now), name, { batchSize })));

const tenantCounts = (r: TickResult, tenantId: string) =>
  Object.fromEntries(
    Object.entries(r.counts)
      .filter(([k]) => k.startsWith(`tenant:${tenantId}:`))
      .map(([k, v]) => [k.slice(`tenant:${tenantId}:`.length), v]),
  );

async function effectLog(tenantId: string) {
  return (await w.db.$client.unsafe(
    `select actor_id, action, business_date::text as date, (extract(epoch from started_at) * 1e6)::float8 as started,
            (extract(epoch from committed_at) * 1e6)::float8 as committed
       from test_effect_log where tenant_id = $1 order by seq`,
    [tenantId],
  )) as unknown as LoggedEffect[];
}

interface LoggedEffect {
  actor_id: string;
  action: string;
  date: string;
  /** When the transaction that wrote it began, and when it committed (microseconds since the epoch). */
  started: number;
  committed: number;
}

/**
 * Effects out of (date, step) order: a transaction writing an effect of (date, step) began before some
 * transaction writing an effect of an earlier (date, step) had committed. Workers must never overlap so.
 */
function outOfOrder(log: LoggedEffect[]) {
  const key = (e: LoggedEffect) => `${e.date}/${String(STEP_OF[e.action] ?? -1).padStart(2, "0")}`;
  const groups = new Map<string, { firstStart: number; lastCommit: number }>();
  for (const e of log) {
    const g = groups.get(key(e)) ?? { firstStart: Number.POSITIVE_INFINITY, lastCommit: 0 };
    g.firstStart = Math.min(g.firstStart, e.started);
    g.lastCommit = Math.max(g.lastCommit, e.committed);
    groups.set(key(e), g);
  }
  const wrong: string[] = [];
  let before = { key: "", lastCommit: 0 };
  for (const [k, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (g.firstStart < before.lastCommit) wrong.push(`${k} began before ${before.key} had committed`);
    if (g.lastCommit > before.lastCommit) before = { key: k, lastCommit: g.lastCommit };
  }
  return wrong;
}
async function scalar(text: string, params: unknown[]) {
  const [row] = (await w.db.$client.unsafe(text, params as never[])) as unknown as { n: number }[];
  return Number(row?.n ?? 0);
}

async function markerOf(tenantId: string) {
  const [row] = (await w.db.$client.unsafe(
    `select processed_through::text as "processedThrough", open_pass as pass, open_step as step,
            pass_closes_date as "closesDate" from tenant_worker_state where tenant_id = $1`,
    [tenantId],
  )) as unknown as { processedThrough: string; pass: number; step: number; closesDate: boolean }[];
  return row;
}

describe("workers share a tenant's business dates", () => {
  it("at rollover, two workers share the ended day's last pass and the new day's 3,000 due invoices", {
    timeout: 120_000,
  }, async () => {
    const tenantId = await w.tenant("Shared rollover");
    const yesterday = "2027-03-09";
    const today = "2027-03-10";
    // Before midnight the workers passed over 9 March three times; the marker is at the end of its last pass.
    await setProcessedThrough(w.db.$client, tenantId, days(yesterday, -1));
    await w.db.$client.unsafe("update tenant_worker_state set open_pass = 2, open_step = $2 where tenant_id = $1", [
      tenantId,
      DAY_STEPS.length,
    ]);
    // Late arrivals of 9 March (its final pass after midnight gets them) and the 3,000 due at midnight.
    await seedDueSubscriptions(w.db.$client, tenantId, "ro-late", yesterday, { invoices: 150 });
    await seedDueSubscriptions(w.db.$client, tenantId, "ro-new", today, { invoices: 3000 });

    const results = await runWorkers(["rollover-a", "rollover-b"], "2027-03-10T00:05:00Z", 100);
    const counts = results.map((r) => tenantCounts(r, tenantId));
    console.log(`[shared-days] rollover with 2 workers: ${JSON.stringify(counts)}`);
    for (const r of results) expect(r.errors).toEqual([]);
    // Both workers applied effects of the new day; neither found the tenant busy.
    for (const c of counts) {
      expect(c.invoicesIssued ?? 0).toBeGreaterThan(0);
      expect(c.tenantsBusy ?? 0).toBe(0);
    }
    expect(counts.reduce((a, c) => a + (c.invoicesIssued ?? 0), 0)).toBe(3150);
    // Every effect exactly once: one invoice and one audit event per subscription, each on its own date.
    const issued = (await w.db.$client.unsafe(
      `select i.issued_on::text as d, count(*)::int as n, count(distinct i.subscription_id)::int as subs
         from invoices i where i.tenant_id = $1 and i.number like 'INV-%' group by 1 order by 1`,
      [tenantId],
    )) as unknown as { d: string; n: number; subs: number }[];
    expect(issued).toEqual([
      { d: yesterday, n: 150, subs: 150 },
      { d: today, n: 3000, subs: 3000 },
    ]);
    expect(
      await scalar(
        "select count(*)::int as n from audit_events where tenant_id = $1 and actor_type = 'worker' and action = 'issueInvoice'",
        [tenantId],
      ),
    ).toBe(3150);
    expect(outOfOrder(await effectLog(tenantId))).toEqual([]);
    // 9 March is closed; today's first pass is complete.
    expect(await markerOf(tenantId)).toEqual({
      processedThrough: yesterday,
      pass: 0,
      step: DAY_STEPS.length,
      closesDate: false,
    });
  });

  it("workers that join while a date is open never run a later date, or a later step, before the open one is done", {
    timeout: 180_000,
  }, async () => {
    const tenantId = await w.tenant("Shared catch-up");
    const today = "2027-03-10";
    const dates = [days(today, -3), days(today, -2), days(today, -1), today];
    await setProcessedThrough(w.db.$client, tenantId, days(today, -4));
    for (const [i, d] of dates.entries()) {
      await seedDueSubscriptions(w.db.$client, tenantId, `cu${i}`, d, { invoices: 400, graceStarts: 150, lapses: 150 });
    }
    const now = "2027-03-10T09:00:00Z";
    const first = runTick(workerDb("catch-up-a"), fixedClock(now), "catch-up-a", { batchSize: 25 });
    // The others join once the first has issued invoices of the first date (its step 1 is open). One of them is
    // slow: each batch it writes stays open a while, so the others finish their share of a step long before it does.
    for (;;) {
      const n = await scalar("select count(*)::int as n from test_effect_log where tenant_id = $1", [tenantId]);
      if (n > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const joined = await markerOf(tenantId);
    expect(joined?.processedThrough).toBe(days(today, -4));
    const results = [
      first,
      ...["slow-catch-up-b", "catch-up-c"].map((name) =>
        runTick(workerDb(name), fixedClock(now), name, { batchSize: 25 }),
      ),
    ];
    const done = await Promise.all(results);
    for (const r of done) expect(r.errors).toEqual([]);
    const counts = done.map((r) => tenantCounts(r, tenantId));
    console.log(`[shared-days] catch-up with 3 workers: ${JSON.stringify(counts)}`);

    const log = await effectLog(tenantId);
    expect(log.length).toBe(4 * 700);
    // Dates in order, and within a date the steps in order, across all three workers.
    expect(outOfOrder(log).slice(0, 5)).toEqual([]);
    // Each effect on the date it was due, exactly once.
    const effects = (await w.db.$client.unsafe(
      `select (after->>'businessDate') as d, action, count(*)::int as n, count(distinct entity_id)::int as entities
         from audit_events where tenant_id = $1 and actor_type = 'worker' group by 1, 2 order by 1, 2`,
      [tenantId],
    )) as unknown as { d: string; action: string; n: number; entities: number }[];
    expect(effects).toEqual(
      dates.flatMap((d) => [
        { d, action: "issueInvoice", n: 400, entities: 400 },
        { d, action: "lapse", n: 150, entities: 150 },
        { d, action: "startGracePeriod", n: 150, entities: 150 },
      ]),
    );
    // The workers that joined late did a share of the work too.
    for (const c of counts)
      expect((c.invoicesIssued ?? 0) + (c.gracePeriodsStarted ?? 0) + (c.subscriptionsLapsed ?? 0)).toBeGreaterThan(0);
    for (const c of counts) expect(c.tenantsBusy ?? 0).toBe(0);
    expect(await markerOf(tenantId)).toMatchObject({ processedThrough: days(today, -1) });
  });
  it("a batch still open holds its step: the others wait, and what it rolls back is applied in that step, on that date", {
    timeout: 120_000,
  }, async () => {
    const tenantId = await w.tenant("Shared stalled batch");
    const today = "2027-03-10";
    const date = days(today, -1);
    await setProcessedThrough(w.db.$client, tenantId, days(date, -1));
    await seedDueSubscriptions(w.db.$client, tenantId, "st", date, { invoices: 300, graceStarts: 100 });
    const now = "2027-03-10T09:00:00Z";
    // The stalling worker claims the first 50 invoices and holds them for three seconds before its batch fails.
    const stalling = runTick(workerDb("stalling-worker"), fixedClock(now), "stalling-worker", { batchSize: 50 });
    for (;;) {
      const [row] = (await w.db.$client.unsafe(
        "select count(*)::int as n from pg_stat_activity where application_name = 'stalling-worker' and wait_event = 'PgSleep'",
      )) as unknown as { n: number }[];
      if ((row?.n ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const other = await runTick(workerDb("other-worker"), fixedClock(now), "other-worker", { batchSize: 50 });
    const stalled = await stalling;
    expect(stalled.errors).toEqual([`tenant ${tenantId}: a stalled batch fails (SQLSTATE P0001)`]);
    expect(other.errors).toEqual([]);
    // The other worker waited for the stalled batch, then issued its 50 invoices too, on their date, before any
    // grace period started.
    expect(tenantCounts(other, tenantId)).toMatchObject({ invoicesIssued: 300, gracePeriodsStarted: 100 });
    const issued = (await w.db.$client.unsafe(
      "select issued_on::text as d, count(*)::int as n from invoices where tenant_id = $1 and number like 'INV-%' group by 1",
      [tenantId],
    )) as unknown as { d: string; n: number }[];
    expect(issued).toEqual([{ d: date, n: 300 }]);
    expect(outOfOrder(await effectLog(tenantId))).toEqual([]);
    expect(await markerOf(tenantId)).toMatchObject({ processedThrough: date });
  });
});
