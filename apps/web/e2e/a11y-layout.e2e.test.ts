/**
 * Every screen of the dashboard, at desktop width and at 390 px (a phone),
 * with real parts only: the demo data `npm start` seeds (on a cloned real
 * PostgreSQL, caught up by the real worker tick), the real HTTP server serving
 * the built dashboard, a real Chromium, and axe-core.
 *
 * Each route must have no serious or critical axe violation, a page title of
 * its own, and, at 390 px, no horizontal scroll.
 */
import AxeBuilder from "@axe-core/playwright";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { DEMO_EMAIL, DEMO_PASSWORD, fixedClock, runTick, seedDemo } from "@holdfast/services";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

/**
 * The routes checked, each with the heading that says it has loaded. `:hold`,
 * `:subscription`, `:automation` and `:account` are replaced by a demo record's
 * locator. New screens add a line here.
 */
const ROUTES: { path: string; heading: string | RegExp }[] = [
  { path: "/", heading: "Overview" },
  { path: "/accounts", heading: "Accounts" },
  { path: "/accounts/:account", heading: /\S/ },
  { path: "/audit", heading: "Audit log" },
  { path: "/holds", heading: "Holds" },
  { path: "/holds/:hold", heading: /^Hold / },
  { path: "/holds/new", heading: "New hold" },
  { path: "/holds/:draft/edit", heading: "Edit draft hold" },
  { path: "/holds/:hold/amend", heading: /^Amend hold/ },
  { path: "/automations", heading: "Billing automations" },
  { path: "/automations/new", heading: "New billing automation" },
  { path: "/automations/:automation", heading: /^Billing automation Harbor Travel/ },
  { path: "/automations/preview", heading: "Routing preview" },
  { path: "/subscriptions", heading: "Subscriptions" },
  { path: "/subscriptions/new", heading: "New subscription" },
  { path: "/subscriptions/:subscription", heading: /^Subscription SUB-/ },
  { path: "/worker", heading: "Worker" },
  { path: "/settings/tenant", heading: "Settings" },
  { path: "/settings/users", heading: "Settings" },
  { path: "/settings/tokens", heading: "Settings" },
  { path: "/settings/sessions", heading: "Settings" },
  { path: "/settings/directory", heading: "Settings" },
  { path: "/settings/webhooks", heading: "Settings" },
  { path: "/no-such-page", heading: "Page not found" },
];
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const NOW = "2026-12-06T21:30:00Z";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
const ids: Record<string, string> = {};

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock(NOW);
  const demo = await seedDemo(db, clock);
  if (!demo) throw new Error("the demo data was not seeded");
  expect((await runTick(db, clock, "e2e")).errors).toEqual([]);
  const hold = await db.query.holds.findFirst({ where: (h, { eq }) => eq(h.state, "active") });
  const draft = await db.query.holds.findFirst({ where: (h, { eq }) => eq(h.state, "draft") });
  const sub = await db.query.subscriptions.findFirst({ where: (s, { eq }) => eq(s.number, "SUB-2001") });
  const automation = await db.query.automations.findFirst({ where: (a, { like }) => like(a.name, "Harbor Travel%") });
  const account = await db.query.accounts.findFirst();
  if (!hold || !draft || !sub || !automation || !account) throw new Error("demo records missing");
  Object.assign(ids, {
    hold: hold.id,
    draft: draft.id,
    subscription: sub.id,
    automation: automation.id,
    account: account.id,
  });
  world = await startBrowserWorld(db, clock);
  page = world.page;
  await page.goto("/");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await check("/ (sign-in)", "sign-in");
  await signIn(page, DEMO_EMAIL, DEMO_PASSWORD);
  await page.getByRole("heading", { name: "Overview", exact: true }).waitFor();
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

function resolve(path: string): string {
  return path.replace(/:(\w+)/g, (_, key: string) => {
    const id = ids[key];
    if (!id) throw new Error(`no demo record for :${key}`);
    return id;
  });
}

/** Serious and critical axe violations on the page as it is now, one line each. */
async function axeProblems(): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function check(route: string, mode: string) {
  expect({ route, mode, violations: await axeProblems() }).toEqual({ route, mode, violations: [] });
}

