/**
 * The worker as it runs in production: real `node` processes of
 * apps/worker/src/main.ts against a real PostgreSQL database, several at once.
 * Proves holds past their end date (in each tenant's own business date) are
 * released exactly once, the end date itself still holds, a rerun is a no-op,
 * ticks are recorded, and the process stops cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "@holdfast/db";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import type { HoldProcess } from "@holdfast/domain";
import {
  activateHold,
  createAccount,
  createHold,
  fixedClock,
  forTenant,
  provisionTenant,
  validateHold,
} from "@holdfast/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = path.join(WORKER_DIR, "src", "main.ts");

interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunningWorker {
  child: ChildProcess;
  /** Everything the process printed on stdout so far. */
  stdout: () => string;
  exited: Promise<WorkerExit>;
}

/** Starts a real worker process: `node --import tsx src/main.ts ...args`. */
/** Every worker process this file started and that is still running. */
const spawned = new Set<ChildProcess>();
afterAll(() => {
  for (const child of spawned) child.kill("SIGKILL");
});

function startWorker(databaseUrl: string | null, args: string[], killAfterMs = 90_000): RunningWorker {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "debug" /* quiet ticks log at debug */ };
  delete env.HOLDFAST_NOW;
  delete env.WORKER_INTERVAL_MS;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: WORKER_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  // A hung worker must not hang the suite, nor outlive it when a test fails early.
  const guard = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  spawned.add(child);
  child.on("close", () => spawned.delete(child));
  const exited = new Promise<WorkerExit>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, exited };
}

/** Runs `n` workers with --once --now ISO at the same time and waits for all of them. */
async function runWorkersOnce(databaseUrl: string, now: string, n = 1): Promise<WorkerExit[]> {
  const runs = Array.from({ length: n }, () => startWorker(databaseUrl, ["--once", "--now", now]));
  const exits = await Promise.all(runs.map((r) => r.exited));
  for (const e of exits) {
    expect(e.code, `worker exited ${e.code}/${e.signal}\nstdout:\n${e.stdout}\nstderr:\n${e.stderr}`).toBe(0);
  }
  return exits;
}

/** The pino "tick" log lines a worker printed. */
function tickLogs(out: string): { counts: Record<string, number>; status: string; errors: string[] }[] {
  return out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg?: string; counts?: Record<string, number>; status?: string; errors?: string[] })
    .filter((l) => l.msg === "tick")
    .map((l) => ({ counts: l.counts ?? {}, status: l.status ?? "", errors: l.errors ?? [] }));
}

async function query<T = Record<string, unknown>>(
  db: Database,
  sql: string,
  params: (string | number | null)[] = [],
): Promise<T[]> {
  return (await db.$client.unsafe(sql, params)) as unknown as T[];
}

async function ticks(db: Database) {
  return query<{
    worker_id: string;
    status: string;
    released: number;
    clock_at: Date | string;
    finished_at: Date | string | null;
    errors: string[];
  }>(
    db,
    `select worker_id, status, (counts->>'holdsReleased')::int as released, clock_at, finished_at, errors
       from worker_ticks order by started_at`,
  );
}

async function holdRow(db: Database, id: string) {
  const [row] = await query<{
    state: string;
    version: number;
    release_reason: string | null;
    released_by: string | null;
  }>(db, "select state, version, release_reason, released_by from holds where id = $1", [id]);
  return row;
}

/** A tenant with a fixed clock and a system actor, made through the services. */
async function setUpTenant(db: Database, name: string, timeZone: string) {
  const clock = fixedClock("2027-03-10T12:00:00Z");
  const { tenantId } = await provisionTenant(db, {
    name,
    timeZone,
    email: `${name.toLowerCase().replace(/\W+/g, "-")}@example.test`,
    password: "a long enough password",
  });
  const ctx = forTenant({ db, clock, actor: { type: "system", id: "test", name: "test" } }, tenantId);
  const account = (accountName = `${name} account`) => createAccount(ctx, { name: accountName });
  async function activeHold(accountLocator: string, process: HoldProcess, endDate: string | null) {
    const draft = await createHold(ctx, { accountLocator, targets: [{ process }], endDate });
    await validateHold(ctx, { locator: draft.locator });
    return activateHold(ctx, { locator: draft.locator });
  }
  return { tenantId, ctx, account, activeHold };
}

