/**
 * Issue 12 in a real browser on the real server and database: services and
 * companies chosen by name (one named in Settings › Directory first), and a
 * filtered holds list exported as CSV with the session cookie, every matching
 * row and not only the page on screen, parsed back.
 */
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { zAutomationInput } from "@holdfast/domain";
import {
  addAutomations,
  createAccount,
  createHold,
  fixedClock,
  forTenant,
  getAllAutomations,
  provisionTenant,
  type ServiceContext,
  setDirectoryName,
} from "@holdfast/services";
import { seededHoldLocator, seedHolds } from "@holdfast/testing";
import { parse } from "csv-parse/sync";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, shows, signIn, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const TODAY = "2030-06-10";
const EMAIL = "ops@pickers.test";
const PASSWORD = "correct horse battery staple";
const SERVICE_BREAKFAST = "3b1c2d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
const COMPANY_GLOBEX = "956aa0f0-a090-42c8-bee2-991972d32f80";
const COMPANY_INITECH = "4c3b2a19-0f8e-4d7c-9b6a-5e4d3c2b1a09";
/** More than one export page (500) and far more than the list shows at once. */
const HELD = 620;

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let system: ServiceContext;
let tenantId = "";
let heldAccount = "";

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock(`${TODAY}T12:00:00Z`);
  ({ tenantId } = await provisionTenant(db, { name: "Pickers Hotels", email: EMAIL, password: PASSWORD }));
  system = forTenant({ db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } }, tenantId);
  await setDirectoryName(system, { kind: "service", id: SERVICE_BREAKFAST, name: "Breakfast" });
  await setDirectoryName(system, { kind: "company", id: COMPANY_GLOBEX, name: "Globex Travel" });
  // An automation whose service no admin named: the picker still offers it, by its id.
  await addAutomations(system, {
    automations: [
      zAutomationInput.parse({
        name: "Existing",
        companies: [],
        prepayment: "All",
        assignmentTargetType: "NoCompany",
        triggerType: "Continuous",
        billAggregationType: "AggregateByCustomer",
        assignments: [{ serviceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94", routedItemTypes: routes() }],
      }),
    ],
  });
  heldAccount = (await createAccount(system, { name: "Held account", externalId: null })).locator;
  const other = (await createAccount(system, { name: "Other account", externalId: null })).locator;
  await seedHolds(db, { tenantId, accountLocator: heldAccount, count: HELD });
  await createHold(system, { accountLocator: other, targets: [{ process: "invoicing" }] });
  world = await startBrowserWorld(db, clock);
  page = world.page;
  await page.goto("/");
  await signIn(page, EMAIL, PASSWORD);
  await page.getByRole("navigation", { name: "Main" }).waitFor();
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

function routes() {
  return {
    spaceOrder: true,
    cityTax: false,
    allProducts: false,
    deposits: false,
    additionalExpenses: false,
    allCustomItems: false,
  };
}

const field = (label: string) => page.getByLabel(label, { exact: true });

describe("pickers, not GUIDs", () => {
  it("an admin names a new company in Settings › Directory", async () => {
    await page.goto("/settings/directory");
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Directory" }).waitFor();
    const form = page.getByRole("form", { name: "Name a service or company" });
    await form.getByLabel("Kind").selectOption("company");
    await form.getByLabel("Id").fill(COMPANY_INITECH.toUpperCase());
    await form.getByLabel("Name").fill("Initech");
    await form.getByRole("button", { name: "Add to directory" }).click();
    await shows(page.getByTestId("directory-row"), "Initech");
    const rows = (await page.getByTestId("directory-row").allTextContents()).map((t) => t.replace(/\s+/g, " "));
    expect(rows[0]).toContain("Breakfast");
    expect(rows.some((r) => r.includes("Unnamed") && r.includes("bd26d8db-86da-4f96-9efc-e5a4654a4a94"))).toBe(true);
  });

  it("creates an automation choosing its service and company by name, with no id to type or generate", async () => {
    await page.goto("/automations/new");
    await page.getByRole("heading", { name: "New billing automation" }).waitFor();
    expect(await page.getByRole("button", { name: /^Generate/ }).count()).toBe(0);
    await field("Name").fill("Initech breakfasts");
    await field("Assignment target type").selectOption("CompanyAsOwner");
    await field("Bill aggregation type").selectOption("AggregateAll");
    await page.getByRole("button", { name: "Add company" }).click();
    const company = field("Company 1");
    expect(await company.evaluate((el) => el.tagName)).toBe("SELECT");
    const companyNames = await company.locator("option").allTextContents();
    expect(companyNames).toEqual(["Choose a company…", "Globex Travel", "Initech"]);
    await company.selectOption({ label: "Initech" });
    const service = field("Assignment 1 service");
    await service.locator("option", { hasText: "Breakfast" }).waitFor({ state: "attached" });
    expect(await service.locator("option").allTextContents()).toEqual([
      "Choose a service…",
      "Breakfast",
      "Unnamed bd26d8db-86da-4f96-9efc-e5a4654a4a94",
    ]);
    await service.selectOption({ label: "Breakfast" });
    await page.getByRole("group", { name: "Assignment 1 routed item types" }).getByLabel("Space order").check();
    await page.getByRole("button", { name: "Create automation" }).click();
    await page.waitForURL("**/automations");
    await page.getByTestId("automation-row").filter({ hasText: "Initech breakfasts" }).waitFor();

    const stored = await getAllAutomations({ ...system, tenantIds: [tenantId] }, { limitation: { count: 10 } });
    const made = stored.automations.find((a) => a.name === "Initech breakfasts");
    expect(made?.companies.map((c) => c.companyId)).toEqual([COMPANY_INITECH]);
    expect(made?.assignments.map((a) => a.serviceId)).toEqual([SERVICE_BREAKFAST]);
    expect(world?.pageErrors).toEqual([]);
  });
});

describe("the automations list", () => {
  const names = async () =>
    (await page.getByTestId("automation-row").locator("td:first-child").allTextContents()).map((t) => t.trim());
  const header = (name: string) => page.getByRole("columnheader", { name: new RegExp(`^${name}`) });

  it("sorts by name from its header, both ways, with aria-sort; filters by a company's name", async () => {
    await page.goto("/automations");
    await page.getByTestId("automation-row").nth(1).waitFor();
    expect(await header("Created").getAttribute("aria-sort")).toBe("ascending");
    expect(await header("Name").getAttribute("aria-sort")).toBe("none");
    await header("Name").getByRole("button").click();
    await page.waitForURL(/sort=name/);
    await expect.poll(names).toEqual(["Existing", "Initech breakfasts"]);
    expect(await header("Name").getAttribute("aria-sort")).toBe("ascending");
    expect(await header("Created").getAttribute("aria-sort")).toBe("none");
    await header("Name").getByRole("button").click();
    await page.waitForURL(/order=desc/);
    await expect.poll(names).toEqual(["Initech breakfasts", "Existing"]);
    expect(await header("Name").getAttribute("aria-sort")).toBe("descending");

    await page.getByLabel("Company", { exact: true }).selectOption({ label: "Initech" });
    await expect.poll(names).toEqual(["Initech breakfasts"]);
    const exported = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(JSON.parse(new URL(exported ?? "", "http://x").searchParams.get("input") ?? "{}")).toEqual({
      companyIds: [COMPANY_INITECH],
      sort: "name",
      order: "desc",
      tenantLocator: tenantId,
    });
  });
});

describe("CSV export", () => {
  it("exports every hold of the filtered list, not just the loaded page, and the CSV parses", async () => {
    await page.goto(`/holds?account=${heldAccount}&state=draft`);
    await page.getByRole("heading", { name: "Holds" }).waitFor();
    const link = page.getByRole("link", { name: "Export CSV" });
    const href = (await link.getAttribute("href")) ?? "";
    expect(await link.getAttribute("download")).not.toBeNull();
    const input = JSON.parse(new URL(href, "http://x").searchParams.get("input") ?? "{}");
    expect(input).toEqual({ tenantLocator: tenantId, states: ["draft"], accountLocator: heldAccount });

    // The download as the browser makes it: same origin, the session cookie, nothing else.
    const answer = await page.evaluate(async (url) => {
      const res = await fetch(url, { credentials: "same-origin" });
      return {
        status: res.status,
        type: res.headers.get("content-type"),
        disposition: res.headers.get("content-disposition"),
        text: await res.text(),
      };
    }, href);
    expect(answer.status).toBe(200);
    expect(answer.type).toBe("text/csv; charset=utf-8");
    expect(answer.disposition).toBe(`attachment; filename="holds-${TODAY}.csv"`);
    const rows: Record<string, string>[] = parse(answer.text, { columns: true });
    expect(rows).toHaveLength(HELD);
    expect(new Set(rows.map((r) => r.locator))).toEqual(
      new Set(Array.from({ length: HELD }, (_, i) => seededHoldLocator(i + 1))),
    );
    expect(rows.every((r) => r.account === heldAccount && r.state === "draft")).toBe(true);
    // The screen itself shows only its first page.
    expect(await page.getByTestId("hold-row").count()).toBeLessThan(HELD);
    expect(world?.pageErrors).toEqual([]);
  });
});
