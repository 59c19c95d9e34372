/**
 * The real side of the subscriptions model test: a fresh database per run (the
 * worker tick serves every tenant of its database, so runs must not share
 * one), one tenant, a caller through the real router with a real token, and
 * the comparison of the database with the model after every command.
 */
import { type Caller, createWorld, type World } from "@holdfast/api/testing";
import { schema } from "@holdfast/db";
import { graceOf } from "@holdfast/services";
import { and, asc, eq, inArray } from "drizzle-orm";
import { expect } from "vitest";
import { plusDays } from "./outcome.ts";
import { periodStart, type SubsModel } from "./subscriptions-model.ts";

export interface SubsReal {
  world: World;
  api: Caller;
  tenantId: string;
}

export const SUBS_START_DAY = "2027-01-20";
export const at9 = (day: string) => `${day}T09:00:00Z`;

export async function newSubsRun(accounts: number, graceDays: number): Promise<{ model: SubsModel; real: SubsReal }> {
  const world = await createWorld({ now: at9(SUBS_START_DAY) });
  try {
    const tenantId = await world.tenant("Subscriptions model");
    const api = await world.caller(tenantId);
    const settings = await api.settings.update({ graceDays });
    expect(settings.graceDays).toBe(graceDays);
    const locators: string[] = [];
    for (let i = 0; i < accounts; i++) locators.push((await world.account(tenantId, `Customer ${i}`)).locator);
    return {
      model: {
        today: SUBS_START_DAY,
        processedThrough: null,
        graceDays,
        accounts: locators,
        subs: [],
        holds: [],
        actions: [],
      },
      real: { world, api, tenantId },
    };
  } catch (e) {
    await world.close();
    throw e;
  }
}

/**
 * The database against the model, after every command: every subscription
 * (state, period index, billing date, grace start, end and pause, lapse,
 * version), every invoice (periods, amount, paid, dates, status), every
 * scheduled action's status and every hold's state. Then invariants read
 * from the database alone:
 * - each subscription's invoices cover periods 0, 1, 2, … exactly once, in
 *   order, up to its next period (no period invoiced twice, none skipped);
 * - a lapsed subscription has no invoice issued after it lapsed, a
 *   terminated one none after its termination;
 * - no invoice was issued on a day its account was held for invoicing, and
 *   no subscription lapsed on a day its account was held for delinquency
 *   (holds read from the database, as of each day: activated on an earlier
 *   day, not released before the end of it);
 * - no grace period was started by the worker on a day the account was held
 *   for delinquency (the audit events' business dates);
 * - each subscription has exactly as many audit events as its version (one
 *   per change).
 */
