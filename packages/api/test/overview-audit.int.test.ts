import { schema } from "@holdfast/db";
import { addDailyEffects, newLocator, runTick } from "@holdfast/services";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Caller, expectTrpcError, setupWorld, type World } from "./harness.ts";

// 12:00Z on 10 March is 01:00 on 11 March in Auckland (NZDT): the tenant's today is 2027-03-11.
const w = setupWorld({ now: "2027-03-10T12:00:00Z" });
const TODAY = "2027-03-11";

async function subscription(api: Caller, accountLocator: string, currency = "EUR") {
  const sub = await api.subscriptions.create({
    accountLocator,
    paymentModel: "pay_after_bill",
    priceMinor: 1000,
    currency,
    billingPeriod: "monthly",
    startDate: "2027-03-01",
    paymentTermDays: 10,
  });
  await api.subscriptions.activate({ locator: sub.locator });
  return sub.locator;
}

async function setGrace(world: World, locator: string, end: string, pausedOn: string | null = null) {
  await world.db
    .update(schema.subscriptions)
    .set({ graceStart: "2027-03-01", graceEnd: end, gracePausedOn: pausedOn })
    .where(eq(schema.subscriptions.id, locator));
}

let invoiceN = 0;
async function openInvoice(
  world: World,
  tenantId: string,
  subLocator: string,
  dueOn: string,
  amount: number,
  paid = 0,
  currency = "EUR",
) {
  const [sub] = await world.db.select().from(schema.subscriptions).where(eq(schema.subscriptions.id, subLocator));
  invoiceN++;
  await world.db.insert(schema.invoices).values({
    id: newLocator(),
    tenantId,
    subscriptionId: subLocator,
    accountId: sub?.accountId ?? "",
    number: `T-${invoiceN}`,
    amountMinor: amount,
    paidMinor: paid,
    currency,
    periods: 1,
    firstPeriodIndex: 100 + invoiceN,
    periodStart: dueOn,
    periodEnd: dueOn,
    issuedOn: dueOn,
    dueOn,
    createdAt: new Date(),
  });
}

