/**
 * Final moves with a reason: release and discard a hold, terminate a
 * subscription, cancel a scheduled action. The reason is optional in the API;
 * when given it is stored on the entity, on the audit event, and returned in
 * the entity's history. A blank or too long reason is refused naming `reason`,
 * and changes nothing.
 */
import { schema } from "@holdfast/db";
import { issuesOfTrpcError } from "@holdfast/testing/issues";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { expectTrpcError, holdInState, setupWorld, TODAY, tableChecksum } from "./harness.ts";

const w = setupWorld({ tenantName: "Final move reasons" });

async function subscription(accountLocator: string) {
  const sub = await w.api.subscriptions.create({
    accountLocator,
    paymentModel: "pay_after_bill",
    priceMinor: 2500,
    currency: "EUR",
    billingPeriod: "monthly",
    startDate: TODAY,
  });
  return w.api.subscriptions.activate({ locator: sub.locator });
}

async function lastEvent(entityType: "hold" | "subscription" | "subscription_action", entityId: string) {
  const history = await w.api.audit.history({ entityType, entityId });
  return history.at(-1);
}

describe("final moves store and audit their reason", () => {
  it("release: the reason is the hold's release reason, on its audit event and in its history", async () => {
    const hold = await holdInState(w.api, await w.newAccount(), "active", { targets: [{ process: "invoicing" }] });
    const reason = "Customer paid in full at the branch";
    const released = await w.api.holds.release({ locator: hold.locator, reason });
    expect(released).toMatchObject({ holdState: "released", releaseReason: reason, discardReason: null });
    expect(await w.api.holds.get({ locator: hold.locator })).toMatchObject({ releaseReason: reason });
    expect(await lastEvent("hold", hold.locator)).toMatchObject({ action: "release", reason });
  });

  it("release without a reason keeps today's answer: releaseReason 'released', no reason on the event", async () => {
    const hold = await holdInState(w.api, await w.newAccount(), "active", { targets: [{ process: "invoicing" }] });
    expect(await w.api.holds.release({ locator: hold.locator })).toMatchObject({ releaseReason: "released" });
    const history = await w.api.audit.history({ entityType: "hold", entityId: hold.locator });
    expect(history.map((e) => e.reason)).toEqual([null, null, null, null]);
  });

  it("discard: the reason is the hold's discard reason and on its audit event", async () => {
    const hold = await holdInState(w.api, await w.newAccount(), "draft", { targets: [{ process: "funding" }] });
    const discarded = await w.api.holds.discard({ locator: hold.locator, reason: "Entered twice" });
    expect(discarded).toMatchObject({ holdState: "discarded", discardReason: "Entered twice", releaseReason: null });
    expect(await lastEvent("hold", hold.locator)).toMatchObject({ action: "discard", reason: "Entered twice" });
  });

  it("terminate: the reason is the subscription's termination reason and on its audit event", async () => {
    const sub = await subscription(await w.newAccount());
    const out = await w.api.subscriptions.terminate({ locator: sub.locator, reason: "Contract ended" });
    expect(out).toMatchObject({ state: "terminated", terminationReason: "Contract ended" });
    expect(await lastEvent("subscription", sub.locator)).toMatchObject({
      action: "terminate",
      reason: "Contract ended",
    });
    const plain = await subscription(await w.newAccount());
    expect(await w.api.subscriptions.terminate({ locator: plain.locator })).toMatchObject({ terminationReason: null });
  });

  it("cancel a scheduled action: the reason is the action's cancel reason and on its audit event", async () => {
    const sub = await subscription(await w.newAccount());
    const scheduled = await w.api.subscriptions.extendGracePeriod({
      subscriptionIdentifier: { id: sub.locator },
      endGracePeriodAfterDays: 10,
      scheduledDate: "2027-03-20",
    });
    const locator = scheduled.locator ?? "";
    const cancelled = await w.api.subscriptions.cancelAction({ locator, reason: "Agreed a payment plan instead" });
    expect(cancelled).toMatchObject({ status: "cancelled" });
    const [row] = await w.db
      .select({ cancelReason: schema.subscriptionActions.cancelReason })
      .from(schema.subscriptionActions)
      .where(eq(schema.subscriptionActions.id, locator));
    expect(row?.cancelReason).toBe("Agreed a payment plan instead");
    expect(await lastEvent("subscription_action", locator)).toMatchObject({
      action: "cancel",
      reason: "Agreed a payment plan instead",
    });
  });
});

describe("a bad reason is refused naming reason, and changes nothing", () => {
  const bad: [string, string, string][] = [
    ["blank", "   ", "not_blank"],
    ["empty", "", "not_blank"],
    ["too long", "x".repeat(501), "too_big"],
  ];
  it.each(bad)("%s", async (_label, reason, rule) => {
    const hold = await holdInState(w.api, await w.newAccount(), "active", { targets: [{ process: "invoicing" }] });
    const sub = await subscription(await w.newAccount());
    const before = await tableChecksum(w.db, "holds");
    const calls = [
      w.api.holds.release({ locator: hold.locator, reason }),
      w.api.holds.discard({ locator: hold.locator, reason }),
      w.api.subscriptions.terminate({ locator: sub.locator, reason }),
      w.api.subscriptions.cancelAction({ locator: hold.locator, reason }),
    ];
    for (const call of calls) {
      const err = await expectTrpcError(call, "BAD_REQUEST");
      expect(issuesOfTrpcError(err)).toEqual([expect.objectContaining({ path: "reason", rule })]);
    }
    expect(await tableChecksum(w.db, "holds")).toBe(before);
    expect((await w.api.subscriptions.get({ locator: sub.locator })).state).toBe("effective");
  });

  it("500 characters are accepted", async () => {
    const hold = await holdInState(w.api, await w.newAccount(), "active", { targets: [{ process: "invoicing" }] });
    const reason = "r".repeat(500);
    expect(await w.api.holds.release({ locator: hold.locator, reason })).toMatchObject({ releaseReason: reason });
  });
});
