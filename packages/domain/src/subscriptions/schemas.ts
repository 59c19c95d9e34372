import { z } from "zod";
import {
  zBusinessDate,
  zIdempotencyKey,
  zLocator,
  zMutation,
  zPageCursor,
  zReason,
  zScope,
  zSortOrder,
  zText,
  zVersion,
} from "../common-schemas.ts";
import { isValidTimeZone } from "../dates.ts";
import { ruleCheck, ruleIssue } from "../rule-issues.ts";
import { BILLING_PERIOD_NAMES, INVOICE_STATUSES, PAYMENT_MODELS, SUBSCRIPTION_STATES } from "./subscription.ts";

export const zSubscriptionState = z.enum(SUBSCRIPTION_STATES);
export const zPaymentModel = z.enum(PAYMENT_MODELS);
export const zBillingPeriod = z.enum(BILLING_PERIOD_NAMES);
/** Money in integer minor units. */
export const zMinor = z
  .number()
  .int({ error: "must be an integer amount in minor units" })
  .min(0)
  .max(1_000_000_000_000);
export const zCurrency = z.string().regex(/^[A-Z]{3}$/, { error: "must be an ISO 4217 code such as EUR" });

export const createSubscriptionInput = z.strictObject({
  ...zMutation,
  /** The accounts receivable that pays. */
  accountLocator: zLocator,
  number: zText(40).min(1).optional(),
  paymentModel: zPaymentModel,
  priceMinor: zMinor,
  currency: zCurrency,
  billingPeriod: zBillingPeriod,
  /** First day of the first billing period; later periods count from it. */
  startDate: zBusinessDate,
  paymentTermDays: z.number().int().min(0).max(365).default(14),
});
export type CreateSubscriptionInput = z.output<typeof createSubscriptionInput>;

export const moveSubscriptionInput = z.strictObject({
  ...zMutation,
  locator: zLocator,
  expectedVersion: zVersion.optional(),
});
/** terminate: a final move, with an optional reason (stored on the subscription and its audit event). */
export const terminateSubscriptionInput = moveSubscriptionInput.extend({ reason: zReason.optional() });
/** A subscription by its locator or by its number (`SUB-2002`), as people write it in links. */
export const getSubscriptionInput = z.strictObject({ ...zScope, locator: zText(40).min(1) });

export const SUBSCRIPTION_VIEWS = ["all", "in_grace", "lapsing", "lapsed"] as const;
/** Columns the subscriptions list sorts by. */
export const SUBSCRIPTION_SORTS = ["number", "state", "nextBillingDate", "graceEnd"] as const;
export type SubscriptionSort = (typeof SUBSCRIPTION_SORTS)[number];

/** The subscriptions list's filters: what `subscriptions.list` pages through and `extendGraceMany` selects. */
export const subscriptionFilterFields = {
  /** in_grace: a grace period is running; lapsing: it ends within lapsingWithinDays; lapsed: not effective. */
  view: z.enum(SUBSCRIPTION_VIEWS).default("all"),
  lapsingWithinDays: z.number().int().min(0).max(365).optional(),
  states: z.array(zSubscriptionState).max(SUBSCRIPTION_STATES.length).optional(),
  accountLocator: zLocator.optional(),
};
const lapsingNeedsDays = ruleCheck("required_for_lapsing", "lapsingWithinDays is required with view lapsing", [
  "lapsingWithinDays",
]);
export const subscriptionFilter = z
  .strictObject(subscriptionFilterFields)
  .refine((v) => v.view !== "lapsing" || v.lapsingWithinDays !== undefined, lapsingNeedsDays);
export type SubscriptionFilter = z.output<typeof subscriptionFilter>;

export const listSubscriptionsInput = z
  .strictObject({
    ...zScope,
    ...subscriptionFilterFields,
    /** Keyset cursor, as the previous page answered it. */
    cursor: zPageCursor.nullish(),
    direction: z.enum(["forward", "backward"]).optional(),
    limit: z.number().int().min(1).max(500).default(50),
    /** A column to sort by (ties by locator); without it, newest first. Nulls sort last in either order. */
    sort: z.enum(SUBSCRIPTION_SORTS).optional(),
    /** With sort: ascending by default. */
    order: zSortOrder.optional(),
  })
  .refine((v) => v.view !== "lapsing" || v.lapsingWithinDays !== undefined, lapsingNeedsDays);
export type ListSubscriptionsInput = z.output<typeof listSubscriptionsInput>;

