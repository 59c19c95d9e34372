import { type Database, schema, sessionLockClient, type Transaction } from "@holdfast/db";
import { addDays, type BusinessDate, daysBetween } from "@holdfast/domain";
import { and, eq } from "drizzle-orm";
import type postgres from "postgres";
import { recordDayCompleted } from "../events/event-outbox.ts";
import { addDailyEffects, type WorkerEffect } from "./daily-effects.ts";
import { releaseEndedHolds } from "./release-ended-holds.ts";
import {
  closeEndedGracePeriods,
  executeDueActions,
  issueInvoices,
  type JobContext,
  lapseSubscriptions,
  pauseGracePeriods,
  resumeGracePeriods,
  startGracePeriods,
} from "./subscription-jobs.ts";

/** At most this many missed days are caught up: a tenant further behind starts this many days before today. */
export const MAX_CATCH_UP_DAYS = 400;

/** How often a worker waiting for the others to finish their batches in a step looks again. */
const POLL_MS = 20;
/** A worker that has waited this long for a step without the others finishing it leaves the tenant (tenantsBusy). */
const STEP_WAIT_MS = 60_000;

/** One step of a business date: the effect it counts and the drain that applies it. */
interface DayStep {
  effect: WorkerEffect;
  run: (ctx: JobContext, date: BusinessDate, graceDays: number) => Promise<number>;
}

/** A business date's steps, in the order they run. */
export const DAY_STEPS: readonly DayStep[] = [
  { effect: "actionsRun", run: (ctx, date) => executeDueActions(ctx, { date }) },
  { effect: "invoicesIssued", run: (ctx, date) => issueInvoices(ctx, { date }) },
  { effect: "gracePeriodsClosed", run: (ctx, date) => closeEndedGracePeriods(ctx, { date }) },
  { effect: "gracePeriodsStarted", run: (ctx, date, graceDays) => startGracePeriods(ctx, { date, graceDays }) },
  { effect: "gracePeriodsPaused", run: (ctx, date) => pauseGracePeriods(ctx, { date }) },
  { effect: "gracePeriodsResumed", run: (ctx, date) => resumeGracePeriods(ctx, { date }) },
  { effect: "subscriptionsLapsed", run: (ctx, date) => lapseSubscriptions(ctx, { date }) },
  { effect: "holdsReleased", run: (ctx, date) => releaseEndedHolds(ctx, { today: date, batchSize: ctx.batchSize }) },
];

/**
 * A tenant's shared marker (`tenant_worker_state`): the open date is the one
 * after `processedThrough`; `pass` counts the passes over it, `step` is the
 * open step of that pass (DAY_STEPS.length once the pass is complete).
 */
export interface DayMarker {
  processedThrough: BusinessDate;
  pass: number;
  step: number;
  /** The pass began after its date had ended (its first step was finished by a worker whose today was later). */
  closesDate: boolean;
}

export type TenantDaysOutcome = "done" | "stopped" | "busy";

type LockConn = postgres.ReservedSql;

/** Advisory-lock namespace for the steps of a tenant's business dates. */
const DAY_LOCK_NS = 724_611_002;

/**
 * Works on the tenant's due work together with every other worker, date by
 * date, up to `today`. Whatever (date, pass, step) the marker says is open,
 * each worker drains its share of that step (the drains claim with SKIP
 * LOCKED) while holding a SHARED advisory lock on it; once its drain finds
 * nothing more to claim it takes the EXCLUSIVE lock, which proves no worker is
 * still inside a batch of that step, drains once more (rows of a rolled-back
 * batch) and moves the marker on with a compare-and-set: the next step, or,
 * after the last step of a pass that began after its date had ended, the next
 * date (`closeDate`). Today gets a new pass on each tick: the tick is done once
 * a pass of today that opened after the tick began is complete. The locks are
 * session locks on one reserved connection: a killed worker's end with it.
 * `counts` gets this worker's own effects, `daysProcessed` the dates it worked on.
 */
