/**
 * A pure model of subscriptions, invoices, grace periods, holds on invoicing
 * and delinquency, scheduled grace extensions and the worker's business days,
 * written from SPEC.md ("Subscriptions, invoices and the grace period") and
 * the README, with the choices the spec leaves open taken as the product
 * documents them:
 *
 * - the worker processes, per tick, every business date from the day after
 *   the last one it fully processed up to today (on its first tick: today
 *   only); today is processed again on every tick;
 * - each day runs, in order: due scheduled actions (applied as of their
 *   scheduled date); invoices for effective subscriptions whose billing date
 *   has come (every period whose start has come and is not invoiced, in ONE
 *   invoice: that is the catch-up invoice after an invoicing hold), unless
 *   held for invoicing that day; closing a grace period that ended with
 *   nothing overdue; starting a grace period (graceDays) for an overdue open
 *   invoice, unless held for delinquency; pausing a running grace period
 *   while held for delinquency and, once not held, moving its end out by the
 *   days held; lapsing an effective subscription whose unpaused grace period
 *   ended with an invoice still overdue, unless held for delinquency;
 *   releasing holds past their end dates;
 * - "held on day D" for a past day the worker catches up is as of that day: a
 *   hold counts from the day it was activated until the day before it was
 *   released (so a hold released today still held yesterday);
 * - a payment that settles the overdue invoices ends the grace period; an
 *   extension (CRM.COM) needs an extendable state, a card for pay-before-bill,
 *   and a new end later than the current one (not before the day it applies);
 *   it starts a grace period if none runs, and makes a not-effective
 *   subscription effective again when nothing is overdue or its new end is
 *   in the future.
 *
 * Every change of a subscription bumps its version by one and writes one
 * audit event; the model counts them.
 */
import type { Prediction } from "./outcome.ts";
import { daysFrom, plusDays, plusMonths } from "./outcome.ts";

export type Period = "monthly" | "quarterly";
const MONTHS: Record<Period, number> = { monthly: 1, quarterly: 3 };

export interface ModelInvoice {
  /** Known once the test has read the invoice the worker wrote. */
  locator: string | null;
  firstPeriodIndex: number;
  periods: number;
  amountMinor: number;
  paidMinor: number;
  issuedOn: string;
  dueOn: string;
  status: "open" | "paid";
}

export interface ModelSub {
  locator: string;
  account: number;
  paymentModel: "pay_before_bill" | "pay_after_bill";
  billingPeriod: Period;
  anchor: string;
  priceMinor: number;
  termDays: number;
  state: "draft" | "effective" | "not_effective" | "terminated";
  nextPeriodIndex: number;
  graceStart: string | null;
  graceEnd: string | null;
  gracePausedOn: string | null;
  lapsedOn: string | null;
  lapseReason: string | null;
  version: number;
  invoices: ModelInvoice[];
}

export interface ModelSubHold {
  locator: string;
  account: number;
  process: "invoicing" | "delinquency";
  startDate: string | null;
  endDate: string | null;
  activatedOn: string;
  state: "active" | "released";
  releasedOn: string | null;
}

export interface ExtensionRequest {
  endOn?: string;
  afterDays?: number;
  card: boolean;
}

export interface ModelAction {
  locator: string;
  sub: number;
  status: "scheduled" | "executed" | "failed" | "cancelled";
  scheduledDate: string;
  request: ExtensionRequest;
}

export interface SubsModel {
  today: string;
  /** The last business date the worker fully processed; null before its first tick. */
  processedThrough: string | null;
  graceDays: number;
  accounts: string[];
  subs: ModelSub[];
  holds: ModelSubHold[];
  actions: ModelAction[];
}

/** What a tick should report, for the counts the model can predict. */
export interface TickCounts {
  daysProcessed: number;
  actionsRun: number;
  invoicesIssued: number;
  gracePeriodsClosed: number;
  gracePeriodsStarted: number;
  gracePeriodsPaused: number;
  gracePeriodsResumed: number;
  subscriptionsLapsed: number;
  holdsReleased: number;
}

export const periodStart = (sub: Pick<ModelSub, "anchor" | "billingPeriod">, index: number) =>
  plusMonths(sub.anchor, index * MONTHS[sub.billingPeriod]);

