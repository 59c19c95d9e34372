/**
 * Form-shaped schemas for the subscription screens. A form's values (strings
 * from inputs) are turned into the API's input and parsed by the API's own
 * schema (`createSubscriptionInput`, `extendGracePeriodInput`,
 * `recordPaymentInput`), each issue reported at the form field that shows it,
 * so the form refuses what the server would refuse. On top, the domain's own
 * `checkGraceExtension` runs the rules that need no server data. Rules that
 * need the server (today in the tenant's time zone, uniqueness) come back as
 * server issues and are placed with `fieldForPath`.
 */
import {
  BILLING_PERIOD_NAMES,
  type BillingPeriod,
  checkGraceExtension,
  createSubscriptionInput,
  extendGracePeriodInput,
  type InvoiceOutput,
  issueRule,
  PAYMENT_MODELS,
  type PaymentModel,
  recordPaymentInput,
  type SubscriptionOutput,
} from "@holdfast/domain";
import { z } from "zod";
import { minorToMajorInput, parseMajorUnits } from "../money.ts";
import { toFieldName } from "./issue-paths.ts";

type Ctx = z.RefinementCtx;

interface CheckOptions {
  /** The form field that shows an issue at this API path (dotted field name). */
  fieldOf: (apiPath: string) => string;
  /** Fields whose emptiness is better said as "required" than by the schema's own words. */
  whenEmpty?: Record<string, string>;
  values: Record<string, unknown>;
  /** Issues the form reports better itself (by field and rule). */
  skip?: (field: string, rule: string | undefined) => boolean;
}

/**
 * Parses `input` with the API's schema; every issue goes to the field that
 * shows it. Returns the parsed input, or undefined when there were issues.
 */
function checkWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  ctx: Ctx,
  opts: CheckOptions,
): z.output<S> | undefined {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const field = opts.fieldOf(issue.path.map(String).join("."));
    const empty = opts.values[field] === "";
    const message = empty && opts.whenEmpty?.[field] ? opts.whenEmpty[field] : issue.message;
    if (opts.skip?.(field, issueRule(issue))) continue;
    // One message per field: an empty date fails two refinements with the same words.
    if (seen.has(`${field}\u0000${message}`)) continue;
    seen.add(`${field}\u0000${message}`);
    ctx.addIssue({ code: "custom", path: field.split("."), message });
  }
  return undefined;
}

const trimmedOrUndefined = (s: string): string | undefined => (s.trim() === "" ? undefined : s.trim());

// ---- New subscription ----

const subscriptionFormShape = z.object({
  accountLocator: z.string(),
  number: z.string(),
  paymentModel: z.enum(PAYMENT_MODELS),
  /** In major units, as typed: "19.99". */
  price: z.string(),
  currency: z.string(),
  billingPeriod: z.enum(BILLING_PERIOD_NAMES),
  startDate: z.string(),
  paymentTermDays: z.string(),
});
export type SubscriptionFormValues = z.input<typeof subscriptionFormShape>;

/** The form shows `priceMinor` beside its price in major units; every other path is its own field. */
export function subscriptionFieldFor(apiPath: string): string {
  const name = toFieldName(apiPath);
  return name === "priceMinor" ? "price" : name;
}

const WHOLE = /^\d+$/;

export const subscriptionForm = subscriptionFormShape.transform((v, ctx) => {
  const currency = v.currency.trim().toUpperCase();
  const price = parseMajorUnits(v.price, currency);
  const termDays = v.paymentTermDays.trim();
  if (!price.ok && !(price.message.startsWith("choose a valid currency") && currency === "")) {
    ctx.addIssue({ code: "custom", path: ["price"], message: price.message });
  }
  if (termDays !== "" && !WHOLE.test(termDays)) {
    ctx.addIssue({ code: "custom", path: ["paymentTermDays"], message: "must be a whole number of days" });
  }
  const input: z.input<typeof createSubscriptionInput> = {
    accountLocator: v.accountLocator,
    ...(trimmedOrUndefined(v.number) ? { number: v.number.trim() } : {}),
    paymentModel: v.paymentModel,
    // An unreadable price is reported above, once.
    priceMinor: price.ok ? price.minor : 0,
    currency,
    billingPeriod: v.billingPeriod,
    startDate: v.startDate,
    ...(termDays !== "" && WHOLE.test(termDays) ? { paymentTermDays: Number(termDays) } : {}),
  };
  const parsed = checkWith(createSubscriptionInput, input, ctx, {
    fieldOf: subscriptionFieldFor,
    values: v,
    whenEmpty: { accountLocator: "Choose an account", startDate: "required", currency: "required" },
  });
  if (!parsed || !price.ok || (termDays !== "" && !WHOLE.test(termDays))) return z.NEVER;
  return parsed;
});
export type SubscriptionFormOutput = z.output<typeof subscriptionForm>;

export const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "CZK", "PLN", "SEK", "NOK", "DKK", "JPY"] as const;

