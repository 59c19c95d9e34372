import { schema, type Transaction } from "@holdfast/db";
import {
  type BusinessDate,
  hasGraceEnded,
  type InvoiceDraft,
  invoiceDueOn,
  isAppError,
  pauseGracePeriod,
  periodStart,
  resumeGracePeriod,
  startGracePeriod,
} from "@holdfast/domain";
import { and, asc, eq, gt, isNotNull, isNull, lt, lte, not, type SQL, sql } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { writeInvoiceEvents, writeSubscriptionEvents } from "../events/worker-events.ts";
import { accountHeldSql } from "../holds/held-sql.ts";
import { newLocator } from "../ids.ts";
import { executeScheduledAction } from "../subscriptions/grace-extension.ts";
import { graceOf, type SubscriptionRow } from "../subscriptions/subscription-store.ts";
import { errorText } from "./error-text.ts";

/** A worker step's context: bound to the tenant it works on, with the tick's batch size and error list. */
export interface JobContext extends ServiceContext {
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
/**
 * The subscription has an open invoice due before `date`. Past a claim cursor
 * the invoices are bounded by it too: PostgreSQL does not carry `id > cursor`
 * over to the invoices it joins, and would otherwise merge-join every invoice
 * from the first one on each batch, making a drain quadratic.
 */
const overdueOpenInvoice = (date: BusinessDate, after: string | null): SQL =>
  sql`exists (select 1 from ${schema.invoices} where ${schema.invoices.subscriptionId} = ${s.id}${
    after === null ? sql`` : sql` and ${schema.invoices.subscriptionId} > ${after}`
  } and ${schema.invoices.status} = 'open' and ${schema.invoices.dueOn} < ${date})`;

/** An effective subscription whose grace period ended before `date` and is not paused (the domain's `hasGraceEnded`, narrowed in SQL). */
const graceEndedBefore = (date: BusinessDate) =>
  and(eq(s.state, "effective"), isNotNull(s.graceEnd), lt(s.graceEnd, date), isNull(s.gracePausedOn));

/** What one step decided for one claimed subscription: the fields to change and the audit action. */
interface SubscriptionChange {
  sub: SubscriptionRow;
  patch: SubscriptionPatch;
  action: string;
  /** Step 2: the invoice the change goes with. */
  draft?: InvoiceDraft;
}
type SubscriptionPatch = Partial<Omit<SubscriptionRow, "id" | "tenantId" | "version" | "updatedAt" | "createdAt">>;

interface Batch {
  claimed: number;
  done: number;
  last: string | null;
}

/**
 * Drains the subscriptions `where` selects, a batch per short transaction:
 * claim up to batchSize rows with FOR UPDATE SKIP LOCKED (so any number of
 * workers share the queue), let `decide` (the domain rules) say what changes
 * for each, then write every change and its audit event in ONE statement
 * (`writeSubscriptionChanges`). Round trips per batch: BEGIN, claim, write,
 * COMMIT, whatever the batch size.
 *
 * Claims walk the queue in id order with a keyset cursor, so a batch never
 * re-reads the rows earlier batches already dealt with (re-claiming from the
 * start made a drain quadratic in the queue length). When the walk reaches
 * the end, one more walk from the start picks up rows another worker had
 * locked and then released without changing (its batch rolled back). Rows
 * the SQL claims but the domain declines are stepped over, so nothing spins.
 */
async function drainSubscriptions(
  ctx: JobContext,
  date: BusinessDate,
  /** The claim's predicate; `after` is the cursor (rows with a greater id only), for predicates that can use it. */
  where: (after: string | null) => SQL | undefined,
  decide: (rows: SubscriptionRow[]) => SubscriptionChange[],
  write: (tx: Transaction, changes: SubscriptionChange[]) => Promise<number> = (tx, changes) =>
    writeSubscriptionChanges(tx, ctx, date, changes),
): Promise<number> {
  let applied = 0;
  let after: string | null = null;
  let wrapped = false;
  for (;;) {
    const cursor: string | null = after;
    const { claimed, done, last } = await ctx.db.transaction(async (tx): Promise<Batch> => {
      const rows: SubscriptionRow[] = await tx
        .select()
        .from(s)
        .where(cursor === null ? where(null) : and(where(cursor), gt(s.id, cursor)))
        .orderBy(asc(s.id))
        .limit(ctx.batchSize)
        .for("update", { of: s, skipLocked: true });
      const changes = decide(rows);
      const n = changes.length ? await write(tx, changes) : 0;
      return { claimed: rows.length, done: n, last: rows.at(-1)?.id ?? null };
    });
    applied += done;
    if (ctx.shouldStop?.()) return applied;
    if (claimed === ctx.batchSize) {
      after = last;
      continue;
    }
    // The end of the queue. A walk that began at the start has seen everything; otherwise look once more from the start.
    if (cursor === null || wrapped) return applied;
    wrapped = true;
    after = null;
  }
}

/**
 * The audit snapshot of a subscription (state, next billing date, grace
 * period or null, lapse date and reason, version), built server-side from
 * `col(column)`. jsonb stores dates as ISO strings and sorts keys, so this is
 * the same value the services' TypeScript snapshots give.
 */
const snapshotSql = (col: (column: string) => string) =>
  `jsonb_build_object('state', ${col("state")}, 'nextBillingDate', ${col("next_billing_date")},
     'grace', case when ${col("grace_start")} is not null and ${col("grace_end")} is not null
              then jsonb_build_object('start', ${col("grace_start")}, 'end', ${col("grace_end")}, 'pausedOn', ${col("grace_paused_on")}) end,
     'lapsedOn', ${col("lapsed_on")}, 'lapseReason', ${col("lapse_reason")}, 'version', ${col("version")})`;

/**
 * Writes claimed subscriptions' changes, each with its version predicate, and
 * one audit event per change that applied, in ONE statement per shape of
 * change (and, for the changes that make domain events, their outbox rows in
 * the same transaction: writeSubscriptionEvents) (which fields it sets; a step has one or two). The batch goes over
 * as one JSON parameter (id, version, the new and the old value of each
 * changed field, audit id, action), unpacked server-side with
 * jsonb_to_recordset; the UPDATE ... FROM it returns the rows it changed and
 * the INSERT reads those for the audit events, whose before/after snapshots
 * are built in the same statement: "after" from the updated row, "before"
 * from it with the changed fields' old values and the previous version. The
 * claim holds the rows locked, so the version predicate lets through exactly
 * the rows the domain decided on. Returns how many changes applied.
 */
async function writeSubscriptionChanges(
  tx: Transaction,
  ctx: JobContext,
  date: BusinessDate,
  changes: SubscriptionChange[],
  /** Count only these subscriptions' changes as applied (they are all written). */
  countOnly?: Set<string>,
): Promise<number> {
  const groups = new Map<string, SubscriptionChange[]>();
  for (const c of changes) {
    // A field set to undefined is left alone, as drizzle's .set() does.
    const shape = Object.keys(c.patch)
      .filter((k) => c.patch[k as keyof SubscriptionPatch] !== undefined)
      .sort()
      .join(",");
    const list = groups.get(shape);
    if (list) list.push(c);
    else groups.set(shape, [c]);
  }
  const now = ctx.clock.now().toISOString();
  const actor = ctx.actor;
  let applied = 0;
  for (const [shape, group] of groups) {
    const keys = (shape ? shape.split(",") : []) as (keyof SubscriptionPatch)[];
    const columns = keys.map((k) => ({ key: k, name: s[k].name, type: s[k].getSQLType() }));
    const changed = new Set(columns.map((c) => c.name));
    const payload = group.map(({ sub, patch, action }) => {
      const row: Record<string, unknown> = { id: sub.id, version: sub.version, audit_id: newLocator(), action };
      for (const c of columns) {
        row[c.name] = patch[c.key] ?? null;
        row[`old_${c.name}`] = sub[c.key] ?? null;
      }
      return row;
    });
    const recordType = [
      "id text, version integer, audit_id text, action text",
      ...columns.flatMap((c) => [`"${c.name}" ${c.type}`, `"old_${c.name}" ${c.type}`]),
    ].join(", ");
    const set = [
      ...columns.map((c) => `"${c.name}" = v."${c.name}"`),
      `"version" = "subscriptions"."version" + 1`,
    ].join(", ");
    const after = snapshotSql((col) => `u."${col}"`);
    const before = snapshotSql((col) =>
      col === "version" ? `(u."version" - 1)` : changed.has(col) ? `v."old_${col}"` : `u."${col}"`,
    );
    const result = await tx.execute(sql`
      with v as (select * from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as v(${sql.raw(recordType)})),
      u as (
        update ${s} set ${sql.raw(set)}, "updated_at" = ${now}::timestamptz
          from v where ${s.id} = v.id and ${s.version} = v.version
        returning "subscriptions"."id", "subscriptions"."tenant_id", "subscriptions"."state",
                  "subscriptions"."next_billing_date", "subscriptions"."grace_start", "subscriptions"."grace_end",
                  "subscriptions"."grace_paused_on", "subscriptions"."lapsed_on", "subscriptions"."lapse_reason",
                  "subscriptions"."version"
      )
      insert into ${schema.auditEvents}
        (id, tenant_id, entity_type, entity_id, action, actor_type, actor_id, actor_name, at, request_id, before, after)
      select v.audit_id, u.tenant_id, 'subscription', u.id, v.action, ${actor.type}, ${actor.id}, ${actor.name},
             ${now}::timestamptz, ${ctx.requestId ?? null}, ${sql.raw(before)},
             ${sql.raw(after)} || jsonb_build_object('businessDate', ${date}::text)
        from v join u on u.id = v.id
      returning entity_id, action`);
    const rows = result as unknown as { entity_id: string; action: string }[];
    for (const r of rows) if (!countOnly || countOnly.has(r.entity_id)) applied++;
    await writeSubscriptionEvents(tx, ctx, date, rows);
  }
  return applied;
}

/** The changes `decide` returns for the rows it keeps; rows it maps to null are left alone. */
function changesOf(rows: SubscriptionRow[], decide: (sub: SubscriptionRow) => Omit<SubscriptionChange, "sub"> | null) {
  const out: SubscriptionChange[] = [];
  for (const sub of rows) {
    const c = decide(sub);
    if (c) out.push({ sub, ...c });
  }
  return out;
}

/** 1. Due scheduled actions run on their date. */
export function executeDueActions(ctx: JobContext, { date }: { date: BusinessDate }) {
  const { tenantId } = ctx;
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
          ctx.errors.push(`tenant ${tenantId}: scheduled action ${action.id}: ${errorText(e)}`);
        }
        return false;
      }
    },
  );
}

