#!/usr/bin/env node
/**
 * Screenshots of the dashboard for the README, taken from the product as
 * `npm start` runs it: the dashboard build, then apps/server's start.ts (an
 * embedded PostgreSQL in a temporary directory, the demo data, the HTTP server
 * and the worker), with the clock frozen so every run shows the same days.
 * A real Chromium signs in as the demo user and saves PNGs into
 * docs/screenshots/ (desktop 1280 px, and a phone at 390 px).
 *
 *   pnpm --filter @holdfast/web screenshots
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = path.resolve(WEB, "../..");
const OUT = path.join(ROOT, "docs/screenshots");
const NOW = "2026-12-07T09:30:00Z";
const DEMO = { email: "demo@holdfast.local", password: "holdfast-demo" };
const MAX_BYTES = 300 * 1024;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(check, what, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const build = spawnSync("pnpm", ["exec", "vite", "build", "--logLevel", "warn"], { cwd: WEB, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const dataDir = mkdtempSync(path.join(os.tmpdir(), "holdfast-screenshots-"));
const port = await freePort();
const pgPort = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, ["--import", "tsx", "src/start.ts"], {
  cwd: path.join(ROOT, "apps/server"),
  env: {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    HOLDFAST_DATA_DIR: dataDir,
    HOLDFAST_PG_PORT: String(pgPort),
    HOLDFAST_NOW: NOW,
    LOG_LEVEL: "warn",
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const serverExited = new Promise((resolve) => server.once("exit", resolve));

let browser;
try {
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok, "the server");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  mkdirSync(OUT, { recursive: true });
  const shots = [];
  const shot = async (name, opts = {}) => {
    const file = path.join(OUT, `${name}.png`);
    await page.screenshot({ path: file, ...opts });
    shots.push([file, statSync(file).size]);
  };
  const settle = () =>
    page
      .getByText(/^Loading/)
      .first()
      .waitFor({ state: "detached" });

  await page.goto("/");
  await page.getByLabel("Email").fill(DEMO.email);
  await page.getByLabel("Password").fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Sign-in lands on the overview (taken below, once the worker has caught up).
  await page.getByTestId("overview-figures").waitFor();

  await page.goto("/holds");
  await page.getByTestId("hold-row").first().waitFor();
  await settle();
  await shot("holds");

  await page.goto("/holds?state=active");
  await page.getByTestId("hold-row").first().click();
  await page.getByRole("heading", { name: /^Hold / }).waitFor();
  await page.getByTestId("target-row").first().waitFor();
  await settle();
  await shot("hold");

  // The worker's first tick catches the demo up: invoices, a grace period, a lapse.
  await waitFor(async () => {
    await page.goto("/subscriptions");
    await page.getByTestId("subscription-row").first().waitFor();
    return (await page.getByText("days left").count()) > 0;
  }, "the worker to start a grace period");
  await settle();
  await shot("subscriptions");

  await page.goto("/");
  await page.getByTestId("overview-figures").waitFor();
  await settle();
  await shot("overview", { fullPage: true });
  await page.goto("/subscriptions");
  await page.getByTestId("subscription-row").first().waitFor();
  await settle();

  await page.getByTestId("grace-end").filter({ hasText: "days left" }).first().click();
  await page.getByRole("heading", { name: /^Subscription / }).waitFor();
  await page.getByTestId("invoice-row").first().waitFor();
  await page.getByTestId("history-entry").first().waitFor();
  await settle();
  await shot("subscription", { fullPage: true });

  await page.getByRole("button", { name: "Extend grace period" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Days from the day it is applied").fill("14");
  await dialog.getByTestId("grace-preview-end").waitFor();
  await shot("extend-grace");
  await page.keyboard.press("Escape");

  await page.goto("/automations");
  await page.getByTestId("automation-row").first().waitFor();
  await settle();
  await shot("automations");

  await page.goto("/worker");
  await page.getByTestId("worker-today").waitFor();
  await settle();
  await shot("worker");

  await page.goto("/accounts");
  await page.getByTestId("account-row").first().getByRole("link").first().click();
  await page.getByTestId("account-status").waitFor();
  await settle();
  await shot("account", { fullPage: true });

  await page.goto("/audit");
  await page.getByTestId("audit-row").nth(2).waitFor();
  await settle();
  await shot("audit");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/subscriptions");
  await page.getByTestId("subscription-row").first().waitFor();
  await settle();
  await shot("phone-subscriptions");
  await page.getByRole("button", { name: "Menu" }).click();
  await shot("phone-menu");

  for (const [file, bytes] of shots) {
    console.log(`${path.relative(ROOT, file)}  ${Math.round(bytes / 1024)} KB`);
    if (bytes > MAX_BYTES) throw new Error(`${file} is ${bytes} bytes, more than ${MAX_BYTES}`);
  }
} finally {
  await browser?.close().catch(() => undefined);
  server.kill("SIGTERM");
  await Promise.race([serverExited, new Promise((r) => setTimeout(r, 20_000))]);
  rmSync(dataDir, { recursive: true, force: true });
}
