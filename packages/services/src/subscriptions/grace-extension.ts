import { type DatabaseOrTransaction, schema, type Transaction } from "@holdfast/db";
import {
  type ACTION_FIELDS,
  type ActionOutput,
  AppError,
  type BusinessDate,
  type cancelActionInput,
  checkGraceExtension,
  EXTENDABLE_STATES,
  type ExtendGracePeriodInput,
  extendedGraceEnd,
  extendGracePeriodTo,
  type FieldIssue,
  isAppError,
} from "@holdfast/domain";
import { and, count, eq, lt } from "drizzle-orm";
import type { z } from "zod";
import { recordAudit } from "../audit.ts";
import { actorLabel, type ServiceContext } from "../context.ts";
import { hashRequest, runMutation } from "../idempotency.ts";
import { newLocator } from "../ids.ts";
import { findAccount } from "../tenancy/accounts.ts";
import { tenantToday } from "../tenancy/tenants.ts";
import { subscriptionAnswer } from "./subscription-commands.ts";
import {
  type ActionRow,
  getSubscriptionRow,
  graceOf,
  type SubscriptionRow,
  toActionOutput,
} from "./subscription-store.ts";

type ExtendRequest = Omit<ExtendGracePeriodInput, "tenantLocator" | "fieldsSet" | "idempotencyKey">;

/** Finds the subscription: by its identifier, or by an accounts receivable that owns exactly one. */
async function resolveSubscription(tx: Transaction, tenantId: string, req: ExtendRequest): Promise<SubscriptionRow> {
  const s = schema.subscriptions;
  if (req.subscriptionIdentifier) {
    const { id, number } = req.subscriptionIdentifier;
    const [row] = await tx
      .select()
      .from(s)
      .where(and(eq(s.tenantId, tenantId), id !== undefined ? eq(s.id, id) : eq(s.number, number ?? "")));
    if (!row) throw AppError.notFound("subscription", id ?? number ?? "");
    return row;
  }
  const ar = req.accountsReceivableIdentifier;
  const key = ar?.id ?? ar?.number ?? "";
  const account = await findAccount(tx, tenantId, key);
  if (
    !account ||
    (ar?.id !== undefined && account.id !== ar.id) ||
    (ar?.number !== undefined && account.externalId !== ar.number)
  ) {
    throw AppError.notFound("accounts receivable", key);
  }
  const owned = await tx
    .select()
    .from(s)
    .where(and(eq(s.tenantId, tenantId), eq(s.accountId, account.id)));
  const [only] = owned;
  if (owned.length !== 1 || !only) {
    throw AppError.badRequest([
      {
        path: "accountsReceivableIdentifier",
        rule: "owns_exactly_one_subscription",
        message: `the accounts receivable owns ${owned.length} subscriptions; name the subscription instead`,
      },
    ]);
  }
  return only;
}

function project(
  out: ActionOutput,
  fieldsSet: readonly (typeof ACTION_FIELDS)[number][] | undefined,
): Partial<ActionOutput> {
  if (!fieldsSet) return out;
  return Object.fromEntries(fieldsSet.map((f) => [f, out[f]])) as Partial<ActionOutput>;
}

async function accountSettled(tx: DatabaseOrTransaction, subscriptionId: string, date: BusinessDate) {
  const [open] = await tx
    .select({ n: count() })
    .from(schema.invoices)
    .where(
      and(
        eq(schema.invoices.subscriptionId, subscriptionId),
        eq(schema.invoices.status, "open"),
        lt(schema.invoices.dueOn, date),
      ),
    );
  return (open?.n ?? 0) === 0;
}

/**
 * Applies an extension to a subscription on `appliedOn`: the rules, the new
 * end, and reactivation of a not-effective subscription whose account is
 * settled or whose new end is in the future. Returns the problems instead
 * when a rule fails (nothing is written then).
 */
export async function applyGraceExtension(
  tx: Transaction,
  ctx: ServiceContext,
  sub: SubscriptionRow,
  req: ExtendRequest,
  appliedOn: BusinessDate,
): Promise<
  | { ok: true; row: SubscriptionRow; previousEnd: string | null; newEnd: string; reactivated: boolean }
  | { ok: false; problems: FieldIssue[] }
> {
  const newEnd = extendedGraceEnd(req, appliedOn);
  const grace = graceOf(sub);
  const problems = checkGraceExtension(
    { state: sub.state, paymentModel: sub.paymentModel, grace },
    req,
    newEnd,
    appliedOn,
  );
  if (problems.length) return { ok: false, problems };
  const reactivate =
    sub.state === "not_effective" && ((await accountSettled(tx, sub.id, appliedOn)) || newEnd > appliedOn);
  // While paused, the pause now counts from appliedOn: on resume only the days held after it push the new end out.
  const extended = extendGracePeriodTo(grace, newEnd, appliedOn);
  const [row] = await tx
    .update(schema.subscriptions)
    .set({
      graceStart: extended.start,
      graceEnd: extended.end,
      gracePausedOn: extended.pausedOn,
      ...(reactivate ? { state: "effective" as const, lapsedOn: null, lapseReason: null } : {}),
      version: sub.version + 1,
      updatedAt: ctx.clock.now(),
    })
    .where(and(eq(schema.subscriptions.id, sub.id), eq(schema.subscriptions.version, sub.version)))
    .returning();
  if (!row) throw AppError.concurrentChange({ entity: "subscription", locator: sub.id });
  await recordAudit(tx, ctx, {
    tenantId: sub.tenantId,
    entityType: "subscription",
    entityId: sub.id,
    action: reactivate ? "extendGracePeriodAndReactivate" : "extendGracePeriod",
    before: await subscriptionAnswer(tx, sub, appliedOn),
    after: await subscriptionAnswer(tx, row, appliedOn),
  });
  return { ok: true, row, previousEnd: grace?.end ?? null, newEnd, reactivated: reactivate };
}