export const listInvoicesInput = z.strictObject({
  ...zScope,
  subscriptionLocator: zLocator.optional(),
  accountLocator: zLocator.optional(),
  status: z.enum(INVOICE_STATUSES).optional(),
  cursor: zLocator.nullish(),
  direction: z.enum(["forward", "backward"]).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export const recordPaymentInput = z.strictObject({
  ...zMutation,
  invoiceLocator: zLocator,
  amountMinor: zMinor.min(1, { error: "must be at least 1" }),
  /** Defaults to today in the tenant's time zone. */
  paidOn: zBusinessDate.optional(),
});

export const tenantSettingsOutput = z.object({
  tenantLocator: z.string(),
  name: z.string(),
  timeZone: z.string(),
  graceDays: z.number().int(),
  version: z.number().int(),
});
export const updateSettingsInput = z.strictObject({
  ...zMutation,
  expectedVersion: zVersion.optional(),
  graceDays: z.number().int().min(0).max(365).optional(),
  timeZone: zText(64)
    .refine(isValidTimeZone, ruleCheck("iana_time_zone", "must be an IANA time zone such as Europe/Prague"))
    .optional(),
});

/** CRM.COM identifiers: exactly one of `id` (our locator) or `number`. */
const zIdentifier = (idSchema: z.ZodType<string>) =>
  z
    .strictObject({ id: idSchema.optional(), number: zText(60).min(1).optional() })
    .refine(
      (v) => (v.id === undefined) !== (v.number === undefined),
      ruleCheck("exactly_one", "give exactly one of id or number"),
    );

/** The keys CRM.COM identifies most kinds of entity by (card, unit, business unit, action type, …). */
export const REFERENCE_KEYS = ["id", "name", "code", "alternativeCode", "number"] as const;
/** Users are identified by these too, and by username or email. */
export const USER_REFERENCE_KEYS = [...REFERENCE_KEYS, "username", "email"] as const;

/** A free-form reference stored as given: at least one of `keys`, each a non-empty text. */
const zReferenceOf = (keys: readonly string[]) =>
  z
    .strictObject(Object.fromEntries(keys.map((k) => [k, zText(200).min(1).optional()])))
    .refine(
      (v) => keys.some((k) => v[k] !== undefined),
      ruleCheck("required", `give at least one of ${keys.join(", ")}`),
    );
const zReference = zReferenceOf(REFERENCE_KEYS);
const zUserReference = zReferenceOf(USER_REFERENCE_KEYS);

export const ACTION_FIELDS = [
  "locator",
  "subscriptionLocator",
  "accountLocator",
  "type",
  "actionTypeIdentifier",
  "subActionTypeIdentifier",
  "classificationIdentifier",
  "status",
  "scheduledDate",
  "appliedOn",
  "previousGraceEnd",
  "newGraceEnd",
  "reactivated",
  "transactionReferenceNumber",
  "paymentGatewayCardIdentifier",
  "performedByUserIdentifier",
  "performedByUnitIdentifier",
  "performedByBusinessUnitIdentifier",
  "performedOn",
  "billingEffectiveDate",
  "billablePeriodStartDate",
  "udf",
  "failure",
  "createdAt",
  "createdBy",
  "executedAt",
  "cancelledAt",
  "version",
] as const;

const udf = {
  ...Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((i) => [`udfString${i}`, zText(255).optional()])),
  ...Object.fromEntries([1, 2, 3, 4].map((i) => [`udfFloat${i}`, z.number().finite().optional()])),
  ...Object.fromEntries([1, 2, 3, 4].map((i) => [`udfDate${i}`, zBusinessDate.optional()])),
} as Record<`udfString${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8}`, z.ZodOptional<z.ZodString>> &
  Record<`udfFloat${1 | 2 | 3 | 4}`, z.ZodOptional<z.ZodNumber>> &
  Record<`udfDate${1 | 2 | 3 | 4}`, z.ZodOptional<z.ZodString>>;

export const extendGracePeriodInput = z
  .strictObject({
    ...zScope,
    /** Used when there is no transactionReferenceNumber (which is the key otherwise). */
    idempotencyKey: zIdempotencyKey.optional(),
    subscriptionIdentifier: zIdentifier(zLocator).optional(),
    accountsReceivableIdentifier: zIdentifier(zLocator).optional(),
    endGracePeriodOn: zBusinessDate.optional(),
    endGracePeriodAfterDays: z.number().int().min(1).max(3650).optional(),
    scheduledDate: zBusinessDate.optional(),
    /** Unique per tenant; also the call's idempotency key. */
    transactionReferenceNumber: zText(100).min(1).optional(),
    /** CRM.COM's action type, sub action type and classification: stored on the action as given and answered back. */
    actionTypeIdentifier: zReference.optional(),
    subActionTypeIdentifier: zReference.optional(),
    classificationIdentifier: zReference.optional(),
    paymentGatewayCardIdentifier: zReference.optional(),
    performedByUserIdentifier: zUserReference.optional(),
    performedByUnitIdentifier: zReference.optional(),
    performedByBusinessUnitIdentifier: zReference.optional(),
    performedOn: zBusinessDate.optional(),
    billingEffectiveDate: zBusinessDate.optional(),
    billablePeriodStartDate: zBusinessDate.optional(),
    ...udf,
    /** Limits the fields returned. */
    fieldsSet: z.array(z.enum(ACTION_FIELDS)).min(1).max(ACTION_FIELDS.length).optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.subscriptionIdentifier === undefined) === (v.accountsReceivableIdentifier === undefined)) {
      ruleIssue(ctx, {
        path: ["subscriptionIdentifier"],
        rule: "exactly_one_identifier",
        message: "give exactly one of subscriptionIdentifier or accountsReceivableIdentifier",
      });
    }
    if ((v.endGracePeriodOn === undefined) === (v.endGracePeriodAfterDays === undefined)) {
      ruleIssue(ctx, {
        path: ["endGracePeriodOn"],
        rule: "exactly_one_end",
        message: "give exactly one of endGracePeriodOn or endGracePeriodAfterDays",
      });
    }
  });
