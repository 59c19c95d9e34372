/**
 * Holdfast behind a real PgBouncer (Debian's package) in transaction mode:
 * two API server processes and two worker processes reach PostgreSQL only
 * through the pooler (`?pgbouncer=true`: statements unprepared, no
 * statement_timeout startup parameter), with DATABASE_DIRECT_URL for their
 * session locks (migration, worker days). Meanwhile clients create accounts
 * on both servers at once and take a few holds through their moves, while
 * the workers drain the worker suite's seed (two tenants, every kind of due
 * row).
 *
 * Proves:
 * - every call is acknowledged (no `prepared statement … does not exist`, no
 *   500) and every acknowledged account and hold move exists, exactly once;
 * - the workers' effects happen exactly once (the worker suite's checks:
 *   one invoice per due subscription for exactly its periods, every other
 *   effect once, nothing due left);
 * - the API's connections have their statement timeout (PgBouncer's
 *   connect_query), the workers' have none;
 * - after every Holdfast process has stopped, PostgreSQL holds no advisory
 *   lock, although PgBouncer still keeps its server connections open;
 * - a worker or server pointed at the pooler without DATABASE_DIRECT_URL
 *   refuses to start with one line.
 */
import { freePort } from "@holdfast/db/embedded";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { createApiToken, newTenantLocator } from "@holdfast/services";
import {
  assertEffects,
  assertInvoices,
  assertNothingDue,
  type ExpectedInvoice,
  expectCleanExit,
  killStartedWorkers,
  leftDue,
  NOTHING_DUE,
  NOW,
  query,
  type RunningWorker,
  type SeededTenant,
  scalar,
  seedAll,
  startWorker,
  TENANTS,
} from "@holdfast/worker/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HoldLoad } from "./faults/hold-load.ts";
import { type Pgbouncer, startPgbouncer } from "./faults/pgbouncer.ts";
import { type ServerProcess, startServerProcess } from "./faults/server-process.ts";

/** Plain due subscriptions per tenant in the workers' seed (2 × (PLAIN + 20) invoices plus the other effects). */
const PLAIN = 200;
const ACCOUNTS = 120;
const CONCURRENCY = 24;
const STATEMENT_TIMEOUT_MS = 5000;
const DRAIN_DEADLINE_MS = 45_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Created {
  name: string;
  status: number;
  locator?: string;
  body: string;
}