describe("overview.get", () => {
  it("answers the tenant's figures for its own today, from its own rows only", async () => {
    const tenantId = await w.tenant("Overview", "Pacific/Auckland");
    const api = await w.caller(tenantId);
    const other = await w.tenant("Overview other");
    const otherApi = await w.caller(other);
    const a1 = (await w.account(tenantId, "One")).locator;
    const a2 = (await w.account(tenantId, "Two")).locator;
    const a3 = (await w.account(tenantId, "Three")).locator;

    const subs = [];
    for (let n = 0; n < 6; n++) subs.push(await subscription(api, n < 3 ? a1 : a2, n === 5 ? "USD" : "EUR"));
    const [s0, s1, s2, s3, s4, s5] = subs as [string, string, string, string, string, string];
    await setGrace(w, s0, TODAY); // lapses due today
    await setGrace(w, s1, TODAY);
    await setGrace(w, s2, "2027-03-20");
    await setGrace(w, s3, "2027-04-09"); // today + 29: the last day shown
    await setGrace(w, s4, "2027-04-10"); // today + 30: running, not in the 30 days
    await setGrace(w, s5, "2027-03-15", "2027-03-05"); // paused: not lapsing
    const otherSub = await subscription(otherApi, (await w.account(other, "Elsewhere")).locator);
    await setGrace(w, otherSub, TODAY);

    await openInvoice(w, tenantId, s0, TODAY, 500); // due today: not overdue
    await openInvoice(w, tenantId, s0, "2027-03-10", 1000, 250); // 1 day
    await openInvoice(w, tenantId, s1, "2027-02-09", 2000); // 30 days
    await openInvoice(w, tenantId, s1, "2027-02-08", 3000); // 31 days
    await openInvoice(w, tenantId, s5, "2027-02-08", 700, 0, "USD"); // 31 days, USD
    await openInvoice(w, tenantId, s2, "2026-12-11", 4000); // 90 days
    await openInvoice(w, tenantId, s3, "2026-12-10", 5000); // 91 days
    await openInvoice(w, other, otherSub, "2027-03-01", 9999);

    // Holds: a1 held for invoicing and delinquency, a2 for invoicing; a validated hold and one starting tomorrow are not in effect.
    await api.holds.activate({
      locator: (
        await api.holds.validate({
          locator: (
            await api.holds.create({
              accountLocator: a1,
              targets: [{ process: "invoicing" }, { process: "delinquency" }],
            })
          ).locator,
        })
      ).locator,
    });
    const h2 = await api.holds.create({ accountLocator: a2, targets: [{ process: "invoicing" }] });
    await api.holds.validate({ locator: h2.locator });
    await api.holds.activate({ locator: h2.locator });
    const h3 = await api.holds.create({ accountLocator: a3, targets: [{ process: "invoicing" }] });
    await api.holds.validate({ locator: h3.locator });
    const h4 = await api.holds.create({
      accountLocator: a3,
      targets: [{ process: "delinquency" }],
      startDate: "2027-03-12",
    });
    await api.holds.validate({ locator: h4.locator });
    await api.holds.activate({ locator: h4.locator });

    await addDailyEffects(w.db, tenantId, "2027-02-09", { invoicesIssued: 9 }); // 30 days back: outside the 30 days
    await addDailyEffects(w.db, tenantId, "2027-02-10", { invoicesIssued: 2 });
    await addDailyEffects(w.db, tenantId, TODAY, { subscriptionsLapsed: 1, holdsReleased: 3 });
    await addDailyEffects(w.db, tenantId, TODAY, { subscriptionsLapsed: 2 });
    await addDailyEffects(w.db, other, TODAY, { invoicesIssued: 7 });

    const o = await api.overview.get();
    expect(o.today).toBe(TODAY);
    expect(o.timeZone).toBe("Pacific/Auckland");
    expect(o.lapsesDue).toHaveLength(30);
    expect(o.lapsesDue.filter((d) => d.count > 0)).toEqual([
      { day: TODAY, count: 2 },
      { day: "2027-03-20", count: 1 },
      { day: "2027-04-09", count: 1 },
    ]);
    expect(o.grace).toEqual({ running: 5, paused: 1 });
    expect(o.heldToday).toEqual([
      { process: "invoicing", accounts: 2, holds: 2 },
      { process: "delinquency", accounts: 1, holds: 1 },
    ]);
    expect(o.overdue).toEqual([
      { bucket: "1-30", count: 2, amounts: [{ currency: "EUR", amountMinor: 750 + 2000 }] },
      {
        bucket: "31-60",
        count: 2,
        amounts: [
          { currency: "EUR", amountMinor: 3000 },
          { currency: "USD", amountMinor: 700 },
        ],
      },
      { bucket: "61-90", count: 1, amounts: [{ currency: "EUR", amountMinor: 4000 }] },
      { bucket: "90+", count: 1, amounts: [{ currency: "EUR", amountMinor: 5000 }] },
    ]);
    expect(o.worker.effects).toEqual([
      { day: "2027-02-10", effects: { invoicesIssued: 2 } },
      { day: TODAY, effects: { holdsReleased: 3, subscriptionsLapsed: 3 } },
    ]);
    expect(o.worker).toMatchObject({ processedThrough: null, lagDays: null });
    // The worker page's daily totals: the same figures, over as many days as asked for.
    expect(await api.worker.dailyEffects()).toEqual({ today: TODAY, days: o.worker.effects });
    expect((await api.worker.dailyEffects({ days: 1 })).days).toEqual([
      { day: TODAY, effects: { holdsReleased: 3, subscriptionsLapsed: 3 } },
    ]);
    expect((await api.worker.dailyEffects({ days: 31 })).days[0]).toEqual({
      day: "2027-02-09",
      effects: { invoicesIssued: 9 },
    });
    await expectTrpcError(api.worker.dailyEffects({ days: 91 }), "BAD_REQUEST");

    // A member with holds permissions only reads it too.
    const reader = await w.caller([{ tenantId, permissions: ["holds:read"] }]);
    expect((await reader.overview.get()).grace).toEqual({ running: 5, paused: 1 });
    const theirs = await otherApi.overview.get();
    expect(theirs.grace).toEqual({ running: 1, paused: 0 });
    expect(theirs.overdue.map((b) => b.count)).toEqual([1, 0, 0, 0]);
  });
});

describe("worker.ticks", () => {
  it("pages tick history newest first with each tenant's own counts", async () => {
    const tenantId = await w.tenant("Ticks");
    const api = await w.caller(tenantId);
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await runTick(w.db, w.clock, "ticks-worker")).tickId);
    const first = await api.worker.ticks({ limit: 2 });
    expect(first.items.map((t) => t.id)).toEqual([ids[4], ids[3]]);
    const second = await api.worker.ticks({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((t) => t.id)).toEqual([ids[2], ids[1]]);
    expect(second.items[0]?.counts).not.toHaveProperty("tenants");
    await expectTrpcError(api.worker.ticks({ limit: 201 }), "BAD_REQUEST");
    // worker.status is unchanged for its callers.
    expect((await api.worker.status({ limit: 3 })).ticks.map((t) => t.id)).toEqual([ids[4], ids[3], ids[2]]);
  });
});

