import type { SubscriptionOutput } from "@holdfast/domain";
import { issuesOfZod } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import {
  extendFieldFor,
  extendForm,
  extendFormDefaults,
  paymentForm,
  paymentFormDefaults,
  subscriptionFieldFor,
  subscriptionForm,
  subscriptionFormDefaults,
} from "./subscription-forms.ts";

const ACCOUNT = "01HZY0ACCT0000000000000000";
const SUB = "01HZY0SBSC0000000000000000";

describe("the new subscription form (createSubscriptionInput behind form values)", () => {
  const base = {
    ...subscriptionFormDefaults(),
    accountLocator: ACCOUNT,
    price: "129.50",
    startDate: "2030-06-01",
  };

  it("converts the price in major units to integer minor units, exactly", () => {
    expect(subscriptionForm.parse({ ...base, price: "0.58", currency: "eur", paymentTermDays: "10" })).toEqual({
      accountLocator: ACCOUNT,
      paymentModel: "pay_after_bill",
      priceMinor: 58,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: "2030-06-01",
      paymentTermDays: 10,
    });
    expect(subscriptionForm.parse({ ...base, price: "1999", currency: "JPY" }).priceMinor).toBe(1999);
  });

  it("leaves an empty payment term to the schema's default and sends a number only when given", () => {
    expect(subscriptionForm.parse({ ...base, paymentTermDays: "" }).paymentTermDays).toBe(14);
    expect(subscriptionForm.parse({ ...base, number: "  SUB-42 " }).number).toBe("SUB-42");
  });

  it.each([
    [
      "an empty form",
      subscriptionFormDefaults(),
      ["price: enter an amount", "accountLocator: Choose an account", "startDate: required"],
    ],
    ["too many decimals", { ...base, price: "9.999" }, ["price: EUR has 2 decimal places: enter at most 2"]],
    [
      "a price beyond the schema's maximum",
      { ...base, price: "10000000001" },
      ["price: Too big: expected number to be <=1000000000000"],
    ],
    [
      "a currency that is no ISO code",
      { ...base, currency: "EURO" },
      ["price: choose a valid currency first", "currency: must be an ISO 4217 code such as EUR"],
    ],
    [
      "a payment term with a fraction",
      { ...base, paymentTermDays: "1.5" },
      ["paymentTermDays: must be a whole number of days"],
    ],
    [
      "a payment term over a year",
      { ...base, paymentTermDays: "400" },
      ["paymentTermDays: Too big: expected number to be <=365"],
    ],
    [
      "an impossible date",
      { ...base, startDate: "2030-02-30" },
      ["startDate: must be a calendar date written YYYY-MM-DD, from 1900-01-01"],
    ],
  ])("refuses %s at the fields that show it", (_name, values, issues) => {
    expect(issuesOfZod(subscriptionForm.safeParse(values))).toEqual(issues);
  });

  it("shows the server's priceMinor issues beside the price", () => {
    expect(subscriptionFieldFor("priceMinor")).toBe("price");
    expect(subscriptionFieldFor("accountLocator")).toBe("accountLocator");
  });
});

const effective = (over: Partial<SubscriptionOutput> = {}) => ({
  locator: SUB,
  state: "effective" as const,
  paymentModel: "pay_after_bill" as const,
  grace: { start: "2030-05-31", end: "2030-06-14", pausedOn: null, daysLeft: 4 },
  ...over,
});

