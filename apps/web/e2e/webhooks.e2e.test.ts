/**
 * Settings > Webhooks end to end, with real parts only: a real PostgreSQL,
 * the real HTTP server serving the built dashboard, a real Chromium. An
 * admin makes an endpoint (its signing secret shown once, then gone from the
 * page), sends a test event (a pending delivery: no worker runs here),
 * replays it, rotates the secret and disables the endpoint. The page has no
 * serious accessibility violation, with the deliveries open.
 */
import AxeBuilder from "@axe-core/playwright";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { fixedClock, provisionTenant } from "@holdfast/services";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, gone, shows, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const PASSWORD = "correct horse battery staple";
const ADMIN_EMAIL = "admin@webhooks.test";
const URL = "https://hooks.example.com/billing";

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const clock = fixedClock("2030-06-10T12:00:00Z");
  await provisionTenant(testDb.db, { name: "Webhook Hotels", email: ADMIN_EMAIL, password: PASSWORD }, { clock });
  world = await startBrowserWorld(testDb.db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

const endpointRow = () => page.locator(`tr[data-url="${URL}"]`);

async function seriousAxeProblems(): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("Settings > Webhooks in a real browser", () => {
  it("creates an endpoint and shows its whsec_ secret once", async () => {
    await page.goto("/");
    await signIn(page, ADMIN_EMAIL, PASSWORD);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Webhooks" }).click();
    await page.getByTestId("webhooks-empty").waitFor();

    await page.getByRole("button", { name: "New webhook endpoint" }).click();
    await page.getByRole("button", { name: "Create endpoint" }).click();
    await shows(page.getByTestId("error-url"), /http/);
    await page.getByLabel("URL").fill("ftp://hooks.example.com/x");
    await page.getByRole("checkbox", { name: "hold.created" }).check();
    await page.getByRole("button", { name: "Create endpoint" }).click();
    await shows(page.getByTestId("error-url"), /http/);
    await page.getByLabel("URL").fill(URL);
    await page.getByRole("checkbox", { name: "hold.released" }).check();
    await page.getByLabel("Description (optional)").fill("billing engine");
    await page.getByRole("button", { name: "Create endpoint" }).click();

    const secret = page.getByTestId("one-time-secret");
    await secret.waitFor();
    const value = await secret.inputValue();
    expect(value).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "Done" }).click();
    await gone(secret);
    expect(await page.content()).not.toContain(value.slice(6));

    await shows(endpointRow().getByTestId("webhook-status"), "enabled");
    expect(await endpointRow().textContent()).toContain("hold.created, hold.released");
    expect(await endpointRow().textContent()).toContain(value.slice(0, 12));
    await page.reload();
    await endpointRow().waitFor();
    expect(await page.content()).not.toContain(value.slice(6));
  });

  it("sends a test event: its delivery is listed, pending; replaying it adds another", async () => {
    await page.getByRole("button", { name: `Send test to ${URL}` }).click();
    const deliveries = page.getByRole("region", { name: `Deliveries to ${URL}` });
    await deliveries.waitFor();
    const rows = deliveries.getByTestId("delivery-row");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("webhook.test");
    await shows(rows.first().getByTestId("delivery-status"), /pending/);

    await rows
      .first()
      .getByRole("button", { name: /^Replay webhook\.test/ })
      .click();
    await page.locator('tr[data-origin="replay"]').waitFor();
    expect(await rows.count()).toBe(2);
    expect(await seriousAxeProblems()).toEqual([]);
  });

  it("rotates the secret (shown once), edits and disables the endpoint", async () => {
    await page.getByRole("button", { name: `Rotate secret of ${URL}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Rotate secret" }).click();
    const secret = page.getByTestId("one-time-secret");
    await secret.waitFor();
    expect(await secret.inputValue()).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "Done" }).click();
    await gone(secret);
    await shows(endpointRow(), "old one signs too until");

    await page.getByRole("button", { name: `Edit ${URL}` }).click();
    const edit = page.getByRole("dialog", { name: "Edit webhook endpoint" });
    expect(await edit.getByRole("checkbox", { name: "hold.released" }).isChecked()).toBe(true);
    await edit.getByLabel("Description (optional)").fill("billing engine v2");
    await edit.getByRole("button", { name: "Save endpoint" }).click();
    await gone(edit);
    await shows(endpointRow(), "billing engine v2");

    await page.getByRole("button", { name: `Disable ${URL}` }).click();
    await shows(endpointRow().getByTestId("webhook-status"), /^disabled/);
    expect(await page.getByRole("button", { name: `Send test to ${URL}` }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: `Enable ${URL}` }).waitFor();
    expect(world?.pageErrors).toEqual([]);
  });
});