export async function expectDatabaseMatchesModel(model: SubsModel, real: SubsReal) {
  const db = real.world.db;
  const subs = await db
    .select()
    .from(schema.subscriptions)
    .where(eq(schema.subscriptions.tenantId, real.tenantId))
    .orderBy(asc(schema.subscriptions.id));
  const invoices = await db
    .select()
    .from(schema.invoices)
    .where(eq(schema.invoices.tenantId, real.tenantId))
    .orderBy(asc(schema.invoices.subscriptionId), asc(schema.invoices.firstPeriodIndex));

  // Invoices the worker wrote get their locators in the model (matched by subscription and first period).
  for (const sub of model.subs) {
    for (const inv of sub.invoices) {
      if (inv.locator !== null) continue;
      const row = invoices.find((r) => r.subscriptionId === sub.locator && r.firstPeriodIndex === inv.firstPeriodIndex);
      if (row) inv.locator = row.id;
    }
  }

  expect(
    subs.map((s) => ({
      locator: s.id,
      state: s.state,
      nextPeriodIndex: s.nextPeriodIndex,
      nextBillingDate: s.nextBillingDate,
      grace: [s.graceStart, s.graceEnd, s.gracePausedOn],
      lapsed: [s.lapsedOn, s.lapseReason],
      version: s.version,
      invoices: invoices
        .filter((i) => i.subscriptionId === s.id)
        .map(
          (i) =>
            `${i.firstPeriodIndex}+${i.periods} ${i.amountMinor} paid ${i.paidMinor} issued ${i.issuedOn} due ${i.dueOn} ${i.status}`,
        ),
    })),
    `subscriptions on ${model.today}`,
  ).toEqual(
    [...model.subs]
      .sort((a, b) => a.locator.localeCompare(b.locator))
      .map((s) => ({
        locator: s.locator,
        state: s.state,
        nextPeriodIndex: s.nextPeriodIndex,
        nextBillingDate: periodStart(s, s.nextPeriodIndex),
        grace: [s.graceStart, s.graceEnd, s.gracePausedOn],
        lapsed: [s.lapsedOn, s.lapseReason],
        version: s.version,
        invoices: [...s.invoices]
          .sort((a, b) => a.firstPeriodIndex - b.firstPeriodIndex)
          .map(
            (i) =>
              `${i.firstPeriodIndex}+${i.periods} ${i.amountMinor} paid ${i.paidMinor} issued ${i.issuedOn} due ${i.dueOn} ${i.status}`,
          ),
      })),
  );

  if (model.actions.length) {
    const actions = await db
      .select({ id: schema.subscriptionActions.id, status: schema.subscriptionActions.status })
      .from(schema.subscriptionActions)
      .where(
        inArray(
          schema.subscriptionActions.id,
          model.actions.map((a) => a.locator),
        ),
      );
    expect(Object.fromEntries(actions.map((a) => [a.id, a.status])), "scheduled actions").toEqual(
      Object.fromEntries(model.actions.map((a) => [a.locator, a.status])),
    );
  }

  const holds = await db.select().from(schema.holds).where(eq(schema.holds.tenantId, real.tenantId));
  expect(Object.fromEntries(holds.map((h) => [h.id, h.state])), "holds").toEqual(
    Object.fromEntries(model.holds.map((h) => [h.locator, h.state])),
  );
  const targets = holds.length
    ? await db
        .select()
        .from(schema.holdTargets)
        .where(
          inArray(
            schema.holdTargets.holdId,
            holds.map((h) => h.id),
          ),
        )
    : [];
  const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null); // tenant zone is UTC
  const heldInDb = (account: string, process: string, date: string) =>
    holds.some((h) => {
      if (h.accountId !== account) return false;
      const activated = day(h.activatedAt);
      const released = day(h.releasedAt);
      // Activated on an earlier day: in force for the whole of `date`. (A hold activated on the day itself may
      // have come after that day's invoice was issued; the fixed clock gives both the same instant, so that
      // case is left to the model, which orders the calls.)
      if (activated === null || activated >= date) return false;
      if (!(h.state === "active" || (h.state === "released" && released !== null && released > date))) return false;
      if ((h.startDate !== null && h.startDate > date) || (h.endDate !== null && h.endDate < date)) return false;
      return targets.some(
        (t) =>
          t.holdId === h.id &&
          t.process === process &&
          (t.startDate ?? h.startDate ?? date) <= date &&
          (t.endDate ?? h.endDate ?? date) >= date,
      );
    });

  const audit = await db
    .select({
      entityId: schema.auditEvents.entityId,
      action: schema.auditEvents.action,
      actorType: schema.auditEvents.actorType,
      before: schema.auditEvents.before,
      after: schema.auditEvents.after,
    })
    .from(schema.auditEvents)
    .where(and(eq(schema.auditEvents.tenantId, real.tenantId), eq(schema.auditEvents.entityType, "subscription")));

  for (const s of subs) {
    const own = invoices.filter((i) => i.subscriptionId === s.id);
    let expected = 0;
    for (const i of own) {
      expect(i.firstPeriodIndex, `invoice ${i.number} of ${s.number} starts where the previous one ended`).toBe(
        expected,
      );
      expect(i.periods).toBeGreaterThan(0);
      expected += i.periods;
    }
    expect(expected, `the invoices of ${s.number} cover every period before its next one`).toBe(s.nextPeriodIndex);
    if (s.state === "not_effective" && s.lapsedOn) {
      for (const i of own) expect(i.issuedOn <= s.lapsedOn, `${i.number} issued after ${s.number} lapsed`).toBe(true);
    }
    if (s.state === "terminated" && s.terminatedOn) {
      for (const i of own)
        expect(i.issuedOn <= s.terminatedOn, `${i.number} issued after ${s.number} ended`).toBe(true);
    }
    for (const i of own) {
      expect(
        heldInDb(s.accountId, "invoicing", i.issuedOn),
        `${i.number} issued on ${i.issuedOn} while held for invoicing`,
      ).toBe(false);
    }
    if (s.lapsedOn) {
      expect(heldInDb(s.accountId, "delinquency", s.lapsedOn), `${s.number} lapsed while held for delinquency`).toBe(
        false,
      );
    }
    const events = audit.filter((e) => e.entityId === s.id);
    expect(events.length, `audit events of ${s.number}`).toBe(s.version);
    // The worker writes its audit snapshots in SQL (one statement per batch): they must be exactly the
    // subscription as the services read it. Its last event's "after" is the row as it is now, when nothing
    // changed it since; every worker event's "before" is the snapshot one version earlier.
    const snapshot = (e: unknown) => {
      const { businessDate: _, ...rest } = (e ?? {}) as Record<string, unknown>;
      return rest;
    };
    const workerEvents = events
      .filter((e) => e.actorType === "worker" && (e.after as { businessDate?: string } | null)?.businessDate)
      .sort((a, b) => (a.after as { version: number }).version - (b.after as { version: number }).version);
    for (const e of workerEvents) {
      const after = snapshot(e.after) as { version: number };
      expect(Object.keys(after).sort(), `${s.number}: worker audit snapshot keys`).toEqual([
        "grace",
        "lapseReason",
        "lapsedOn",
        "nextBillingDate",
        "state",
        "version",
      ]);
      expect((e.before as { version: number }).version, `${s.number}: ${e.action} before is one version back`).toBe(
        after.version - 1,
      );
    }
    const last = workerEvents.at(-1);
    if (last && (last.after as { version: number }).version === s.version) {
      expect(snapshot(last.after), `${s.number}: the worker's last audit snapshot is the row as it is`).toEqual({
        state: s.state,
        nextBillingDate: s.nextBillingDate,
        grace: graceOf(s),
        lapsedOn: s.lapsedOn,
        lapseReason: s.lapseReason,
        version: s.version,
      });
    }
    // The worker's grace starts, dated by the business day it processed: never on a day held for delinquency.
    for (const e of events) {
      const businessDate = (e.after as { businessDate?: string } | null)?.businessDate;
      if (e.action === "startGracePeriod" && businessDate) {
        expect(
          heldInDb(s.accountId, "delinquency", businessDate),
          `${s.number}: grace started on ${businessDate} while held for delinquency`,
        ).toBe(false);
      }
    }
  }
}

export function setToday(model: SubsModel, real: SubsReal, day: string) {
  model.today = day;
  real.world.clock.set(at9(day));
}

export const advance = (model: SubsModel, real: SubsReal, days: number) =>
  setToday(model, real, plusDays(model.today, days));
