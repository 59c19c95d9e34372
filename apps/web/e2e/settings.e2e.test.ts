/**
 * The Settings area end to end, with real parts only: a real PostgreSQL, the
 * real HTTP server serving the built dashboard, a real Chromium. The session
 * is the HttpOnly cookie; an admin saves the tenant's settings, makes an API
 * token (its secret shown once), rolls and revokes it, makes a user whose
 * set-password link lets them choose a password and sign in, and disables
 * them; "My sessions" changes the password and signs out everywhere.
 */
import { existsSync } from "node:fs";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { fixedClock, provisionTenant } from "@holdfast/services";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrowserWorld,
  gone,
  localStorageOf,
  sessionCookie,
  shows,
  signIn,
  startBrowserWorld,
  stopBrowserWorld,
} from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const SCREENSHOT = "/tmp/holdfast-settings-tokens.png";
const PASSWORD = "correct horse battery staple";
const ADMIN_EMAIL = "admin@settings.test";
const NEW_EMAIL = "new.member@settings.test";
const NEW_PASSWORD = "velvet harbour quantum lantern 42";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let tenantId = "";

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const clock = fixedClock("2030-06-10T12:00:00Z");
  ({ tenantId } = await provisionTenant(
    testDb.db,
    { name: "Settings Hotels", email: ADMIN_EMAIL, password: PASSWORD },
    { clock },
  ));
  world = await startBrowserWorld(testDb.db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

/** A call made with this bearer secret, as a script would make it: its HTTP status. */
async function statusWithToken(secret: string): Promise<number> {
  const input = encodeURIComponent(JSON.stringify({ tenantLocator: tenantId }));
  const res = await fetch(`${world?.baseUrl}/trpc/holds.list?input=${input}`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  return res.status;
}

const row = (attr: string, value: string) => page.locator(`tr[${attr}="${value}"]`);

let firstSecret = "";
let rolledSecret = "";
let setPasswordLink = "";

describe("the Settings area in a real browser", () => {
  it("signs the admin in with the session cookie only: nothing in localStorage, and a reload stays signed in", async () => {
    await page.goto("/");
    await signIn(page, ADMIN_EMAIL, PASSWORD);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(await sessionCookie(page.context())).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(JSON.stringify(await localStorageOf(page))).not.toMatch(/hfs_|token|session/);
    await page.reload();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
  });

  it("saves the tenant's grace days and time zone, refusing an unknown time zone beside the field", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("form", { name: "Settings of Settings Hotels" }).waitFor();
    await page.getByLabel("Grace days").fill("10");
    await page.getByLabel("Time zone").fill("Mars/Olympus");
    await page.getByRole("button", { name: "Save settings" }).click();
    await shows(page.getByTestId("error-timeZone"), "must be an IANA time zone");

    await page.getByLabel("Time zone").fill("Europe/Prague");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByTestId("settings-saved").waitFor();
    await page.reload();
    await page.getByRole("form", { name: "Settings of Settings Hotels" }).waitFor();
    expect(await page.getByLabel("Grace days").inputValue()).toBe("10");
    expect(await page.getByLabel("Time zone").inputValue()).toBe("Europe/Prague");
  });

  it("creates an API token with chosen permissions and shows its secret once; the secret works", async () => {
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "API tokens" }).click();
    // The tenant's provisioning token is listed already.
    await page.getByTestId("token-row").first().waitFor();
    await page.getByRole("button", { name: "New API token" }).click();
    await page.getByRole("button", { name: "Create token" }).click();
    await shows(page.getByTestId("error-name"), /./);
    await page.getByLabel("Name").fill("billing sync");
    await page.getByRole("checkbox", { name: /Read holds/ }).check();
    await page.getByRole("checkbox", { name: /List holds/ }).check();
    await page.getByRole("button", { name: "Create token" }).click();

    const secret = page.getByTestId("one-time-secret");
    await secret.waitFor();
    firstSecret = await secret.inputValue();
    expect(firstSecret).toMatch(/^hft_/);
    await page.screenshot({ path: SCREENSHOT });
    await page.getByRole("button", { name: "Done" }).click();
    await gone(secret);
    expect(await page.content()).not.toContain(firstSecret);

    const token = row("data-name", "billing sync");
    await shows(token.getByTestId("token-status"), "active");
    expect(await token.textContent()).toContain("holds:read, holds:list");
    expect(await token.getByTestId("token-last-used").textContent()).toBe("never");
    expect(await statusWithToken(firstSecret)).toBe(200);
    await page.reload();
    await shows(row("data-name", "billing sync").getByTestId("token-last-used"), /\d/);
  });

  it("rolls the token: a new secret, shown once, and the old one still works during the overlap", async () => {
    await row("data-name", "billing sync").getByRole("button", { name: "Roll" }).first().click();
    await page.getByRole("button", { name: "Roll token" }).click();
    const secret = page.getByTestId("one-time-secret");
    await secret.waitFor();
    rolledSecret = await secret.inputValue();
    expect(rolledSecret).toMatch(/^hft_/);
    expect(rolledSecret).not.toBe(firstSecret);
    await page.getByRole("button", { name: "Done" }).click();
    await gone(secret);
    expect(await statusWithToken(rolledSecret)).toBe(200);
    expect(await statusWithToken(firstSecret)).toBe(200);
    const billing = row("data-name", "billing sync");
    expect(await billing.count()).toBe(2);
    await shows(billing.getByTestId("token-status"), "rolled");
  });

  it("revokes the new token after a confirmation: it is refused from then on", async () => {
    const active = row("data-name", "billing sync").filter({ has: page.getByText("active", { exact: true }) });
    await active.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("button", { name: "Revoke token" }).click();
    await shows(row("data-name", "billing sync").getByTestId("token-status"), /revoked/);
    expect(await statusWithToken(rolledSecret)).toBe(401);
  });

  it("creates a user with chosen permissions and shows the set-password link to hand over", async () => {
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Users" }).click();
    await row("data-email", ADMIN_EMAIL).waitFor();
    await page.getByRole("button", { name: "New user" }).click();
    await page.getByLabel("Email").fill(NEW_EMAIL);
    await page.getByLabel("Name").fill("New Member");
    await page.getByRole("checkbox", { name: /Read holds/ }).check();
    await page.getByRole("checkbox", { name: /List holds/ }).check();
    await page.getByRole("button", { name: "Create user" }).click();

    const link = page.getByTestId("one-time-secret");
    await link.waitFor();
    setPasswordLink = await link.inputValue();
    expect(setPasswordLink).toMatch(new RegExp(`^${world?.baseUrl}/set-password#[A-Za-z0-9_-]{43}$`));
    await page.getByRole("button", { name: "Done" }).click();
    await shows(row("data-email", NEW_EMAIL).getByTestId("user-status"), "no password yet");
  });

  it("the link lets the new user choose a password and sign in, without admin rights", async () => {
    const other = await world?.browser.newContext({ baseURL: world.baseUrl });
    if (!other) throw new Error("no browser");
    try {
      const p = await other.newPage();
      p.setDefaultTimeout(15_000);
      await p.goto(setPasswordLink);
      await p.getByLabel("New password").fill("too short");
      await p.getByLabel("The same password again").fill("too short");
      await p.getByRole("button", { name: "Set password" }).click();
      await shows(p.getByTestId("error-password"), "at least 12 characters");

      await p.getByLabel("New password").fill(NEW_PASSWORD);
      await p.getByLabel("The same password again").fill(NEW_PASSWORD);
      await p.getByRole("button", { name: "Set password" }).click();
      await shows(p.getByTestId("password-set"), NEW_EMAIL);
      await p.getByRole("link", { name: "Sign in" }).click();
      await signIn(p, NEW_EMAIL, NEW_PASSWORD);
      await p.getByRole("heading", { name: "Overview" }).waitFor();
      expect(await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).count()).toBe(0);
      // The link worked once.
      await p.goto(setPasswordLink);
      await p.getByLabel("New password").fill(NEW_PASSWORD);
      await p.getByLabel("The same password again").fill(NEW_PASSWORD);
      await p.getByRole("button", { name: "Set password" }).click();
      await p.getByTestId("form-error").waitFor();
    } finally {
      await other.close();
    }
  });

  it("disables the user after a confirmation", async () => {
    await page.reload();
    await shows(row("data-email", NEW_EMAIL).getByTestId("user-status"), "active");
    await row("data-email", NEW_EMAIL).getByRole("button", { name: "Disable" }).click();
    await page.getByRole("button", { name: "Disable user" }).click();
    await shows(row("data-email", NEW_EMAIL).getByTestId("user-status"), "disabled");
  });

  it("lists my sessions, changes my password, and signs out everywhere", async () => {
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "My sessions" }).click();
    await page.locator('[data-testid="session-row"][data-current="true"]').waitFor();
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password").fill("another velvet harbour passphrase");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByTestId("form-error").waitFor();
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await shows(page.getByTestId("password-changed"), "0 other sessions ended.");
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByRole("heading", { name: "Sign in to Holdfast" }).waitFor();
    expect(await sessionCookie(page.context())).toBeUndefined();
  });

  it("raised no error in the page", () => {
    expect(world?.pageErrors).toEqual([]);
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
