import { schema, type Transaction } from "@holdfast/db";
import {
  AppError,
  assertSubscriptionMove,
  type CreateSubscriptionInput,
  type moveSubscriptionInput,
  periodStart,
  type recordPaymentInput,
  type SubscriptionMove,
  type SubscriptionOutput,
  type terminateSubscriptionInput,
} from "@holdfast/domain";
import { and, count, eq, lt } from "drizzle-orm";
import type { z } from "zod";
import { recordAudit } from "../audit.ts";
import type { ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";
import { newLocator } from "../ids.ts";
import { findAccount } from "../tenancy/accounts.ts";
import { tenantToday } from "../tenancy/tenants.ts";
import {
  getSubscriptionRow,
  holdStatus,
  type SubscriptionRow,
  toInvoiceOutput,
  toSubscriptionOutput,
} from "./subscription-store.ts";

export async function subscriptionAnswer(
  tx: Transaction,
  row: SubscriptionRow,
  today: string,
): Promise<SubscriptionOutput> {
  const held = (await holdStatus(tx, row.tenantId, [row.accountId], today)).get(row.accountId);
  return toSubscriptionOutput(row, today, held ?? { invoicing: false, delinquency: false });
}

export function createSubscription(ctx: ServiceContext, input: CreateSubscriptionInput) {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "subscriptions.create", idempotencyKey, request }, async (tx) => {
    const account = await findAccount(tx, tenantId, input.accountLocator);
    if (!account || account.id !== input.accountLocator) {
      throw AppError.badRequest([
        {
          path: "accountLocator",
          rule: "account_not_found",
          message: `account ${input.accountLocator} does not exist in this tenant`,
        },
      ]);
    }
    const today = await tenantToday(tx, ctx.clock, tenantId);
    const id = newLocator();
    const number = input.number ?? `SUB-${id.slice(-8)}`;
    const [clash] = await tx
      .select({ id: schema.subscriptions.id })
      .from(schema.subscriptions)
      .where(and(eq(schema.subscriptions.tenantId, tenantId), eq(schema.subscriptions.number, number)));
    if (clash)
      throw AppError.badRequest([
        { path: "number", rule: "unique", message: `subscription number ${number} is already used` },
      ]);
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(schema.subscriptions)
      .values({
        id,
        tenantId,
        accountId: input.accountLocator,
        number,
        paymentModel: input.paymentModel,
        priceMinor: input.priceMinor,
        currency: input.currency,
        billingPeriod: input.billingPeriod,
        anchorDate: input.startDate,
        nextBillingDate: periodStart(input.startDate, input.billingPeriod, 0),
        paymentTermDays: input.paymentTermDays,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    const out = await subscriptionAnswer(tx, row, today);
    await recordAudit(tx, ctx, {
      tenantId,
      entityType: "subscription",
      entityId: id,
      action: "create",
      before: null,
      after: out,
    });
    return out;
  });
}

type MoveSubscriptionInput = z.output<typeof moveSubscriptionInput>;

/** draft → effective. */
export function activateSubscription(ctx: ServiceContext, input: MoveSubscriptionInput) {
  return moveSubscription(ctx, "activate", input);
}

/** Any live state → terminated. */
export function terminateSubscription(ctx: ServiceContext, input: z.output<typeof terminateSubscriptionInput>) {
  return moveSubscription(ctx, "terminate", input);
}

function moveSubscription(
  ctx: ServiceContext,
  move: SubscriptionMove,
  input: MoveSubscriptionInput & { reason?: string | undefined },
) {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: `subscriptions.${move}`, idempotencyKey, request }, async (tx) => {
    const today = await tenantToday(tx, ctx.clock, tenantId);
    const current = await getSubscriptionRow(tx, tenantId, input.locator);
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
      throw AppError.staleVersion({
        entity: "subscription",
        locator: input.locator,
        currentVersion: current.version,
        expectedVersion: input.expectedVersion,
      });
    }
    assertSubscriptionMove(current.state, move);
    const patch =
      move === "activate"
        ? { state: "effective" as const, activatedOn: today }
        : { state: "terminated" as const, terminatedOn: today, terminationReason: input.reason ?? null };
    const [row] = await tx
      .update(schema.subscriptions)
      .set({ ...patch, version: current.version + 1, updatedAt: ctx.clock.now() })
      .where(and(eq(schema.subscriptions.id, current.id), eq(schema.subscriptions.version, current.version)))
      .returning();
    if (!row) throw AppError.concurrentChange({ entity: "subscription", locator: input.locator });
    const before = await subscriptionAnswer(tx, current, today);
    const out = await subscriptionAnswer(tx, row, today);
    await recordAudit(tx, ctx, {
      tenantId,
      entityType: "subscription",
      entityId: row.id,
      action: move,
      before,
      after: out,
      reason: input.reason ?? null,
    });
    return out;
  });
}

