/**
 * The overview, the audit log and the worker's tick history end to end with
 * real parts only: a real PostgreSQL, the real services and worker ticks to
 * set the scene, the real HTTP server serving the built dashboard, a real
 * Chromium.
 *
 * The scene: two monthly subscriptions from 2030-05-20, payment term 10 days,
 * invoiced by the worker that day (due 2030-05-30). On 2030-06-10 (today) a
 * catch-up tick has started their 14-day grace periods on 2030-05-31, ending
 * 2030-06-14: two lapses due in four days, two invoices 11 days overdue. A
 * third account is held for invoicing.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { createSubscriptionInput } from "@holdfast/domain";
import {
  activateSubscription,
  createAccount,
  createSubscription,
  fixedClock,
  forTenant,
  provisionTenant,
  runTick,
} from "@holdfast/services";
import { seedHold } from "@holdfast/testing/seed";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const TODAY = "2030-06-10";
const PASSWORD = "correct horse battery staple";
const EMAIL = "ops@overview.test";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let catchUpTick = "";
const subscriptions: string[] = [];

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock("2030-05-20T09:00:00Z");
  const { tenantId } = await provisionTenant(db, {
    name: "Overview Hotels",
    email: EMAIL,
    password: PASSWORD,
    userName: "Oona Ops",
  });
  const system = forTenant({ db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } }, tenantId);
  for (const [n, name] of ["Harbour Inn", "Lakeside Lodge"].entries()) {
    const account = await createAccount(system, { name });
    const sub = await createSubscription(
      system,
      createSubscriptionInput.parse({
        accountLocator: account.locator,
        number: `SUB-OV-${n + 1}`,
        paymentModel: "pay_after_bill",
        priceMinor: 10000 + n * 500,
        currency: "EUR",
        billingPeriod: "monthly",
        startDate: "2030-05-20",
        paymentTermDays: 10,
      }),
    );
    await activateSubscription(system, { locator: sub.locator });
    subscriptions.push(sub.locator);
  }
  // A third account, without subscriptions, is held for invoicing.
  const held = await createAccount(system, { name: "Disputed Suites" });
  await seedHold(system, { accountLocator: held.locator, targets: [{ process: "invoicing" }] }, "active");
  expect((await runTick(db, clock, "e2e-overview")).counts.invoicesIssued).toBe(2);
  clock.set(`${TODAY}T12:00:00Z`);
  const caughtUp = await runTick(db, clock, "e2e-overview");
  expect(caughtUp.errors).toEqual([]);
  expect(caughtUp.counts.gracePeriodsStarted).toBe(2);
  catchUpTick = caughtUp.tickId;

  world = await startBrowserWorld(db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

const nav = (name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });
const text = async (testId: string) => ((await page.getByTestId(testId).first().textContent()) ?? "").trim();
/** A table row's (or table's) header and data cells, trimmed, joined with single spaces. */
const cellsOf = async (row: Locator) =>
  (await row.locator("th, td").allTextContents()).map((c) => c.replace(/\s+/g, " ").trim()).join(" ");

