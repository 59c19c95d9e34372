/**
 * Subscriptions, the grace period and the worker in the dashboard, end to end
 * with real parts only: a real PostgreSQL (cloned from the migrated template
 * the globalSetup made), the real services and worker tick to set the scene,
 * the real HTTP server serving the built dashboard, a real Chromium.
 *
 * The scene: a monthly subscription from 2030-05-20, payment term 10 days.
 * The worker invoices it on 2030-05-20 (due 2030-05-30); on 2030-05-31 the
 * invoice is overdue and a 14-day grace period starts, ending 2030-06-14.
 * Today is 2030-06-10: four days of grace left.
 */
import { existsSync } from "node:fs";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { createSubscriptionInput } from "@holdfast/domain";
import {
  activateSubscription,
  createAccount,
  createSubscription,
  fixedClock,
  forTenant,
  provisionTenant,
  publicWorkerId,
  runTick,
} from "@holdfast/services";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, gone, shows, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const SCREENSHOT = "/tmp/holdfast-subscription.png";
const LIST_SCREENSHOT = "/tmp/holdfast-subscriptions-list.png";
const DIALOG_SCREENSHOT = "/tmp/holdfast-extend-grace.png";
const WORKER_SCREENSHOT = "/tmp/holdfast-worker.png";
const TODAY = "2030-06-10";
const PASSWORD = "correct horse battery staple";
const EMAIL = "billing@acme.test";
const USER_NAME = "Olga Ops";
const ACCOUNT = "Grand Hotel Prague";
const OTHER_ACCOUNT = "Riverside Suites";
const SUB_NUMBER = "SUB-GRACE-1";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let clock: ReturnType<typeof fixedClock>;
let subscriptionLocator = "";

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  clock = fixedClock("2030-05-20T09:00:00Z");
  const acme = await provisionTenant(db, {
    name: "Acme Hotels Group",
    email: EMAIL,
    password: PASSWORD,
    userName: USER_NAME,
  });
  const tenantId = acme.tenantId;
  const system = forTenant({ db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } }, tenantId);
  const account = await createAccount(system, { name: ACCOUNT });
  await createAccount(system, { name: OTHER_ACCOUNT });
  const sub = await createSubscription(
    system,
    createSubscriptionInput.parse({
      accountLocator: account.locator,
      number: SUB_NUMBER,
      paymentModel: "pay_after_bill",
      priceMinor: 12950,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: "2030-05-20",
      paymentTermDays: 10,
    }),
  );
  subscriptionLocator = sub.locator;
  await activateSubscription(system, { locator: sub.locator });
  // The worker's day: the first invoice.
  expect((await runTick(db, clock, "e2e")).counts.invoicesIssued).toBe(1);
  // Three weeks later: the days in between are caught up; the invoice went overdue on 2030-05-31.
  clock.set(`${TODAY}T12:00:00Z`);
  const caughtUp = await runTick(db, clock, "e2e");
  expect(caughtUp.errors).toEqual([]);
  expect(caughtUp.counts.gracePeriodsStarted).toBe(1);

  world = await startBrowserWorld(db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

const nav = (name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });
const view = (name: string) =>
  page.getByRole("navigation", { name: "Subscription views" }).getByRole("link", { name, exact: true });
const rows = () => page.getByTestId("subscription-row");
const actionRows = () => page.getByTestId("action-row");
const extendDialog = () => page.getByRole("dialog", { name: `Extend the grace period of ${SUB_NUMBER}` });

async function cells(row: Locator): Promise<string[]> {
  return (await row.locator("td").allInnerTexts()).map((c) => c.replace(/\s+/g, " ").trim());
}