/**
 * Extend grace period (CRM.COM). Runs now, or stores a scheduled action for
 * the worker when `scheduledDate` is in the future. The transaction reference
 * number is unique per tenant and makes the call idempotent.
 */
export function extendGracePeriod(ctx: ServiceContext, input: ExtendGracePeriodInput) {
  const { tenantId } = ctx;
  const { tenantLocator: _t, fieldsSet, idempotencyKey: key, ...req } = input;
  const idempotencyKey = req.transactionReferenceNumber ? `trn:${req.transactionReferenceNumber}` : key;
  const operation = "subscriptions.extendGracePeriod";
  // The stored answer is the whole action; each call projects it by its own fieldsSet.
  const full = runMutation(ctx, { operation, idempotencyKey, request: req }, async (tx): Promise<ActionOutput> => {
    // The reference number stays unique after its idempotency key (24 hours) is purged.
    if (req.transactionReferenceNumber) {
      const a = schema.subscriptionActions;
      const [earlier] = await tx
        .select({ action: a, accountId: schema.subscriptions.accountId })
        .from(a)
        .innerJoin(schema.subscriptions, eq(schema.subscriptions.id, a.subscriptionId))
        .where(and(eq(a.tenantId, tenantId), eq(a.transactionReferenceNumber, req.transactionReferenceNumber)));
      if (earlier) {
        if (earlier.action.requestHash === hashRequest("extendGracePeriod", req)) {
          return toActionOutput(earlier.action, earlier.accountId);
        }
        throw new AppError(
          "IDEMPOTENCY_KEY_REUSED",
          `transactionReferenceNumber ${req.transactionReferenceNumber} was already used for a different request`,
          {
            issues: [
              { path: "transactionReferenceNumber", rule: "unique", message: "already used for a different request" },
            ],
          },
        );
      }
    }
    const sub = await resolveSubscription(tx, tenantId, req);
    const today = await tenantToday(tx, ctx.clock, tenantId);
    const scheduled = req.scheduledDate !== undefined && req.scheduledDate > today;
    const base = {
      id: newLocator(),
      tenantId,
      subscriptionId: sub.id,
      type: "extend_grace_period" as const,
      transactionReferenceNumber: req.transactionReferenceNumber ?? null,
      requestHash: hashRequest("extendGracePeriod", req),
      request: req as Record<string, unknown>,
      createdAt: ctx.clock.now(),
      createdBy: actorLabel(ctx.actor),
    };
    let action: ActionRow | undefined;
    if (scheduled) {
      // What can be known now is checked now; the rest when the worker runs it.
      const problems: FieldIssue[] = [];
      if (!EXTENDABLE_STATES.includes(sub.state)) {
        problems.push({
          path: "subscriptionIdentifier",
          rule: "state_not_extendable",
          message: `a ${sub.state} subscription cannot be extended`,
        });
      }
      if (sub.paymentModel === "pay_before_bill" && req.paymentGatewayCardIdentifier == null) {
        problems.push({
          path: "paymentGatewayCardIdentifier",
          rule: "required_for_pay_before_bill",
          message: "a payment gateway card is required for pay-before-bill subscriptions",
        });
      }
      if (
        req.endGracePeriodOn !== undefined &&
        req.scheduledDate !== undefined &&
        req.endGracePeriodOn < req.scheduledDate
      ) {
        problems.push({
          path: "endGracePeriodOn",
          rule: "not_before_scheduled_date",
          message: "the new end is before the scheduled date",
        });
      }
      // A grace end only moves later until the action runs (a pause pushes it out), so an end that is not later
      // than the current one now would fail then too: refused when it is scheduled.
      const current = graceOf(sub)?.end ?? null;
      const newEnd = extendedGraceEnd(req, req.scheduledDate ?? today);
      if (current !== null && newEnd <= current) {
        problems.push({
          path: req.endGracePeriodOn !== undefined ? "endGracePeriodOn" : "endGracePeriodAfterDays",
          rule: "not_later_than_current",
          message: `the new end ${newEnd} must be later than the current end ${current}`,
        });
      }
      if (problems.length) throw AppError.badRequest(problems);
      [action] = await tx
        .insert(schema.subscriptionActions)
        .values({ ...base, status: "scheduled", scheduledDate: req.scheduledDate ?? null })
        .returning();
    } else {
      const applied = await applyGraceExtension(tx, ctx, sub, req, today);
      if (!applied.ok) throw AppError.badRequest(applied.problems);
      [action] = await tx
        .insert(schema.subscriptionActions)
        .values({
          ...base,
          status: "executed",
          scheduledDate: req.scheduledDate ?? null,
          appliedOn: today,
          previousGraceEnd: applied.previousEnd,
          newGraceEnd: applied.newEnd,
          reactivated: applied.reactivated ? 1 : 0,
          executedAt: ctx.clock.now(),
        })
        .returning();
    }
    if (!action) throw new Error("insert returned nothing");
    const out = toActionOutput(action, sub.accountId);
    await recordAudit(tx, ctx, {
      tenantId,
      entityType: "subscription_action",
      entityId: action.id,
      action: "create",
      before: null,
      after: out,
    });
    return out;
  });
  return full.then(
    (out) => project(out, fieldsSet),
    (e: unknown) => {
      // With a reference number the key is stored as "trn:<number>": a reuse must name the field the caller
      // sent (as the check after the key's purge does), not an idempotencyKey it never sent.
      if (req.transactionReferenceNumber && isAppError(e) && e.code === "IDEMPOTENCY_KEY_REUSED") {
        throw new AppError(
          "IDEMPOTENCY_KEY_REUSED",
          `transactionReferenceNumber ${req.transactionReferenceNumber} was already used for a different request`,
          {
            issues: [
              {
                path: "transactionReferenceNumber",
                rule: "reused_with_different_body",
                message: "already used for a different request",
              },
            ],
          },
        );
      }
      throw e;
    },
  );
}