export function subscriptionFormDefaults(): SubscriptionFormValues {
  return {
    accountLocator: "",
    number: "",
    paymentModel: "pay_after_bill",
    price: "",
    currency: "EUR",
    billingPeriod: "monthly",
    startDate: "",
    paymentTermDays: "14",
  };
}

export const PAYMENT_MODEL_LABELS: Record<PaymentModel, string> = {
  pay_before_bill: "Pay before bill",
  pay_after_bill: "Pay after bill",
};

export const BILLING_PERIOD_LABELS: Record<BillingPeriod, string> = {
  monthly: "Monthly",
  quarterly: "Quarterly",
  semiannual: "Semiannual",
  annual: "Annual",
};

// ---- Extend the grace period ----

/** CRM.COM's user-defined fields: 8 strings, 4 floats, 4 dates. */
export const UDF_STRINGS = [
  "udfString1",
  "udfString2",
  "udfString3",
  "udfString4",
  "udfString5",
  "udfString6",
  "udfString7",
  "udfString8",
] as const;
export const UDF_FLOATS = ["udfFloat1", "udfFloat2", "udfFloat3", "udfFloat4"] as const;
export const UDF_DATES = ["udfDate1", "udfDate2", "udfDate3", "udfDate4"] as const;
const UDF_KEYS = [...UDF_STRINGS, ...UDF_FLOATS, ...UDF_DATES];
type UdfKey = (typeof UDF_KEYS)[number];

export const REFERENCE_KINDS = ["id", "number", "name"] as const;
const zReferenceKind = z.enum(REFERENCE_KINDS);

/** Free-form references the form takes as one text each (and, for the card, how it identifies it). */
const REFERENCE_FIELDS = [
  "paymentGatewayCardIdentifier",
  "performedByUserIdentifier",
  "performedByUnitIdentifier",
  "performedByBusinessUnitIdentifier",
] as const;

const extendFormShape = z.object({
  /** Exactly one way to say the new end: a date, or a number of days from the day it is applied. */
  endBy: z.enum(["days", "date"]),
  endGracePeriodAfterDays: z.string(),
  endGracePeriodOn: z.string(),
  scheduledDate: z.string(),
  transactionReferenceNumber: z.string(),
  cardBy: zReferenceKind,
  paymentGatewayCardIdentifier: z.string(),
  performedByUserIdentifier: z.string(),
  performedByUnitIdentifier: z.string(),
  performedByBusinessUnitIdentifier: z.string(),
  performedOn: z.string(),
  billingEffectiveDate: z.string(),
  billablePeriodStartDate: z.string(),
  ...(Object.fromEntries(UDF_KEYS.map((k) => [k, z.string()])) as Record<UdfKey, z.ZodString>),
});
export type ExtendFormValues = z.input<typeof extendFormShape>;

export function extendFormDefaults(): ExtendFormValues {
  return {
    endBy: "days",
    endGracePeriodAfterDays: "",
    endGracePeriodOn: "",
    scheduledDate: "",
    transactionReferenceNumber: "",
    cardBy: "id",
    paymentGatewayCardIdentifier: "",
    performedByUserIdentifier: "",
    performedByUnitIdentifier: "",
    performedByBusinessUnitIdentifier: "",
    performedOn: "",
    billingEffectiveDate: "",
    billablePeriodStartDate: "",
    ...(Object.fromEntries(UDF_KEYS.map((k) => [k, ""])) as Record<UdfKey, string>),
  };
}

/**
 * Where the extend form shows an issue at an API path: a reference's inner
 * field (`paymentGatewayCardIdentifier.id`) beside its one input, "give exactly
 * one end" beside the end the person chose.
 */
export function extendFieldFor(apiPath: string, endBy: "days" | "date"): string {
  const name = toFieldName(apiPath);
  const head = name.split(".")[0] ?? name;
  if ((REFERENCE_FIELDS as readonly string[]).includes(head)) return head;
  if (head === "endGracePeriodOn" || head === "endGracePeriodAfterDays") {
    return endBy === "days" ? "endGracePeriodAfterDays" : "endGracePeriodOn";
  }
  return name;
}

type Grace = { state: SubscriptionOutput["state"]; paymentModel: PaymentModel; grace: SubscriptionOutput["grace"] };

/** Far enough that the domain's "not in the past" check says nothing: the client does not know today. */
const NEUTRAL_TODAY = "1900-01-01";

