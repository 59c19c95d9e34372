/**
 * An endpoint's deliveries, replays and test sends through the real router:
 * sendTest writes a `webhook.test` event already dispatched and one pending
 * delivery of it; replay makes a new pending delivery of one of the tenant's
 * events of the last 30 days (another tenant's, or an older one, is
 * NOT_FOUND); deliveries lists status, attempts, the response code and the
 * latest attempts (as the workers record them), newest first, by status.
 */
import { schema } from "@holdfast/db";
import { EVENT_RETENTION_DAYS } from "@holdfast/domain";
import { newLocator } from "@holdfast/services";
import { appErrorOf, issuesOfTrpcError, tableChecksum } from "@holdfast/testing";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { expectTrpcError, NOW, setupWorld } from "./harness.ts";

const w = setupWorld({ tenantName: "Deliveries tenant" });
const URL = "https://hooks.example.com/holdfast";
const DAY = 24 * 60 * 60 * 1000;
const at = (ms: number) => new Date(new Date(NOW).getTime() + ms);

/** A domain event of the tenant, as a change would have written it. */
async function event(tenantId: string, occurredAt = at(0), type = "hold.created") {
  const id = newLocator();
  await w.db.insert(schema.domainEvents).values({
    id,
    tenantId,
    type,
    entityType: "hold",
    entityId: newLocator(),
    occurredAt,
    data: { state: "draft" },
  });
  return id;
}

describe("sendTest", () => {
  it("makes a webhook.test event, already dispatched, and one pending test delivery of it", async () => {
    const ep = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const d = await w.api.webhooks.sendTest({ endpoint: ep.locator });
    expect(d).toMatchObject({
      eventType: "webhook.test",
      origin: "test",
      status: "pending",
      attempts: 0,
      nextAttemptAt: at(0).toISOString(),
      lastStatusCode: null,
      recentAttempts: [],
    });
    const [ev] = await w.db.select().from(schema.domainEvents).where(eq(schema.domainEvents.id, d.eventId));
    expect(ev).toMatchObject({
      tenantId: w.tenantId,
      type: "webhook.test",
      entityType: "webhook_endpoint",
      entityId: ep.locator,
      dispatchedAt: at(0),
    });
    const [row] = await w.db.select().from(schema.webhookDeliveries).where(eq(schema.webhookDeliveries.id, d.locator));
    expect(row).toMatchObject({
      endpointId: ep.locator,
      eventSeq: ev?.seq,
      entityKey: `webhook_endpoint:${ep.locator}`,
    });
    expect((await w.api.webhooks.deliveries({ endpoint: ep.locator })).items.map((x) => x.locator)).toEqual([
      d.locator,
    ]);
  });

  it("a disabled endpoint is refused (INVALID_TRANSITION) and nothing is written", async () => {
    const ep = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    await w.api.webhooks.update({ locator: ep.locator, version: 1, enabled: false });
    const before = await tableChecksum(w.db, "webhook_deliveries");
    const err = await expectTrpcError(w.api.webhooks.sendTest({ endpoint: ep.locator }), "CONFLICT");
    expect(appErrorOf(err).code).toBe("INVALID_TRANSITION");
    const ev = await event(w.tenantId);
    await expectTrpcError(w.api.webhooks.replay({ endpoint: ep.locator, eventId: ev }), "CONFLICT");
    expect(await tableChecksum(w.db, "webhook_deliveries")).toBe(before);
  });
});

describe("replay", () => {
  it("makes a new pending replay delivery of the event to that endpoint", async () => {
    const ep = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const ev = await event(w.tenantId, at(-2 * DAY));
    const d = await w.api.webhooks.replay({ endpoint: ep.locator, eventId: ev });
    expect(d).toMatchObject({ eventId: ev, eventType: "hold.created", origin: "replay", status: "pending" });
    const again = await w.api.webhooks.replay({ endpoint: ep.locator, eventId: ev });
    expect(again.locator).not.toBe(d.locator);
    const idem = await w.api.webhooks.replay({ endpoint: ep.locator, eventId: ev, idempotencyKey: "replay-1" });
    const idem2 = await w.api.webhooks.replay({ endpoint: ep.locator, eventId: ev, idempotencyKey: "replay-1" });
    expect(idem2.locator).toBe(idem.locator);
    expect((await w.api.webhooks.deliveries({ endpoint: ep.locator })).items).toHaveLength(3);
  });

  it("another tenant's event, an unknown one and one older than 30 days are NOT_FOUND", async () => {
    const ep = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const other = await w.tenant("Other deliveries tenant");
    const theirs = await event(other);
    const old = await event(w.tenantId, at(-EVENT_RETENTION_DAYS * DAY - 1000));
    const before = await tableChecksum(w.db, "webhook_deliveries");
    for (const eventId of [theirs, old, newLocator()]) {
      const err = await expectTrpcError(w.api.webhooks.replay({ endpoint: ep.locator, eventId }), "NOT_FOUND");
      expect(err.message).toContain(eventId);
    }
    // The other tenant may not replay its event to this tenant's endpoint either.
    const otherApi = await w.caller(other);
    await expectTrpcError(otherApi.webhooks.replay({ endpoint: ep.locator, eventId: theirs }), "NOT_FOUND");
    expect(await tableChecksum(w.db, "webhook_deliveries")).toBe(before);
    const bad = await expectTrpcError(w.api.webhooks.replay({ endpoint: ep.locator, eventId: "nope" }), "BAD_REQUEST");
    expect(issuesOfTrpcError(bad).map((i) => i.path)).toEqual(["eventId"]);
  });
});

