import { addDays, addMonths, type BusinessDate, daysBetween } from "../dates.ts";
import { AppError, type FieldIssue } from "../errors.ts";

export const SUBSCRIPTION_STATES = ["draft", "effective", "not_effective", "terminated"] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

export const PAYMENT_MODELS = ["pay_before_bill", "pay_after_bill"] as const;
export type PaymentModel = (typeof PAYMENT_MODELS)[number];

/** Billing periods, in calendar months. */
export const BILLING_PERIODS = { monthly: 1, quarterly: 3, semiannual: 6, annual: 12 } as const;
export type BillingPeriod = keyof typeof BILLING_PERIODS;
export const BILLING_PERIOD_NAMES = [
  "monthly",
  "quarterly",
  "semiannual",
  "annual",
] as const satisfies readonly BillingPeriod[];

export const INVOICE_STATUSES = ["open", "paid", "void"] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const SUBSCRIPTION_MOVES = ["activate", "terminate"] as const;
export type SubscriptionMove = (typeof SUBSCRIPTION_MOVES)[number];

const MOVES: Record<SubscriptionMove, readonly SubscriptionState[]> = {
  activate: ["draft"],
  terminate: ["draft", "effective", "not_effective"],
};

export function assertSubscriptionMove(state: SubscriptionState, move: SubscriptionMove): void {
  if (MOVES[move].includes(state)) return;
  const allowed = SUBSCRIPTION_MOVES.filter((m) => MOVES[m].includes(state));
  throw new AppError(
    "INVALID_TRANSITION",
    `Cannot ${move} a subscription in state ${state}; ${allowed.length ? `allowed moves: ${allowed.join(", ")}` : `${state} is a final state and allows no moves`}.`,
    { details: { state, move, allowedMoves: allowed } },
  );
}

/** The start of billing period `index` (0-based), counted from the anchor so month ends do not drift. */
export function periodStart(anchor: BusinessDate, period: BillingPeriod, index: number): BusinessDate {
  return addMonths(anchor, index * BILLING_PERIODS[period]);
}

export interface InvoiceDraft {
  /** Periods covered: one normally; several for the catch-up invoice after an invoicing hold. */
  periods: number;
  periodStart: BusinessDate;
  periodEnd: BusinessDate;
  amountMinor: number;
  issuedOn: BusinessDate;
  dueOn: BusinessDate;
  nextPeriodIndex: number;
}

/**
 * The invoice due on `date`, if any: every period whose start has come and is
 * not yet invoiced, in ONE invoice. Day by day that is one period; after an
 * invoicing hold it is the catch-up invoice covering the periods missed.
 */
export function invoiceDueOn(
  sub: {
    anchorDate: BusinessDate;
    billingPeriod: BillingPeriod;
    nextPeriodIndex: number;
    priceMinor: number;
    paymentTermDays: number;
  },
  date: BusinessDate,
): InvoiceDraft | null {
  const first = sub.nextPeriodIndex;
  let next = first;
  while (periodStart(sub.anchorDate, sub.billingPeriod, next) <= date) next++;
  const periods = next - first;
  if (periods === 0) return null;
  return {
    periods,
    periodStart: periodStart(sub.anchorDate, sub.billingPeriod, first),
    periodEnd: addDays(periodStart(sub.anchorDate, sub.billingPeriod, next), -1),
    amountMinor: periods * sub.priceMinor,
    issuedOn: date,
    dueOn: addDays(date, sub.paymentTermDays),
    nextPeriodIndex: next,
  };
}

/** A grace period while in arrears; `pausedOn` is set while a delinquency hold pauses it. */
export interface GracePeriod {
  start: BusinessDate;
  end: BusinessDate;
  pausedOn: BusinessDate | null;
}

export function startGracePeriod(date: BusinessDate, graceDays: number): GracePeriod {
  return { start: date, end: addDays(date, graceDays), pausedOn: null };
}