describe("one hold with an end date, two workers", () => {
  let t: TestDatabase;
  let holdId: string;
  let openEndedId: string;
  let validatedId: string;
  let activeVersion: number;

  beforeAll(async () => {
    t = await createTestDatabase();
    const tenant = await setUpTenant(t.db, "UTC Tenant", "UTC");
    const account = await tenant.account();
    const hold = await tenant.activeHold(account.locator, "invoicing", "2027-03-20");
    expect(hold).toMatchObject({ holdState: "active", endDate: "2027-03-20" });
    holdId = hold.locator;
    activeVersion = hold.version;
    // Neighbours the worker must leave alone: an open-ended active hold, and a validated (not active) one already past its end.
    openEndedId = (await tenant.activeHold(account.locator, "funding", null)).locator;
    const v = await createHold(tenant.ctx, {
      accountLocator: account.locator,
      targets: [{ process: "autopay" }],
      endDate: "2027-03-15",
    });
    validatedId = (await validateHold(tenant.ctx, { locator: v.locator })).locator;
  });
  afterAll(async () => {
    await t?.close();
  });

  it("releases nothing while --now is on the end date itself (its last second)", async () => {
    const [run] = await runWorkersOnce(t.url, "2027-03-20T23:59:59Z");
    expect(await holdRow(t.db, holdId)).toMatchObject({
      state: "active",
      version: activeVersion,
      release_reason: null,
    });
    expect(tickLogs(run?.stdout ?? "")).toEqual([
      { counts: expect.objectContaining({ holdsReleased: 0, tenants: 1 }), status: "succeeded", errors: [] },
    ]);
    const recorded = await ticks(t.db);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ status: "succeeded", released: 0, errors: [] });
    expect(new Date(recorded[0]?.clock_at ?? 0).toISOString()).toBe("2027-03-20T23:59:59.000Z");
    expect(recorded[0]?.finished_at).not.toBeNull();
  });

  it("after the end date, two workers started together release it exactly once", async () => {
    const before = await ticks(t.db);
    const exits = await runWorkersOnce(t.url, "2027-03-21T00:00:00Z", 2);

    const row = await holdRow(t.db, holdId);
    expect(row).toMatchObject({ state: "released", version: activeVersion + 1, release_reason: "end_date_reached" });
    expect(row?.released_by).toMatch(/^worker:/);

    const events = await query<{
      action: string;
      actor_type: string;
      before: { holdState: string };
      after: { holdState: string; releaseReason: string };
    }>(t.db, "select action, actor_type, before, after from audit_events where entity_id = $1 and action = 'release'", [
      holdId,
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor_type: "worker",
      before: { holdState: "active" },
      after: { holdState: "released", releaseReason: "end_date_reached" },
    });
    expect(await query(t.db, "select * from hold_claims where hold_id = $1", [holdId])).toEqual([]);

    // Each worker recorded its tick; together they released one hold.
    const recorded = (await ticks(t.db)).slice(before.length);
    expect(recorded).toHaveLength(2);
    expect(new Set(recorded.map((r) => r.worker_id)).size).toBe(2);
    expect(recorded.every((r) => r.status === "succeeded")).toBe(true);
    expect(recorded.map((r) => r.released).sort()).toEqual([0, 1]);
    expect(
      exits
        .flatMap((e) => tickLogs(e.stdout))
        .map((l) => l.counts.holdsReleased)
        .sort(),
    ).toEqual([0, 1]);

    // The neighbours are untouched.
    expect(await holdRow(t.db, openEndedId)).toMatchObject({ state: "active", version: 3 });
    expect(await holdRow(t.db, validatedId)).toMatchObject({ state: "validated", version: 2 });
    expect((await query(t.db, "select hold_id from hold_claims where hold_id = $1", [openEndedId])).length).toBe(1);
  });

  it("running the worker again is a no-op", async () => {
    const auditBefore = await query(t.db, "select id from audit_events order by id");
    await runWorkersOnce(t.url, "2027-03-25T00:00:00Z", 2);
    expect(await holdRow(t.db, holdId)).toMatchObject({ state: "released", version: activeVersion + 1 });
    expect(await query(t.db, "select id from audit_events order by id")).toEqual(auditBefore);
    const recorded = await ticks(t.db);
    expect(recorded.slice(-2).map((r) => r.released)).toEqual([0, 0]);
    expect(recorded.reduce((sum, r) => sum + r.released, 0)).toBe(1);
  });
});