/** Worker step 1: runs one due scheduled action on its date; a rule that now fails marks it failed. */
export async function executeScheduledAction(
  tx: Transaction,
  ctx: ServiceContext,
  action: ActionRow,
  date: BusinessDate,
) {
  const sub = await getSubscriptionRow(tx, action.tenantId, action.subscriptionId);
  const appliedOn = action.scheduledDate ?? date;
  const applied = await applyGraceExtension(tx, ctx, sub, action.request as ExtendRequest, appliedOn);
  const now = ctx.clock.now();
  const patch = applied.ok
    ? {
        status: "executed" as const,
        appliedOn,
        previousGraceEnd: applied.previousEnd,
        newGraceEnd: applied.newEnd,
        reactivated: applied.reactivated ? 1 : 0,
        executedAt: now,
      }
    : {
        status: "failed" as const,
        appliedOn,
        failure: {
          rule: applied.problems[0]?.rule ?? "failed",
          message: applied.problems.map((p) => p.message).join("; "),
        },
        executedAt: now,
      };
  const [row] = await tx
    .update(schema.subscriptionActions)
    .set({ ...patch, version: action.version + 1 })
    .where(
      and(
        eq(schema.subscriptionActions.id, action.id),
        eq(schema.subscriptionActions.status, "scheduled"),
        eq(schema.subscriptionActions.version, action.version),
      ),
    )
    .returning();
  if (!row) return false;
  await recordAudit(tx, ctx, {
    tenantId: action.tenantId,
    entityType: "subscription_action",
    entityId: action.id,
    action: applied.ok ? "execute" : "fail",
    before: toActionOutput(action, sub.accountId),
    after: toActionOutput(row, sub.accountId),
  });
  return true;
}

export function cancelScheduledAction(ctx: ServiceContext, input: z.output<typeof cancelActionInput>) {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "subscriptions.cancelAction", idempotencyKey, request }, async (tx) => {
    const a = schema.subscriptionActions;
    const [current] = await tx
      .select()
      .from(a)
      .where(and(eq(a.tenantId, tenantId), eq(a.id, input.locator)));
    if (!current) throw AppError.notFound("subscription action", input.locator);
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
      throw AppError.staleVersion({
        entity: "subscription action",
        locator: input.locator,
        currentVersion: current.version,
        expectedVersion: input.expectedVersion,
      });
    }
    if (current.status !== "scheduled") {
      throw new AppError(
        "INVALID_TRANSITION",
        `Cannot cancel an action in status ${current.status}; only scheduled actions can be cancelled.`,
      );
    }
    const [row] = await tx
      .update(a)
      .set({
        status: "cancelled",
        cancelledAt: ctx.clock.now(),
        cancelReason: input.reason ?? null,
        version: current.version + 1,
      })
      .where(and(eq(a.id, current.id), eq(a.version, current.version), eq(a.status, "scheduled")))
      .returning();
    // Changed by another request, or the worker ran it meanwhile.
    if (!row) throw AppError.concurrentChange({ entity: "subscription action", locator: input.locator });
    const sub = await getSubscriptionRow(tx, tenantId, row.subscriptionId);
    const out = toActionOutput(row, sub.accountId);
    await recordAudit(tx, ctx, {
      tenantId,
      entityType: "subscription_action",
      entityId: row.id,
      action: "cancel",
      before: toActionOutput(current, sub.accountId),
      after: out,
      reason: input.reason ?? null,
    });
    return out;
  });
}