/**
 * Records a payment against an invoice. When it settles the subscription's
 * overdue invoices, the grace period ends.
 */
export function recordPayment(ctx: ServiceContext, input: z.output<typeof recordPaymentInput>) {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "invoices.recordPayment", idempotencyKey, request }, async (tx) => {
    const today = await tenantToday(tx, ctx.clock, tenantId);
    const paidOn = input.paidOn ?? today;
    const [inv] = await tx
      .select()
      .from(schema.invoices)
      .where(and(eq(schema.invoices.tenantId, tenantId), eq(schema.invoices.id, input.invoiceLocator)))
      .for("update");
    if (!inv) throw AppError.notFound("invoice", input.invoiceLocator);
    if (inv.status !== "open") {
      throw new AppError(
        "INVALID_TRANSITION",
        `invoice ${inv.number} is ${inv.status}; payments apply to open invoices only`,
      );
    }
    const outstanding = inv.amountMinor - inv.paidMinor;
    if (input.amountMinor > outstanding) {
      throw AppError.badRequest([
        { path: "amountMinor", rule: "exceeds_outstanding", message: `the invoice has ${outstanding} outstanding` },
      ]);
    }
    const paid = inv.paidMinor + input.amountMinor;
    const settled = paid === inv.amountMinor;
    const [row] = await tx
      .update(schema.invoices)
      .set({
        paidMinor: paid,
        status: settled ? "paid" : "open",
        paidOn: settled ? paidOn : null,
        version: inv.version + 1,
      })
      .where(eq(schema.invoices.id, inv.id))
      .returning();
    if (!row) throw new Error("invoice vanished");
    await recordAudit(tx, ctx, {
      tenantId,
      entityType: "invoice",
      entityId: inv.id,
      action: "recordPayment",
      before: toInvoiceOutput(inv),
      after: toInvoiceOutput(row),
    });
    if (settled) await endGraceIfSettled(tx, ctx, tenantId, inv.subscriptionId, today);
    return toInvoiceOutput(row);
  });
}

async function endGraceIfSettled(
  tx: Transaction,
  ctx: ServiceContext,
  tenantId: string,
  subscriptionId: string,
  today: string,
) {
  const [overdue] = await tx
    .select({ n: count() })
    .from(schema.invoices)
    .where(
      and(
        eq(schema.invoices.subscriptionId, subscriptionId),
        eq(schema.invoices.status, "open"),
        lt(schema.invoices.dueOn, today),
      ),
    );
  if ((overdue?.n ?? 0) > 0) return;
  const sub = await getSubscriptionRow(tx, tenantId, subscriptionId);
  // Settled: the grace period is over, whatever the state (a lapsed subscription comes back by an extension).
  if (!sub.graceStart) return;
  const [row] = await tx
    .update(schema.subscriptions)
    .set({
      graceStart: null,
      graceEnd: null,
      gracePausedOn: null,
      version: sub.version + 1,
      updatedAt: ctx.clock.now(),
    })
    .where(and(eq(schema.subscriptions.id, sub.id), eq(schema.subscriptions.version, sub.version)))
    .returning();
  if (!row) throw AppError.concurrentChange({ entity: "subscription", locator: sub.id });
  await recordAudit(tx, ctx, {
    tenantId,
    entityType: "subscription",
    entityId: sub.id,
    action: "endGracePeriod",
    before: await subscriptionAnswer(tx, sub, today),
    after: await subscriptionAnswer(tx, row, today),
  });
}
