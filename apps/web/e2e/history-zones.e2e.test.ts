/**
 * Time zones and the history with values, end to end with real parts only: a
 * tenant in Pacific/Auckland whose evening of 6 December (UTC) is already the
 * morning of the 7th there, a hold activated then and amended from the
 * dashboard, the real HTTP server serving the built dashboard, a real Chromium.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { updateSettingsInput } from "@holdfast/domain";
import { createAccount, fixedClock, forTenant, provisionTenant, updateTenantSettings } from "@holdfast/services";
import { seedHold } from "@holdfast/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, shows, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const PASSWORD = "correct horse battery staple";
const EMAIL = "ops@kiwi.test";
/** 10:30 on 7 December in Auckland (NZDT, UTC+13). */
const NOW = "2026-12-06T21:30:00Z";
const AUCKLAND_TODAY = "2026-12-07";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let holdLocator = "";

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock(NOW);
  const kiwi = await provisionTenant(db, { name: "Kiwi Stays", email: EMAIL, password: PASSWORD });
  const system = forTenant({ db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } }, kiwi.tenantId);
  await updateTenantSettings(system, updateSettingsInput.parse({ timeZone: "Pacific/Auckland" }));
  const account = await createAccount(system, { name: "Harbourside Lodge" });
  const hold = await seedHold(
    system,
    { accountLocator: account.locator, targets: [{ process: "invoicing" }], endDate: "2027-01-15" },
    "active",
  );
  holdLocator = hold.locator;
  world = await startBrowserWorld(db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

describe("dates in the tenant's zone, history with values", () => {
  it("labels the zone once and shows the hold's instants and business dates on the same day", async () => {
    await page.goto(`/holds/${holdLocator}`);
    await signIn(page, EMAIL, PASSWORD);
    await page.getByRole("heading", { name: /^Hold / }).waitFor();
    expect(await page.getByTestId("tenant-zone").textContent()).toBe("Dates in Pacific/Auckland");
    const activated = page.locator("dt", { hasText: /^Activated$/ }).locator("xpath=following-sibling::dd[1]");
    expect(await activated.textContent()).toMatch(new RegExp(`^${AUCKLAND_TODAY} 10:30 GMT\\+13 by `));
    // "Held today" is the server's business date for the tenant: the same day.
    await shows(page.getByTestId("target-row"), `yes (${AUCKLAND_TODAY})`);
    const created = page.getByTestId("history-entry").first().locator("time");
    expect(await created.textContent()).toBe(`${AUCKLAND_TODAY} 10:30 GMT+13`);
  });

  it("shows an amendment as each field before → after, with who, the request id and the zone", async () => {
    await page.goto(`/holds/${holdLocator}/amend`);
    await page.getByRole("heading", { name: /^Amend hold/ }).waitFor();
    await page.getByLabel("Hold end date").fill("2027-02-01");
    await page.getByRole("button", { name: "Amend hold" }).click();
    await page.getByRole("heading", { name: /^Hold / }).waitFor();
    const amended = page.locator('[data-testid="history-entry"][data-action="amend"]');
    await amended.waitFor();
    const change = amended.locator('[data-field="endDate"]');
    expect(((await change.textContent()) ?? "").replace(/\s+/g, " ")).toBe("end date 2027-01-15 → 2027-02-01");
    expect(await change.locator("del").textContent()).toBe("2027-01-15");
    expect(await change.locator("ins").textContent()).toBe("2027-02-01");
    // Only what changed: not the version, the timestamps or who.
    expect(await amended.locator("[data-field]").count()).toBe(1);
    expect(await amended.locator(".actor").textContent()).toMatch(new RegExp(`${EMAIL}[\\s\\S]*request \\S+`));
    expect(await amended.locator("time").textContent()).toBe(`${AUCKLAND_TODAY} 10:30 GMT+13`);
    expect(world?.pageErrors).toEqual([]);
  });
});
