/**
 * Real worker processes (node apps/worker/src/main.ts) deliver 200 events of
 * 8 entities to a receiver on 127.0.0.1 that answers slowly. The first worker
 * is SIGKILLed with a request in flight; a second one takes over once the killed
 * worker's leases run out. Proves: every event arrives at least once, every
 * request verifies with the standardwebhooks library, a duplicate carries
 * the same webhook-id as the first, each entity's events first arrive in
 * order, and every delivery ends succeeded.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCleanExit, killStartedWorkers, startWorker } from "./fixtures.ts";
import {
  insertEndpoint,
  insertEvent,
  insertTenant,
  type Receiver,
  SECRET_KEY_TEXT,
  startReceiver,
  until,
} from "./webhook-fixtures.ts";

const EVENTS = 200;
const ENTITIES = 8;
const WORKER_ENV = {
  HOLDFAST_SECRET_KEY: SECRET_KEY_TEXT,
  HOLDFAST_WEBHOOKS_ALLOW_PRIVATE: "1",
  HOLDFAST_WEBHOOKS_TIMEOUT_MS: "1000",
  HOLDFAST_WEBHOOKS_POLL_MS: "50",
};

describe("SIGKILL a worker during webhook deliveries", () => {
  let t: TestDatabase;
  let rx: Receiver;
  let markKilled: () => void = () => undefined;
  const killed = new Promise<void>((ok) => {
    markKilled = ok;
  });

  beforeAll(async () => {
    t = await createTestDatabase();
    // The 40th request is held until the kill, so the victim dies with a delivery in flight.
    rx = await startReceiver((_, i) => ({ status: 200, wait: i === 39 ? killed : 15 }));
  });
  afterAll(async () => {
    killStartedWorkers();
    await rx?.close();
    await t?.close();
  });

  it("every event arrives at least once, duplicates share their webhook-id, order per entity holds", async () => {
    const tenant = await insertTenant(t.db);
    const ep = await insertEndpoint(t.db, tenant, rx.url, ["subscription.grace_started", "subscription.lapsed"]);
    const seqOf = new Map<string, number>();
    for (let i = 0; i < EVENTS; i++) {
      const type = i % 2 ? "subscription.lapsed" : "subscription.grace_started";
      seqOf.set(await insertEvent(t.db, tenant, type, { type: "subscription", id: `s${i % ENTITIES}` }, { i }), i);
    }

    const victim = startWorker(t.url, ["--interval-ms", "60000"], 120_000, WORKER_ENV);
    await until(() => rx.received.length >= 40, 60_000, "the first worker's deliveries");
    victim.child.kill("SIGKILL");
    const exit = await victim.exited;
    markKilled();
    expect(exit.signal).toBe("SIGKILL");
    const atKill = rx.received.length;
    expect(atKill).toBeLessThan(EVENTS);

    const rescuer = startWorker(t.url, ["--interval-ms", "60000"], 120_000, WORKER_ENV);
    const pending = async () => {
      const [row] = (await t.db.execute(
        sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${ep.id} and status <> 'succeeded'`,
      )) as unknown as { n: number }[];
      return row?.n ?? -1;
    };
    await until(async () => (await pending()) === 0, 90_000, "every delivery to succeed");
    rescuer.child.kill("SIGTERM");
    expectCleanExit(await rescuer.exited);

    const wh = new Webhook(ep.secret);
    const idsByEvent = new Map<string, Set<string>>();
    const firstOrder = new Map<string, number[]>();
    for (const r of rx.received) {
      const body = wh.verify(r.body, r.headers) as { id: string; entity: { id: string } };
      const ids = idsByEvent.get(body.id) ?? new Set<string>();
      const first = ids.size === 0;
      ids.add(r.headers["webhook-id"] as string);
      idsByEvent.set(body.id, ids);
      if (first)
        firstOrder.set(body.entity.id, [...(firstOrder.get(body.entity.id) ?? []), seqOf.get(body.id) as number]);
    }
    expect(idsByEvent.size).toBe(EVENTS);
    // The delivery in flight at the kill was sent again, under the same webhook-id.
    expect(rx.received.length).toBeGreaterThan(EVENTS);
    for (const [eventId, ids] of idsByEvent) expect([...ids]).toEqual([eventId]);
    for (const seqs of firstOrder.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const [dups] = (await t.db.execute(
      sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${ep.id}`,
    )) as unknown as { n: number }[];
    expect(dups?.n).toBe(EVENTS);
    console.log(
      `webhook SIGKILL: ${rx.received.length} requests for ${EVENTS} events (${rx.received.length - EVENTS} repeated after the kill at ${atKill})`,
    );
  });
});
