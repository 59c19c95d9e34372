/**
 * The read/write split against a real streaming replica (PostgreSQL 15,
 * `pg_basebackup -R`), through the real router: lists, search and the audit
 * log read from the replica; a caller's own reads after its write go to the
 * primary; writes go to the primary; a replica that lags too far, or is down,
 * leaves reads on the primary instead of failing them.
 */

import { closeDb, createDb, type Database, ReadReplica, type ReadReplicaOptions, schema } from "@holdfast/db";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { authenticate, createApiToken, fixedClock, newTenantLocator } from "@holdfast/services";
import { NOW } from "@holdfast/testing/harness";
import { type StreamingReplica, startStreamingReplica } from "@holdfast/testing/streaming-replica";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "../src/index.ts";

let pair: StreamingReplica;
let primary: Database;
let replicaDb: Database;
let tenantId: string;
let secrets: { a: string; b: string };
const clock = fixedClock(NOW);
const made: ReadReplica[] = [];

beforeAll(async () => {
  pair = await startStreamingReplica();
  primary = createDb(pair.primaryUrl, { max: 5 });
  replicaDb = createDb(pair.replicaUrl, { max: 5 });
  tenantId = newTenantLocator();
  await primary.insert(schema.tenants).values({ id: tenantId, name: "Replicated", timeZone: "UTC" });
  const grants = [{ tenantId, permissions: ALL_PERMISSIONS }];
  secrets = {
    a: (await createApiToken(primary, { name: "caller A", grants })).secret,
    b: (await createApiToken(primary, { name: "caller B", grants })).secret,
  };
  await pair.caughtUp();
}, 180_000);

afterAll(async () => {
  await Promise.all([primary && closeDb(primary), replicaDb && closeDb(replicaDb)]);
  await pair?.stop();
}, 60_000);

/** A caller through the real router, its reads routed by `readReplica`. */
async function callerOf(secret: string, readReplica: ReadReplica) {
  const principal = await authenticate(primary, secret, clock.now());
  return createCaller({ db: primary, clock, principal, requestId: "replica-test", readReplica });
}

/** A ReadReplica over the test's pools (a generous lag bound unless told otherwise). */
function routing(opts: ReadReplicaOptions = {}) {
  const r = new ReadReplica(
    () => primary,
    () => replicaDb,
    { maxLagMs: 60_000, ...opts },
  );
  made.push(r);
  return r;
}

const names = (page: { items: { name: string }[] }) => page.items.map((a) => a.name);

async function accountExists(db: Database, name: string) {
  const rows = await db.select().from(schema.accounts).where(eq(schema.accounts.name, name));
  return rows.length === 1;
}

describe("reads from a streaming replica", () => {
  it("serves another caller's lists, search and audit log from the replica, and the writer's own from the primary", async () => {
    const readReplica = routing();
    const a = await callerOf(secrets.a, readReplica);
    const b = await callerOf(secrets.b, readReplica);
    await pair.pauseReplay();
    try {
      const created = await a.accounts.create({ name: "Written while replay is paused" });
      // (c) The write went to the primary: it is there, and the paused standby does not have it.
      expect(await accountExists(primary, "Written while replay is paused")).toBe(true);
      expect(await accountExists(replicaDb, "Written while replay is paused")).toBe(false);

      // (b) A reads its own write right after it (from the primary).
      expect(names(await a.accounts.list({ limit: 50 }))).toContain("Written while replay is paused");
      expect((await a.search.global({ q: "paused" })).accounts.map((r) => r.locator)).toEqual([created.locator]);
      expect((await a.audit.list({ limit: 50 })).items.map((e) => e.entityId)).toContain(created.locator);

      // (a) B's reads come from the replica, which has not replayed A's write.
      expect(names(await b.accounts.list({ limit: 50 }))).not.toContain("Written while replay is paused");
      expect((await b.search.global({ q: "paused" })).accounts).toEqual([]);
      expect((await b.audit.list({ limit: 50 })).items.map((e) => e.entityId)).not.toContain(created.locator);
    } finally {
      await pair.resumeReplay();
    }
    await pair.caughtUp();
    expect(names(await b.accounts.list({ limit: 50 }))).toContain("Written while replay is paused");
    expect(names(await a.accounts.list({ limit: 50 }))).toContain("Written while replay is paused");
  });

  it("reads another caller's writes from the replica again once it has replayed them", async () => {
    const readReplica = routing();
    const a = await callerOf(secrets.a, readReplica);
    await a.accounts.create({ name: "Replayed before the read" });
    await pair.caughtUp();
    await pair.pauseReplay();
    try {
      // The replica has A's write, so A's reads go back to it: a second write by B's token is not seen by A.
      const b = await callerOf(secrets.b, readReplica);
      await b.accounts.create({ name: "B writes while replay is paused" });
      expect(await accountExists(primary, "B writes while replay is paused")).toBe(true);
      const seenByA = names(await a.accounts.list({ limit: 50 }));
      expect(seenByA).toContain("Replayed before the read");
      expect(seenByA).not.toContain("B writes while replay is paused");
      expect(names(await b.accounts.list({ limit: 50 }))).toContain("B writes while replay is paused");
    } finally {
      await pair.resumeReplay();
    }
    await pair.caughtUp();
  });

  it("sends every caller's reads to the primary while the replica is further behind than the bound", async () => {
    let now = 0;
    const readReplica = routing({ maxLagMs: 1000, now: () => now });
    const a = await callerOf(secrets.a, readReplica);
    const b = await callerOf(secrets.b, readReplica);
    await pair.pauseReplay();
    try {
      await a.accounts.create({ name: "Lagging behind" });
      expect(names(await b.accounts.list({ limit: 50 }))).not.toContain("Lagging behind");
      // A write this process made more than maxLagMs ago is still not replayed: the replica lags too far.
      now += 1001;
      expect(names(await b.accounts.list({ limit: 50 }))).toContain("Lagging behind");
    } finally {
      await pair.resumeReplay();
    }
    await pair.caughtUp();
    now += 1001;
    // Caught up again: B reads from the replica (which has the account now too).
    expect(names(await b.accounts.list({ limit: 50 }))).toContain("Lagging behind");
  });

  it("answers reads from the primary when the replica is stopped, also under a read already sent to it", async () => {
    // A look at the replica that stays fresh: the next read is sent to the replica, which is down by then.
    const stale = routing({ statusCacheMs: 3_600_000 });
    const b = await callerOf(secrets.b, stale);
    const before = names(await b.accounts.list({ limit: 50 }));
    await pair.stopReplica();

    // (d) The read fails on the replica and is answered from the primary.
    expect(names(await b.accounts.list({ limit: 50 }))).toEqual(before);
    // A fresh router finds the replica down at its first look.
    const fresh = await callerOf(secrets.b, routing({ probeTimeoutMs: 2000 }));
    expect(names(await fresh.accounts.list({ limit: 50 }))).toEqual(before);
    expect((await fresh.worker.status({})).ticks).toEqual([]);
    // Writes go on, and their writer reads them.
    const a = await callerOf(secrets.a, stale);
    await a.accounts.create({ name: "Written with the replica down" });
    expect(names(await a.accounts.list({ limit: 50 }))).toContain("Written with the replica down");
    expect(names(await b.accounts.list({ limit: 50 }))).toContain("Written with the replica down");
  });
});