describe("subscriptions and the grace period in a real browser", () => {
  it("signs in and finds the subscription in grace, lapsing soon, and not lapsed", async () => {
    await page.goto("/");
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Signing in lands on the overview.
    await page.getByRole("heading", { name: "Overview" }).waitFor();

    await nav("Subscriptions").click();
    await page.getByRole("heading", { name: "Subscriptions" }).waitFor();
    await rows().first().waitFor();
    expect(await rows().count()).toBe(1);

    await view("In grace").click();
    expect(await view("In grace").getAttribute("aria-current")).toBe("page");
    expect(new URL(page.url()).search).toBe("?view=in_grace");
    await shows(rows().first(), "4 days left");
    const [number, account, state, price, period, nextBilling, grace] = await cells(rows().first());
    expect([number, account, state, period, nextBilling, grace]).toEqual([
      SUB_NUMBER,
      ACCOUNT,
      "effective",
      "monthly",
      "2030-06-20",
      "2030-06-14 4 days left",
    ]);
    expect(price).toMatch(/129\.50/);
    expect(price).toMatch(/€|EUR/);
    await page.screenshot({ path: LIST_SCREENSHOT });

    // Lapsing soon: within 7 days by default, not within 3.
    await view("Lapsing soon").click();
    expect(await page.getByLabel("Grace ends within (days)").inputValue()).toBe("7");
    await shows(rows().first(), SUB_NUMBER);
    await page.getByLabel("Grace ends within (days)").fill("3");
    await shows(page.getByTestId("subscriptions-empty"), "No grace period ends within 3 days.");
    expect(new URL(page.url()).searchParams.get("days")).toBe("3");

    await view("Lapsed").click();
    await shows(page.getByTestId("subscriptions-empty"), "No subscription has lapsed.");
    // Back in the browser: the view, the days and the input follow the URL.
    await page.goBack();
    await shows(page.getByTestId("subscriptions-empty"), "No grace period ends within 3 days.");
    expect(await page.getByLabel("Grace ends within (days)").inputValue()).toBe("3");
    // Leaving the view forgets the days: coming back starts from 7 again.
    await view("Lapsed").click();
    await page.getByTestId("subscriptions-empty").waitFor();
    await view("Lapsing soon").click();
    await shows(rows().first(), SUB_NUMBER);
    expect(await page.getByLabel("Grace ends within (days)").inputValue()).toBe("7");

    await view("In grace").click();
    await rows().first().click();
    await page.getByRole("heading", { name: `Subscription ${SUB_NUMBER}` }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/subscriptions/${subscriptionLocator}`);
  });

  it("shows the invoice, the grace period, the holds and the history", async () => {
    expect(await page.getByTestId("grace-end").textContent()).toBe("2030-06-14");
    expect(await page.getByTestId("grace-days-left").textContent()).toBe("4 days left");
    expect(await page.getByTestId("held-invoicing").textContent()).toBe("not held");
    expect(await page.getByTestId("held-delinquency").textContent()).toBe("not held");
    expect(await page.getByRole("link", { name: "See the account's holds" }).getAttribute("href")).toMatch(
      /^\/holds\?account=[0-9A-Z]{26}$/,
    );

    const invoice = page.getByTestId("invoice-row");
    await invoice.first().waitFor();
    expect(await invoice.count()).toBe(1);
    const [, periodText, periods, amount, paid, issued, due, status] = await cells(invoice.first());
    expect([periodText, periods, issued, due, status]).toEqual([
      "2030-05-20 – 2030-06-19",
      "1",
      "2030-05-20",
      "2030-05-30",
      "open",
    ]);
    expect(amount).toMatch(/129\.50/);
    expect(paid).toMatch(/0\.00/);

    await page.getByTestId("actions-empty").waitFor();
    await shows(page.getByTestId("history-entry"), "startGracePeriod");
    const actions = await page.getByTestId("history-entry").evaluateAll((els) => els.map((e) => e.dataset.action));
    expect(actions).toEqual(["create", "activate", "issueInvoice", "startGracePeriod"]);
    await shows(page.getByTestId("history-entry").last(), "grace period 2030-05-31 → 2030-06-14");
  });

  it("extends the grace period by a number of days, refusing first an end that is not later", async () => {
    await page.getByRole("button", { name: "Extend grace period" }).click();
    const dialog = extendDialog();
    await dialog.waitFor();
    // Exactly one way to give the end: the radio shows one field at a time.
    await dialog.getByLabel("A date").check();
    await dialog.getByLabel("End the grace period on").waitFor();
    expect(await dialog.getByLabel("Days from the day it is applied").count()).toBe(0);
    await dialog.getByLabel("A number of days").check();
    expect(await dialog.getByLabel("End the grace period on").count()).toBe(0);

    // Nothing given: the dialog says so before any call.
    await dialog.getByRole("button", { name: "Extend grace period" }).click();
    await shows(dialog.getByTestId("error-endGracePeriodAfterDays"), "enter a number of days");

    // One day from today (2030-06-11) is not later than 2030-06-14: only the server knows today.
    await dialog.getByLabel("Days from the day it is applied").fill("1");
    await dialog.getByRole("button", { name: "Extend grace period" }).click();
    await shows(
      dialog.getByTestId("error-endGracePeriodAfterDays"),
      "the new end 2030-06-11 must be later than the current end 2030-06-14",
    );
    expect(await dialog.getByLabel("Days from the day it is applied").getAttribute("aria-invalid")).toBe("true");
    // The preview said so before the call, with the server's today and its rule.
    expect(await dialog.getByTestId("grace-preview-end").textContent()).toBe(
      "New end 2030-06-11 (−3 days from the current end 2030-06-14)",
    );
    await shows(dialog.getByTestId("grace-preview"), `Days count from today, ${TODAY}.`);
    await shows(dialog.getByTestId("grace-preview-problem"), "must be later than the current end 2030-06-14");
    await page.screenshot({ path: DIALOG_SCREENSHOT });

    await dialog.getByLabel("Days from the day it is applied").fill("30");
    // Fixed: the refusal goes, and the preview shows the end the server will store.
    await gone(dialog.getByTestId("error-endGracePeriodAfterDays"));
    expect(await dialog.getByLabel("Days from the day it is applied").getAttribute("aria-invalid")).toBeNull();
    expect(await dialog.getByTestId("grace-preview-problem").count()).toBe(0);
    const previewed = await dialog.getByTestId("grace-preview-end").textContent();
    expect(previewed).toBe("New end 2030-07-10 (+26 days from the current end 2030-06-14)");
    await dialog.getByLabel("Transaction reference number (optional)").fill("TRN-E2E-1");
    await dialog.getByText("Performer, billing dates and user-defined fields").click();
    await dialog.getByLabel("Performed by user (name)").fill("Olga at the front desk");
    await dialog.getByLabel("udfString1", { exact: true }).fill("goodwill");
    await dialog.getByRole("button", { name: "Extend grace period" }).click();
    await gone(dialog);

    await shows(page.getByTestId("subscription-notice"), "Grace period extended: it now ends 2030-07-10.");
    await shows(page.getByTestId("grace-end"), "2030-07-10");
    expect(previewed).toContain(`New end ${await page.getByTestId("grace-end").textContent()} `);
    expect(await page.getByTestId("grace-days-left").textContent()).toBe("30 days left");
    await actionRows().first().waitFor();
    const executed = actionRows().first();
    expect(await executed.getAttribute("data-status")).toBe("executed");
    const [status, scheduled, appliedOn, graceChange, trn, performer, udfs] = await cells(executed);
    expect([status, scheduled, appliedOn, graceChange, trn]).toEqual([
      "executed",
      "now",
      TODAY,
      "2030-06-14 → 2030-07-10",
      "TRN-E2E-1",
    ]);
    expect(performer).toContain("user Olga at the front desk");
    // The session's actor is named by the user's email (services/access.ts), as the header shows it.
    expect(performer).toContain(`requested by ${await page.locator(".user-name").textContent()}`);
    expect(udfs).toBe("udfString1=goodwill");
    await shows(page.getByTestId("history-entry").last(), "grace end 2030-06-14 → 2030-07-10");
  });

  it("schedules an extension for a future date, then cancels it", async () => {
    await page.getByRole("button", { name: "Extend grace period" }).click();
    const dialog = extendDialog();
    await dialog.waitFor();
    await dialog.getByLabel("A date").check();
    await dialog.getByLabel("End the grace period on").fill("2030-08-01");
    await dialog.getByLabel("Scheduled date (optional)").fill("2030-06-20");
    expect(await dialog.getByTestId("grace-preview-end").textContent()).toBe(
      "New end 2030-08-01 (+22 days from the current end 2030-07-10)",
    );
    // Counted from the scheduled date, not today.
    await dialog.getByLabel("A number of days").check();
    await dialog.getByLabel("Days from the day it is applied").fill("30");
    expect(await dialog.getByTestId("grace-preview-end").textContent()).toBe(
      "New end 2030-07-20 (+10 days from the current end 2030-07-10)",
    );
    await shows(dialog.getByTestId("grace-preview"), "Days count from the scheduled date, 2030-06-20.");
    await dialog.getByLabel("A date").check();
    await dialog.getByLabel("End the grace period on").fill("2030-08-01");
    await dialog.getByRole("button", { name: "Extend grace period" }).click();
    await gone(dialog);
    await shows(page.getByTestId("subscription-notice"), "Extension scheduled for 2030-06-20.");

    const scheduled = page.locator('[data-testid="action-row"][data-status="scheduled"]');
    await scheduled.waitFor();
    expect(await actionRows().count()).toBe(2);
    expect((await cells(scheduled)).slice(0, 4)).toEqual(["scheduled", "2030-06-20", "—", "—"]);
    // Not run yet: the grace period is as before.
    expect(await page.getByTestId("grace-end").textContent()).toBe("2030-07-10");

    await scheduled.getByRole("button", { name: "Cancel" }).click();
    const confirm = page.getByRole("dialog", { name: "Cancel the scheduled extension?" });
    await confirm.waitFor();
    await confirm.getByLabel("Reason").fill("Agreed a payment plan");
    await confirm.getByRole("button", { name: "Cancel extension" }).click();
    await gone(confirm);
    const cancelled = page.locator('[data-testid="action-row"][data-status="cancelled"]');
    await cancelled.waitFor();
    expect((await cells(cancelled))[0]).toMatch(/^cancelled cancelled /);
    await shows(page.getByTestId("subscription-notice"), "The extension scheduled for 2030-06-20 is cancelled.");
    expect(await cancelled.getByRole("button", { name: "Cancel" }).count()).toBe(0);
    expect(await page.getByTestId("grace-end").textContent()).toBe("2030-07-10");

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it("shows the worker's status and its ticks, refreshing by itself", async () => {
    await nav("Worker").click();
    await page.getByRole("heading", { name: "Worker" }).waitFor();
    expect(await page.getByTestId("worker-today").textContent()).toBe(TODAY);
    expect(await page.getByTestId("worker-processed-through").textContent()).toBe("2030-06-09");
    expect(await page.getByTestId("worker-lag-days").textContent()).toBe("0 days");
    expect(await page.getByTestId("worker-lag-seconds").textContent()).toMatch(/^\d+ (s|min)/);
    expect(await page.getByTestId("worker-due-invoices").textContent()).toBe("0");
    const ticks = page.getByTestId("tick-row");
    await ticks.first().waitFor();
    expect(await ticks.count()).toBe(2);
    const [worker, , , status, counts, errors] = await cells(ticks.first());
    // The worker's opaque id, never its host name and pid; the tenant's own counts only.
    expect([worker, status, errors]).toEqual([publicWorkerId("e2e"), "succeeded", "none"]);
    expect(counts).toContain("daysProcessed=22");
    expect(counts).toContain("gracePeriodsStarted=1");
    expect(await cells(ticks.last())).toContain(publicWorkerId("e2e"));
    expect((await cells(ticks.last()))[4]).toContain("invoicesIssued=1");

    // A worker ticks while the page is open: it shows within one refresh.
    const { db } = testDb as TestDatabase;
    await runTick(db, clock, "e2e-second");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tick-row"]').length === 3, undefined, {
      timeout: 12_000,
    });
    expect((await cells(ticks.first()))[0]).toBe(publicWorkerId("e2e-second"));
    await page.screenshot({ path: WORKER_SCREENSHOT, fullPage: true });
  });

  it("creates a subscription in draft from the form, then activates and terminates it", async () => {
    await nav("Subscriptions").click();
    await page.getByRole("link", { name: "New subscription" }).click();
    await page.getByRole("heading", { name: "New subscription" }).waitFor();
    await page.getByRole("button", { name: "Create subscription" }).click();
    await shows(page.getByTestId("error-accountLocator"), "Choose an account");
    await shows(page.getByTestId("error-price"), "enter an amount");
    await shows(page.getByTestId("error-startDate"), "required");

    // The account picker searches as you type: part of the name, then the match.
    await page.getByLabel("Account", { exact: true }).fill("riverside");
    await page
      .getByRole("listbox", { name: "Matching accounts" })
      .getByRole("option", { name: new RegExp(`^${OTHER_ACCOUNT}`) })
      .click();
    expect(await page.getByLabel("Account", { exact: true }).inputValue()).toBe(OTHER_ACCOUNT);
    await page.getByLabel("Price per period").fill("49.999");
    await page.getByLabel("Start date").fill("2030-07-01");
    await page.getByRole("button", { name: "Create subscription" }).click();
    await shows(page.getByTestId("error-price"), "EUR has 2 decimal places: enter at most 2");
    await page.getByLabel("Price per period").fill("49.9");
    await page.getByLabel("Billing period").selectOption("quarterly");
    await page.getByRole("button", { name: "Create subscription" }).click();

    await page.getByRole("heading", { name: /^Subscription SUB-/ }).waitFor();
    expect(await page.getByTestId("subscription-state").textContent()).toBe("draft");
    expect(await page.getByTestId("subscription-price").textContent()).toMatch(/49\.90.*quarterly/);
    expect(await page.getByTestId("next-billing-date").textContent()).toBe("2030-07-01");
    await page.getByTestId("invoices-empty").waitFor();

    await page.getByRole("button", { name: "Activate" }).click();
    await shows(page.getByTestId("subscription-state"), "effective");
    expect(await page.getByRole("button", { name: "Activate" }).count()).toBe(0);

    await page.getByRole("button", { name: "Terminate" }).click();
    const confirm = page.getByRole("dialog", { name: /^Terminate subscription SUB-/ });
    await confirm.getByRole("button", { name: "Keep it" }).click();
    await gone(confirm);
    expect(await page.getByTestId("subscription-state").textContent()).toBe("effective");
    await page.getByRole("button", { name: "Terminate" }).click();
    await confirm.getByLabel("Reason").fill("Contract ended");
    await confirm.getByRole("button", { name: "Terminate" }).click();
    await shows(page.getByTestId("subscription-state"), "terminated");
    expect(await page.getByRole("button", { name: "Extend grace period" }).count()).toBe(0);

    await nav("Subscriptions").click();
    await rows().nth(1).waitFor();
    expect(await rows().count()).toBe(2);
  });

  it("records the payment that settles the invoice, which ends the grace period", async () => {
    await page.goto(`/subscriptions/${subscriptionLocator}`);
    await page.getByTestId("invoice-row").first().waitFor();
    await page.getByRole("button", { name: /^Record payment for INV-/ }).click();
    const dialog = page.getByRole("dialog", { name: /^Record a payment for INV-/ });
    expect(await dialog.getByLabel("Amount (EUR)").inputValue()).toBe("129.50");
    await dialog.getByLabel("Amount (EUR)").fill("129.51");
    await dialog.getByRole("button", { name: "Record payment" }).click();
    await shows(dialog.getByTestId("error-amount"), "the invoice has 129.50 EUR outstanding");
    await dialog.getByLabel("Amount (EUR)").fill("129.50");
    await dialog.getByRole("button", { name: "Record payment" }).click();
    await gone(dialog);
    await shows(page.getByTestId("invoice-status"), "paid");
    await page.getByTestId("grace-none").waitFor();
    await shows(page.getByTestId("history-entry").last(), "grace period ended (was to end 2030-07-10)");
    expect(await page.getByRole("button", { name: /^Record payment for/ }).count()).toBe(0);
  });

  it("raised no error in the page", () => {
    expect(world?.pageErrors).toEqual([]);
  });
});