describe("300 holds across two tenants in different time zones, two workers", () => {
  let t: TestDatabase;
  const PER_TENANT = 150;
  const PROCESSES: HoldProcess[] = ["invoicing", "delinquency", "autopay", "funding", "overdue", "refund"];
  let auckland: { tenantId: string; holds: string[] };
  let losAngeles: { tenantId: string; holds: string[] };

  async function manyHolds(db: Database, name: string, timeZone: string) {
    const tenant = await setUpTenant(db, name, timeZone);
    const holds: string[] = [];
    const accounts = Math.ceil(PER_TENANT / PROCESSES.length);
    // One hold per account and process (no overlaps), ten accounts at a time.
    for (let start = 0; start < accounts; start += 10) {
      const batch = Array.from({ length: Math.min(10, accounts - start) }, (_, i) => start + i);
      const made = await Promise.all(
        batch.map(async (a) => {
          const account = await tenant.account(`${name} account ${a}`);
          const out: string[] = [];
          for (const process of PROCESSES) {
            if (a * PROCESSES.length + out.length >= PER_TENANT) break;
            out.push((await tenant.activeHold(account.locator, process, "2027-03-20")).locator);
          }
          return out;
        }),
      );
      holds.push(...made.flat());
    }
    expect(holds).toHaveLength(PER_TENANT);
    return { tenantId: tenant.tenantId, holds };
  }

  async function states(holds: string[]) {
    const rows = await query<{ state: string; n: number }>(
      t.db,
      "select state::text as state, count(*)::int as n from holds where id = any($1::text[]) group by state order by state",
      [`{${holds.join(",")}}`],
    );
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    // Auckland is UTC+13 in March, Los Angeles UTC-7: at one instant their business dates differ by a day.
    [auckland, losAngeles] = await Promise.all([
      manyHolds(t.db, "Auckland", "Pacific/Auckland"),
      manyHolds(t.db, "Los Angeles", "America/Los_Angeles"),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("at 2027-03-20T12:00Z only Auckland (already 21 March) releases; Los Angeles (still 20 March) holds", async () => {
    await runWorkersOnce(t.url, "2027-03-20T12:00:00Z", 2);
    expect(await states(auckland.holds)).toEqual({ released: PER_TENANT });
    expect(await states(losAngeles.holds)).toEqual({ active: PER_TENANT });
    const recorded = await ticks(t.db);
    expect(recorded).toHaveLength(2);
    expect(recorded.reduce((s, r) => s + r.released, 0)).toBe(PER_TENANT);
  });

  it("at 2027-03-21T08:00Z Los Angeles (now 21 March) releases too: each of the 300 exactly once", async () => {
    await runWorkersOnce(t.url, "2027-03-21T08:00:00Z", 2);
    const all = [...auckland.holds, ...losAngeles.holds];
    expect(await states(all)).toEqual({ released: 2 * PER_TENANT });

    const perHold = await query<{ entity_id: string; n: number }>(
      t.db,
      "select entity_id, count(*)::int as n from audit_events where action = 'release' group by entity_id",
    );
    expect(perHold).toHaveLength(2 * PER_TENANT);
    expect(perHold.every((r) => r.n === 1)).toBe(true);
    expect(new Set(perHold.map((r) => r.entity_id))).toEqual(new Set(all));

    const rows = await query<{ version: number; release_reason: string; n: number }>(
      t.db,
      "select version, release_reason, count(*)::int as n from holds where id = any($1::text[]) group by version, release_reason",
      [`{${all.join(",")}}`],
    );
    expect(rows).toEqual([{ version: 4, release_reason: "end_date_reached", n: 2 * PER_TENANT }]);
    expect(await query(t.db, "select * from hold_claims")).toEqual([]);

    const recorded = await ticks(t.db);
    expect(recorded).toHaveLength(4);
    expect(recorded.every((r) => r.status === "succeeded")).toBe(true);
    expect(recorded.reduce((s, r) => s + r.released, 0)).toBe(2 * PER_TENANT);
  });

  it("a third pair of workers finds nothing left to release", async () => {
    await runWorkersOnce(t.url, "2027-03-30T00:00:00Z", 2);
    const recorded = await ticks(t.db);
    expect(recorded.slice(-2).map((r) => r.released)).toEqual([0, 0]);
    expect(recorded.reduce((s, r) => s + r.released, 0)).toBe(2 * PER_TENANT);
  });
});

describe("process lifecycle", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function waitFor(cond: () => boolean, ms: number, what: string) {
    const until = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  for (const intervalMs of [200, 600_000]) {
    it(`exits cleanly (code 0) within a few seconds of SIGTERM (--interval-ms ${intervalMs})`, async () => {
      const worker = startWorker(t.url, ["--interval-ms", String(intervalMs)]);
      await waitFor(() => tickLogs(worker.stdout()).length >= 1, 60_000, "the first tick");
      const sentAt = Date.now();
      worker.child.kill("SIGTERM");
      const exit = await worker.exited;
      expect(Date.now() - sentAt).toBeLessThan(5_000);
      expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null });
      expect(exit.stdout).toContain("worker stopped");
      // No tick left half-recorded.
      expect(await query(t.db, "select id from worker_ticks where status = 'running' or finished_at is null")).toEqual(
        [],
      );
    });
  }

  it("refuses to start without DATABASE_URL, saying so", async () => {
    const exit = await startWorker(null, ["--once"]).exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain("DATABASE_URL");
  });
});
