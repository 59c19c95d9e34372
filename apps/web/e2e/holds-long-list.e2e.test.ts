/**
 * A tenant with 10,000 holds in the dashboard, end to end with real parts
 * only: a real PostgreSQL (cloned from the migrated template), the real HTTP
 * server serving the built dashboard, a real Chromium. The list must show the
 * first rows, load every page on its own as the reader scrolls, keep only a
 * bounded number of rows in the DOM, tell assistive technology the list's size
 * and each row's place, and reach and open the very last hold. No timings are
 * asserted (the machine is shared); the benchmark (bench/src/p4-dashboard.ts)
 * measures them.
 */
import { existsSync } from "node:fs";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { createAccount, fixedClock, forTenant, provisionTenant } from "@holdfast/services";
import { seededHoldLocator, seededHoldNumber, seedHolds } from "@holdfast/testing/seed";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, shows, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const SCREENSHOT = "/tmp/holdfast-holds-long-list.png";
const HOLDS = 10_000;
const PASSWORD = "correct horse battery staple";
const EMAIL = "ops@many.test";
const ACCOUNT = "Grand Hotel Prague";
/** Rows (header, spacers and hold rows) the table may hold at once: a screenful plus overscan, far below 10,000. */
const MAX_ROWS_IN_DOM = 100;
/** Each scroll to the bottom loads at least one page (200 holds); 10,000 holds need 50. Leaves room for a slow page. */
const MAX_SCROLLS = 400;

const NEWEST = seededHoldLocator(HOLDS);
const OLDEST = seededHoldLocator(1);

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock("2030-06-10T12:00:00Z");
  const tenant = await provisionTenant(db, { name: "Many Holds Ltd", email: EMAIL, password: PASSWORD });
  const system = forTenant({ db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } }, tenant.tenantId);
  const account = await createAccount(system, { name: ACCOUNT });
  expect(await seedHolds(db, { tenantId: tenant.tenantId, accountLocator: account.locator, count: HOLDS })).toBe(HOLDS);
  world = await startBrowserWorld(db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

const table = () => page.getByTestId("holds-table");
const holdRow = (locator: string) => page.locator(`[data-testid="hold-row"][data-locator="${locator}"]`);

/** Every hold row in the DOM: its place (aria-rowindex) and which hold it shows. */
async function renderedRows(): Promise<{ rowIndex: number; hold: number }[]> {
  return page.getByTestId("hold-row").evaluateAll((rows) =>
    rows.map((r) => ({
      rowIndex: Number(r.getAttribute("aria-rowindex")),
      hold: Number((r.getAttribute("data-locator") ?? "").slice(10)),
    })),
  );
}

/** Newest first: hold n is data row HOLDS - n, and the header row is aria-rowindex 1. */
function expectedRowIndex(hold: number): number {
  return HOLDS - hold + 2;
}

describe("a 10,000-hold list in a real browser", () => {
  it("shows the first rows with only a screenful in the DOM, and does not yet claim a size", async () => {
    await page.goto("/");
    await signIn(page, EMAIL, PASSWORD);
    // Signing in lands on the overview; the holds are a click away.
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Holds", exact: true }).click();
    await page.getByRole("heading", { name: "Holds" }).waitFor();
    await holdRow(NEWEST).waitFor();
    const cells = (await holdRow(NEWEST).locator("td").allTextContents()).map((c) => c.trim());
    expect(cells.slice(1, 4)).toEqual([ACCOUNT, "draft", "invoicing"]);
    expect(seededHoldNumber(NEWEST)).toBe(HOLDS);

    // A real table, one header row, rows in their places.
    expect(await page.getByRole("table", { name: "Holds, newest first" }).count()).toBe(1);
    expect(await table().locator("thead tr").getAttribute("aria-rowindex")).toBe("1");
    const rows = await renderedRows();
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(MAX_ROWS_IN_DOM);
    for (const r of rows) expect(r.rowIndex).toBe(expectedRowIndex(r.hold));
    // More pages are still to come: the total is not known, which ARIA spells -1.
    expect(await table().getAttribute("aria-rowcount")).toBe("-1");
  });

  it("loads every page while scrolling to the bottom, never holding more than a screenful of rows", async () => {
    // Counts the table's rows after every change to it, so the bound holds at every moment, not only when sampled.
    await page.evaluate(() => {
      const w = window as unknown as { maxHoldRows: number };
      const tableEl = document.querySelector('[data-testid="holds-table"]');
      if (!tableEl) throw new Error("no holds table");
      const count = () => {
        w.maxHoldRows = Math.max(w.maxHoldRows, tableEl.querySelectorAll("tr").length);
      };
      w.maxHoldRows = 0;
      count();
      new MutationObserver(count).observe(tableEl, { childList: true, subtree: true });
    });

    let scrolls = 0;
    while ((await holdRow(OLDEST).count()) === 0) {
      if (++scrolls > MAX_SCROLLS) throw new Error(`the oldest hold was not reached after ${MAX_SCROLLS} scrolls`);
      const before = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      // The next page makes the document taller; at the very end the oldest row shows instead.
      await page.waitForFunction(
        ({ before, oldest }) =>
          document.documentElement.scrollHeight > before ||
          document.querySelector(`[data-testid="hold-row"][data-locator="${oldest}"]`) !== null,
        { before, oldest: OLDEST },
      );
    }
    // At least one scroll per page: the pages came as the reader scrolled, not all up front.
    expect(scrolls).toBeGreaterThanOrEqual(HOLDS / 200 - 1);

    // Every page is in: the table says how many rows it has (the header included), and the last is hold 1.
    await page.waitForFunction(
      () => document.querySelector('[data-testid="holds-table"]')?.getAttribute("aria-rowcount") === "10001",
    );
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    const atEnd = await renderedRows();
    expect(atEnd.at(-1)).toEqual({ rowIndex: HOLDS + 1, hold: 1 });
    for (const r of atEnd) expect(r.rowIndex).toBe(expectedRowIndex(r.hold));
    expect(atEnd.length).toBeLessThan(MAX_ROWS_IN_DOM);

    // The middle of the list: the rows there are the holds that belong there, across page boundaries.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2));
    await page.waitForFunction(() => {
      const first = document.querySelector('[data-testid="hold-row"]');
      const index = Number(first?.getAttribute("aria-rowindex"));
      return index > 3000 && index < 7000;
    });
    const middle = await renderedRows();
    expect(middle.length).toBeGreaterThan(5);
    for (const r of middle) expect(r.rowIndex).toBe(expectedRowIndex(r.hold));
    const holdsShown = middle.map((r) => r.hold);
    expect(holdsShown).toEqual(holdsShown.map((_, i) => (holdsShown[0] ?? 0) - i));
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);

    const maxRows = await page.evaluate(() => (window as unknown as { maxHoldRows: number }).maxHoldRows);
    expect(maxRows).toBeGreaterThan(5);
    expect(maxRows).toBeLessThan(MAX_ROWS_IN_DOM);
  });

  it("opens the oldest hold from the bottom of the list", async () => {
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const oldest = holdRow(OLDEST);
    await oldest.waitFor();
    await oldest.locator("td").nth(1).click();
    await page.waitForURL(`**/holds/${OLDEST}`);
    await shows(page.getByTestId("hold-state"), "draft");
    await page.getByRole("heading", { name: /^Hold / }).waitFor();
  });

  it("raised no error in the page", () => {
    expect(world?.pageErrors).toEqual([]);
  });
});
