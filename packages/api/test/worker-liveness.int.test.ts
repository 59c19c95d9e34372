/**
 * Worker liveness by heartbeat (the `workers` table): worker.status's live
 * workers and `stalled`, the overview's `stalled`, and abandoned ticks closed
 * by a later tick once their worker's heartbeat is three periods old.
 */
import { schema } from "@holdfast/db";
import {
  beatWorker,
  closeAbandonedTicks,
  markWorkerStopped,
  publicWorkerId,
  registerWorker,
  runTick,
} from "@holdfast/services";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupWorld } from "./harness.ts";

const w = setupWorld({ now: "2027-01-01T09:00:00Z", tenantName: "Worker liveness" });

/** Moves a worker's times back by `seconds` (the database's clock judges liveness). */
const age = (id: string, seconds: number) =>
  w.db.execute(sql`update workers set started_at = started_at - make_interval(secs => ${seconds}),
    heartbeat_at = heartbeat_at - make_interval(secs => ${seconds}),
    last_tick_at = last_tick_at - make_interval(secs => ${seconds}) where id = ${id}`);

const runningTick = (id: string, workerId: string) =>
  w.db
    .insert(schema.workerTicks)
    .values({ id, workerId, status: "running", clockAt: new Date(), startedAt: new Date() });

const tickStatus = async (id: string) =>
  (await w.db.select().from(schema.workerTicks).where(eq(schema.workerTicks.id, id)))[0]?.status;

describe("worker.status: live workers and stalled", () => {
  it("is stalled with no worker at all", async () => {
    const s = await w.api.worker.status();
    expect(s).toMatchObject({ workers: [], stalled: true, lastTickAt: null });
    expect((await w.api.overview.get()).worker.stalled).toBe(true);
  });

  it("a worker that ticked lately is live and not stalled; three intervals without a tick is stalled", async () => {
    await registerWorker(w.db, { workerId: "host-a-101", intervalMs: 1000 });
    await runTick(w.db, w.clock, "host-a-101", { intervalMs: 1000 });
    const live = await w.api.worker.status();
    expect(live.stalled).toBe(false);
    expect(live.workers).toEqual([
      {
        id: publicWorkerId("host-a-101"),
        lastTickAt: expect.any(String),
        heartbeatAt: expect.any(String),
        intervalMs: 1000,
      },
    ]);
    expect(live.lastTickAt).toBe(live.workers[0]?.lastTickAt);
    expect(JSON.stringify(live)).not.toContain("host-a");
    expect((await w.api.overview.get()).worker.stalled).toBe(false);

    // Still beating, but no tick for 3.5 intervals: stalled, though listed as live.
    await age("host-a-101", 3.5);
    await beatWorker(w.db, "host-a-101");
    const stuck = await w.api.worker.status();
    expect(stuck.stalled).toBe(true);
    expect(stuck.workers.map((x) => x.id)).toEqual([publicWorkerId("host-a-101")]);
    expect((await w.api.overview.get()).worker.stalled).toBe(true);

    // Inside a tick with its heartbeat going, it is working, not stalled (a long catch-up tick).
    await runningTick("01TICKLIVENESSLONG000000AA", "host-a-101");
    expect((await w.api.worker.status()).stalled).toBe(false);
    await w.db.delete(schema.workerTicks).where(eq(schema.workerTicks.id, "01TICKLIVENESSLONG000000AA"));

    // Heartbeat gone too (killed): no longer listed; the last tick is still reported.
    await age("host-a-101", 60);
    const dead = await w.api.worker.status();
    expect(dead).toMatchObject({ workers: [], stalled: true });
    expect(dead.lastTickAt).not.toBeNull();
  });

  it("a worker that just started is not stalled before its first tick; one that stopped is not listed", async () => {
    await registerWorker(w.db, { workerId: "host-b-202", intervalMs: 5000 });
    const s = await w.api.worker.status();
    expect(s.stalled).toBe(false);
    expect(s.workers.map((x) => x.id)).toEqual([publicWorkerId("host-b-202")]);
    await markWorkerStopped(w.db, "host-b-202");
    expect((await w.api.worker.status()).workers).toEqual([]);
  });
});

describe("abandoned ticks: by heartbeat, not by connection", () => {
  it("a running tick is failed once its worker's heartbeat is three periods old, or its worker stopped or has no row", async () => {
    await registerWorker(w.db, { workerId: "host-c-live", intervalMs: 1000 });
    await registerWorker(w.db, { workerId: "host-c-dead", intervalMs: 1000 });
    await registerWorker(w.db, { workerId: "host-c-gone", intervalMs: 1000 });
    await runningTick("01TICKLIVENESSLIVE000000AA", "host-c-live");
    await runningTick("01TICKLIVENESSDEAD000000AA", "host-c-dead");
    await runningTick("01TICKLIVENESSGONE000000AA", "host-c-gone");
    await runningTick("01TICKLIVENESSNOROW00000AA", "host-c-never-registered");
    await markWorkerStopped(w.db, "host-c-gone");

    // 2 s old with a 1 s heartbeat: two periods, still alive.
    await age("host-c-dead", 2);
    await closeAbandonedTicks(w.db, "host-c-checker", 1000);
    expect(await tickStatus("01TICKLIVENESSDEAD000000AA")).toBe("running");
    expect(await tickStatus("01TICKLIVENESSGONE000000AA")).toBe("failed");
    expect(await tickStatus("01TICKLIVENESSNOROW00000AA")).toBe("failed");

    // 3.5 periods old: dead. A tick (any worker's) closes it; the live worker's tick is left alone.
    await age("host-c-dead", 1.5);
    await beatWorker(w.db, "host-c-live");
    await runTick(w.db, w.clock, "host-c-checker", { heartbeatMs: 1000 });
    expect(await tickStatus("01TICKLIVENESSDEAD000000AA")).toBe("failed");
    expect(await tickStatus("01TICKLIVENESSLIVE000000AA")).toBe("running");
    const [closed] = await w.db
      .select()
      .from(schema.workerTicks)
      .where(eq(schema.workerTicks.id, "01TICKLIVENESSDEAD000000AA"));
    expect(closed?.errors).toEqual(["the worker stopped before finishing this tick"]);
  });

  it("a worker starting again under its own id (same host and pid) fails the tick its earlier life left", async () => {
    await registerWorker(w.db, { workerId: "host-d-7", intervalMs: 1000 });
    await runningTick("01TICKLIVENESSREUSE00000AA", "host-d-7");
    await registerWorker(w.db, { workerId: "host-d-7", intervalMs: 1000 });
    expect(await tickStatus("01TICKLIVENESSREUSE00000AA")).toBe("failed");
  });

  it("rows of workers dead for a week are deleted", async () => {
    await registerWorker(w.db, { workerId: "host-e-old", intervalMs: 1000 });
    await registerWorker(w.db, { workerId: "host-e-recent", intervalMs: 1000 });
    await age("host-e-old", 8 * 24 * 3600);
    await age("host-e-recent", 6 * 24 * 3600);
    await closeAbandonedTicks(w.db, "host-e-checker");
    const ids = (await w.db.select({ id: schema.workers.id }).from(schema.workers)).map((r) => r.id);
    expect(ids).not.toContain("host-e-old");
    expect(ids).toContain("host-e-recent");
  });
});