/** Subscriptions due an invoice on `date`: effective, billing date reached, account not held for invoicing. */
export function dueForInvoicing(tenantId: string, date: BusinessDate) {
  return and(
    eq(s.tenantId, tenantId),
    eq(s.state, "effective"),
    lte(s.nextBillingDate, date),
    not(accountHeldSql(tenantId, s.accountId, "invoicing", date)),
  );
}

/** 2. Invoices for effective subscriptions whose billing date has come, unless held for invoicing. */
export function issueInvoices(ctx: JobContext, { date }: { date: BusinessDate }) {
  const { tenantId } = ctx;
  return drainSubscriptions(
    ctx,
    date,
    () => dueForInvoicing(tenantId, date),
    (rows) =>
      changesOf(rows, (sub) => {
        const draft = invoiceDueOn(sub, date);
        if (!draft) return null;
        const next = draft.nextPeriodIndex;
        return {
          patch: { nextPeriodIndex: next, nextBillingDate: periodStart(sub.anchorDate, sub.billingPeriod, next) },
          action: draft.periods > 1 ? "issueCatchUpInvoice" : "issueInvoice",
          draft,
        };
      }),
    async (tx, changes) => {
      const now = ctx.clock.now();
      const inserted = await tx
        .insert(schema.invoices)
        .values(
          changes.map(({ sub, draft: d }) => {
            const draft = d as InvoiceDraft;
            return {
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
              createdAt: now,
            };
          }),
        )
        // Another worker already invoiced this period: nothing more to write. Any other clash is an error.
        .onConflictDoNothing({ target: [schema.invoices.subscriptionId, schema.invoices.firstPeriodIndex] })
        .returning();
      await writeInvoiceEvents(tx, ctx, inserted);
      // Each change counts when its subscription moved on AND its invoice was written, as one effect.
      const invoiced = new Set(inserted.map((r) => r.subscriptionId));
      return writeSubscriptionChanges(tx, ctx, date, changes, invoiced);
    },
  );
}

