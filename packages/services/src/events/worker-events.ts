import { schema, type Transaction } from "@holdfast/db";
import { type BusinessDate, type EventDraft, eventsForChange } from "@holdfast/domain";
import { inArray } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { holdStatus, toInvoiceOutput, toSubscriptionOutput } from "../subscriptions/subscription-store.ts";
import { writeEvents } from "./event-outbox.ts";

const originOf = (ctx: ServiceContext) => ({
  tenantId: ctx.tenantId,
  at: ctx.clock.now(),
  requestId: ctx.requestId ?? null,
});

/**
 * The events of the worker's set-based subscription writes, in the batch's
 * transaction: for each change that applied (its audit action), the same
 * mapping recordAudit uses, with the subscription's new state as the API
 * shows it on `date`. Actions without an event type (an invoice's billing
 * date step, a closed grace period) read nothing.
 */
export async function writeSubscriptionEvents(
  tx: Transaction,
  ctx: ServiceContext,
  date: BusinessDate,
  applied: readonly { entity_id: string; action: string }[],
): Promise<void> {
  const change = (id: string, action: string, after: unknown) => ({
    entityType: "subscription",
    entityId: id,
    action,
    before: null,
    after,
    actorType: ctx.actor.type,
  });
  const wanted = applied.filter((a) => eventsForChange(change(a.entity_id, a.action, {})).length > 0);
  if (wanted.length === 0) return;
  const rows = await tx
    .select()
    .from(schema.subscriptions)
    .where(
      inArray(
        schema.subscriptions.id,
        wanted.map((a) => a.entity_id),
      ),
    );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const held = await holdStatus(tx, ctx.tenantId, [...new Set(rows.map((r) => r.accountId))], date);
  const drafts: EventDraft[] = [];
  for (const a of wanted) {
    const row = byId.get(a.entity_id);
    if (!row) continue;
    const out = toSubscriptionOutput(row, date, held.get(row.accountId) ?? { invoicing: false, delinquency: false });
    drafts.push(...eventsForChange(change(row.id, a.action, out)));
  }
  await writeEvents(tx, originOf(ctx), drafts);
}

/** `invoice.issued` for each invoice the worker inserted, in the same transaction. */
export function writeInvoiceEvents(
  tx: Transaction,
  ctx: ServiceContext,
  invoices: readonly (typeof schema.invoices.$inferSelect)[],
): Promise<void> {
  const drafts = invoices.flatMap((inv) =>
    eventsForChange({
      entityType: "invoice",
      entityId: inv.id,
      action: "issue",
      before: null,
      after: toInvoiceOutput(inv),
      actorType: ctx.actor.type,
    }),
  );
  return writeEvents(tx, originOf(ctx), drafts);
}
