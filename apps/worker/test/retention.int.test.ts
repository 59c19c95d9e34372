/**
 * Retention, on a real database with the injected clock: finished worker
 * ticks older than the retention are purged (never a running one) and counted
 * in the tick; audit partitions are made ahead for the current and next
 * months, rows of such a month are moved out of the DEFAULT partition, the
 * upkeep is idempotent and safe with several workers at once, and a role that
 * may not create tables gets a warning, not a failed tick.
 */
import { randomBytes } from "node:crypto";
import { closeDb, createDb, type Database, schema } from "@holdfast/db";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import {
  ensureAuditPartitions,
  fixedClock,
  keepAuditPartitions,
  listAuditPartitions,
  newLocator,
  purgeWorkerTicks,
  runTick,
} from "@holdfast/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ max: 10 });
});
afterAll(async () => {
  await t?.close();
});

const DAY = 86_400_000;

async function insertTick(db: Database, startedAt: Date, status: "running" | "succeeded" | "failed") {
  const id = newLocator();
  await db.insert(schema.workerTicks).values({
    id,
    workerId: "retention-test",
    status,
    clockAt: startedAt,
    startedAt,
    finishedAt: status === "running" ? null : startedAt,
  });
  return id;
}

async function remaining(db: Database, ids: string[]) {
  const rows = await db.$client.unsafe("select id from worker_ticks where id = any($1::text[])", [ids]);
  return new Set(rows.map((r) => String(r.id)));
}

async function insertAudit(db: Database, at: string) {
  const id = newLocator();
  await db.insert(schema.auditEvents).values({
    id,
    tenantId: null,
    entityType: "retention-test",
    entityId: "x",
    action: "test",
    actorType: "system",
    actorId: "test",
    actorName: "test",
    at: new Date(at),
  });
  return id;
}

async function partitionOf(db: Database, id: string): Promise<string> {
  const [row] = await db.$client.unsafe("select tableoid::regclass::text as p from audit_events where id = $1", [id]);
  return String(row?.p);
}

describe("worker_ticks purge", () => {
  it("deletes finished ticks older than the retention by the clock, never a running one, and keeps newer ones", async () => {
    const clock = fixedClock("2026-06-20T12:00:00Z");
    const now = clock.now().getTime();
    const oldOk = await insertTick(t.db, new Date(now - 40 * DAY), "succeeded");
    const oldFailed = await insertTick(t.db, new Date(now - 31 * DAY), "failed");
    const oldRunning = await insertTick(t.db, new Date(now - 45 * DAY), "running");
    const recent = await insertTick(t.db, new Date(now - 29 * DAY), "succeeded");
    const ids = [oldOk, oldFailed, oldRunning, recent];

    expect(await purgeWorkerTicks(t.db, clock, 30)).toBe(2);
    expect(await remaining(t.db, ids)).toEqual(new Set([oldRunning, recent]));
    expect(await purgeWorkerTicks(t.db, clock, 30)).toBe(0);

    clock.advanceDays(2);
    expect(await purgeWorkerTicks(t.db, clock, 30)).toBe(1);
    expect(await remaining(t.db, ids)).toEqual(new Set([oldRunning]));
    await t.db.$client.unsafe("delete from worker_ticks where id = any($1::text[])", [ids]);
  });

  it("purges in batches beyond one statement's size", async () => {
    const clock = fixedClock("2026-06-20T12:00:00Z");
    await t.db.$client.unsafe(
      `insert into worker_ticks (id, worker_id, status, clock_at, started_at, finished_at)
       select 'bulk-' || g, 'retention-test', 'succeeded', $1::timestamptz, $1::timestamptz - g * interval '1 second', $1
         from generate_series(1, 12000) g`,
      [new Date(clock.now().getTime() - 60 * DAY).toISOString()],
    );
    expect(await purgeWorkerTicks(t.db, clock, 30)).toBe(12000);
  });

  it("a clock frozen in the future does not purge the ticks that just ran (started_at is wall-clock time)", async () => {
    const justRan = await insertTick(t.db, new Date(), "succeeded");
    expect(await purgeWorkerTicks(t.db, fixedClock("2040-01-01T00:00:00Z"), 30)).toBe(0);
    expect(await remaining(t.db, [justRan])).toEqual(new Set([justRan]));
  });

  it("a tick counts the ticks it purged, with the retention it is given", async () => {
    const clock = fixedClock("2026-06-20T12:00:00Z");
    const old = await insertTick(t.db, new Date(clock.now().getTime() - 8 * DAY), "succeeded");
    const kept = await insertTick(t.db, new Date(clock.now().getTime() - 6 * DAY), "succeeded");
    const tick = await runTick(t.db, clock, "retention-worker", { ticksRetentionDays: 7 });
    expect(tick.status).toBe("succeeded");
    expect(tick.counts.workerTicksPurged).toBe(1);
    expect(await remaining(t.db, [old, kept, tick.tickId])).toEqual(new Set([kept, tick.tickId]));
  });
});

