/**
 * Accounts and global search in a real Chromium against the real server and
 * database: from the header's search to an account page, "Place hold" with the
 * account prefilled, then create, validate and activate it; every account
 * held for invoicing today through the accounts list's filter; a subscription
 * opened by its number; `/` focusing the search box.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { createSubscriptionInput } from "@holdfast/domain";
import { createAccount, createSubscription, fixedClock, forTenant, provisionTenant } from "@holdfast/services";
import { seedHold } from "@holdfast/testing/seed";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, shows, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const TODAY = "2030-06-10";
const PASSWORD = "correct horse battery staple";
const EMAIL = "ops@widgets.test";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let acmeLocator = "";

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock(`${TODAY}T09:00:00Z`);
  const { tenantId } = await provisionTenant(db, {
    name: "Widgets Billing",
    email: EMAIL,
    password: PASSWORD,
    userName: "Ana Ops",
  });
  const system = forTenant({ db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } }, tenantId);
  acmeLocator = (await createAccount(system, { name: "Acme Widgets GmbH", externalId: "CRM-1001" })).locator;
  const beta = await createAccount(system, { name: "Beta Supplies", externalId: "CRM-2002" });
  const gamma = await createAccount(system, { name: "Gamma Traders", externalId: "CRM-3003" });
  const delta = await createAccount(system, { name: "Delta Foods" });
  await createAccount(system, { name: "Epsilon Goods" });
  // Held for invoicing today: Beta. Gamma is held, but for funding; Delta's invoicing hold is only validated.
  await seedHold(system, { accountLocator: beta.locator, targets: [{ process: "invoicing" }] }, "active");
  await seedHold(system, { accountLocator: gamma.locator, targets: [{ process: "funding" }] }, "active");
  await seedHold(system, { accountLocator: delta.locator, targets: [{ process: "invoicing" }] }, "validated");
  await createSubscription(
    system,
    createSubscriptionInput.parse({
      accountLocator: gamma.locator,
      number: "SUB-2002",
      paymentModel: "pay_after_bill",
      priceMinor: 4900,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: TODAY,
    }),
  );
  world = await startBrowserWorld(db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

const searchBox = () => page.getByRole("searchbox", { name: "Search" });
const results = () => page.getByRole("region", { name: "Search results" });

describe("accounts and global search in a real browser", () => {
  it("focuses the search box with /", async () => {
    await page.goto("/");
    await signIn(page, EMAIL, PASSWORD);
    await page.getByRole("heading", { name: "Holds" }).waitFor();
    await page.locator("body").click();
    await page.keyboard.press("/");
    expect(await searchBox().evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await searchBox().inputValue()).toBe("");
  });

  it("goes from the search to an account, places a hold prefilled there, and activates it", async () => {
    await searchBox().fill("acme wid");
    await results().getByRole("heading", { name: "Accounts" }).waitFor();
    await shows(results().getByRole("link"), "Acme Widgets GmbH");
    await searchBox().press("Enter");
    await page.waitForURL(`**/accounts/${acmeLocator}`);
    await page.getByRole("heading", { name: "Acme Widgets GmbH" }).waitFor();
    await shows(page.getByTestId("held-today"), "Not held for any process today.");

    await page.getByRole("link", { name: "Place hold" }).click();
    await page.waitForURL(`**/holds/new?account=${acmeLocator}`);
    await page.getByRole("heading", { name: "New hold" }).waitFor();
    // The picker shows the account the page named, fetched by its locator, and holds its locator.
    const picker = page.getByRole("combobox", { name: "Account", exact: true });
    await expect.poll(() => picker.inputValue()).toBe("Acme Widgets GmbH");
    expect(await picker.getAttribute("data-value")).toBe(acmeLocator);
    expect(await page.getByLabel("Target 1 process").inputValue()).toBe("invoicing");
    await page.getByLabel("Comments").fill("Disputed invoice");
    await page.getByRole("button", { name: "Create hold" }).click();
    await shows(page.getByTestId("hold-state"), "draft");
    await page.getByRole("button", { name: "Validate" }).click();
    await shows(page.getByTestId("hold-state"), "validated");
    await page.getByRole("button", { name: "Activate" }).click();
    await shows(page.getByTestId("hold-state"), "active");
    const holdLocator = new URL(page.url()).pathname.split("/").at(-1) ?? "";

    // The account page by its external id now shows the hold in effect for invoicing.
    await page.goto("/accounts/CRM-1001");
    const invoicing = page.locator('[data-testid="held-process"][data-process="invoicing"]');
    await invoicing.waitFor();
    expect(await invoicing.getByRole("link").getAttribute("href")).toBe(`/holds/${holdLocator}`);
    await shows(page.getByTestId("account-holds"), "active");
    expect(world?.pageErrors).toEqual([]);
  });

  it("finds every account held for invoicing today with the accounts list's filter", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Accounts", exact: true }).click();
    await page.getByRole("heading", { name: "Accounts" }).waitFor();
    const names = () => page.getByTestId("account-row").locator("td:first-child").allInnerTexts();
    await page.getByTestId("account-row").first().waitFor();
    expect(await names()).toEqual([
      "Acme Widgets GmbH",
      "Beta Supplies",
      "Delta Foods",
      "Epsilon Goods",
      "Gamma Traders",
    ]);

    await page.getByLabel("Held today for").selectOption("invoicing");
    await page.waitForURL("**/accounts?heldFor=invoicing");
    await expect.poll(names).toEqual(["Acme Widgets GmbH", "Beta Supplies"]);

    const nameHeader = page.getByRole("columnheader", { name: /Name/ });
    expect(await nameHeader.getAttribute("aria-sort")).toBe("ascending");
    await nameHeader.getByRole("button").click();
    await expect.poll(() => nameHeader.getAttribute("aria-sort")).toBe("descending");
    await expect.poll(names).toEqual(["Beta Supplies", "Acme Widgets GmbH"]);
    expect(new URL(page.url()).searchParams.get("heldFor")).toBe("invoicing");

    // The link the overview gives: the filter from the URL alone.
    await page.goto("/accounts?heldFor=funding");
    await expect.poll(names).toEqual(["Gamma Traders"]);
  });

  it("opens a subscription by its number, from a link and from the search", async () => {
    await page.goto("/subscriptions/SUB-2002");
    await page.getByRole("heading", { name: /Subscription SUB-2002/ }).waitFor();

    await page.goto("/accounts");
    await searchBox().fill("sub-200");
    await results().getByRole("heading", { name: "Subscriptions" }).waitFor();
    await searchBox().press("Escape");
    await results().waitFor({ state: "hidden" });
    await searchBox().press("Enter");
    await page.waitForURL(/\/subscriptions\/[0-9A-Z]{26}$/);
    await page.getByRole("heading", { name: /Subscription SUB-2002/ }).waitFor();
    expect(world?.pageErrors).toEqual([]);
  });
});
