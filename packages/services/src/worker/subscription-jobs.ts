import { type Database, type Transaction, schema } from "@holdfast/db";
import {
  type BusinessDate,
  invoiceDueOn,
  isAppError,
  pauseGracePeriod,
  periodStart,
  resumeGracePeriod,
  startGracePeriod,
} from "@holdfast/domain";
import { and, asc, eq, isNotNull, isNull, lt, lte, not, type SQL, sql } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import type { ServiceContext } from "../context.ts";
import { accountHeldSql } from "../holds/held-sql.ts";
import { newLocator } from "../ids.ts";
import { executeScheduledAction } from "../subscriptions/grace-extension.ts";
import { graceOf, type SubscriptionRow } from "../subscriptions/subscription-store.ts";

export interface JobContext extends ServiceContext {
  db: Database;
  batchSize: number;
  /** Problems that did not stop the tick, reported with it. */
  errors: string[];
  /** Asked between batches: on SIGTERM the worker finishes its batch and stops. */
  shouldStop?: (() => boolean) | undefined;
}

/**
 * Claims due rows in short transactions with FOR UPDATE SKIP LOCKED and
 * applies `apply` to each; any number of workers can drain one queue. Every
 * effect is guarded by state and version predicates, so a repeat is a no-op.
 */
async function drain<R>(
  ctx: JobContext,
  claim: (tx: Transaction) => Promise<R[]>,
  apply: (tx: Transaction, row: R) => Promise<boolean>,
): Promise<number> {
  let applied = 0;
  for (;;) {
    const { claimed, done } = await ctx.db.transaction(async (tx) => {
      const rows = await claim(tx);
      let n = 0;
      for (const row of rows) if (await apply(tx, row)) n++;
      return { claimed: rows.length, done: n };
    });
    applied += done;
    // A full batch that changed nothing would be claimed again: stop instead of spinning.
    if (claimed < ctx.batchSize || done === 0 || ctx.shouldStop?.()) return applied;
  }
}

const s = schema.subscriptions;
const overdueOpenInvoice = (date: BusinessDate): SQL =>
  sql`exists (select 1 from ${schema.invoices} where ${schema.invoices.subscriptionId} = ${s.id} and ${schema.invoices.status} = 'open' and ${schema.invoices.dueOn} < ${date})`;

/** An effective subscription whose grace period ended before `date` and is not paused. */
const graceEndedBefore = (date: BusinessDate) =>
  and(eq(s.state, "effective"), isNotNull(s.graceEnd), lt(s.graceEnd, date), isNull(s.gracePausedOn));

function claimSubscriptions(ctx: JobContext, where: SQL | undefined) {
  return (tx: Transaction) =>
    tx.select().from(s).where(where).orderBy(asc(s.id)).limit(ctx.batchSize).for("update", { of: s, skipLocked: true });
}

/** Writes a subscription change with its version predicate and an audit event. */
async function updateSubscription(
  tx: Transaction,
  ctx: JobContext,
  sub: SubscriptionRow,
  patch: Partial<SubscriptionRow>,
  action: string,
  date: BusinessDate,
): Promise<boolean> {
  const [row] = await tx
    .update(s)
    .set({ ...patch, version: sub.version + 1, updatedAt: ctx.clock.now() })
    .where(and(eq(s.id, sub.id), eq(s.version, sub.version)))
    .returning();
  if (!row) return false;
  await recordAudit(tx, ctx, {
    tenantId: sub.tenantId,
    entityType: "subscription",
    entityId: sub.id,
    action,
    before: snapshot(sub),
    after: { ...snapshot(row), businessDate: date },
  });
  return true;
}

const snapshot = (r: SubscriptionRow) => ({
  state: r.state,
  nextBillingDate: r.nextBillingDate,
  grace: graceOf(r),
  lapsedOn: r.lapsedOn,
  lapseReason: r.lapseReason,
  version: r.version,
});