describe("2 servers and 2 workers through PgBouncer in transaction mode", () => {
  let t: TestDatabase;
  let bouncer: Pgbouncer | undefined;
  const servers: ServerProcess[] = [];
  const workers: RunningWorker[] = [];
  let tenants: SeededTenant[] = [];
  let expected = new Map<string, ExpectedInvoice>();
  /** One API tenant and token per server: the hold load's idempotency keys are per tenant. */
  const apiTenants: string[] = [];
  const tokens: string[] = [];
  const created: Created[] = [];
  const loads: HoldLoad[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ tenants, expected } = await seedAll(t.db, TENANTS, PLAIN, "pgbouncer"));
    for (let i = 0; i < 2; i++) {
      const tenantId = newTenantLocator();
      await query(t.db, "insert into tenants (id, name, time_zone) values ($1, 'API tenant', 'UTC')", [tenantId]);
      const grants = [{ tenantId, permissions: ALL_PERMISSIONS }];
      apiTenants.push(tenantId);
      tokens.push((await createApiToken(t.db, { name: "pgbouncer load", grants })).secret);
    }
    bouncer = await startPgbouncer(t.url, { statementTimeoutMs: STATEMENT_TIMEOUT_MS });
  });

  afterAll(async () => {
    // Only the processes this file started, by their own handles.
    killStartedWorkers();
    await Promise.all(servers.map((s) => s.stop(2000)));
    await bouncer?.stop();
    await t?.close();
  });

  it("a worker given the pooler and no DATABASE_DIRECT_URL refuses to start, in one line", async () => {
    const pooled = bouncer?.url("holdfast") ?? "";
    const w = startWorker(pooled, ["--once", "--now", NOW], 60_000);
    const exit = await w.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr.trim()).toMatch(
      /^holdfast worker: DATABASE_URL goes through a connection pooler .* set DATABASE_DIRECT_URL [^\n]*$/,
    );
  });

  it("so does a server (its migration lock), in one line", async () => {
    const failed = await startServerProcess({
      databaseUrl: bouncer?.url("holdfast_api") ?? "",
      port: await freePort(),
      startTimeoutMs: 60_000,
    }).then(
      async (s) => {
        await s.stop();
        return "";
      },
      (e: unknown) => String(e),
    );
    expect(failed).toMatch(/"code":2/);
    expect(failed).toMatch(
      /\nholdfast: DATABASE_URL goes through a connection pooler [^\n]*DATABASE_DIRECT_URL[^\n]*\n/,
    );
  });

  it("the API's pooled connections have the statement timeout, the workers' have none", async () => {
    const through = (db: "holdfast" | "holdfast_api") =>
      postgres(bouncer?.url(db).replace("?pgbouncer=true", "") ?? "", { max: 1, prepare: false });
    for (const [db, want] of [
      ["holdfast_api", "5s"],
      ["holdfast", "0"],
    ] as const) {
      const sql = through(db);
      try {
        const [row] = await sql`select current_setting('statement_timeout') as v`;
        expect(row?.v, db).toBe(want);
      } finally {
        await sql.end();
      }
    }
  });

  it("servers and workers run through the pooler: every call acknowledged, every acknowledged write there once", async () => {
    const direct = { DATABASE_DIRECT_URL: t.url };
    const apiUrl = bouncer?.url("holdfast_api") ?? "";
    const workerUrl = bouncer?.url("holdfast") ?? "";
    const ports = [await freePort(), await freePort()];
    const started = await Promise.all(
      ports.map((port) => startServerProcess({ databaseUrl: apiUrl, port, env: direct })),
    );
    servers.push(...started);
    for (let i = 0; i < 2; i++) {
      workers.push(
        startWorker(workerUrl, ["--now", NOW, "--interval-ms", "200"], 120_000, {
          ...direct,
          WORKER_BATCH_SIZE: "25",
        }),
      );
    }

    // A few holds taken through all their moves on each server, with idempotency keys.
    const accountsFor = async (server: ServerProcess, n: number) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++)
        out.push((await createAccount(server, `hold client ${server.pid}-${i}`)).locator ?? "");
      return out;
    };
    for (const [i, s] of servers.entries()) {
      const load = new HoldLoad({ baseUrl: s.baseUrl, token: tokens[i] ?? "", accounts: await accountsFor(s, 2) });
      loads.push(load);
      load.start();
    }

    // Concurrent accounts.create on both servers.
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, c) => {
        for (let i = next++; i < ACCOUNTS; i = next++) {
          created.push(await createAccount(servers[(c + i) % servers.length] as ServerProcess, `pooled account ${i}`));
        }
      }),
    );
    await sleep(1000);
    await Promise.all(loads.map((l) => l.stop()));

    const refused = created.filter((c) => c.status !== 200);
    expect(refused.map((c) => `${c.status} ${c.body.slice(0, 200)}`)).toEqual([]);
    const names = await query<{ id: string; name: string }>(
      t.db,
      "select id, name from accounts where tenant_id = any($1::uuid[]) and name like 'pooled account %'",
      [`{${apiTenants.join(",")}}`],
    );
    expect(names).toHaveLength(ACCOUNTS);
    expect(new Set(names.map((r) => r.id))).toEqual(new Set(created.map((c) => c.locator)));
    const audited = await scalar(
      t.db,
      "select count(*)::int as n from audit_events where tenant_id = any($1::uuid[]) and entity_type = 'account' and action = 'create'",
      [`{${apiTenants.join(",")}}`],
    );
    expect(audited).toBe(ACCOUNTS + 2 * servers.length);

    // Holds: every acknowledged move is in the database, each exactly once.
    const problems = loads.flatMap((l) => l.problems);
    expect(problems).toEqual([]);
    const completed = loads.flatMap((l) => l.completed);
    expect(completed.length).toBeGreaterThan(0);
    const acks = loads.flatMap((l) => l.acks);
    const holds = await query<{ id: string; state: string; version: number; moves: number }>(
      t.db,
      `select h.id, h.state::text as state, h.version,
              (select count(*)::int from audit_events a where a.entity_id = h.id) as moves
         from holds h where h.tenant_id = any($1::uuid[])`,
      [`{${apiTenants.join(",")}}`],
    );
    const byId = new Map(holds.map((h) => [h.id, h]));
    for (const ack of acks) {
      const h = byId.get(ack.locator);
      expect(h, `acknowledged hold ${ack.locator}`).toBeDefined();
      expect(h?.version ?? 0).toBeGreaterThanOrEqual(ack.version);
    }
    for (const c of completed) {
      // create, validate, activate, release: four audited moves, none doubled.
      expect(byId.get(c.locator)).toMatchObject({ state: "released", moves: 4 });
    }
    const answers = loads.flatMap((l) => l.answers);
    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body.slice(0, 200)}`)).toEqual([]);
    console.log(
      `[pgbouncer] ${created.length} accounts.create and ${acks.length} hold moves (${completed.length} holds released) acknowledged on 2 servers through PgBouncer`,
    );
  });

  it("the workers drain the seed through the pooler; every effect exactly once", async () => {
    const until = Date.now() + DRAIN_DEADLINE_MS;
    for (;;) {
      const left = await Promise.all(tenants.map((tn) => leftDue(t.db, tn.tenantId, tn.today)));
      if (left.every((l) => JSON.stringify(l) === JSON.stringify(NOTHING_DUE))) break;
      if (Date.now() > until) throw new Error(`the workers did not drain in time: ${JSON.stringify(left)}`);
      await sleep(500);
    }
    // Let a tick that is under way finish, then stop every Holdfast process.
    for (const w of workers) w.child.kill("SIGTERM");
    for (const e of await Promise.all(workers.map((w) => w.exited))) expectCleanExit(e);
    await Promise.all(servers.map((s) => s.stop()));
    for (const s of servers) expect(s.output()).not.toMatch(/prepared statement|does not exist/);

    await assertNothingDue(t.db, tenants);
    await assertInvoices(t.db, tenants, expected);
    await assertEffects(t.db, tenants, expected, PLAIN);
    const failedTicks = await query(t.db, "select worker_id, errors from worker_ticks where status <> 'succeeded'");
    expect(failedTicks).toEqual([]);
  });

  it("no advisory lock is left once every Holdfast process has stopped (PgBouncer still up)", async () => {
    const open = await scalar(
      t.db,
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
    );
    const locks = await scalar(t.db, "select count(*)::int as n from pg_locks where locktype = 'advisory'");
    console.log(
      `[pgbouncer] after the processes stopped: ${open} server connections still open, ${locks} advisory locks`,
    );
    expect(locks).toBe(0);
  });

  /** accounts.create on this server, in its tenant. */
  async function createAccount(server: ServerProcess, name: string): Promise<Created> {
    const token = tokens[servers.indexOf(server)] ?? "";
    const res = await fetch(`${server.baseUrl}/trpc/accounts.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ name }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = await res.text();
    const locator =
      res.status === 200
        ? (JSON.parse(body) as { result: { data: { locator: string } } }).result.data.locator
        : undefined;
    return { name, status: res.status, locator, body };
  }
});