describe("the extend-grace dialog (extendGracePeriodInput behind form values)", () => {
  const d = extendFormDefaults();

  it("sends exactly one end: the number of days when days are chosen", () => {
    expect(
      extendForm(effective()).parse({
        ...d,
        endBy: "days",
        endGracePeriodAfterDays: "30",
        endGracePeriodOn: "2030-07-01",
      }),
    ).toEqual({ subscriptionIdentifier: { id: SUB }, endGracePeriodAfterDays: 30 });
  });

  it("sends the date, the schedule, the reference, the card, performers and UDFs when given", () => {
    const parsed = extendForm(effective({ paymentModel: "pay_before_bill" })).parse({
      ...d,
      endBy: "date",
      endGracePeriodAfterDays: "5",
      endGracePeriodOn: "2030-08-01",
      scheduledDate: "2030-06-20",
      transactionReferenceNumber: " TRN-7 ",
      cardBy: "number",
      paymentGatewayCardIdentifier: "CARD-1",
      performedByUserIdentifier: "Olga",
      udfString1: "call centre",
      udfFloat2: "12.5",
      udfDate3: "2030-06-11",
    });
    expect(parsed).toEqual({
      subscriptionIdentifier: { id: SUB },
      endGracePeriodOn: "2030-08-01",
      scheduledDate: "2030-06-20",
      transactionReferenceNumber: "TRN-7",
      paymentGatewayCardIdentifier: { number: "CARD-1" },
      performedByUserIdentifier: { name: "Olga" },
      udfString1: "call centre",
      udfFloat2: 12.5,
      udfDate3: "2030-06-11",
    });
  });

  it.each([
    ["no number of days", effective(), { endBy: "days" }, ["endGracePeriodAfterDays: enter a number of days"]],
    ["no date", effective(), { endBy: "date" }, ["endGracePeriodOn: choose the new end date"]],
    [
      "a fraction of a day",
      effective(),
      { endGracePeriodAfterDays: "1.5" },
      ["endGracePeriodAfterDays: must be a whole number of days"],
    ],
    [
      "zero days",
      effective(),
      { endGracePeriodAfterDays: "0" },
      ["endGracePeriodAfterDays: Too small: expected number to be >=1"],
    ],
    [
      "an end not later than the current one",
      effective(),
      { endBy: "date", endGracePeriodOn: "2030-06-14" },
      ["endGracePeriodOn: the new end 2030-06-14 must be later than the current end 2030-06-14"],
    ],
    [
      "an end before the scheduled date",
      effective(),
      { endBy: "date", endGracePeriodOn: "2030-07-01", scheduledDate: "2030-07-05" },
      ["endGracePeriodOn: the new end is before the scheduled date"],
    ],
    [
      "no card for a pay-before-bill subscription",
      effective({ paymentModel: "pay_before_bill" }),
      { endGracePeriodAfterDays: "10" },
      ["paymentGatewayCardIdentifier: a payment gateway card is required for pay-before-bill subscriptions"],
    ],
    [
      "a UDF float that is no number",
      effective(),
      { endGracePeriodAfterDays: "10", udfFloat1: "abc" },
      ["udfFloat1: must be a number"],
    ],
    [
      "a terminated subscription",
      effective({ state: "terminated" }),
      { endGracePeriodAfterDays: "10" },
      [
        "subscriptionIdentifier: the grace period can be extended only for draft, effective or not effective subscriptions, not terminated",
      ],
    ],
  ])("refuses %s", (_name, sub, values, issues) => {
    expect(issuesOfZod(extendForm(sub).safeParse({ ...d, ...values }))).toEqual(issues);
  });

  it("lets a scheduled end be checked against the grace period of its date, by the server", () => {
    const parsed = extendForm(effective()).parse({
      ...d,
      endBy: "date",
      endGracePeriodOn: "2030-06-12",
      scheduledDate: "2030-06-11",
    });
    expect(parsed.endGracePeriodOn).toBe("2030-06-12");
  });

  it.each([
    ["endGracePeriodAfterDays", "days", "endGracePeriodAfterDays"],
    ["endGracePeriodOn", "days", "endGracePeriodAfterDays"],
    ["endGracePeriodOn", "date", "endGracePeriodOn"],
    ["paymentGatewayCardIdentifier", "days", "paymentGatewayCardIdentifier"],
    ["paymentGatewayCardIdentifier.id", "days", "paymentGatewayCardIdentifier"],
    ["performedByUserIdentifier.name", "date", "performedByUserIdentifier"],
    ["udfFloat3", "date", "udfFloat3"],
  ] as const)("the server's %s (ending by %s) shows beside %s", (path, endBy, field) => {
    expect(extendFieldFor(path, endBy)).toBe(field);
  });
});

describe("the record-payment dialog (recordPaymentInput behind form values)", () => {
  const invoice = { locator: "01HZY0NVCE0000000000000000", amountMinor: 12950, paidMinor: 2950, currency: "EUR" };

  it("proposes what is outstanding and sends integer minor units", () => {
    expect(paymentFormDefaults(invoice)).toEqual({ amount: "100.00", paidOn: "" });
    expect(paymentForm(invoice).parse({ amount: "100", paidOn: "" })).toEqual({
      invoiceLocator: invoice.locator,
      amountMinor: 10000,
    });
  });

  it.each([
    [{ amount: "100.01", paidOn: "" }, ["amount: the invoice has 100.00 EUR outstanding"]],
    [{ amount: "0", paidOn: "" }, ["amount: must be at least 1"]],
    [{ amount: "", paidOn: "" }, ["amount: enter an amount"]],
    [{ amount: "5", paidOn: "2030-13-01" }, ["paidOn: must be a calendar date written YYYY-MM-DD, from 1900-01-01"]],
  ])("refuses %j", (values, issues) => {
    expect(issuesOfZod(paymentForm(invoice).safeParse(values))).toEqual(issues);
  });
});