/** The extend dialog's schema for one subscription: its values become an `extendGracePeriodInput`. */
export function extendForm(sub: Pick<SubscriptionOutput, "locator"> & Grace) {
  return extendFormShape.transform((v, ctx) => {
    let ok = true;
    const fail = (path: string, message: string) => {
      ok = false;
      ctx.addIssue({ code: "custom", path: [path], message });
    };
    const days = v.endGracePeriodAfterDays.trim();
    if (v.endBy === "days") {
      if (days === "") fail("endGracePeriodAfterDays", "enter a number of days");
      else if (!WHOLE.test(days)) fail("endGracePeriodAfterDays", "must be a whole number of days");
    } else if (v.endGracePeriodOn === "") {
      fail("endGracePeriodOn", "choose the new end date");
    }
    const floats: Partial<Record<(typeof UDF_FLOATS)[number], number>> = {};
    for (const key of UDF_FLOATS) {
      const text = v[key].trim();
      if (text === "") continue;
      const n = Number(text);
      if (Number.isFinite(n)) floats[key] = n;
      else fail(key, "must be a number");
    }
    const card = v.paymentGatewayCardIdentifier.trim();
    const ref = (text: string, kind: (typeof REFERENCE_KINDS)[number] = "name") =>
      text.trim() === "" ? undefined : { [kind]: text.trim() };
    const optional = <K extends string>(key: K, value: unknown) => (value === undefined ? {} : { [key]: value });
    const input: z.input<typeof extendGracePeriodInput> = {
      subscriptionIdentifier: { id: sub.locator },
      ...(v.endBy === "days"
        ? optional("endGracePeriodAfterDays", WHOLE.test(days) ? Number(days) : undefined)
        : optional("endGracePeriodOn", v.endGracePeriodOn || undefined)),
      ...optional("scheduledDate", v.scheduledDate || undefined),
      ...optional("transactionReferenceNumber", trimmedOrUndefined(v.transactionReferenceNumber)),
      ...optional("paymentGatewayCardIdentifier", card ? { [v.cardBy]: card } : undefined),
      ...optional("performedByUserIdentifier", ref(v.performedByUserIdentifier)),
      ...optional("performedByUnitIdentifier", ref(v.performedByUnitIdentifier)),
      ...optional("performedByBusinessUnitIdentifier", ref(v.performedByBusinessUnitIdentifier)),
      ...optional("performedOn", v.performedOn || undefined),
      ...optional("billingEffectiveDate", v.billingEffectiveDate || undefined),
      ...optional("billablePeriodStartDate", v.billablePeriodStartDate || undefined),
      ...Object.fromEntries(UDF_STRINGS.filter((k) => v[k] !== "").map((k) => [k, v[k]])),
      ...floats,
      ...Object.fromEntries(UDF_DATES.filter((k) => v[k] !== "").map((k) => [k, v[k]])),
    };
    const parsed = checkWith(extendGracePeriodInput, input, ctx, {
      fieldOf: (path) => extendFieldFor(path, v.endBy),
      values: v,
      // Said above, in the person's terms.
      skip: (_field, rule) => rule === "exactly_one_end",
    });
    if (!parsed) return z.NEVER;

    // The rules the server applies that need no server data.
    const scheduled = parsed.scheduledDate !== undefined;
    if (scheduled && parsed.endGracePeriodOn !== undefined && parsed.endGracePeriodOn < (parsed.scheduledDate ?? "")) {
      fail("endGracePeriodOn", "the new end is before the scheduled date");
    }
    // A scheduled extension meets the end rules on its date, against the grace period then.
    const newEnd = !scheduled && parsed.endGracePeriodOn !== undefined ? parsed.endGracePeriodOn : "9999-12-31";
    for (const p of checkGraceExtension(sub, parsed, newEnd, NEUTRAL_TODAY)) {
      if (p.rule === "not_in_past") continue;
      fail(extendFieldFor(p.path, v.endBy), p.message);
    }
    return ok ? parsed : z.NEVER;
  });
}
export type ExtendFormOutput = z.output<ReturnType<typeof extendForm>>;

// ---- Record a payment ----

const paymentFormShape = z.object({ amount: z.string(), paidOn: z.string() });
export type PaymentFormValues = z.input<typeof paymentFormShape>;

export function paymentFieldFor(apiPath: string): string {
  const name = toFieldName(apiPath);
  return name === "amountMinor" ? "amount" : name;
}

/** A payment against one open invoice, at most what is outstanding. */
export function paymentForm(invoice: Pick<InvoiceOutput, "locator" | "amountMinor" | "paidMinor" | "currency">) {
  const outstanding = invoice.amountMinor - invoice.paidMinor;
  return paymentFormShape.transform((v, ctx) => {
    const amount = parseMajorUnits(v.amount, invoice.currency);
    if (!amount.ok) {
      ctx.addIssue({ code: "custom", path: ["amount"], message: amount.message });
      return z.NEVER;
    }
    if (amount.minor > outstanding) {
      ctx.addIssue({
        code: "custom",
        path: ["amount"],
        message: `the invoice has ${minorToMajorInput(outstanding, invoice.currency)} ${invoice.currency} outstanding`,
      });
      return z.NEVER;
    }
    const parsed = checkWith(
      recordPaymentInput,
      { invoiceLocator: invoice.locator, amountMinor: amount.minor, ...(v.paidOn ? { paidOn: v.paidOn } : {}) },
      ctx,
      { fieldOf: paymentFieldFor, values: v },
    );
    return parsed ?? z.NEVER;
  });
}
export type PaymentFormOutput = z.output<ReturnType<typeof paymentForm>>;

export function paymentFormDefaults(invoice: Pick<InvoiceOutput, "amountMinor" | "paidMinor" | "currency">) {
  return { amount: minorToMajorInput(invoice.amountMinor - invoice.paidMinor, invoice.currency), paidOn: "" };
}