export async function shareTenantDays(
  ctx: JobContext,
  { today, graceDays }: { today: BusinessDate; graceDays: number },
  counts: Record<WorkerEffect | "daysProcessed", number>,
): Promise<TenantDaysOutcome> {
  const { db, tenantId } = ctx;
  const worked = new Set<BusinessDate>();
  const drainStep = async (m: DayMarker) => {
    const step = DAY_STEPS[m.step] as DayStep;
    const date = dateOf(m);
    const n = await step.run(ctx, date, graceDays);
    counts[step.effect] += n;
    if (!worked.has(date)) counts.daysProcessed++;
    worked.add(date);
    if (n > 0) await addDailyEffects(db, tenantId, date, { [step.effect]: n });
  };
  // On DATABASE_DIRECT_URL when given: a transaction pooler would hand the unlock to another backend.
  const conn = await sessionLockClient(db).reserve();
  try {
    const first = await openMarker(db, tenantId, today);
    let m = first.marker;
    // The pass of today that satisfies this tick: one opened after the tick began.
    const need = first.inserted ? { date: today, pass: 0 } : { date: dateOf(m), pass: m.pass + 1 };
    for (;;) {
      if (ctx.shouldStop?.()) return "stopped";
      const date = dateOf(m);
      // Another worker's clock is ahead of ours: nothing here is due by our today.
      if (date > today) return "done";
      let next: DayMarker | TenantDaysOutcome;
      if (daysBetween(date, today) > MAX_CATCH_UP_DAYS) {
        const from = m;
        next = await whenStepIdle(ctx, conn, m, () =>
          advance(db, tenantId, from, {
            processedThrough: addDays(today, -MAX_CATCH_UP_DAYS - 1),
            pass: 0,
            step: 0,
            closesDate: false,
          }),
        );
      } else if (m.step < DAY_STEPS.length) {
        next = await workOnStep(ctx, conn, m, today, drainStep);
      } else if (m.closesDate) {
        const from = m;
        // The date and its worker.day_completed event commit together, written by the one closer whose compare-and-set wins.
        await db.transaction(async (tx) => {
          if (await closeDate(tx, { tenantId, date, pass: from.pass })) {
            await recordDayCompleted(tx, {
              tenantId,
              date,
              requestId: ctx.requestId ?? null,
              occurredAt: ctx.clock.now(),
            });
          }
        });
        next = await readMarker(db, tenantId);
      } else if (date === today && (date > need.date || m.pass >= need.pass)) {
        return "done";
      } else {
        // Today's pass is complete but began before this tick, or the date has ended since: pass over it again.
        next = await advance(db, tenantId, m, { ...m, pass: m.pass + 1, step: 0, closesDate: false });
      }
      if (typeof next === "string") return next;
      m = next;
    }
  } finally {
    conn.release();
  }
}

/**
 * The open step `m`: drain this worker's share under the shared lock, then
 * (when no other worker is mid-batch) drain once more under the exclusive
 * lock and open the next step. Returns the marker as it now stands.
 */
async function workOnStep(
  ctx: JobContext,
  conn: LockConn,
  m: DayMarker,
  today: BusinessDate,
  drainStep: (m: DayMarker) => Promise<void>,
): Promise<DayMarker | TenantDaysOutcome> {
  const key = lockKey(ctx.tenantId, m);
  const [shared] = await conn`select pg_try_advisory_lock_shared(${DAY_LOCK_NS}, hashtext(${key})) as locked`;
  if (shared?.locked) {
    try {
      // Read again under the lock: the step may have closed between the read and the lock.
      const now = await readMarker(ctx.db, ctx.tenantId);
      if (!sameMarker(now, m)) return now;
      await drainStep(m);
    } finally {
      await conn`select pg_advisory_unlock_shared(${DAY_LOCK_NS}, hashtext(${key}))`;
    }
    // SIGTERM: the batch is finished; the step stays open for the others and the next tick.
    if (ctx.shouldStop?.()) return "stopped";
  }
  return whenStepIdle(ctx, conn, m, async () => {
    await drainStep(m);
    if (ctx.shouldStop?.()) return "stopped";
    // Finishing the first step after the date has ended makes this the pass that closes it.
    const closesDate = m.step === 0 ? dateOf(m) < today : m.closesDate;
    return advance(ctx.db, ctx.tenantId, m, { ...m, step: m.step + 1, closesDate });
  });
}

/**
 * Waits (polling) until this worker holds the exclusive lock on the step `m`,
 * i.e. no worker is inside a batch of it, then runs `fn` if the marker is
 * still `m`. Returns the marker as it now stands, or "busy" after STEP_WAIT_MS.
 */