/** Before step 3: an ended grace period with nothing overdue any more is closed, so new arrears start their own. */
export function closeEndedGracePeriods(ctx: JobContext, { date }: { date: BusinessDate }) {
  const { tenantId } = ctx;
  return drainSubscriptions(
    ctx,
    date,
    (after) => and(eq(s.tenantId, tenantId), graceEndedBefore(date), not(overdueOpenInvoice(date, after))),
    (rows) =>
      changesOf(rows, (sub) => {
        const g = graceOf(sub);
        if (!g || !hasGraceEnded(g, date)) return null;
        return { patch: { graceStart: null, graceEnd: null, gracePausedOn: null }, action: "endGracePeriod" };
      }),
  );
}

/** 3. A grace period starts for a subscription with an overdue unpaid invoice, unless held for delinquency. */
export function startGracePeriods(ctx: JobContext, { date, graceDays }: { date: BusinessDate; graceDays: number }) {
  const { tenantId } = ctx;
  return drainSubscriptions(
    ctx,
    date,
    (after) =>
      and(
        eq(s.tenantId, tenantId),
        eq(s.state, "effective"),
        isNull(s.graceStart),
        overdueOpenInvoice(date, after),
        not(accountHeldSql(tenantId, s.accountId, "delinquency", date)),
      ),
    (rows) =>
      changesOf(rows, () => {
        const g = startGracePeriod(date, graceDays);
        return { patch: { graceStart: g.start, graceEnd: g.end, gracePausedOn: null }, action: "startGracePeriod" };
      }),
  );
}