describe("deliveries", () => {
  it("lists status, attempts, the response code and the latest attempts newest first, by status, in pages", async () => {
    const ep = await w.api.webhooks.create({ url: URL, eventTypes: ["hold.created"] });
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(await w.api.webhooks.replay({ endpoint: ep.locator, eventId: await event(w.tenantId) }));
    const [first, second] = made;
    if (!first || !second) throw new Error("no deliveries");
    // As the workers record them: 12 failed attempts then a success for the first; one 500 for the second.
    const attempts = [];
    for (let i = 0; i < 13; i++) {
      attempts.push({
        id: newLocator(),
        deliveryId: first.locator,
        attemptedAt: at(i * 60_000),
        durationMs: 10 + i,
        statusCode: i < 12 ? 503 : 204,
        error: null,
        responseBody: i < 12 ? `busy ${i}` : "",
      });
    }
    attempts.push({
      id: newLocator(),
      deliveryId: second.locator,
      attemptedAt: at(0),
      durationMs: 5,
      statusCode: null,
      error: "connection refused",
      responseBody: null,
    });
    await w.db.insert(schema.webhookAttempts).values(attempts);
    await w.db
      .update(schema.webhookDeliveries)
      .set({
        status: "succeeded",
        attempts: 13,
        lastAttemptAt: at(12 * 60_000),
        lastStatusCode: 204,
        completedAt: at(12 * 60_000),
      })
      .where(eq(schema.webhookDeliveries.id, first.locator));
    await w.db
      .update(schema.webhookDeliveries)
      .set({ attempts: 1, lastAttemptAt: at(0), lastError: "connection refused", nextAttemptAt: at(30_000) })
      .where(eq(schema.webhookDeliveries.id, second.locator));

    const all = await w.api.webhooks.deliveries({ endpoint: ep.locator });
    expect(all.items.map((d) => d.locator)).toEqual(made.map((d) => d.locator).reverse());
    const ok = all.items.find((d) => d.locator === first.locator);
    expect(ok).toMatchObject({ status: "succeeded", attempts: 13, lastStatusCode: 204, nextAttemptAt: null });
    expect(ok?.completedAt).toBe(at(12 * 60_000).toISOString());
    expect(ok?.recentAttempts).toHaveLength(10);
    expect(ok?.recentAttempts[0]).toMatchObject({ statusCode: 204, durationMs: 22, responseBody: "" });
    expect(ok?.recentAttempts[1]).toMatchObject({ statusCode: 503, responseBody: "busy 11" });
    const failing = all.items.find((d) => d.locator === second.locator);
    expect(failing).toMatchObject({
      status: "pending",
      lastError: "connection refused",
      nextAttemptAt: at(30_000).toISOString(),
      recentAttempts: [{ statusCode: null, error: "connection refused", responseBody: null, durationMs: 5 }],
    });

    const succeeded = await w.api.webhooks.deliveries({ endpoint: ep.locator, status: "succeeded" });
    expect(succeeded.items.map((d) => d.locator)).toEqual([first.locator]);
    const page1 = await w.api.webhooks.deliveries({ endpoint: ep.locator, limit: 2 });
    const page2 = await w.api.webhooks.deliveries({ endpoint: ep.locator, limit: 2, cursor: page1.nextCursor });
    expect([...page1.items, ...page2.items].map((d) => d.locator)).toEqual(all.items.map((d) => d.locator));
    expect(page2.nextCursor).toBeNull();
    const bad = await expectTrpcError(
      w.api.webhooks.deliveries({ endpoint: ep.locator, status: "lost" as never }),
      "BAD_REQUEST",
    );
    expect(issuesOfTrpcError(bad).map((i) => i.path)).toEqual(["status"]);
  });
});
