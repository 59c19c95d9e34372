/**
 * A hold's history shows the events its changes published (hold.created,
 * hold.validated, hold.activated), from events.list: the real HTTP server
 * serving the built dashboard, a real Chromium.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { createAccount, EVENT_SETTLE_MS, fixedClock, forTenant, provisionTenant } from "@holdfast/services";
import { seedHold } from "@holdfast/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const PASSWORD = "correct horse battery staple";
const EMAIL = "ops@events.test";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let holdLocator = "";

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock("2027-03-10T12:00:00Z");
  const t = await provisionTenant(db, { name: "Events Stays", email: EMAIL, password: PASSWORD });
  const system = forTenant({ db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } }, t.tenantId);
  const account = await createAccount(system, { name: "Harbourside Lodge" });
  const hold = await seedHold(
    system,
    { accountLocator: account.locator, targets: [{ process: "invoicing" }] },
    "active",
  );
  holdLocator = hold.locator;
  // events.list shows events once settled.
  await new Promise((resolve) => setTimeout(resolve, EVENT_SETTLE_MS + 100));
  world = await startBrowserWorld(db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

describe("events on an entity's history", () => {
  it("a hold's history lists hold.created, hold.validated and hold.activated with their times", async () => {
    await page.goto(`/holds/${holdLocator}`);
    await signIn(page, EMAIL, PASSWORD);
    await page.getByRole("heading", { name: /^Hold / }).waitFor();
    const events = page.getByTestId("entity-event");
    await events.nth(2).waitFor();
    expect(await events.evaluateAll((els) => els.map((e) => e.getAttribute("data-type")))).toEqual([
      "hold.created",
      "hold.validated",
      "hold.activated",
    ]);
    expect(await events.first().locator(".badge").textContent()).toBe("hold.created");
    expect(await events.first().locator("time").getAttribute("datetime")).toBe("2027-03-10T12:00:00.000Z");
    expect(world?.pageErrors).toEqual([]);
  });
});
