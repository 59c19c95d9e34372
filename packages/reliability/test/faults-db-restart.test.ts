/**
 * Faults: the database restarted under API load.
 *
 * This file runs its own durable PostgreSQL (not the suite's shared, fsync-off
 * one): embedded, data under os.tmpdir(), on a fixed port so it can come back on
 * the same address. The real server runs as a separate process
 * (apps/server/src/main.ts). Several HTTP clients take holds through
 * create → validate → activate → release, each write with an idempotency key,
 * retried with the same key until acknowledged. In the middle, PostgreSQL is
 * stopped (fast shutdown) for a few seconds while the load goes on, then
 * started again on the same port and data directory.
 *
 * Proves:
 * - during the outage /readyz answers 503, /healthz stays 200, and every API
 *   answer is a 5xx whose body is a plain error (no stack trace, SQL or driver
 *   message); no request goes unanswered and nothing is answered 4xx;
 * - the server process never exits, and after PostgreSQL is back /readyz
 *   answers 200 again and new writes succeed, with the same process;
 * - no acknowledged write is lost: every acknowledged hold and move is in the
 *   database afterwards (state, version, audit trail), and retries with the
 *   same key never made a second hold or a second move (exactly the holds
 *   acknowledged exist, each with exactly one audit event per step).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { closeDb, createDb, type Database, migrateDatabase } from "@holdfast/db";
import { type EmbeddedServer, freePort, startEmbeddedPostgres } from "@holdfast/db/embedded";
import { createAccount, forTenant, provisionTenant, systemClock } from "@holdfast/services";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, HoldLoad, STEPS } from "./faults/hold-load.ts";
import { type ServerProcess, startServerProcess } from "./faults/server-process.ts";

const CLIENTS = 6;
/** How long PostgreSQL stays down while the load goes on. */
const OUTAGE_MS = 6000;
/** How often /readyz and /healthz are asked during the outage (each probe runs on its own). */
const PROBE_EVERY_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a client may be shown when something failed: never a stack, SQL, a file path or a driver message. */
const LEAKS =
  /\bat .+:\d+:\d+|node_modules|\.ts:\d+|\b(select|insert|update|delete)\b .*\b(from|into|set|where)\b|ECONNREFUSED|ECONNRESET|terminating connection|postgres|\bSQL\b|administrator command/i;

async function probe(url: string) {
  const sentAt = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return { sentAt, doneAt: Date.now(), status: res.status, body: await res.text() };
  } catch (e) {
    return { sentAt, doneAt: Date.now(), status: 0, body: e instanceof Error ? e.message : String(e) };
  }
}
type Probe = Awaited<ReturnType<typeof probe>>;