/** 1. Due scheduled actions run on their date. */
export function executeDueActions(ctx: JobContext, tenantId: string, date: BusinessDate) {
  const a = schema.subscriptionActions;
  return drain(
    ctx,
    (tx) =>
      tx
        .select()
        .from(a)
        .where(and(eq(a.tenantId, tenantId), eq(a.status, "scheduled"), lte(a.scheduledDate, date)))
        .orderBy(asc(a.scheduledDate), asc(a.id))
        .limit(ctx.batchSize)
        .for("update", { skipLocked: true }),
    async (tx, action) => {
      try {
        return await tx.transaction((sp) => executeScheduledAction(sp, ctx, action, date));
      } catch (e) {
        // A subscription changed by another request at this moment is retried next round; anything else is reported.
        if (!(isAppError(e) && e.code === "CONCURRENT_MODIFICATION")) {
          ctx.errors.push(
            `tenant ${tenantId}: scheduled action ${action.id}: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
        return false;
      }
    },
  );
}

/** 2. Invoices for effective subscriptions whose billing date has come, unless held for invoicing. */
export function issueInvoices(ctx: JobContext, tenantId: string, date: BusinessDate) {
  return drain(
    ctx,
    claimSubscriptions(
      ctx,
      and(
        eq(s.tenantId, tenantId),
        eq(s.state, "effective"),
        lte(s.nextBillingDate, date),
        not(accountHeldSql(tenantId, s.accountId, "invoicing", date)),
      ),
    ),
    async (tx, sub) => {
      const draft = invoiceDueOn(sub, date);
      if (!draft) return false;
      const inserted = await tx
        .insert(schema.invoices)
        .values({
          id: newLocator(),
          tenantId,
          subscriptionId: sub.id,
          accountId: sub.accountId,
          // Unique by construction: subscription numbers are unique per tenant, periods per subscription.
          number: `INV-${sub.number}-${sub.nextPeriodIndex + 1}`,
          amountMinor: draft.amountMinor,
          currency: sub.currency,
          periods: draft.periods,
          firstPeriodIndex: sub.nextPeriodIndex,
          periodStart: draft.periodStart,
          periodEnd: draft.periodEnd,
          issuedOn: draft.issuedOn,
          dueOn: draft.dueOn,
          createdAt: ctx.clock.now(),
        })
        // Another worker already invoiced this period: nothing more to write. Any other clash is an error.
        .onConflictDoNothing({ target: [schema.invoices.subscriptionId, schema.invoices.firstPeriodIndex] })
        .returning({ id: schema.invoices.id });
      const next = draft.nextPeriodIndex;
      const moved = await updateSubscription(
        tx,
        ctx,
        sub,
        { nextPeriodIndex: next, nextBillingDate: periodStart(sub.anchorDate, sub.billingPeriod, next) },
        draft.periods > 1 ? "issueCatchUpInvoice" : "issueInvoice",
        date,
      );
      return moved && inserted.length > 0;
    },
  );
}

/**
 * Before step 3: a grace period that has ended with nothing overdue any more
 * (settled, or extended when nothing was owed) is closed, so the next arrears
 * start a grace period of their own.
 */
export function closeEndedGracePeriods(ctx: JobContext, tenantId: string, date: BusinessDate) {
  return drain(
    ctx,
    claimSubscriptions(ctx, and(eq(s.tenantId, tenantId), graceEndedBefore(date), not(overdueOpenInvoice(date)))),
    (tx, sub) =>
      updateSubscription(
        tx,
        ctx,
        sub,
        { graceStart: null, graceEnd: null, gracePausedOn: null },
        "endGracePeriod",
        date,
      ),
  );
}

/** 3. A grace period starts for a subscription with an overdue unpaid invoice, unless held for delinquency. */
export function startGracePeriods(ctx: JobContext, tenantId: string, date: BusinessDate, graceDays: number) {
  return drain(
    ctx,
    claimSubscriptions(
      ctx,
      and(
        eq(s.tenantId, tenantId),
        eq(s.state, "effective"),
        isNull(s.graceStart),
        overdueOpenInvoice(date),
        not(accountHeldSql(tenantId, s.accountId, "delinquency", date)),
      ),
    ),
    async (tx, sub) => {
      const g = startGracePeriod(date, graceDays);
      return updateSubscription(
        tx,
        ctx,
        sub,
        { graceStart: g.start, graceEnd: g.end, gracePausedOn: null },
        "startGracePeriod",
        date,
      );
    },
  );
}

/** 4. While held for delinquency a running grace period is paused; on release its end moves out by the days held. */
export async function pauseAndResumeGracePeriods(ctx: JobContext, tenantId: string, date: BusinessDate) {
  const paused = await drain(
    ctx,
    claimSubscriptions(
      ctx,
      and(
        eq(s.tenantId, tenantId),
        isNotNull(s.graceStart),
        isNull(s.gracePausedOn),
        eq(s.state, "effective"),
        accountHeldSql(tenantId, s.accountId, "delinquency", date),
      ),
    ),
    async (tx, sub) => {
      const g = graceOf(sub);
      if (!g) return false;
      return updateSubscription(
        tx,
        ctx,
        sub,
        { gracePausedOn: pauseGracePeriod(g, date).pausedOn },
        "pauseGracePeriod",
        date,
      );
    },
  );
  const resumed = await drain(
    ctx,
    claimSubscriptions(
      ctx,
      and(
        eq(s.tenantId, tenantId),
        isNotNull(s.gracePausedOn),
        not(accountHeldSql(tenantId, s.accountId, "delinquency", date)),
      ),
    ),
    async (tx, sub) => {
      const g = graceOf(sub);
      if (!g) return updateSubscription(tx, ctx, sub, { gracePausedOn: null }, "resumeGracePeriod", date);
      const r = resumeGracePeriod(g, date);
      return updateSubscription(tx, ctx, sub, { graceEnd: r.end, gracePausedOn: null }, "resumeGracePeriod", date);
    },
  );
  return { paused, resumed };
}

/** 5. Subscriptions whose grace period has ended, still unpaid, lapse: not effective, reason grace period expired. */
export function lapseSubscriptions(ctx: JobContext, tenantId: string, date: BusinessDate) {
  return drain(
    ctx,
    claimSubscriptions(
      ctx,
      and(
        eq(s.tenantId, tenantId),
        graceEndedBefore(date),
        overdueOpenInvoice(date),
        not(accountHeldSql(tenantId, s.accountId, "delinquency", date)),
      ),
    ),
    (tx, sub) =>
      updateSubscription(
        tx,
        ctx,
        sub,
        { state: "not_effective", lapsedOn: date, lapseReason: "grace_period_expired" },
        "lapse",
        date,
      ),
  );
}