describe("audit.list", () => {
  it("lists the tenant's events newest first, filtered and paged, with only the entity types the caller may read", async () => {
    const tenantId = await w.tenant("Audit log", "Pacific/Auckland");
    const api = await w.caller(tenantId);
    w.clock.set("2027-03-10T12:00:00Z"); // 11 March in Auckland
    const account = (await w.account(tenantId, "Audited")).locator;
    const hold = await api.holds.create({ accountLocator: account, targets: [{ process: "invoicing" }] });
    w.clock.set("2027-03-11T12:00:00Z"); // 12 March
    await api.holds.validate({ locator: hold.locator });
    const sub = await subscription(api, account);
    const otherTenant = await w.tenant("Audit log other tenant");
    const otherApi = await w.caller(otherTenant);
    await otherApi.holds.create({
      accountLocator: (await w.account(otherTenant, "Theirs")).locator,
      targets: [{ process: "invoicing" }],
    });

    const all = await api.audit.list({ limit: 200 });
    const ids = all.items.map((e) => e.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(all.items.every((e) => e.entityId !== account || e.action === "create")).toBe(true);
    expect(all.items.map((e) => `${e.entityType}:${e.action}`)).toEqual(
      expect.arrayContaining([
        "hold:create",
        "hold:validate",
        "subscription:create",
        "subscription:activate",
        "account:create",
      ]),
    );

    // Keyset pages join up to the whole list.
    const p1 = await api.audit.list({ limit: 2 });
    const p2 = await api.audit.list({ limit: 200, cursor: p1.nextCursor });
    expect([...p1.items, ...p2.items].map((e) => e.id)).toEqual(ids);

    const holdEvents = await api.audit.list({ entityType: "hold", entityId: hold.locator });
    expect(holdEvents.items.map((e) => e.action)).toEqual(["validate", "create"]);
    expect(holdEvents.items[0]).toMatchObject({
      before: { holdState: "draft" },
      after: { holdState: "validated" },
      requestId: "test",
      reason: null,
    });
    expect((await api.audit.list({ action: "activate" })).items.map((e) => e.entityId)).toEqual([sub]);
    // Business dates in the tenant's zone: 11 March (Auckland) holds only the account's and the hold's creation.
    const onThe11th = await api.audit.list({ from: "2027-03-11", to: "2027-03-11" });
    expect(onThe11th.items.map((e) => `${e.entityType}:${e.action}`)).toEqual(["hold:create", "account:create"]);
    expect((await api.audit.list({ from: "2027-03-12" })).items.map((e) => e.id)).toEqual(ids.slice(0, -2));
    expect((await api.audit.list({ from: "2027-03-13" })).items).toEqual([]);
    const tokenEvent = holdEvents.items[0];
    const byName = await api.audit.list({ actor: tokenEvent?.actorName.slice(1, 6).toUpperCase() ?? "" });
    const byId = await api.audit.list({ actor: tokenEvent?.actorId ?? "" });
    const byToken = all.items.filter((e) => e.actorId === tokenEvent?.actorId).map((e) => e.id);
    expect(byId.items.map((e) => e.id)).toEqual(byToken);
    expect(byName.items.map((e) => e.id)).toEqual(expect.arrayContaining(byToken));
    expect((await api.audit.list({ actor: "nobody-like-this" })).items).toEqual([]);
    expect((await api.audit.list({ requestId: "no-such-request" })).items).toEqual([]);

    // A caller with holds:read sees hold and account events only, and may not ask for subscriptions.
    const holdsReader = await w.caller([{ tenantId, permissions: ["holds:read"] }]);
    const theirs = await holdsReader.audit.list({});
    expect(theirs.entityTypes.sort()).toEqual(["account", "hold"]);
    expect(new Set(theirs.items.map((e) => e.entityType))).toEqual(new Set(["hold", "account"]));
    await expectTrpcError(holdsReader.audit.list({ entityType: "subscription" }), "FORBIDDEN");
    // Another tenant's log does not show these events.
    const foreign = await otherApi.audit.list({ entityId: hold.locator });
    expect(foreign.items).toEqual([]);
    await expectTrpcError(api.audit.list({ from: "2027-03-12", to: "2027-03-11" }), "BAD_REQUEST");
    await expectTrpcError(api.audit.list({ limit: 201 }), "BAD_REQUEST");
  });

  it("finds what a worker tick changed by its request id", async () => {
    const tenantId = await w.tenant("Audit tick");
    const api = await w.caller(tenantId);
    w.clock.set("2027-03-10T12:00:00Z");
    const sub = await subscription(api, (await w.account(tenantId, "Billed")).locator);
    await w.db
      .update(schema.subscriptions)
      .set({ nextBillingDate: "2027-03-10" })
      .where(eq(schema.subscriptions.id, sub));
    const tick = await runTick(w.db, w.clock, "audit-worker");
    const changed = await api.audit.list({ requestId: tick.tickId });
    expect(changed.items.map((e) => [e.entityId, e.action, e.actorType])).toEqual([[sub, "issueInvoice", "worker"]]);
    const [row] = await w.db
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.auditEvents)
      .where(and(eq(schema.auditEvents.tenantId, tenantId), eq(schema.auditEvents.requestId, tick.tickId)));
    expect(row?.n).toBe(1);
  });
});