describe("audit partitions ahead", () => {
  it("creates the current and next months' partitions once, moving that month's rows out of DEFAULT", async () => {
    const inDefault = await insertAudit(t.db, "2032-05-03T10:00:00Z");
    const later = await insertAudit(t.db, "2032-07-30T23:59:59Z");
    const beyond = await insertAudit(t.db, "2032-10-01T00:00:00Z");
    expect(await partitionOf(t.db, inDefault)).toBe("audit_events_default");

    const now = new Date("2032-05-15T00:00:00Z");
    // Several workers at once: each month is created by exactly one of them, none fails.
    const created = await Promise.all([1, 2, 3].map(() => ensureAuditPartitions(t.db, now, 3)));
    expect(created.flat().sort()).toEqual(["2032-05", "2032-06", "2032-07", "2032-08"]);
    expect(await listAuditPartitions(t.db)).toEqual(
      expect.arrayContaining(["2032-05", "2032-06", "2032-07", "2032-08"]),
    );
    expect(await partitionOf(t.db, inDefault)).toBe("audit_events_2032_05");
    expect(await partitionOf(t.db, later)).toBe("audit_events_2032_07");
    expect(await partitionOf(t.db, beyond)).toBe("audit_events_default");

    // Idempotent: nothing more to do.
    expect(await ensureAuditPartitions(t.db, now, 3)).toEqual([]);
    // The moved partition has the parent's indexes.
    const [idx] = await t.db.$client.unsafe(
      "select count(*)::int as n from pg_indexes where tablename = 'audit_events_2032_05'",
    );
    expect(idx?.n).toBe(5);
  });

  it("a month attached while other transactions write that month's events: every writer succeeds, every row lands in the month", async () => {
    const other = createDb(t.url, { max: 3 });
    try {
      // A batch that wrote an event of a month without a partition (routed to DEFAULT) and is still open.
      const open = await other.$client.reserve();
      await open`begin`;
      const first = newLocator();
      await open`insert into audit_events (id, entity_type, entity_id, action, actor_type, actor_id, actor_name, at)
                 values (${first}, 'retention-test', 'x', 'test', 'system', 'test', 'test', '2036-02-10T10:00:00Z')`;
      // Another worker creates the partitions ahead meanwhile, and a third writer writes the same month.
      const ensuring = ensureAuditPartitions(t.db, new Date("2036-02-11T00:00:00Z"), 0);
      await new Promise((r) => setTimeout(r, 300));
      const second = insertAudit(other, "2036-02-12T10:00:00Z");
      await new Promise((r) => setTimeout(r, 300));
      await open`commit`;
      open.release();
      expect(await ensuring).toEqual(["2036-02"]);
      const secondId = await second;
      expect(await partitionOf(t.db, first)).toBe("audit_events_2036_02");
      expect(await partitionOf(t.db, secondId)).toBe("audit_events_2036_02");
    } finally {
      await closeDb(other);
    }
  });

  it("a tick keeps partitions ahead by the injected clock", async () => {
    const clock = fixedClock("2033-02-10T12:00:00Z");
    const tick = await runTick(t.db, clock, "partition-worker");
    expect(tick.counts.auditPartitionsCreated).toBe(4);
    expect(await listAuditPartitions(t.db)).toEqual(
      expect.arrayContaining(["2033-02", "2033-03", "2033-04", "2033-05"]),
    );
    const again = await runTick(t.db, clock, "partition-worker");
    expect(again.counts.auditPartitionsCreated).toBe(0);
  });

  it("a role with data rights only gets a warning and a tick that succeeds; its events go to DEFAULT", async () => {
    const role = `hf_data_${randomBytes(4).toString("hex")}`;
    await t.db.$client.unsafe(`create role ${role} login password 'data-only'`);
    await t.db.$client.unsafe(`grant usage on schema public to ${role}`);
    await t.db.$client.unsafe(`grant select, insert, update, delete on all tables in schema public to ${role}`);
    await t.db.$client.unsafe(`revoke create on schema public from public`);
    const url = new URL(t.url);
    url.username = role;
    url.password = "data-only";
    const dataOnly = createDb(url.toString(), { max: 4 });
    try {
      const clock = fixedClock("2034-06-10T12:00:00Z");
      const warnings: string[] = [];
      const tick = await runTick(dataOnly, clock, "data-only-worker", { warn: (m) => warnings.push(m) });
      expect(tick.status).toBe("succeeded");
      expect(tick.counts.auditPartitionsCreated).toBe(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/could not create audit_events partitions .*audit_events_default/);
      // Within the hour it does not try again (no warning each tick).
      expect(await keepAuditPartitions(dataOnly, clock, (m) => warnings.push(m))).toBe(0);
      expect(warnings).toHaveLength(1);
      const id = await insertAudit(dataOnly, "2034-06-10T12:00:00Z");
      expect(await partitionOf(t.db, id)).toBe("audit_events_default");
    } finally {
      await closeDb(dataOnly);
      await t.db.$client.unsafe(`drop owned by ${role}`);
      await t.db.$client.unsafe(`drop role ${role}`);
    }
  });
});