/** Held for a process on a day, as of that day (see the header). */
export function heldOn(model: SubsModel, account: number, process: ModelSubHold["process"], day: string): boolean {
  return model.holds.some(
    (h) =>
      h.account === account &&
      h.process === process &&
      h.activatedOn <= day &&
      (h.state === "active" || (h.releasedOn !== null && h.releasedOn > day)) &&
      (h.startDate === null || h.startDate <= day) &&
      (h.endDate === null || h.endDate >= day),
  );
}

const overdue = (sub: ModelSub, day: string) => sub.invoices.some((i) => i.status === "open" && i.dueOn < day);

/** A change of a subscription: one version more (and, in the product, one audit event). */
export const bump = (sub: ModelSub, patch: Partial<ModelSub>) => {
  Object.assign(sub, patch);
  sub.version += 1;
};

/** The new end an extension asks for, applied on `appliedOn`. */
export const requestedEnd = (req: ExtensionRequest, appliedOn: string) =>
  req.endOn ?? plusDays(appliedOn, req.afterDays ?? 0);

/** The rules an extension must meet on the day it applies; the failed rule names. */
export function extensionProblems(sub: ModelSub, req: ExtensionRequest, appliedOn: string): string[] {
  const rules: string[] = [];
  if (sub.state === "terminated") rules.push("state_not_extendable");
  if (sub.paymentModel === "pay_before_bill" && !req.card) rules.push("required_for_pay_before_bill");
  const end = requestedEnd(req, appliedOn);
  if (sub.graceEnd !== null && end <= sub.graceEnd) rules.push("not_later_than_current");
  else if (end < appliedOn) rules.push("not_in_past");
  return rules.sort();
}

/** Applies an extension that met the rules. */
export function applyExtension(sub: ModelSub, req: ExtensionRequest, appliedOn: string) {
  const end = requestedEnd(req, appliedOn);
  const reactivate = sub.state === "not_effective" && (!overdue(sub, appliedOn) || end > appliedOn);
  bump(sub, {
    graceStart: sub.graceStart ?? appliedOn,
    graceEnd: end,
    ...(reactivate ? { state: "effective" as const, lapsedOn: null, lapseReason: null } : {}),
  });
}

/** One business day of the worker for the tenant, in the spec's order. */
export function runDay(model: SubsModel, day: string, counts: TickCounts) {
  // 1. Due scheduled actions, in scheduled-date order (then creation order), applied as of their date.
  const due = model.actions
    .map((a, i) => ({ a, i }))
    .filter(({ a }) => a.status === "scheduled" && a.scheduledDate <= day)
    .sort((x, y) => x.a.scheduledDate.localeCompare(y.a.scheduledDate) || x.i - y.i);
  for (const { a } of due) {
    const sub = model.subs[a.sub];
    if (!sub) throw new Error("action of an unknown subscription");
    if (extensionProblems(sub, a.request, a.scheduledDate).length) a.status = "failed";
    else {
      applyExtension(sub, a.request, a.scheduledDate);
      a.status = "executed";
    }
    counts.actionsRun++;
  }
  // 2. Invoices.
  for (const sub of model.subs) {
    if (sub.state !== "effective" || periodStart(sub, sub.nextPeriodIndex) > day) continue;
    if (heldOn(model, sub.account, "invoicing", day)) continue;
    let next = sub.nextPeriodIndex;
    while (periodStart(sub, next) <= day) next++;
    const periods = next - sub.nextPeriodIndex;
    sub.invoices.push({
      locator: null,
      firstPeriodIndex: sub.nextPeriodIndex,
      periods,
      amountMinor: periods * sub.priceMinor,
      paidMinor: 0,
      issuedOn: day,
      dueOn: plusDays(day, sub.termDays),
      status: "open",
    });
    bump(sub, { nextPeriodIndex: next });
    counts.invoicesIssued++;
  }
  // Before 3: a grace period that ended with nothing overdue any more is closed.
  for (const sub of model.subs) {
    if (sub.state !== "effective" || sub.graceEnd === null || !(sub.graceEnd < day) || sub.gracePausedOn !== null)
      continue;
    if (overdue(sub, day)) continue;
    bump(sub, { graceStart: null, graceEnd: null, gracePausedOn: null });
    counts.gracePeriodsClosed++;
  }
  // 3. Grace periods start.
  for (const sub of model.subs) {
    if (sub.state !== "effective" || sub.graceStart !== null || !overdue(sub, day)) continue;
    if (heldOn(model, sub.account, "delinquency", day)) continue;
    bump(sub, { graceStart: day, graceEnd: plusDays(day, model.graceDays), gracePausedOn: null });
    counts.gracePeriodsStarted++;
  }
  // 4. Pause while held for delinquency; resume (end moved out by the days held) once not.
  for (const sub of model.subs) {
    if (sub.graceStart === null || sub.gracePausedOn !== null || sub.state !== "effective") continue;
    if (!heldOn(model, sub.account, "delinquency", day)) continue;
    bump(sub, { gracePausedOn: day });
    counts.gracePeriodsPaused++;
  }
  for (const sub of model.subs) {
    if (sub.gracePausedOn === null || heldOn(model, sub.account, "delinquency", day)) continue;
    const end = sub.graceEnd === null ? null : plusDays(sub.graceEnd, daysFrom(sub.gracePausedOn, day));
    bump(sub, { graceEnd: end, gracePausedOn: null });
    counts.gracePeriodsResumed++;
  }
  // 5. Lapse.
  for (const sub of model.subs) {
    if (sub.state !== "effective" || sub.graceEnd === null || !(sub.graceEnd < day) || sub.gracePausedOn !== null)
      continue;
    if (!overdue(sub, day) || heldOn(model, sub.account, "delinquency", day)) continue;
    bump(sub, { state: "not_effective", lapsedOn: day, lapseReason: "grace_period_expired" });
    counts.subscriptionsLapsed++;
  }
  // 6. Holds past their end dates are released (the release happens now, on the clock's today).
  for (const h of model.holds) {
    if (h.state === "active" && h.endDate !== null && h.endDate < day) {
      h.state = "released";
      h.releasedOn = model.today;
      counts.holdsReleased++;
    }
  }
}

