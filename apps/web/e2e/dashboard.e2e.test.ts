/**
 * The dashboard end to end, with real parts only: a real PostgreSQL (cloned
 * from the migrated template the globalSetup made), the real HTTP server
 * serving the built dashboard, and a real Chromium driven by playwright-core.
 */
import { existsSync } from "node:fs";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import {
  type ActingContext,
  createAccount,
  createUser,
  fixedClock,
  forTenant,
  provisionTenant,
} from "@holdfast/services";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrowserWorld,
  localStorageOf,
  sessionCookie,
  shows,
  signIn,
  startBrowserWorld,
  stopBrowserWorld,
} from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const SCREENSHOT = "/tmp/holdfast-detail.png";

/** Today for the server is 2030-06-10 (UTC tenant), whatever the machine's date. */
const TODAY = "2030-06-10";
const PASSWORD = "correct horse battery staple";
const OPS_EMAIL = "ops@acme.test";
const PORTFOLIO_EMAIL = "portfolio@holdfast.test";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let browser: Browser | undefined;
let page: Page;
let baseUrl = "";

beforeAll(async () => {
  await ensureBuilt();

  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock(`${TODAY}T12:00:00Z`);
  const acme = await provisionTenant(db, { name: "Acme Hotels Group", email: OPS_EMAIL, password: PASSWORD });
  const beta = await provisionTenant(db, { name: "Beta Resorts", email: "ops@beta.test", password: PASSWORD });
  const system: ActingContext = { db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } };
  await createAccount(forTenant(system, acme.tenantId), { name: "Acme Hotels" });
  await createAccount(forTenant(system, acme.tenantId), { name: "Acme Resorts" });
  await createAccount(forTenant(system, beta.tenantId), { name: "Beta Main" });
  await createUser(db, {
    email: PORTFOLIO_EMAIL,
    name: "Portfolio Pat",
    password: PASSWORD,
    memberships: [
      { tenantId: acme.tenantId, permissions: ALL_PERMISSIONS },
      { tenantId: beta.tenantId, permissions: ["holds:read", "holds:list"] },
    ],
  });

  world = await startBrowserWorld(db, clock);
  ({ browser, baseUrl, page } = world);
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

async function moveButtons(): Promise<string[]> {
  const toolbar = page.getByRole("group", { name: "Moves" });
  return (await toolbar.locator("a, button").allTextContents()).map((t) => t.trim());
}

let holdLocator = "";

describe("dashboard in a real browser", () => {
  it("refuses a wrong password, then signs in", async () => {
    await page.goto("/");
    await signIn(page, OPS_EMAIL, "not the password");
    await shows(page.getByTestId("sign-in-error"), "The email or password is wrong.");

    await signIn(page, OPS_EMAIL, PASSWORD);
    // Signing in lands on the overview; the holds are a click away.
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Holds", exact: true }).click();
    await page.getByRole("heading", { name: "Holds" }).waitFor();
    await page.getByTestId("holds-empty").waitFor();
    expect(await page.getByTestId("tenant-name").textContent()).toBe("Acme Hotels Group");
    // The session is an HttpOnly, SameSite=Strict cookie that scripts cannot read; nothing of it is in localStorage.
    expect(await sessionCookie(page.context())).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(JSON.stringify(await localStorageOf(page))).not.toMatch(/hfs_|token|session/);
  });

  it("refuses an end date before the start date beside the field, then creates the hold", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New hold" }).click();
    await page.getByRole("heading", { name: "New hold" }).waitFor();

    // The account picker searches as you type: part of the name, then the match.
    await page.getByLabel("Account", { exact: true }).fill("hotels");
    await page
      .getByRole("listbox", { name: "Matching accounts" })
      .getByRole("option", { name: /^Acme Hotels/ })
      .click();
    expect(await page.getByLabel("Account", { exact: true }).inputValue()).toBe("Acme Hotels");
    expect(await page.getByLabel("Target 1 process").inputValue()).toBe("invoicing");
    await page.getByLabel("Hold start date").fill("2030-06-20");
    await page.getByLabel("Hold end date").fill("2030-06-15");
    await page.getByLabel("Comments").fill("Disputed invoice; hold billing until resolved.");
    await page.getByRole("button", { name: "Add characteristic" }).click();
    await page.getByLabel("Characteristic 1 type").fill("reason");
    await page.getByLabel("Characteristic 1 value").fill("billing dispute");
    await page.getByRole("button", { name: "Create hold" }).click();

    await shows(page.getByTestId("error-endDate"), "end date must not be before start date");
    expect(await page.getByLabel("Hold end date").getAttribute("aria-invalid")).toBe("true");
    expect(new URL(page.url()).pathname).toBe("/holds/new");

    await page.getByLabel("Hold end date").fill("2030-07-31");
    await page.getByRole("button", { name: "Create hold" }).click();
    await page.waitForURL(/\/holds\/[0-9A-HJKMNP-TV-Z]{26}$/);
    holdLocator = new URL(page.url()).pathname.split("/").pop() ?? "";
    await shows(page.getByTestId("hold-state"), "draft");
  });

  it("shows the hold in the list, filters by state, and opens it", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Holds" }).click();
    const row = page.locator(`[data-testid="hold-row"][data-locator="${holdLocator}"]`);
    await row.waitFor();
    const cells = (await row.locator("td").allTextContents()).map((c) => c.trim());
    expect(cells.slice(1, 5)).toEqual(["Acme Hotels", "draft", "invoicing", "2030-06-20 → 2030-07-31"]);

    await page.getByRole("checkbox", { name: "active" }).check();
    await page.getByTestId("holds-empty").waitFor();
    expect(new URL(page.url()).search).toBe("?state=active");
    await page.getByRole("checkbox", { name: "draft" }).check();
    await row.waitFor();
    await page.getByRole("checkbox", { name: "active" }).uncheck();
    await page.getByRole("checkbox", { name: "draft" }).uncheck();

    await row.locator("td").nth(1).click();
    await page.waitForURL(`**/holds/${holdLocator}`);
    await shows(page.getByTestId("hold-state"), "draft");
    expect(await moveButtons()).toEqual(["Edit", "Validate", "Discard"]);
  });

  it("validates and activates, offering only the moves each state allows", async () => {
    await page.getByRole("button", { name: "Validate" }).click();
    await shows(page.getByTestId("hold-state"), "validated");
    await shows(page.getByTestId("validation-result"), `Validation passed on ${TODAY}.`);
    expect(await moveButtons()).toEqual(["Activate", "Reset", "Discard"]);

    await page.getByRole("button", { name: "Activate" }).click();
    await shows(page.getByTestId("hold-state"), "active");
    // Active with a start date after today: shown as scheduled, and not yet in effect.
    await shows(page.getByTestId("hold-schedule"), "scheduled");
    expect(await moveButtons()).toEqual(["Release", "Amend"]);
    await shows(page.getByTestId("target-row"), `no (${TODAY})`);
  });

  it("shows the domain's rule beside the amend form's target row, then amends", async () => {
    await page.getByRole("link", { name: "Amend" }).click();
    await page.getByRole("heading", { name: /Amend hold/ }).waitFor();
    // The hold starts after today, so a target end date before today also ends the target before the hold
    // starts: the same domain rule the server applies (outside_hold_dates) refuses it in the form already.
    await page.getByLabel("Target 1 end date").fill("2030-06-05");
    await page.getByRole("button", { name: "Amend hold" }).click();
    await shows(page.getByTestId("error-targets.0"), "the target's dates must lie inside the hold's dates");

    await page.getByLabel("Target 1 end date").fill("2030-07-15");
    await page.getByRole("button", { name: "Add characteristic change" }).click();
    await page.getByLabel("Change 1 type").fill("ticket");
    await page.getByLabel("Change 1 value").fill("OPS-1234");
    await page.getByRole("button", { name: "Amend hold" }).click();
    await page.waitForURL(`**/holds/${holdLocator}`);
    await shows(page.getByTestId("target-row"), "2030-07-15");
    await shows(page.getByRole("cell", { name: "OPS-1234" }), "OPS-1234");
    await shows(page.getByTestId("hold-state"), "active");
  });

  it("releases the hold and shows its history", async () => {
    await page.getByRole("button", { name: "Release" }).click();
    const confirm = page.getByRole("dialog", { name: "Release this hold?" });
    await confirm.getByLabel("Reason").fill("Customer paid");
    await confirm.getByRole("button", { name: "Release" }).click();
    await shows(page.getByTestId("hold-state"), "released");
    expect(await moveButtons()).toEqual([]);
    await shows(page.getByRole("group", { name: "Moves" }), "released is final");

    const entries = page.getByTestId("history-entry");
    await shows(entries.last(), "release");
    const actions = await entries.evaluateAll((els) => els.map((el) => el.getAttribute("data-action")));
    expect(actions).toEqual(["create", "validate", "activate", "amend", "release"]);
    const texts = (await entries.allTextContents()).map((t) => t.replace(/\s+/g, " "));
    expect(texts[0]).toContain("— → draft");
    expect(texts[1]).toContain("draft → validated");
    expect(texts[2]).toContain("validated → active");
    expect(texts[4]).toContain("active → released");
    expect(texts[4]).toContain(OPS_EMAIL);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it("lists every problem of a failed validation, and validates once fixed with Edit", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New hold" }).click();
    // By keyboard: the only match is the active option, Enter chooses it.
    await page.getByLabel("Account", { exact: true }).fill("Resorts");
    const matches = page.getByRole("listbox", { name: "Matching accounts" }).getByRole("option");
    await expect.poll(() => matches.allTextContents()).toEqual([expect.stringMatching(/^Acme Resorts/)]);
    await page.getByLabel("Account", { exact: true }).press("Enter");
    expect(await page.getByLabel("Account", { exact: true }).inputValue()).toBe("Acme Resorts");
    await page.getByLabel("Target 1 process").selectOption("funding");
    await page.getByLabel("Hold start date").fill("2030-06-01");
    await page.getByRole("button", { name: "Create hold" }).click();
    await page.waitForURL(/\/holds\/[0-9A-HJKMNP-TV-Z]{26}$/);

    await page.getByRole("button", { name: "Validate" }).click();
    await shows(page.getByTestId("validation-problems"), `start date 2030-06-01 is before today (${TODAY})`);
    await shows(page.getByTestId("hold-state"), "draft");
    expect(await moveButtons()).toEqual(["Edit", "Validate", "Discard"]);

    // Fixed with Edit (holds.update, the create form reused), it validates.
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByRole("heading", { name: "Edit draft hold" }).waitFor();
    expect(await page.getByLabel("Target 1 process").inputValue()).toBe("funding");
    await page.getByLabel("Hold start date").fill("2030-06-12");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { name: /^Hold / }).waitFor();
    expect(await page.getByTestId("validation-result").count()).toBe(0);
    await page.getByRole("button", { name: "Validate" }).click();
    await shows(page.getByTestId("hold-state"), "validated");
  });

  it("lets a portfolio user switch tenants, each showing only its own holds, and sign out", async () => {
    const other = await browser?.newContext({ baseURL: baseUrl });
    if (!other) throw new Error("no browser");
    try {
      const p = await other.newPage();
      p.setDefaultTimeout(15_000);
      await p.goto("/");
      await signIn(p, PORTFOLIO_EMAIL, PASSWORD);
      const switcher = p.getByLabel("Tenant");
      await switcher.waitFor();
      const names = await switcher.locator("option").allTextContents();
      expect(names.sort()).toEqual(["Acme Hotels Group", "Beta Resorts"]);

      await switcher.selectOption({ label: "Beta Resorts" });
      await p.getByTestId("holds-empty").waitFor();
      // Read-only in Beta: nothing offers to create a hold.
      expect(await p.getByRole("link", { name: "New hold" }).count()).toBe(0);
      await switcher.selectOption({ label: "Acme Hotels Group" });
      await p.locator(`[data-testid="hold-row"][data-locator="${holdLocator}"]`).waitFor();
      expect(await p.getByTestId("hold-row").count()).toBe(2);

      await p.getByRole("button", { name: "Sign out" }).click();
      await p.getByRole("heading", { name: "Sign in to Holdfast" }).waitFor();
      expect(await sessionCookie(other)).toBeUndefined();
      // Reloading does not bring the session back: the server ended it.
      await p.reload();
      await p.getByRole("heading", { name: "Sign in to Holdfast" }).waitFor();
    } finally {
      await other.close();
    }
  });

  it("raised no error in the page", () => {
    expect(world?.pageErrors).toEqual([]);
  });
});