async function whenStepIdle(
  ctx: JobContext,
  conn: LockConn,
  m: DayMarker,
  fn: () => Promise<DayMarker | TenantDaysOutcome>,
): Promise<DayMarker | TenantDaysOutcome> {
  const key = lockKey(ctx.tenantId, m);
  const deadline = Date.now() + STEP_WAIT_MS;
  for (;;) {
    const [row] = await conn`select pg_try_advisory_lock(${DAY_LOCK_NS}, hashtext(${key})) as locked`;
    if (row?.locked) {
      try {
        const now = await readMarker(ctx.db, ctx.tenantId);
        return sameMarker(now, m) ? await fn() : now;
      } finally {
        await conn`select pg_advisory_unlock(${DAY_LOCK_NS}, hashtext(${key}))`;
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    if (ctx.shouldStop?.()) return "stopped";
    const now = await readMarker(ctx.db, ctx.tenantId);
    if (!sameMarker(now, m)) return now;
    if (Date.now() > deadline) return "busy";
  }
}

/**
 * Closes the past business date `date` of the tenant, once every step of its
 * closing pass `pass` is complete: the date is processed, and the marker opens
 * the next date's first pass at its first step. A compare-and-set: only the
 * worker that closes the date gets true. The one place a date is closed.
 */
export async function closeDate(
  tx: Transaction,
  { tenantId, date, pass }: { tenantId: string; date: BusinessDate; pass: number },
): Promise<boolean> {
  const w = schema.tenantWorkerState;
  const closed = await tx
    .update(w)
    .set({ processedThrough: date, openPass: 0, openStep: 0, passClosesDate: false, updatedAt: new Date() })
    .where(
      and(
        eq(w.tenantId, tenantId),
        eq(w.processedThrough, addDays(date, -1)),
        eq(w.openPass, pass),
        eq(w.openStep, DAY_STEPS.length),
        eq(w.passClosesDate, true),
      ),
    )
    .returning({ tenantId: w.tenantId });
  return closed.length > 0;
}

/** The date a marker has open. */
export const dateOf = (m: DayMarker): BusinessDate => addDays(m.processedThrough, 1);

const sameMarker = (a: DayMarker, b: DayMarker) =>
  a.processedThrough === b.processedThrough && a.pass === b.pass && a.step === b.step && a.closesDate === b.closesDate;

const lockKey = (tenantId: string, m: DayMarker) => `${tenantId}/${dateOf(m)}/${m.pass}/${m.step}`;

type StateRow = typeof schema.tenantWorkerState.$inferSelect;
const toMarker = (r: StateRow): DayMarker => ({
  processedThrough: r.processedThrough,
  pass: r.openPass,
  step: r.openStep,
  closesDate: r.passClosesDate,
});

export async function readMarker(db: Database, tenantId: string): Promise<DayMarker> {
  const w = schema.tenantWorkerState;
  const [row] = await db.select().from(w).where(eq(w.tenantId, tenantId));
  if (!row) throw new Error(`tenant ${tenantId} has no worker state`);
  return toMarker(row);
}

/** The tenant's marker; on first sight of a tenant, today's first pass (nothing to catch up before yesterday). */
async function openMarker(db: Database, tenantId: string, today: BusinessDate) {
  const w = schema.tenantWorkerState;
  const [inserted] = await db
    .insert(w)
    .values({ tenantId, processedThrough: addDays(today, -1), updatedAt: new Date() })
    .onConflictDoNothing()
    .returning();
  return inserted
    ? { marker: toMarker(inserted), inserted: true }
    : { marker: await readMarker(db, tenantId), inserted: false };
}

/** Moves the marker from `from` to `to` if no other worker has moved it; returns it as it now stands. */
async function advance(db: Database, tenantId: string, from: DayMarker, to: DayMarker): Promise<DayMarker> {
  const w = schema.tenantWorkerState;
  const [row] = await db
    .update(w)
    .set({
      processedThrough: to.processedThrough,
      openPass: to.pass,
      openStep: to.step,
      passClosesDate: to.closesDate,
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(w.tenantId, tenantId),
        eq(w.processedThrough, from.processedThrough),
        eq(w.openPass, from.pass),
        eq(w.openStep, from.step),
        eq(w.passClosesDate, from.closesDate),
      ),
    )
    .returning();
  return row ? toMarker(row) : readMarker(db, tenantId);
}