/** 4a. While held for delinquency a running grace period is paused. */
export function pauseGracePeriods(ctx: JobContext, { date }: { date: BusinessDate }) {
  const { tenantId } = ctx;
  return drainSubscriptions(
    ctx,
    date,
    () =>
      and(
        eq(s.tenantId, tenantId),
        isNotNull(s.graceStart),
        isNull(s.gracePausedOn),
        eq(s.state, "effective"),
        accountHeldSql(tenantId, s.accountId, "delinquency", date),
      ),
    (rows) =>
      changesOf(rows, (sub) => {
        const g = graceOf(sub);
        if (!g) return null;
        return { patch: { gracePausedOn: pauseGracePeriod(g, date).pausedOn }, action: "pauseGracePeriod" };
      }),
  );
}

/** 4b. Once the delinquency hold is released, a paused grace period resumes: its end moves out by the days held. */
export function resumeGracePeriods(ctx: JobContext, { date }: { date: BusinessDate }) {
  const { tenantId } = ctx;
  return drainSubscriptions(
    ctx,
    date,
    () =>
      and(
        eq(s.tenantId, tenantId),
        isNotNull(s.gracePausedOn),
        not(accountHeldSql(tenantId, s.accountId, "delinquency", date)),
      ),
    (rows) =>
      changesOf(rows, (sub) => {
        const g = graceOf(sub);
        if (!g) return { patch: { gracePausedOn: null }, action: "resumeGracePeriod" };
        const r = resumeGracePeriod(g, date);
        return { patch: { graceEnd: r.end, gracePausedOn: null }, action: "resumeGracePeriod" };
      }),
  );
}

/** 4. Steps 4a and 4b in turn. */
export const pauseAndResumeGracePeriods = async (ctx: JobContext, on: { date: BusinessDate }) => ({
  paused: await pauseGracePeriods(ctx, on),
  resumed: await resumeGracePeriods(ctx, on),
});

/** 5. Subscriptions whose grace period has ended, still unpaid, lapse: not effective, reason grace period expired. */
export function lapseSubscriptions(ctx: JobContext, { date }: { date: BusinessDate }) {
  const { tenantId } = ctx;
  return drainSubscriptions(
    ctx,
    date,
    (after) =>
      and(
        eq(s.tenantId, tenantId),
        graceEndedBefore(date),
        overdueOpenInvoice(date, after),
        not(accountHeldSql(tenantId, s.accountId, "delinquency", date)),
      ),
    (rows) =>
      changesOf(rows, (sub) => {
        const g = graceOf(sub);
        if (!g || !hasGraceEnded(g, date)) return null;
        return {
          patch: { state: "not_effective", lapsedOn: date, lapseReason: "grace_period_expired" },
          action: "lapse",
        };
      }),
  );
}