describe("the overview, the audit log and the worker's records in a real browser", () => {
  it("lands on the overview after sign-in, with the seeded figures each linking to its list", async () => {
    await page.goto("/");
    await signIn(page, EMAIL, PASSWORD);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    await page.getByTestId("overview-figures").waitFor();
    expect(await text("overview-today")).toBe(`Today is ${TODAY} (UTC)`);
    expect(await text("fig-lapsing")).toBe("2");
    expect(await text("fig-grace-running")).toBe("2");
    expect(await text("fig-grace-paused")).toBe("0");
    expect(await text("fig-overdue")).toBe("2");
    expect(await text("fig-worker-lag")).toBe("0 days");
    const held = page.getByTestId("held-row");
    expect(await held.count()).toBe(1);
    expect(await cellsOf(held.first())).toBe("invoicing 1 1");
    expect(await held.first().getByRole("link").getAttribute("href")).toBe("/accounts?heldFor=invoicing");
    const overdue = page.getByTestId("overdue-row");
    expect(await cellsOf(overdue.first())).toMatch(/^1-30 2 €205\.00$/);
    // The charts load lazily (recharts) and draw their bars; their figures are in a table for assistive technology.
    await page.locator('[data-testid="chart-lapses"] .recharts-bar-rectangle').first().waitFor();
    await page.locator('[data-testid="chart-effects"] .recharts-bar-rectangle').first().waitFor();
    expect(await page.getByRole("table", { name: "Grace periods ending per day, next 30 days" }).count()).toBe(1);
    const lapsesTable = page.getByRole("table", { name: "Grace periods ending per day, next 30 days" });
    expect(
      await lapsesTable
        .getByRole("row", { name: /2030-06-14/ })
        .getByRole("link")
        .textContent(),
    ).toBe("2");

    await page.getByTestId("fig-lapsing").click();
    await page.getByRole("heading", { name: "Subscriptions" }).waitFor();
    expect(new URL(page.url()).search).toBe("?view=lapsing&days=30");
    await page.getByTestId("subscription-row").nth(1).waitFor();
    expect(await page.getByTestId("subscription-row").count()).toBe(2);
    expect(world?.pageErrors).toEqual([]);
  });

  it("filters the audit log, keeping the filters in the URL, and shows each change's values", async () => {
    await nav("Audit log").click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    await page.getByTestId("audit-row").first().waitFor();
    await page.getByLabel("Entity type").selectOption("subscription");
    await page.getByLabel("Action").fill("startGracePeriod");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/\/audit\?entityType=subscription&action=startGracePeriod$/);
    // The unfiltered page stays on screen until the filtered one arrives: wait for the other actions to go.
    await page
      .locator('[data-testid="audit-row"]:not([data-action="startGracePeriod"])')
      .first()
      .waitFor({ state: "detached" });
    await page.locator('[data-testid="audit-row"][data-action="startGracePeriod"]').nth(1).waitFor();
    const rows = page.getByTestId("audit-row");
    expect(await rows.count()).toBe(2);
    const first = rows.first();
    expect(await first.getByTestId("audit-request").textContent()).toBe(catchUpTick);
    expect(await first.getByTestId("audit-actor").textContent()).toBe("worker e2e-overview");
    expect(await first.locator("time").textContent()).toMatch(/UTC|GMT/);
    const change = async (field: string) =>
      ((await first.locator(`[data-field="${field}"]`).textContent()) ?? "").replace(/\s+/g, " ");
    expect(await change("grace.end")).toBe("grace end — → 2030-06-14");
    expect(await change("grace.start")).toBe("grace start — → 2030-05-31");
    expect(subscriptions).toContain(await first.getByTestId("audit-entity").textContent());
    // The filters survive a reload: they live in the URL.
    await page.reload();
    await page.getByTestId("audit-row").nth(1).waitFor();
    expect(await page.getByLabel("Action").inputValue()).toBe("startGracePeriod");
    expect(await page.getByTestId("audit-row").count()).toBe(2);
    await page.getByTestId("audit-entity").first().click();
    await page.waitForURL(/\/subscriptions\/[0-9A-Z]{26}$/);
  });

  it("opens a worker tick's records from the worker page", async () => {
    await nav("Worker").click();
    await page.getByRole("heading", { name: "Worker" }).waitFor();
    await page.locator('[data-testid="worker-totals"] .recharts-bar-rectangle').first().waitFor();
    const ticks = page.getByTestId("tick-row");
    await ticks.nth(1).waitFor();
    expect(await ticks.count()).toBe(2);
    await ticks.first().getByTestId("tick-records").click();
    await page.waitForURL(`**/audit?requestId=${catchUpTick}`);
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    await page
      .locator('[data-testid="audit-row"]:not([data-action="startGracePeriod"])')
      .first()
      .waitFor({ state: "detached" });
    await page.getByTestId("audit-row").nth(1).waitFor();
    const actions = await page.getByTestId("audit-action").allInnerTexts();
    expect(actions).toEqual(["startGracePeriod", "startGracePeriod"]);
    expect(await page.getByLabel("Request id").inputValue()).toBe(catchUpTick);
    expect(world?.pageErrors).toEqual([]);
  });

  it("keeps the overview, the audit log and the worker page within a 390 px wide screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const [path, heading, content] of [
        ["/", "Overview", "chart-effects"],
        ["/audit", "Audit log", "audit-row"],
        ["/worker", "Worker", "tick-row"],
      ] as const) {
        await page.goto(path);
        await page.getByRole("heading", { name: heading, exact: true }).waitFor();
        await page.getByTestId(content).first().waitFor();
        // The page's own content (the header's menu is the layout's).
        expect(await page.evaluate(() => document.querySelector("main")?.scrollWidth ?? 0), path).toBeLessThanOrEqual(
          390,
        );
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