/** A delinquency hold pauses the grace period; it keeps its end until it resumes. */
export function pauseGracePeriod(g: GracePeriod, date: BusinessDate): GracePeriod {
  return g.pausedOn ? g : { ...g, pausedOn: date };
}

/** On release the end moves out by the days held: the customer loses no grace days. */
export function resumeGracePeriod(g: GracePeriod, date: BusinessDate): GracePeriod {
  if (!g.pausedOn) return g;
  return { ...g, end: addDays(g.end, daysBetween(g.pausedOn, date)), pausedOn: null };
}

/** Days of grace left on `date` (0 once it has ended); a paused period does not count down. */
export function graceDaysLeft(g: GracePeriod, date: BusinessDate): number {
  const asOf = g.pausedOn && g.pausedOn < date ? g.pausedOn : date;
  return Math.max(0, daysBetween(asOf, g.end));
}

/** The grace period has ended on `date` when `date` is past its end (the end day itself is still grace). */
export function hasGraceEnded(g: GracePeriod, date: BusinessDate): boolean {
  return !g.pausedOn && g.end < date;
}

/** Extend grace period (CRM.COM): exactly one of a date or a number of days, counted from the day it is applied. */
export function extendedGraceEnd(
  req: { endGracePeriodOn?: BusinessDate | null | undefined; endGracePeriodAfterDays?: number | null | undefined },
  appliedOn: BusinessDate,
): BusinessDate {
  if (req.endGracePeriodOn != null) return req.endGracePeriodOn;
  return addDays(appliedOn, req.endGracePeriodAfterDays ?? 0);
}

/**
 * The grace period once an extension to `newEnd` is applied on `appliedOn`.
 * While a delinquency hold pauses it, the pause counts from the later of its
 * own start and `appliedOn`: on resume the new end moves out only by the days
 * held after the extension was applied, never by days held before it.
 */
export function extendGracePeriodTo(g: GracePeriod | null, newEnd: BusinessDate, appliedOn: BusinessDate): GracePeriod {
  const pausedOn = g?.pausedOn ? (g.pausedOn < appliedOn ? appliedOn : g.pausedOn) : null;
  return { start: g?.start ?? appliedOn, end: newEnd, pausedOn };
}

export const EXTENDABLE_STATES: readonly SubscriptionState[] = ["draft", "effective", "not_effective"];

/** The rules an extension must meet when it is applied. */
export function checkGraceExtension(
  sub: { state: SubscriptionState; paymentModel: PaymentModel; grace: GracePeriod | null },
  req: { paymentGatewayCardIdentifier?: unknown; endGracePeriodOn?: unknown },
  newEnd: BusinessDate,
  appliedOn: BusinessDate,
): FieldIssue[] {
  const problems: FieldIssue[] = [];
  const endField = req.endGracePeriodOn != null ? "endGracePeriodOn" : "endGracePeriodAfterDays";
  if (!EXTENDABLE_STATES.includes(sub.state)) {
    problems.push({
      path: "subscriptionIdentifier",
      rule: "state_not_extendable",
      message: `the grace period can be extended only for draft, effective or not effective subscriptions, not ${sub.state}`,
    });
  }
  if (sub.paymentModel === "pay_before_bill" && req.paymentGatewayCardIdentifier == null) {
    problems.push({
      path: "paymentGatewayCardIdentifier",
      rule: "required_for_pay_before_bill",
      message: "a payment gateway card is required for pay-before-bill subscriptions",
    });
  }
  const current = sub.grace?.end ?? null;
  if (current !== null && newEnd <= current) {
    problems.push({
      path: endField,
      rule: "not_later_than_current",
      message: `the new end ${newEnd} must be later than the current end ${current}`,
    });
  } else if (newEnd < appliedOn) {
    problems.push({ path: endField, rule: "not_in_past", message: `the new end ${newEnd} is before ${appliedOn}` });
  }
  return problems;
}
