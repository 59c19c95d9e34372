import { BILLING_PERIOD_NAMES, INVOICE_STATUSES, PAYMENT_MODELS, SUBSCRIPTION_STATES } from "@holdfast/domain";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts, tenants } from "./tenants.ts";

export const subscriptionState = pgEnum("subscription_state", SUBSCRIPTION_STATES);
export const paymentModel = pgEnum("payment_model", PAYMENT_MODELS);
export const billingPeriod = pgEnum("billing_period", BILLING_PERIOD_NAMES);
export const invoiceStatus = pgEnum("invoice_status", INVOICE_STATUSES);
export const actionStatus = pgEnum("subscription_action_status", ["scheduled", "executed", "cancelled", "failed"]);

export const subscriptions = pgTable(
  "subscriptions",
  {
    id: text("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    number: text("number").notNull(),
    state: subscriptionState("state").notNull().default("draft"),
    paymentModel: paymentModel("payment_model").notNull(),
    priceMinor: bigint("price_minor", { mode: "number" }).notNull(),
    currency: text("currency").notNull(),
    billingPeriod: billingPeriod("billing_period").notNull(),
    /** Billing periods count from this date, so month ends do not drift. */
    anchorDate: date("anchor_date").notNull(),
    /** The first period not yet invoiced; its start is the next billing date. */
    nextPeriodIndex: integer("next_period_index").notNull().default(0),
    nextBillingDate: date("next_billing_date").notNull(),
    paymentTermDays: integer("payment_term_days").notNull(),
    graceStart: date("grace_start"),
    graceEnd: date("grace_end"),
    gracePausedOn: date("grace_paused_on"),
    lapsedOn: date("lapsed_on"),
    lapseReason: text("lapse_reason"),
    activatedOn: date("activated_on"),
    terminatedOn: date("terminated_on"),
    terminationReason: text("termination_reason"),
    version: integer("version").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex("subscriptions_tenant_number_uq").on(t.tenantId, t.number),
    index("subscriptions_tenant_id_idx").on(t.tenantId, t.id),
    // Search: a subscription by its number (prefix).
    index("subscriptions_number_prefix_idx").on(t.tenantId, t.number.op("text_pattern_ops")),
    index("subscriptions_account_idx").on(t.tenantId, t.accountId),
    // When a row is due, for the worker's claims:
    index("subscriptions_due_invoice_idx").on(t.tenantId, t.nextBillingDate).where(sql`${t.state} = 'effective'`),
    // Grace periods by their end; the paused day is a key column too, so the overview's running and paused counts
    // are index-only.
    index("subscriptions_grace_end_idx")
      .on(t.tenantId, t.graceEnd, t.gracePausedOn)
      .where(sql`${t.state} = 'effective' and ${t.graceEnd} is not null`),
  ],
);

export const invoices = pgTable(
  "invoices",
  {
    id: text("id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    subscriptionId: text("subscription_id")
      .notNull()
      .references(() => subscriptions.id),
    accountId: text("account_id").notNull(),
    number: text("number").notNull(),
    amountMinor: bigint("amount_minor", { mode: "number" }).notNull(),
    paidMinor: bigint("paid_minor", { mode: "number" }).notNull().default(0),
    currency: text("currency").notNull(),
    periods: integer("periods").notNull(),
    /** The first period index this invoice covers: with the subscription, what makes it unique. */
    firstPeriodIndex: integer("first_period_index").notNull(),
    periodStart: date("period_start").notNull(),
    periodEnd: date("period_end").notNull(),
    issuedOn: date("issued_on").notNull(),
    dueOn: date("due_on").notNull(),
    status: invoiceStatus("status").notNull().default("open"),
    paidOn: date("paid_on"),
    version: integer("version").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    // Each period is invoiced once, even if two workers race.
    uniqueIndex("invoices_subscription_period_uq").on(t.subscriptionId, t.firstPeriodIndex),
    uniqueIndex("invoices_tenant_number_uq").on(t.tenantId, t.number),
    index("invoices_tenant_id_idx").on(t.tenantId, t.id),
    // Search: an invoice by its number (prefix).
    index("invoices_number_prefix_idx").on(t.tenantId, t.number.op("text_pattern_ops")),
    // Open invoices by due date; currency and amounts are key columns too, so the overview's overdue totals are
    // index-only.
    index("invoices_open_due_idx")
      .on(t.tenantId, t.dueOn, t.currency, t.amountMinor, t.paidMinor)
      .where(sql`${t.status} = 'open'`),
  ],
);

/** Subscription actions (extend grace period), immediate or scheduled, with everything they were given. */
export const subscriptionActions = pgTable(
  "subscription_actions",
  {
    id: text("id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    subscriptionId: text("subscription_id")
      .notNull()
      .references(() => subscriptions.id),
    type: text("type", { enum: ["extend_grace_period"] }).notNull(),
    status: actionStatus("status").notNull(),
    scheduledDate: date("scheduled_date"),
    appliedOn: date("applied_on"),
    transactionReferenceNumber: text("transaction_reference_number"),
    requestHash: text("request_hash").notNull(),
    /** The request as given: identifiers, dates, performer, user-defined fields. */
    request: jsonb("request").$type<Record<string, unknown>>().notNull(),
    previousGraceEnd: date("previous_grace_end"),
    newGraceEnd: date("new_grace_end"),
    reactivated: integer("reactivated").notNull().default(0),
    failure: jsonb("failure").$type<{ rule: string; message: string } | null>(),
    version: integer("version").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    createdBy: text("created_by").notNull(),
    executedAt: timestamp("executed_at", { withTimezone: true }),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
    cancelReason: text("cancel_reason"),
  },
  (t) => [
    uniqueIndex("subscription_actions_tenant_trn_uq")
      .on(t.tenantId, t.transactionReferenceNumber)
      .where(sql`${t.transactionReferenceNumber} is not null`),
    index("subscription_actions_subscription_idx").on(t.subscriptionId, t.id),
    index("subscription_actions_due_idx").on(t.tenantId, t.scheduledDate).where(sql`${t.status} = 'scheduled'`),
  ],
);

/**
 * Per tenant: the last business date the worker has fully processed (for
 * catching up missed days), and the marker every worker shares for the date
 * after it: which pass over that date is open and which of its steps.
 */
export const tenantWorkerState = pgTable("tenant_worker_state", {
  tenantId: uuid("tenant_id")
    .primaryKey()
    .references(() => tenants.id),
  processedThrough: date("processed_through").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  /** The pass over processed_through + 1 that is open (today is passed over again on later ticks). */
  openPass: integer("open_pass").notNull().default(0),
  /** The open pass's step (0-based; the number of steps once the pass is complete). */
  openStep: integer("open_step").notNull().default(0),
  /** The open pass began after its date had ended: once complete, the date is closed. */
  passClosesDate: boolean("pass_closes_date").notNull().default(false),
});