describe("the database restarted under API load", () => {
  let dir = "";
  let pgPort = 0;
  let pg: EmbeddedServer | undefined;
  let server: ServerProcess | undefined;
  let db: Database | undefined;
  let load: HoldLoad | undefined;
  let url = "";
  let tenantId = "";
  let accounts: string[] = [];
  let token = "";
  let pgLog = "";

  const startPg = async () =>
    startEmbeddedPostgres({
      dataDir: path.join(dir, "data"),
      port: pgPort,
      onLog: (line) => {
        pgLog += line;
      },
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-faults-db-"));
    pgPort = await freePort();
    pg = await startPg();
    const admin = postgres(pg.url("postgres"), { max: 1, onnotice: () => undefined });
    await admin.unsafe("create database holdfast");
    await admin.end();
    url = pg.url("holdfast");
    await migrateDatabase(url);
    const setup = createDb(url, { max: 2 });
    try {
      const tenant = await provisionTenant(setup, {
        name: "Restart Tenant",
        email: "restart@example.test",
        password: "a long enough password",
      });
      tenantId = tenant.tenantId;
      token = tenant.token;
      const ctx = forTenant(
        { db: setup, clock: systemClock, actor: { type: "system", id: "test", name: "test" } },
        tenantId,
      );
      accounts = [];
      for (let i = 0; i < CLIENTS; i++) accounts.push((await createAccount(ctx, { name: `Load ${i}` })).locator);
    } finally {
      await closeDb(setup);
    }
    server = await startServerProcess({ databaseUrl: url, port: await freePort() });
  });

  afterAll(async () => {
    // Whatever happened: the server process, then PostgreSQL, then the data directory.
    await server?.stop().catch(() => undefined);
    if (db) await closeDb(db).catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the server recovers by itself, /readyz tells the truth, and no acknowledged write is lost", {
    timeout: 240_000,
  }, async () => {
    if (!server || !pg) throw new Error("not set up");
    const srv = server;
    const base = srv.baseUrl;
    const l = new HoldLoad({ baseUrl: base, token, accounts });
    // The server process must survive everything below: fail at once, with its output, if it does not.
    const assertAlive = () => {
      const exit = srv.exit();
      if (exit) throw new Error(`the server process exited (${JSON.stringify(exit)}):\n${srv.output().slice(-4000)}`);
    };
    load = l;
    expect((await probe(`${base}/readyz`)).status).toBe(200);

    // 1. Load, until every client has taken at least one hold all the way.
    const t0 = Date.now();
    l.start();
    const waitFor = async (what: string, ok: () => boolean, ms = 90_000) => {
      const until = Date.now() + ms;
      while (!ok()) {
        assertAlive();
        if (l.problems.length) throw new Error(`${what}: ${l.problems.join("\n")}`);
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
      }
    };
    const clientsDone = (since: number) => new Set(l.completed.filter((c) => c.at > since).map((c) => c.client)).size;
    await waitFor("the load to get going", () => clientsDone(0) === CLIENTS);

    // 2. PostgreSQL stops (fast shutdown: SIGINT to the postmaster) in the middle of it.
    const acksBefore = l.acks.length;
    const stopAt = Date.now();
    await pg.stop();
    const downAt = Date.now();
    const readyz: Promise<Probe>[] = [];
    const healthz: Promise<Probe>[] = [];
    while (Date.now() - downAt < OUTAGE_MS) {
      readyz.push(probe(`${base}/readyz`));
      healthz.push(probe(`${base}/healthz`));
      await sleep(PROBE_EVERY_MS);
    }
    assertAlive();
    const acksDuringOutage = l.acks.filter((a) => a.at > downAt).length;

    // 3. Back on the same port and data directory; the server is not touched.
    // Every probe is answered while PostgreSQL is still down (/readyz gives up on the database after 5 s).
    const outageProbes = await Promise.all(readyz);
    const healthProbes = await Promise.all(healthz);
    const restartAt = Date.now();
    pg = await startPg();
    const upAt = Date.now();
    let readyAgainAt = 0;
    for (const until = Date.now() + 60_000; !readyAgainAt; ) {
      assertAlive();
      if ((await probe(`${base}/readyz`)).status === 200) readyAgainAt = Date.now();
      else if (Date.now() > until)
        throw new Error(
          `/readyz did not answer 200 within 60 s of PostgreSQL's return\n${pgLog.slice(-1500)}\nserver:\n${srv.output().slice(-4000)}`,
        );
      else await sleep(100);
    }
    // New writes succeed: every client takes two more holds all the way after the return.
    await waitFor("new writes after the restart", () => {
      const after = new Map<number, number>();
      for (const c of l.completed) if (c.at > upAt) after.set(c.client, (after.get(c.client) ?? 0) + 1);
      return after.size === CLIENTS && [...after.values()].every((n) => n >= 2);
    });
    await l.stop();
    const endAt = Date.now();

    const inWindow = (a: Answer) => a.sentAt >= downAt && a.doneAt <= restartAt;
    const outage = l.answers.filter(inWindow);
    const statuses = (list: Answer[]) =>
      list.reduce<Record<string, number>>((acc, a) => {
        acc[a.status] = (acc[a.status] ?? 0) + 1;
        return acc;
      }, {});
    console.log(
      `[faults-db-restart] ${CLIENTS} clients, ${l.answers.length} requests, ${l.acks.length} acknowledged writes ` +
        `(${acksBefore} before the stop), ${l.completed.length} holds taken through; PostgreSQL stopped ` +
        `${stopAt - t0} ms in (stop took ${downAt - stopAt} ms), down ${restartAt - downAt} ms, start took ` +
        `${upAt - restartAt} ms, /readyz 200 again ${readyAgainAt - upAt} ms after; total ${endAt - t0} ms`,
    );
    console.log(
      `[faults-db-restart] answers during the outage: ${JSON.stringify(statuses(outage))}; overall: ` +
        `${JSON.stringify(statuses(l.answers))}, slowest ${Math.max(...l.answers.map((x) => x.doneAt - x.sentAt))} ms; ` +
        `answers in flight at the stop or sent during the outage took up to ${Math.max(
          ...l.answers.filter((x) => x.doneAt >= stopAt && x.sentAt <= restartAt).map((x) => x.doneAt - x.sentAt),
        )} ms; /readyz during the outage: ${JSON.stringify(
          outageProbes.reduce<Record<string, number>>((acc, p) => {
            acc[p.status] = (acc[p.status] ?? 0) + 1;
            return acc;
          }, {}),
        )} (slowest ${Math.max(...outageProbes.map((p) => p.doneAt - p.sentAt))} ms); server log: ` +
        `(postgres.js is patched for closed-connection writes: patches/postgres@3.4.9.patch), ` +
        `${(srv.output().match(/connection pool replaced/g) ?? []).length} pool replacements`,
    );

    // No client saw a refusal or a contradiction; every request got an answer (none hung or was dropped).
    expect(l.problems).toEqual([]);
    expect(l.answers.filter((a) => a.status === 0).map((a) => `${a.path}: ${a.error}`)).toEqual([]);
    expect(l.answers.filter((a) => a.status >= 400 && a.status < 500)).toEqual([]);

    // During the outage: the load went on and was answered 5xx, with plain error bodies; nothing was acknowledged.
    expect(outage.length).toBeGreaterThanOrEqual(CLIENTS);
    expect(outage.filter((a) => a.status < 500)).toEqual([]);
    expect(acksDuringOutage).toBe(0);
    const leaked = l.answers.filter((a) => a.status >= 500 && LEAKS.test(a.body)).map((a) => a.body);
    expect(leaked.slice(0, 3)).toEqual([]);
    for (const a of l.answers.filter((x) => x.status >= 500)) {
      const body = JSON.parse(a.body) as { error?: { message?: string } };
      expect(typeof body.error?.message).toBe("string");
    }

    // /readyz reflected the outage; /healthz did not (the process is alive and serving).
    expect(outageProbes.length).toBeGreaterThanOrEqual(OUTAGE_MS / PROBE_EVERY_MS / 2);
    expect(outageProbes.filter((p) => p.status !== 503)).toEqual([]);
    expect(outageProbes.filter((p) => LEAKS.test(p.body))).toEqual([]);
    expect(healthProbes.filter((p) => p.status !== 200)).toEqual([]);

    // The same server process throughout, still running, ready, and writes go through.
    expect(srv.exit(), srv.output().slice(-3000)).toBeNull();
    expect((await probe(`${base}/readyz`)).status).toBe(200);
    expect(l.acks.filter((a) => a.at > upAt).length).toBeGreaterThanOrEqual(CLIENTS * 2 * STEPS.length);
  });

  it("every acknowledged write is in the database, exactly once", async () => {
    if (!load) throw new Error("not set up");
    const l = load;
    db = createDb(url, { max: 2 });
    const rows = await db.$client<{ id: string; account_id: string; state: string; version: number }[]>`
      select id, account_id, state::text as state, version from holds where tenant_id = ${tenantId}`;
    const audit = await db.$client<{ entity_id: string; action: string; n: number }[]>`
      select entity_id, action, count(*)::int as n from audit_events
       where tenant_id = ${tenantId} and entity_type = 'hold' group by 1, 2`;
    const byId = new Map(rows.map((r) => [r.id, r]));

    // Exactly the acknowledged holds exist: none lost, none made twice by a retried create.
    const acked = new Map<string, { client: number; steps: Set<number>; last: { state: string; version: number } }>();
    for (const a of l.acks) {
      const h = acked.get(a.locator) ?? { client: a.client, steps: new Set<number>(), last: a };
      // One hold per (client, hold number): a retried create answered the same locator.
      expect(h.client).toBe(a.client);
      h.steps.add(a.step);
      if (a.version >= h.last.version) h.last = a;
      acked.set(a.locator, h);
    }
    const holdNumbers = new Set(l.acks.map((a) => `${a.client}/${a.hold}`));
    expect(acked.size).toBe(holdNumbers.size);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(acked.keys()));

    // Every client finished the hold it was on, so every hold went all the way; each acknowledged state and
    // version is the one in the database, and the audit trail holds each step exactly once.
    const wrong: unknown[] = [];
    for (const [locator, h] of acked) {
      const row = byId.get(locator);
      const actions = Object.fromEntries(audit.filter((e) => e.entity_id === locator).map((e) => [e.action, e.n]));
      const ok =
        row !== undefined &&
        h.steps.size === STEPS.length &&
        row.account_id === accounts[h.client] &&
        row.state === h.last.state &&
        row.version === h.last.version &&
        row.state === "released" &&
        Object.keys(actions).length === STEPS.length &&
        STEPS.every((s) => actions[s] === 1);
      if (!ok) wrong.push({ locator, row, acked: h.last, steps: [...h.steps], actions });
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    console.log(
      `[faults-db-restart] ${acked.size} holds and ${l.acks.length} acknowledged writes found in the database`,
    );
  });
});
