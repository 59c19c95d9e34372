/**
 * Webhook delivery against real HTTP receivers on 127.0.0.1 and a real
 * database, driven in process with an injected clock: every event type
 * delivered and verified with the standardwebhooks library, rotation overlap
 * signatures, fan-out without doubling, order per entity under failures and
 * concurrency, retries on the backoff schedule, the 3-day give-up (failing),
 * disabling, recovery, timeouts, redirects, a slow endpoint not delaying
 * another, and the SSRF guard (loopback only is ever connected to).
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { EVENT_TYPES, WEBHOOK_RETRY_WINDOW_MS } from "@holdfast/domain";
import {
  assertDeliverableAddress,
  deliverDue,
  fanOutAll,
  fixedClock,
  newWebhookSecret,
  resolveDeliveryAddress,
  startDeliveryLoop,
  WEBHOOK_BACKOFF_MS,
} from "@holdfast/services";
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attemptsOf,
  deliveriesOf,
  endpointRow,
  insertEndpoint,
  insertEvent,
  insertTenant,
  options,
  type Receiver,
  startReceiver,
  until,
} from "./webhook-fixtures.ts";

let t: TestDatabase;
const receivers: Receiver[] = [];
const receiver = async (...args: Parameters<typeof startReceiver>) => {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
};

beforeAll(async () => {
  t = await createTestDatabase({ max: 20 });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await t?.close();
});

const T0 = "2027-03-01T10:00:00Z";

describe("delivery", () => {
  it("delivers every event type once, signed so the library verifies it, with the envelope as the body", async () => {
    const rx = await receiver();
    const tenant = await insertTenant(t.db);
    const ep = await insertEndpoint(t.db, tenant, rx.url, [...EVENT_TYPES]);
    const ids = new Map<string, string>();
    for (const type of EVENT_TYPES) {
      ids.set(
        await insertEvent(t.db, tenant, type, { type: type.split(".")[0] as string, id: `e-${type}` }, { type }),
        type,
      );
    }
    const attempts = await deliverDue(t.db, options(fixedClock(T0)));
    expect(attempts).toBe(EVENT_TYPES.length);
    expect(rx.received).toHaveLength(EVENT_TYPES.length);
    const wh = new Webhook(ep.secret);
    for (const r of rx.received) {
      const body = wh.verify(r.body, r.headers) as Record<string, unknown>;
      expect(r.headers["webhook-id"]).toBe(body.id);
      expect(ids.get(body.id as string)).toBe(body.type);
      expect(body).toMatchObject({
        version: 1,
        tenantLocator: tenant,
        requestId: `req-${body.id}`,
        data: { type: body.type },
      });
      expect(r.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
      expect(() => new Webhook(newWebhookSecret()).verify(r.body, r.headers)).toThrow();
    }
    expect(new Set(rx.received.map((r) => JSON.parse(r.body).type))).toEqual(new Set(EVENT_TYPES));
    expect((await deliveriesOf(t.db, ep.id)).every((d) => d.status === "succeeded" && d.attempts === 1)).toBe(true);
    // Nothing is sent twice: a second pass finds nothing due.
    expect(await deliverDue(t.db, options(fixedClock(T0)))).toBe(0);
  });

  it("signs with both secrets during a rotation's overlap, and with the current one only after it", async () => {
    const rx = await receiver();
    const tenant = await insertTenant(t.db);
    const previous = newWebhookSecret();
    const ep = await insertEndpoint(t.db, tenant, rx.url, ["hold.created"], {
      previousSecret: previous,
      previousUntil: new Date("2027-03-02T00:00:00Z"),
    });
    await insertEvent(t.db, tenant, "hold.created", { type: "hold", id: "h1" });
    await deliverDue(t.db, options(fixedClock(T0)));
    await insertEvent(t.db, tenant, "hold.created", { type: "hold", id: "h2" });
    await deliverDue(t.db, options(fixedClock("2027-03-02T00:00:01Z")));
    const [during, after] = rx.received;
    expect(during?.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const s of [ep.secret, previous])
      expect(() => new Webhook(s).verify(during?.body ?? "", during?.headers ?? {})).not.toThrow();
    expect(after?.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => new Webhook(previous).verify(after?.body ?? "", after?.headers ?? {})).toThrow();
  });

  it("fans out one delivery per subscribed, not disabled endpoint, never doubled by concurrent workers", async () => {
    const tenant = await insertTenant(t.db);
    const other = await insertTenant(t.db);
    const all = await insertEndpoint(t.db, tenant, "http://127.0.0.1:9/a", ["hold.created", "hold.released"]);
    const some = await insertEndpoint(t.db, tenant, "http://127.0.0.1:9/b", ["hold.released"]);
    const off = await insertEndpoint(t.db, tenant, "http://127.0.0.1:9/c", ["hold.created"], { status: "disabled" });
    const foreign = await insertEndpoint(t.db, other, "http://127.0.0.1:9/d", ["hold.created"]);
    for (let i = 0; i < 300; i++)
      await insertEvent(t.db, tenant, i % 3 ? "hold.created" : "hold.released", { type: "hold", id: `h${i % 7}` });
    const clock = fixedClock(T0);
    await Promise.all([1, 2, 3].map(() => fanOutAll(t.db, options(clock, { fanOutBatch: 37 }))));
    const count = async (id: string) => (await deliveriesOf(t.db, id)).length;
    expect(await count(all.id)).toBe(300);
    expect(await count(some.id)).toBe(100);
    expect(await count(off.id)).toBe(0);
    expect(await count(foreign.id)).toBe(0);
    const [dup] = (await t.db.execute(
      sql`select count(*)::int as n from (select 1 from webhook_deliveries group by endpoint_id, event_id having count(*) > 1) x`,
    )) as unknown as { n: number }[];
    expect(dup?.n).toBe(0);
    const [left] = (await t.db.execute(
      sql`select count(*)::int as n from domain_events where tenant_id = ${tenant} and dispatched_at is null`,
    )) as unknown as { n: number }[];
    expect(left?.n).toBe(0);
  });

  it("keeps each entity's order while the receiver is slow and answers 500 now and then", async () => {
    const failed = new Set<string>();
    const rx = await receiver((r) => {
      const id = r.headers["webhook-id"] as string;
      // Each event's first attempt fails one time in three.
      if (!failed.has(id) && id.charCodeAt(id.length - 1) % 3 === 0) {
        failed.add(id);
        return { status: 500, wait: 5 };
      }
      return { status: 200, wait: 10 };
    });
    const tenant = await insertTenant(t.db);
    await insertEndpoint(t.db, tenant, rx.url, ["hold.amended"]);
    const seqOf = new Map<string, number>();
    for (let i = 0; i < 120; i++) {
      const id = await insertEvent(t.db, tenant, "hold.amended", { type: "hold", id: `h${i % 4}` }, { n: i });
      seqOf.set(id, i);
    }
    // A clock that runs 10 minutes ahead every 50 ms, so retries come due.
    let offset = 0;
    const clock = { now: () => new Date(Date.parse(T0) + offset) };
    const bump = setInterval(() => {
      offset += 600_000;
    }, 50);
    const loop = startDeliveryLoop(t.db, options(clock));
    try {
      await until(() => rx.received.filter((r) => r.status === 200).length >= 120, 90_000, "120 deliveries");
    } finally {
      clearInterval(bump);
      await loop.stop();
    }
    expect(failed.size).toBeGreaterThan(10);
    // Per entity, requests (retries included) arrive in event order; each event succeeds once.
    const byEntity = new Map<string, number[]>();
    for (const r of rx.received) {
      const body = JSON.parse(r.body) as { id: string; entity: { id: string } };
      const list = byEntity.get(body.entity.id) ?? [];
      list.push(seqOf.get(body.id) as number);
      byEntity.set(body.entity.id, list);
    }
    expect(byEntity.size).toBe(4);
    for (const list of byEntity.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    const ok = rx.received.filter((r) => r.status === 200).map((r) => r.headers["webhook-id"]);
    expect(new Set(ok).size).toBe(120);
  });
});

describe("retries", () => {
  it("follows the backoff on the injected clock while the receiver is down, then succeeds with the same webhook-id", async () => {
    const probe = await startReceiver();
    const port = probe.port;
    await probe.close(); // nothing listens there now
    const tenant = await insertTenant(t.db);
    const ep = await insertEndpoint(t.db, tenant, `http://127.0.0.1:${port}/hook`, ["invoice.paid"]);
    const eventId = await insertEvent(t.db, tenant, "invoice.paid", { type: "invoice", id: "i1" });
    const clock = fixedClock(T0);
    const opts = options(clock);
    const t0 = Date.parse(T0);
    let elapsed = 0;
    for (const step of WEBHOOK_BACKOFF_MS.slice(0, 3)) {
      expect(await deliverDue(t.db, opts)).toBe(1);
      const [d] = await deliveriesOf(t.db, ep.id);
      expect(d?.last_error).toMatch(/ECONNREFUSED/);
      elapsed += step;
      expect(new Date(d?.next_attempt_at as Date).getTime()).toBe(t0 + elapsed);
      clock.set(new Date(t0 + elapsed - 1));
      expect(await deliverDue(t.db, opts)).toBe(0); // not due a millisecond early
      clock.set(new Date(t0 + elapsed));
    }
    const rx = await receiver(undefined, port);
    expect(await deliverDue(t.db, opts)).toBe(1);
    const [d] = await deliveriesOf(t.db, ep.id);
    expect(d).toMatchObject({ status: "succeeded", attempts: 4, last_status_code: 200 });
    expect(rx.received.map((r) => r.headers["webhook-id"])).toEqual([eventId]);
    const attempts = await attemptsOf(t.db, d?.id as string);
    expect(attempts.map((a) => new Date(a.attempted_at).getTime() - t0)).toEqual([0, 5_000, 35_000, 155_000]);
    expect((await endpointRow(t.db, ep.id))?.status).toBe("enabled");
  });

  it("gives up after 3 days (failed, endpoint failing), disables after the configured days, recovers on success", async () => {
    let status = 500;
    const rx = await receiver(() => ({ status }));
    const tenant = await insertTenant(t.db);
    const ep = await insertEndpoint(t.db, tenant, rx.url, ["hold.released"]);
    await insertEvent(t.db, tenant, "hold.released", { type: "hold", id: "h1" });
    const clock = fixedClock(T0);
    const opts = options(clock, { disableAfterDays: 5 });
    const t0 = Date.parse(T0);
    let rounds = 0;
    do {
      await deliverDue(t.db, opts);
      clock.set(new Date(clock.now().getTime() + 6 * 3_600_000));
    } while ((await deliveriesOf(t.db, ep.id))[0]?.status === "pending" && ++rounds < 50);
    const [d] = await deliveriesOf(t.db, ep.id);
    expect(d?.status).toBe("failed");
    const attempts = await attemptsOf(t.db, d?.id as string);
    const last = new Date(attempts.at(-1)?.attempted_at as Date).getTime();
    expect(last - t0).toBeLessThanOrEqual(WEBHOOK_RETRY_WINDOW_MS);
    expect(last - t0).toBeGreaterThan(WEBHOOK_RETRY_WINDOW_MS - 7 * 3_600_000);
    const failing = await endpointRow(t.db, ep.id);
    expect(failing?.status).toBe("failing");
    expect(new Date(failing?.failing_since as Date).getTime()).toBe(last);
    const [audit] = (await t.db.execute(
      sql`select action from audit_events where entity_type = 'webhook_endpoint' and entity_id = ${ep.id}`,
    )) as unknown as { action: string }[];
    expect(audit?.action).toBe("webhook.failing");

    // Still failing 5 days later: the next failed attempt disables it.
    clock.set(new Date(last + 5 * 86_400_000));
    await insertEvent(t.db, tenant, "hold.released", { type: "hold", id: "h2" });
    await deliverDue(t.db, opts);
    expect((await endpointRow(t.db, ep.id))?.status).toBe("disabled");
    // A disabled endpoint is sent nothing.
    const before = rx.received.length;
    await insertEvent(t.db, tenant, "hold.released", { type: "hold", id: "h3" });
    clock.set(new Date(clock.now().getTime() + 86_400_000));
    expect(await deliverDue(t.db, opts)).toBe(0);
    expect(rx.received.length).toBe(before);

    // A failing endpoint that answers 2xx again is enabled.
    status = 200;
    const ep2 = await insertEndpoint(t.db, tenant, rx.url, ["hold.discarded"], { status: "failing" });
    await t.db.execute(
      sql`update webhook_endpoints set failing_since = ${clock.now().toISOString()} where id = ${ep2.id}`,
    );
    await insertEvent(t.db, tenant, "hold.discarded", { type: "hold", id: "h4" });
    await deliverDue(t.db, opts);
    expect(await endpointRow(t.db, ep2.id)).toMatchObject({ status: "enabled", failing_since: null });
  });
});

describe("slow endpoints, timeouts and redirects", () => {
  it("a 30 s endpoint does not delay another: the other's deliveries all arrive while the slow one hangs", async () => {
    let release: () => void = () => undefined;
    const hang = new Promise<void>((ok) => {
      release = ok;
    });
    const slow = await receiver(() => ({
      status: 200,
      wait: Promise.race([hang, new Promise((ok) => setTimeout(ok, 30_000))]),
    }));
    const fast = await receiver();
    const tenant = await insertTenant(t.db);
    await insertEndpoint(t.db, tenant, slow.url, ["subscription.lapsed"]);
    await insertEndpoint(t.db, tenant, fast.url, ["subscription.lapsed"]);
    for (let i = 0; i < 40; i++)
      await insertEvent(t.db, tenant, "subscription.lapsed", { type: "subscription", id: `s${i}` });
    const loop = startDeliveryLoop(t.db, options(systemLikeClock(), { timeoutMs: 60_000, concurrencyPerEndpoint: 4 }));
    try {
      await until(() => fast.received.length >= 40, 25_000, "the fast endpoint's 40 deliveries");
      // The slow endpoint holds its 4 slots and has answered none of them.
      expect(slow.received.length).toBe(4);
      expect(slow.received.every((r) => r.status === 0)).toBe(true);
    } finally {
      release();
      await loop.stop();
    }
  });

  it("records a timeout when the endpoint does not answer in time", async () => {
    const rx = await receiver(() => ({ status: 200, wait: 3_000 }));
    const tenant = await insertTenant(t.db);
    const ep = await insertEndpoint(t.db, tenant, rx.url, ["invoice.issued"]);
    await insertEvent(t.db, tenant, "invoice.issued", { type: "invoice", id: "i1" });
    await deliverDue(t.db, options(fixedClock(T0), { timeoutMs: 300 }));
    const [d] = await deliveriesOf(t.db, ep.id);
    expect(d).toMatchObject({ status: "pending", attempts: 1, last_error: "timed out after 300 ms" });
  });

  it("does not follow a redirect: a 3xx is a failed attempt", async () => {
    const rx = await receiver(() => ({ status: 302, headers: { location: "http://127.0.0.1:9/elsewhere" } }));
    const tenant = await insertTenant(t.db);
    const ep = await insertEndpoint(t.db, tenant, rx.url, ["invoice.issued"]);
    await insertEvent(t.db, tenant, "invoice.issued", { type: "invoice", id: "i1" });
    await deliverDue(t.db, options(fixedClock(T0)));
    const [d] = await deliveriesOf(t.db, ep.id);
    expect(d).toMatchObject({ status: "pending", last_status_code: 302 });
    expect(d?.last_error).toMatch(/redirect not followed/);
    expect(rx.received).toHaveLength(1);
  });
});

describe("SSRF guard", () => {
  it("without HOLDFAST_WEBHOOKS_ALLOW_PRIVATE, a 127.0.0.1 receiver gets no request and the attempt says why", async () => {
    const rx = await receiver();
    const tenant = await insertTenant(t.db);
    const ep = await insertEndpoint(t.db, tenant, rx.url, ["automation.added"]);
    const byName = await insertEndpoint(t.db, tenant, `http://localhost:${rx.port}/hook`, ["automation.added"]);
    await insertEvent(t.db, tenant, "automation.added", { type: "automation", id: "a1" });
    await deliverDue(t.db, options(fixedClock(T0), { allowPrivate: false }));
    expect(rx.received).toHaveLength(0);
    for (const id of [ep.id, byName.id]) {
      const [d] = await deliveriesOf(t.db, id);
      const [a] = await attemptsOf(t.db, d?.id as string);
      expect(a?.status_code).toBeNull();
      expect(a?.error).toMatch(
        /^refused: (127\.0\.0\.1|::1) is a loopback address; set HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1/,
      );
    }
  });

  it("refuses private, link-local, unique-local, CGNAT, multicast and unspecified addresses (checked, never connected to)", async () => {
    for (const a of [
      "10.0.0.1",
      "172.16.5.4",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "fc00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "224.0.0.1",
      "0.0.0.0",
      "::",
      "255.255.255.255",
    ]) {
      expect(() => assertDeliverableAddress(a, false), a).toThrow(/^refused: /);
      expect(() => assertDeliverableAddress(a, true), a).not.toThrow();
    }
    for (const a of ["8.8.8.8", "2606:4700::1"]) expect(() => assertDeliverableAddress(a, false)).not.toThrow();
    await expect(resolveDeliveryAddress("169.254.169.254", false)).rejects.toThrow(/link-local/);
    await expect(resolveDeliveryAddress("localhost", false)).rejects.toThrow(/loopback/);
  });
});

/** The system clock (the loop tests need time to pass for nothing but their own waits). */
function systemLikeClock() {
  return { now: () => new Date() };
}