export type ExtendGracePeriodInput = z.output<typeof extendGracePeriodInput>;

export const listActionsInput = z.strictObject({
  ...zScope,
  subscriptionLocator: zLocator.optional(),
  status: z.enum(["scheduled", "executed", "cancelled", "failed"]).optional(),
  cursor: zLocator.nullish(),
  direction: z.enum(["forward", "backward"]).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export const cancelActionInput = z.strictObject({
  ...zMutation,
  locator: zLocator,
  expectedVersion: zVersion.optional(),
  reason: zReason.optional(),
});

const zRef = z.record(z.string(), z.string()).nullable();
export const actionOutput = z.object({
  locator: z.string(),
  subscriptionLocator: z.string(),
  accountLocator: z.string(),
  type: z.literal("extend_grace_period"),
  actionTypeIdentifier: zRef,
  subActionTypeIdentifier: zRef,
  classificationIdentifier: zRef,
  status: z.enum(["scheduled", "executed", "cancelled", "failed"]),
  scheduledDate: z.string().nullable(),
  appliedOn: z.string().nullable(),
  previousGraceEnd: z.string().nullable(),
  newGraceEnd: z.string().nullable(),
  reactivated: z.boolean(),
  transactionReferenceNumber: z.string().nullable(),
  paymentGatewayCardIdentifier: zRef,
  performedByUserIdentifier: zRef,
  performedByUnitIdentifier: zRef,
  performedByBusinessUnitIdentifier: zRef,
  performedOn: z.string().nullable(),
  billingEffectiveDate: z.string().nullable(),
  billablePeriodStartDate: z.string().nullable(),
  udf: z.record(z.string(), z.union([z.string(), z.number()])),
  failure: z.object({ rule: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  executedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  version: z.number().int(),
});
export type ActionOutput = z.infer<typeof actionOutput>;

export const subscriptionOutput = z.object({
  locator: z.string(),
  tenantLocator: z.string(),
  accountLocator: z.string(),
  number: z.string(),
  state: zSubscriptionState,
  paymentModel: zPaymentModel,
  priceMinor: z.number().int(),
  currency: z.string(),
  billingPeriod: z.string(),
  anchorDate: z.string(),
  nextBillingDate: z.string(),
  paymentTermDays: z.number().int(),
  grace: z
    .object({ start: z.string(), end: z.string(), pausedOn: z.string().nullable(), daysLeft: z.number().int() })
    .nullable(),
  lapsedOn: z.string().nullable(),
  lapseReason: z.string().nullable(),
  heldFor: z.object({ invoicing: z.boolean(), delinquency: z.boolean() }),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  activatedOn: z.string().nullable(),
  terminatedOn: z.string().nullable(),
  terminationReason: z.string().nullable(),
});
export type SubscriptionOutput = z.infer<typeof subscriptionOutput>;

export const invoiceOutput = z.object({
  locator: z.string(),
  subscriptionLocator: z.string(),
  accountLocator: z.string(),
  number: z.string(),
  amountMinor: z.number().int(),
  paidMinor: z.number().int(),
  currency: z.string(),
  periods: z.number().int(),
  periodStart: z.string(),
  periodEnd: z.string(),
  issuedOn: z.string(),
  dueOn: z.string(),
  status: z.enum(INVOICE_STATUSES),
  paidOn: z.string().nullable(),
});
export type InvoiceOutput = z.infer<typeof invoiceOutput>;
