/**
 * Final moves with a reason, bulk actions and column sorting in the dashboard,
 * end to end with real parts: a real PostgreSQL, the real services to seed,
 * the real HTTP server serving the built dashboard, a real Chromium.
 *
 * The scene (today 2030-06-10): one active hold to amend and release; 50
 * active holds on ten accounts (one per process each, so none overlap) to
 * release in bulk; three effective subscriptions to extend in bulk.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { createSubscriptionInput, HOLD_PROCESSES } from "@holdfast/domain";
import {
  type ActingContext,
  activateSubscription,
  createAccount,
  createSubscription,
  fixedClock,
  forTenant,
  listEntityHistory,
  provisionTenant,
  type ServiceContext,
} from "@holdfast/services";
import { seedHold } from "@holdfast/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, gone, shows, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const TODAY = "2030-06-10";
const PASSWORD = "correct horse battery staple";
const EMAIL = "bulk@acme.test";
const BULK_COUNT = 50;
const PROCESSES = HOLD_PROCESSES.slice(0, 5);

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let system: ServiceContext;
let amendLocator = "";

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock(`${TODAY}T12:00:00Z`);
  const acme = await provisionTenant(db, { name: "Acme Bulk", email: EMAIL, password: PASSWORD });
  const acting: ActingContext = { db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } };
  system = forTenant(acting, acme.tenantId);
  const amendAccount = await createAccount(system, { name: "Amend Hotel" });
  amendLocator = (
    await seedHold(system, { accountLocator: amendAccount.locator, targets: [{ process: "invoicing" }] }, "active")
  ).locator;
  for (let a = 0; a < BULK_COUNT / PROCESSES.length; a++) {
    const account = await createAccount(system, { name: `Bulk ${String(a + 1).padStart(2, "0")}` });
    for (const process of PROCESSES) {
      await seedHold(system, { accountLocator: account.locator, targets: [{ process }] }, "active");
    }
  }
  for (let i = 1; i <= 3; i++) {
    const account = await createAccount(system, { name: `Grace ${i}` });
    const sub = await createSubscription(
      system,
      createSubscriptionInput.parse({
        accountLocator: account.locator,
        number: `SUB-BULK-${i}`,
        paymentModel: "pay_after_bill",
        priceMinor: 5000,
        currency: "EUR",
        billingPeriod: "monthly",
        startDate: TODAY,
      }),
    );
    await activateSubscription(system, { locator: sub.locator });
  }
  world = await startBrowserWorld(db, clock);
  page = world.page;
  await page.goto("/");
  await signIn(page, EMAIL, PASSWORD);
  await page.getByRole("heading", { name: "Holds" }).waitFor();
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

const holdRows = () => page.getByTestId("hold-row");
const bulkBar = () => page.getByRole("region", { name: "Bulk actions" });

describe("final moves, bulk actions and sorting in a real browser", () => {
  it("amends a hold, then releases it with a reason, which is on the hold and in its history", async () => {
    await page.goto(`/holds/${amendLocator}`);
    await page.getByRole("link", { name: "Amend" }).click();
    await page.getByLabel("Target 1 end date").fill("2030-07-15");
    await page.getByRole("button", { name: "Amend hold" }).click();
    await page.waitForURL(`**/holds/${amendLocator}`);
    await shows(page.getByTestId("target-row"), "2030-07-15");

    await page.getByRole("button", { name: "Release" }).click();
    const dialog = page.getByRole("dialog", { name: "Release this hold?" });
    // The reason is required: an empty one is refused in the form.
    await dialog.getByRole("button", { name: "Release" }).click();
    await shows(dialog.getByTestId("error-reason"), "reason");
    await dialog.getByLabel("Reason").fill("Paid in full at the front desk");
    await dialog.getByRole("button", { name: "Release" }).click();
    await gone(dialog);
    await shows(page.getByTestId("hold-state"), "released");
    await shows(page.getByTestId("release-reason"), "Paid in full at the front desk");
    const entries = page.getByTestId("history-entry");
    await shows(entries.last(), "release");
    const actions = await entries.evaluateAll((els) => els.map((el) => el.getAttribute("data-action")));
    expect(actions).toEqual(["create", "validate", "activate", "amend", "release"]);
    // The timeline shows the reason on the release, and on no other entry.
    const released = page.locator('[data-testid="history-entry"][data-action="release"]');
    await shows(released.getByTestId("history-reason"), "Reason: Paid in full at the front desk");
    expect(await page.getByTestId("history-reason").count()).toBe(1);
    const history = await listEntityHistory(system, { entityType: "hold", entityId: amendLocator });
    expect(history.at(-1)).toMatchObject({ action: "release", reason: "Paid in full at the front desk" });
  });

  it("sorts the holds list by a column, kept in the URL, with aria-sort on its header", async () => {
    await page.goto("/holds?state=active");
    await holdRows().first().waitFor();
    const header = page.getByRole("columnheader", { name: /Account/ });
    await header.getByRole("button", { name: /Account/ }).click();
    await page.waitForURL(/sort=account&order=asc/);
    expect(await header.getAttribute("aria-sort")).toBe("ascending");
    const accountsShown = async () =>
      holdRows().evaluateAll((rows) => rows.map((r) => r.children[1]?.textContent ?? ""));
    await expect.poll(async () => (await accountsShown())[0]).toBe("Bulk 01");
    const asc = await accountsShown();
    expect(asc).toEqual([...asc].sort());

    await header.getByRole("button", { name: /Account/ }).click();
    await page.waitForURL(/sort=account&order=desc/);
    expect(await header.getAttribute("aria-sort")).toBe("descending");
    await expect.poll(async () => (await accountsShown())[0]).toBe("Bulk 10");
    const desc = await accountsShown();
    expect(desc).toEqual([...desc].sort().reverse());
  });

  it("bulk-releases 50 holds: select all matching, a reason, progress to the end and 50 successes", async () => {
    await page.goto("/holds?state=active");
    await holdRows().first().waitFor();
    await holdRows().first().getByRole("checkbox").check();
    await shows(page.getByTestId("bulk-count"), "1 hold selected");
    await bulkBar()
      .getByRole("button", { name: `Select all ${BULK_COUNT} matching this filter` })
      .click();
    await shows(page.getByTestId("bulk-count"), `${BULK_COUNT} holds selected`);

    await bulkBar().getByRole("button", { name: "Release…" }).click();
    const dialog = page.getByRole("dialog", { name: `Release ${BULK_COUNT} holds` });
    await dialog.getByLabel("Reason").fill("Portfolio sold");
    await dialog.getByRole("button", { name: `Release ${BULK_COUNT}` }).click();
    await shows(
      dialog.getByTestId("bulk-progress-text"),
      `${BULK_COUNT} of ${BULK_COUNT} done: ${BULK_COUNT} succeeded, 0 failed`,
    );
    expect(await dialog.locator("progress").evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([
      BULK_COUNT,
      BULK_COUNT,
    ]);
    const results = dialog.getByTestId("bulk-result");
    expect(await results.count()).toBe(BULK_COUNT);
    expect(await dialog.locator('[data-testid="bulk-result"][data-ok="true"]').count()).toBe(BULK_COUNT);
    await dialog.getByRole("button", { name: "Close" }).click();
    await gone(dialog);
    await page.getByTestId("holds-empty").waitFor();
  });

  it("bulk-extends the grace of three subscriptions by ten days", async () => {
    await page.goto("/subscriptions");
    const rows = page.getByTestId("subscription-row");
    await rows.nth(2).waitFor();
    await page.getByRole("checkbox", { name: "Select the loaded subscriptions" }).check();
    await shows(page.getByTestId("bulk-count"), "3 subscriptions selected");
    await bulkBar().getByRole("button", { name: "Extend grace…" }).click();
    const dialog = page.getByRole("dialog", { name: "Extend the grace of 3 subscriptions" });
    await dialog.getByLabel("Days", { exact: true }).fill("10");
    await dialog.getByRole("button", { name: "Extend 3" }).click();
    await shows(dialog.getByTestId("bulk-progress-text"), "3 of 3 done: 3 succeeded, 0 failed");
    await dialog.getByRole("button", { name: "Close" }).click();
    await gone(dialog);
    await expect
      .poll(async () => (await page.getByTestId("grace-end").allInnerTexts()).filter((t) => /\d{4}-\d\d-\d\d/.test(t)))
      .toHaveLength(3);

    const header = page.getByRole("columnheader", { name: /Number/ });
    await header.getByRole("button", { name: /Number/ }).click();
    await header.getByRole("button", { name: /Number/ }).click();
    await page.waitForURL(/sort=number&order=desc/);
    await expect
      .poll(async () => rows.evaluateAll((rs) => rs.map((r) => r.querySelector("a")?.textContent)))
      .toEqual(["SUB-BULK-3", "SUB-BULK-2", "SUB-BULK-1"]);
    expect(world?.pageErrors).toEqual([]);
  });
});
