/**
 * A stalled worker in a real browser (real PostgreSQL, the real HTTP server
 * serving the built dashboard, a real Chromium): with no worker ticking, the
 * overview shows a banner linking to the worker page, which warns and counts
 * no live worker; once a worker registers and ticks, both are gone.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { fixedClock, provisionTenant, registerWorker, runTick } from "@holdfast/services";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, gone, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const PASSWORD = "correct horse battery staple";
const EMAIL = "ops@stalled.test";
const clock = fixedClock("2030-06-10T12:00:00Z");

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  await provisionTenant(testDb.db, { name: "Stalled Hotels", email: EMAIL, password: PASSWORD, userName: "Sam Ops" });
  world = await startBrowserWorld(testDb.db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

describe("a stalled worker on the dashboard", () => {
  it("the overview shows a banner and the worker page a warning while no worker ticks", async () => {
    await page.goto("/");
    await signIn(page, EMAIL, PASSWORD);
    const banner = page.getByTestId("overview-worker-stalled");
    await banner.waitFor();
    expect(await banner.getAttribute("role")).toBe("alert");
    expect(await banner.textContent()).toMatch(/No worker has ticked for more than three intervals/);

    await banner.getByRole("link", { name: "See the worker" }).click();
    await page.getByRole("heading", { name: "Worker", exact: true }).waitFor();
    const warning = page.getByTestId("worker-stalled");
    await warning.waitFor();
    expect(await warning.getByRole("heading").textContent()).toBe("The worker is not running");
    expect(await warning.textContent()).toMatch(/none has ever ticked/);
    expect(await page.getByTestId("worker-live").textContent()).toBe("0");
  });

  it("once a worker ticks, the warning and the banner are gone", async () => {
    if (!testDb) throw new Error("no database");
    await registerWorker(testDb.db, { workerId: "e2e-host-1", intervalMs: 60_000 });
    await runTick(testDb.db, clock, "e2e-host-1", { intervalMs: 60_000 });
    // The worker page refreshes itself.
    await gone(page.getByTestId("worker-stalled"));
    expect(await page.getByTestId("worker-live").textContent()).toBe("1");
    await page.goto("/");
    await page.getByTestId("overview-figures").waitFor();
    expect(await page.getByTestId("overview-worker-stalled").count()).toBe(0);
    expect(world?.pageErrors).toEqual([]);
  });
});