/** At 390 px: the elements that reach past the page's right edge (none when the page does not scroll sideways). */
async function tooWide(): Promise<string[]> {
  return page.evaluate(() => {
    if (document.documentElement.scrollWidth <= window.innerWidth) return [];
    const width = window.innerWidth;
    return [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !el.closest(".table-scroll"))
      .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > width + 0.5))
      .slice(0, 8)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (${Math.round(el.getBoundingClientRect().right)} px)`,
      );
  });
}

async function visit(path: string, heading: string | RegExp) {
  await page.goto(resolve(path));
  await page.getByRole("heading", { name: heading, level: 1 }).first().waitFor();
  // The lazy screen's queries have answered: nothing says "Loading…" any more.
  await page
    .getByText(/^Loading/)
    .first()
    .waitFor({ state: "detached" });
}

describe("every screen at desktop width and at 390 px", () => {
  it("has a skip link to the main content and a title per page", async () => {
    await page.setViewportSize(DESKTOP);
    await visit("/holds", "Holds");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await skip.getAttribute("href")).toBe("#main");
    expect(await page.locator("main#main").count()).toBe(1);
    expect(await page.title()).toBe("Holds · Holdfast");
    await visit("/holds/:hold", /^Hold /);
    expect(await page.title()).toMatch(/^Hold …[0-9A-Z]{8} · Holdfast$/);
  });

  for (const { path, heading } of ROUTES) {
    it(`${path}: no serious axe violation at desktop width`, async () => {
      await page.setViewportSize(DESKTOP);
      await visit(path, heading);
      await check(path, "desktop");
      expect(await page.title()).toMatch(/ · Holdfast$/);
    });

    it(`${path}: no serious axe violation and no horizontal scroll at 390 px`, async () => {
      await page.setViewportSize(PHONE);
      await visit(path, heading);
      await check(path, "phone");
      expect({ path, tooWide: await tooWide() }).toEqual({ path, tooWide: [] });
    });
  }

  it("the hold editor's account picker, open on its matches, at 390 px: no axe violation, no sideways scroll", async () => {
    await page.setViewportSize(PHONE);
    await visit("/holds/new", "New hold");
    const picker = page.getByRole("combobox", { name: "Account", exact: true });
    await picker.fill("a");
    await page.getByRole("listbox", { name: "Matching accounts" }).getByRole("option").first().waitFor();
    expect(await picker.getAttribute("aria-expanded")).toBe("true");
    await picker.press("ArrowDown");
    expect(await picker.getAttribute("aria-activedescendant")).toBeTruthy();
    await check("/holds/new (account picker open)", "phone");
    expect({ tooWide: await tooWide() }).toEqual({ tooWide: [] });
    await picker.press("Escape");
    expect(await picker.getAttribute("aria-expanded")).toBe("false");
  });

  it("collapses the header into a menu button at 390 px", async () => {
    await page.setViewportSize(PHONE);
    await visit("/holds", "Holds");
    const menu = page.getByRole("button", { name: "Menu" });
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    const controls = await menu.getAttribute("aria-controls");
    expect(controls).toBeTruthy();
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.isVisible()).toBe(false);
    await menu.click();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    expect(await nav.isVisible()).toBe(true);
    expect(await page.locator(`#${controls}`).getByRole("navigation", { name: "Main" }).count()).toBe(1);
    await nav.getByRole("link", { name: "Subscriptions", exact: true }).click();
    await page.getByRole("heading", { name: "Subscriptions", level: 1 }).waitFor();
    // Following a link closes the menu.
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    await check("/subscriptions (menu closed)", "phone");
  });

  it("returns the focus to the button that opened a dialog", async () => {
    await page.setViewportSize(DESKTOP);
    await visit("/subscriptions/:subscription", /^Subscription SUB-/);
    const opener = page.getByRole("button", { name: "Extend grace period" });
    await opener.focus();
    await opener.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await dialog.getAttribute("aria-modal")).toBe("true");
    await check("/subscriptions/:subscription (extend grace dialog)", "desktop");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await opener.evaluate((el) => el === document.activeElement)).toBe(true);
    // A question before a destructive step, too.
    const terminate = page.getByRole("button", { name: "Terminate" });
    await terminate.focus();
    await terminate.press("Enter");
    const confirm = page.getByRole("dialog", { name: /^Terminate subscription/ });
    await confirm.waitFor();
    expect(await confirm.getAttribute("aria-modal")).toBe("true");
    await confirm.getByRole("button", { name: "Keep it" }).click();
    await confirm.waitFor({ state: "detached" });
    expect(await terminate.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(world?.pageErrors).toEqual([]);
  });
});
