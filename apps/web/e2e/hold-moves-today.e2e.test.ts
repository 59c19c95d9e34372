/**
 * The hold detail offers exactly the moves that succeed today (issue 13): an
 * active hold whose end date has passed offers neither Release nor Amend and
 * says why; on its last day it still offers both.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import {
  type ActingContext,
  activateHold,
  createAccount,
  createHold,
  fixedClock,
  forTenant,
  provisionTenant,
  validateHold,
} from "@holdfast/services";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, shows, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

/** Today for the server: the day after the ended hold's end date, and the last day of the other. */
const TODAY = "2030-06-10";
const EMAIL = "ops@ended.test";
const PASSWORD = "correct horse battery staple";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let ended = "";
let lastDay = "";

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const { tenantId } = await provisionTenant(db, { name: "Ended Holds Inc", email: EMAIL, password: PASSWORD });
  // The holds were made and activated on June 1st, before the server's today.
  const earlier: ActingContext = {
    db,
    clock: fixedClock("2030-06-01T12:00:00Z"),
    actor: { type: "system", id: "e2e", name: "e2e setup" },
  };
  const ctx = forTenant(earlier, tenantId);
  async function activeHold(name: string, endDate: string) {
    const account = await createAccount(ctx, { name });
    const hold = await createHold(ctx, {
      accountLocator: account.locator,
      targets: [{ process: "invoicing" }],
      endDate,
    });
    await validateHold(ctx, { locator: hold.locator });
    return (await activateHold(ctx, { locator: hold.locator })).locator;
  }
  ended = await activeHold("Ended account", "2030-06-09");
  lastDay = await activeHold("Last day account", TODAY);

  world = await startBrowserWorld(db, fixedClock(`${TODAY}T12:00:00Z`));
  page = world.page;
  await page.goto("/");
  await signIn(page, EMAIL, PASSWORD);
  await page.getByRole("heading", { name: "Overview" }).waitFor();
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

async function moveButtons(): Promise<string[]> {
  const toolbar = page.getByRole("group", { name: "Moves" });
  return (await toolbar.locator("a, button").allTextContents()).map((t) => t.trim());
}

describe("hold detail moves on the tenant's today", () => {
  it("an active hold past its end date offers no move and says the worker releases it", async () => {
    await page.goto(`/holds/${ended}`);
    await shows(page.getByTestId("hold-state"), "active");
    await shows(page.getByRole("group", { name: "Moves" }), "Its end date 2030-06-09 has passed");
    expect(await moveButtons()).toEqual([]);
  });

  it("on its last day an active hold still offers release and amend", async () => {
    await page.goto(`/holds/${lastDay}`);
    await shows(page.getByTestId("hold-state"), "active");
    await page.getByRole("button", { name: "Release" }).waitFor();
    expect(await moveButtons()).toEqual(expect.arrayContaining(["Release", "Amend"]));
    expect(world?.pageErrors).toEqual([]);
  });
});
