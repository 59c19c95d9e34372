/**
 * What every browser test sets up the same way: the real HTTP server serving
 * the built dashboard on a free port, a real Chromium (playwright-core, the
 * system's /usr/bin/chromium), one page that records its uncaught errors, and
 * a teardown that closes each part even when another fails to close.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import type { Database } from "@holdfast/db";
import type { TestDatabase } from "@holdfast/db/testing";
import { createHttpServer } from "@holdfast/server/http";
import type { Clock } from "@holdfast/services";
import { testSecrets } from "@holdfast/testing/harness";
import pino from "pino";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { DIST } from "./build-dashboard.ts";

/** Headless, no sandbox (containers), and nothing that reaches out to the network on its own. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface BrowserWorld {
  server: http.Server;
  baseUrl: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors the page raised; a test ends by expecting none. */
  pageErrors: string[];
}

/** Starts the server on the database and clock, then Chromium with one page (viewport 1280×900, 15 s timeouts). */
export async function startBrowserWorld(db: Database, clock: Clock): Promise<BrowserWorld> {
  // As with HOLDFAST_SECRET_KEY set and HOLDFAST_WEBHOOKS_ALLOW_PRIVATE=1: webhook secrets can be made.
  const webhooks = { secrets: testSecrets, allowPrivateWebhooks: true };
  const server = createHttpServer({ db, clock, logger: pino({ level: "silent" }), webDist: DIST, ...webhooks });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    });
    const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    return { server, baseUrl, browser, context, page, pageErrors };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await closeServer(server);
    throw e;
  }
}

async function closeServer(server: http.Server) {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Closes the browser, the server and the database, each even when an earlier one fails. */
export async function stopBrowserWorld(world: BrowserWorld | undefined, testDb: TestDatabase | undefined) {
  await world?.browser.close().catch(() => undefined);
  if (world) await closeServer(world.server).catch(() => undefined);
  await testDb?.close();
}

/** Fills the sign-in form and submits it. */
export async function signIn(p: Page, email: string, password: string) {
  await p.getByLabel("Email").fill(email);
  await p.getByLabel("Password").fill(password);
  await p.getByRole("button", { name: "Sign in" }).click();
}

/** The dashboard's session cookie in this browser context, if it holds one. */
export async function sessionCookie(context: BrowserContext) {
  return (await context.cookies()).find((c) => c.name === "holdfast_session");
}

/** Everything the page keeps in localStorage, to prove no session token is there. */
export async function localStorageOf(p: Page): Promise<Record<string, string>> {
  return p.evaluate(() => Object.fromEntries(Object.entries(localStorage)));
}

/** Waits until the locator shows this text. */
export async function shows(locator: Locator, text: string | RegExp) {
  await locator.filter({ hasText: text }).first().waitFor();
}

/** Waits until the locator is gone from the page. */
export async function gone(locator: Locator) {
  await locator.waitFor({ state: "detached" });
}