/** A worker tick: every day from the one after the last fully processed up to today. */
export function tick(model: SubsModel): TickCounts {
  const counts: TickCounts = {
    daysProcessed: 0,
    actionsRun: 0,
    invoicesIssued: 0,
    gracePeriodsClosed: 0,
    gracePeriodsStarted: 0,
    gracePeriodsPaused: 0,
    gracePeriodsResumed: 0,
    subscriptionsLapsed: 0,
    holdsReleased: 0,
  };
  const from = model.processedThrough === null ? model.today : plusDays(model.processedThrough, 1);
  for (let d = from; d <= model.today; d = plusDays(d, 1)) {
    runDay(model, d, counts);
    counts.daysProcessed++;
    if (d < model.today) model.processedThrough = d;
  }
  if (model.processedThrough === null || model.processedThrough < plusDays(model.today, -1)) {
    model.processedThrough = plusDays(model.today, -1);
  }
  return counts;
}

/** A payment on an invoice: refused, or applied (ending the grace period once nothing is overdue). */
export function predictPayment(inv: ModelInvoice, amount: number): Prediction {
  if (inv.status !== "open") return { ok: false, trpcCode: "CONFLICT", appCode: "INVALID_TRANSITION" };
  if (amount > inv.amountMinor - inv.paidMinor) {
    return { ok: false, trpcCode: "BAD_REQUEST", appCode: "BAD_REQUEST", rules: ["exceeds_outstanding"] };
  }
  return { ok: true };
}

export function applyPayment(model: SubsModel, sub: ModelSub, inv: ModelInvoice, amount: number) {
  inv.paidMinor += amount;
  if (inv.paidMinor === inv.amountMinor) {
    inv.status = "paid";
    if (!overdue(sub, model.today) && sub.graceStart !== null) {
      bump(sub, { graceStart: null, graceEnd: null, gracePausedOn: null });
    }
  }
}

/** Scheduling an extension: what can be known now is checked now. */
export function schedulingProblems(sub: ModelSub, req: ExtensionRequest, scheduledDate: string): string[] {
  const rules: string[] = [];
  if (sub.state === "terminated") rules.push("state_not_extendable");
  if (sub.paymentModel === "pay_before_bill" && !req.card) rules.push("required_for_pay_before_bill");
  if (req.endOn !== undefined && req.endOn < scheduledDate) rules.push("not_before_scheduled_date");
  // An end that is not later than the current one is refused when it is scheduled (it would fail when it runs).
  const current = sub.graceStart !== null ? sub.graceEnd : null;
  if (current !== null && requestedEnd(req, scheduledDate) <= current) rules.push("not_later_than_current");
  return rules.sort();
}
