/**
 * Billing automations in the dashboard, end to end with real parts only: a
 * real PostgreSQL (cloned from the migrated template the globalSetup made),
 * the real HTTP server serving the built dashboard, a real Chromium.
 */
import { existsSync } from "node:fs";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { zAutomationInput, zAutomationUpdate } from "@holdfast/domain";
import {
  addAutomations,
  fixedClock,
  forTenant,
  provisionTenant,
  type ServiceContext,
  setDirectoryName,
  updateAutomations,
} from "@holdfast/services";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserWorld, gone, shows, startBrowserWorld, stopBrowserWorld } from "./browser-fixture.ts";
import { ensureBuilt } from "./build-dashboard.ts";

const SCREENSHOT = "/tmp/holdfast-automation-editor.png";
const EDIT_SCREENSHOT = "/tmp/holdfast-automation-edit.png";
const PREVIEW_SCREENSHOT = "/tmp/holdfast-route-preview.png";
const TODAY = "2030-06-10";
const PASSWORD = "correct horse battery staple";
const EMAIL = "billing@acme.test";
const NAME = "Acme corporate billing";
/** One page of the list (AUTOMATIONS_PAGE_SIZE): the new automation is then on the second. */
const SEEDED = 50;

const COMPANY_A = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const COMPANY_OTHER = "956aa0f0-a090-42c8-bee2-991972d32f80";
const SERVICE_ROOMS = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const SERVICE_SPA = "0b8e6a4e-2f0f-4c55-9d3e-6c1f0a6b7e21";
const RATE_STANDARD = "ab3682ba-4493-4eb0-bcdc-8d000f5bad65";
const RATE_OTHER = "5e7c0b59-3f2a-4f0e-8a53-2c0d6f1b9a77";
const PRODUCT_BREAKFAST = "507d93e6-9fb5-4734-a6d1-977afc4dfdff";
const ACCOUNTING_FOOD = "7d1e4f0a-9b8c-4d2e-a1f3-5c6b7a8d9e0f";
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let testDb: TestDatabase | undefined;
let world: BrowserWorld | undefined;
let page: Page;
let system: ServiceContext;
let tenantId = "";

beforeAll(async () => {
  await ensureBuilt();
  testDb = await createTestDatabase();
  const { db } = testDb;
  const clock = fixedClock(`${TODAY}T12:00:00Z`);
  const acme = await provisionTenant(db, { name: "Acme Hotels Group", email: EMAIL, password: PASSWORD });
  tenantId = acme.tenantId;
  system = forTenant({ db, clock, actor: { type: "system", id: "e2e", name: "e2e setup" } }, tenantId);
  // A full first page of another company's automations.
  await addAutomations(system, {
    automations: Array.from({ length: SEEDED }, (_, i) =>
      zAutomationInput.parse({
        name: `Seeded automation ${String(i + 1).padStart(2, "0")}`,
        companies: [{ companyId: COMPANY_OTHER, relations: { partnerCompany: true, travelAgency: true } }],
        prepayment: "All",
        assignmentTargetType: "CompanyAsOwner",
        triggerType: "Continuous",
        billAggregationType: "OnePerReservation",
        assignments: [
          {
            serviceId: SERVICE_ROOMS,
            routedItemTypes: {
              spaceOrder: true,
              cityTax: false,
              allProducts: false,
              deposits: false,
              additionalExpenses: false,
              allCustomItems: false,
            },
          },
        ],
      }),
    ),
  });

  // The names the pickers show (Settings › Directory).
  for (const [kind, id, name] of [
    ["company", COMPANY_A, "Company A"],
    ["service", SERVICE_ROOMS, "Rooms"],
    ["service", SERVICE_SPA, "Spa"],
  ] as const) {
    await setDirectoryName(system, { kind, id, name });
  }

  world = await startBrowserWorld(db, clock);
  page = world.page;
});

afterAll(async () => {
  await stopBrowserWorld(world, testDb);
});

const nav = (name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });
const field = (label: string) => page.getByLabel(label, { exact: true });
const assignment = (n: number) => page.getByTestId("assignment-row").nth(n - 1);
const itemTypes = (n: number) => page.getByRole("group", { name: `Assignment ${n} routed item types` });
const ourRow = () => page.getByTestId("automation-row").filter({ hasText: NAME });

/** The new automation is on the second page, unless the list still holds both pages it loaded before. */
async function showOurRow() {
  await page.getByRole("heading", { name: "Billing automations" }).waitFor();
  await page.getByTestId("automation-row").first().waitFor();
  if ((await ourRow().count()) === 0) await page.getByRole("button", { name: "Load more" }).click();
  await ourRow().waitFor();
}

let automationId = "";
let firstAssignmentId = "";

describe("billing automations in a real browser", () => {
  it("signs in and lists the tenant's automations a page at a time", async () => {
    await page.goto("/");
    await field("Email").fill(EMAIL);
    await field("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Signing in lands on the overview.
    await page.getByRole("heading", { name: "Overview" }).waitFor();

    await nav("Automations").click();
    await page.getByRole("heading", { name: "Billing automations" }).waitFor();
    await page.getByTestId("automation-row").first().waitFor();
    expect(await page.getByTestId("automation-row").count()).toBe(SEEDED);
    // Exactly one page: the server says there is no next one.
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    const cells = (await page.getByTestId("automation-row").first().locator("td").allTextContents()).map((c) =>
      c.trim(),
    );
    expect(cells.slice(0, 7)).toEqual([
      "Seeded automation 01",
      "Continuous",
      "CompanyAsOwner",
      "OnePerReservation",
      "All",
      "1",
      "1",
    ]);
  });

  it("checks the rules while the automation is typed, then creates it with two assignments", async () => {
    await page.getByRole("link", { name: "New automation" }).click();
    await page.getByRole("heading", { name: "New billing automation" }).waitFor();
    await field("Name").fill(NAME);
    await field("Description").fill("Rooms and breakfast of Company A on one company bill.");

    // AggregateAll with the default CompanyAsDetails: the rule speaks at once, beside the target type.
    await field("Bill aggregation type").selectOption("AggregateAll");
    await shows(
      page.getByTestId("error-assignmentTargetType"),
      "Aggregating all items on one bill needs the company as the bill owner",
    );
    // The rule code, for support, as a small note beside the message.
    await shows(
      page.getByTestId("error-assignmentTargetType").locator(".rule-note"),
      "rule: aggregation_requires_company_as_owner",
    );
    // NoCompany with AggregateAll: both sides of the rule, before any submit.
    await field("Assignment target type").selectOption("NoCompany");
    await shows(
      page.getByTestId("error-billAggregationType"),
      "Without a company, items can only be aggregated by customer",
    );
    expect(await field("Bill aggregation type").getAttribute("aria-invalid")).toBe("true");
    expect(new URL(page.url()).pathname).toBe("/automations/new");
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);

    // Fixed by aggregating by customer: both messages go.
    await field("Bill aggregation type").selectOption("AggregateByCustomer");
    await gone(page.getByTestId("error-billAggregationType"));
    await gone(page.getByTestId("error-assignmentTargetType"));
    expect(await field("Bill aggregation type").getAttribute("aria-invalid")).toBeNull();

    // Company as owner of one bill for everything: then it needs its companies.
    await field("Assignment target type").selectOption("CompanyAsOwner");
    await field("Bill aggregation type").selectOption("AggregateAll");
    await shows(page.getByTestId("error-companies"), "Choose at least one company");
    await page.getByRole("button", { name: "Add company" }).click();
    await field("Company 1").selectOption({ label: "Company A" });
    await gone(page.getByTestId("error-companies"));
    await expect
      .poll(() => page.getByRole("group", { name: "Company 1 relations" }).getByLabel("Partner company").isChecked())
      .toBe(true);

    // Assignment 1: rooms and city tax at the standard rate; a mistyped rate id is named.
    await field("Assignment 1 service").selectOption({ label: "Rooms" });
    await itemTypes(1).getByLabel("Space order").check();
    await itemTypes(1).getByLabel("City tax").check();
    await field("Assignment 1 rate ids").fill(`${RATE_STANDARD}, standrad`);
    await field("Assignment 1 product ids").focus();
    await shows(page.getByTestId("error-assignments.0.rateIds"), 'item 2 ("standrad") must be a GUID');
    await field("Assignment 1 rate ids").fill(RATE_STANDARD);
    await gone(page.getByTestId("error-assignments.0.rateIds"));

    // Assignment 2: routing nothing is a rule, until a product is named.
    await page.getByRole("button", { name: "Add assignment" }).click();
    await field("Assignment 2 service").selectOption({ label: "Rooms" });
    await field("Assignment 2 product ids").focus();
    await shows(page.getByTestId("error-assignments.1.routedItemTypes"), "This assignment routes nothing");
    await field("Assignment 2 product ids").fill(PRODUCT_BREAKFAST);
    await gone(page.getByTestId("error-assignments.1.routedItemTypes"));
    await assignment(2).getByRole("button", { name: "Add accounting category" }).click();
    await field("Assignment 2 accounting category 1 id").fill(ACCOUNTING_FOOD);

    await page.getByRole("button", { name: "Create automation" }).click();
    await page.waitForURL("**/automations");
    await page.getByRole("button", { name: "Load more" }).click();
    await ourRow().waitFor();
    automationId = (await ourRow().getAttribute("data-id")) ?? "";
    const cells = (await ourRow().locator("td").allTextContents()).map((c) => c.trim());
    expect(cells.slice(0, 7)).toEqual([NAME, "Continuous", "CompanyAsOwner", "AggregateAll", "All", "1", "2"]);
    expect(await page.getByTestId("automation-row").count()).toBe(SEEDED + 1);
  });

  it("edits it: its own fields and its assignments in one save", async () => {
    await ourRow().getByRole("link", { name: NAME }).click();
    await page.waitForURL(`**/automations/${automationId}`);
    await page.getByRole("heading", { name: `Billing automation ${NAME}` }).waitFor();
    expect(await field("Trigger type").isDisabled()).toBe(true);
    expect(await page.getByTestId("assignment-id").count()).toBe(2);
    firstAssignmentId = (await page.getByTestId("assignment-id").first().textContent()) ?? "";
    expect(await field("Assignment 1 rate ids").inputValue()).toBe(RATE_STANDARD);
    await page.screenshot({ path: EDIT_SCREENSHOT, fullPage: true });

    await field("Description").fill("Rooms of Company A on one company bill; spa on its own assignment.");
    await itemTypes(1).getByLabel("City tax").uncheck();
    await page.getByRole("button", { name: "Remove assignment 2", exact: true }).click();
    await page.getByRole("button", { name: "Add assignment" }).click();
    await field("Assignment 2 service").selectOption({ label: "Spa" });
    await itemTypes(2).getByLabel("Additional expenses").check();
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL("**/automations");

    await showOurRow();
    await ourRow().getByRole("link", { name: NAME }).click();
    await page.getByRole("heading", { name: `Billing automation ${NAME}` }).waitFor();
    expect(await page.getByTestId("assignment-id").first().textContent()).toBe(firstAssignmentId);
    expect(await itemTypes(1).getByLabel("City tax").isChecked()).toBe(false);
    expect(await field("Assignment 2 service").inputValue()).toBe(SERVICE_SPA);
    await shows(page.getByTestId("history-entry").last(), "save");
    const actions = await page
      .getByTestId("history-entry")
      .evaluateAll((els) => els.map((el) => el.getAttribute("data-action")));
    expect(actions).toEqual(["create", "save"]);
  });

  it("refuses a save over someone else's change, and reloads the automation", async () => {
    await updateAutomations(system, {
      updates: [zAutomationUpdate.parse({ automationId, description: "Changed by another user." })],
    });
    await field("Description").fill("My edit, made on the old version.");
    await page.getByRole("button", { name: "Save changes" }).click();
    await shows(page.getByTestId("save-notice"), "Someone else changed this automation.");
    await shows(page.getByTestId("form-error"), "is at version 3, not the expected 2");
    expect(new URL(page.url()).pathname).toBe(`/automations/${automationId}`);
    await page.getByRole("button", { name: "Reload it (discards your changes)" }).click();
    await expect.poll(() => field("Description").inputValue()).toBe("Changed by another user.");
    await gone(page.getByTestId("save-notice"));
  });

  it("previews a route it makes, and one it refuses with the reason", async () => {
    await nav("Routing preview").click();
    await page.getByRole("heading", { name: "Routing preview" }).waitFor();
    await field("Service id").fill(SERVICE_ROOMS);
    await field("Item type").selectOption("SpaceOrder");
    await field("Rate id (optional)").fill(RATE_STANDARD);
    await field("Consumption date").fill("2030-06-12");
    await page.getByRole("button", { name: "Generate reservation id" }).click();
    await page.getByRole("button", { name: "Generate owner id" }).click();
    const ownerId = await field("Owner id").inputValue();
    expect(ownerId).toMatch(UUID_RE);
    await field("Company id (optional)").fill(COMPANY_A);

    // A company without its relation: the shared schema refuses it beside the relation.
    await page.getByRole("button", { name: "Preview route" }).click();
    await shows(page.getByTestId("error-reservation.companyRelation"), "companyId and companyRelation go together");
    await field("Company relation").selectOption("partnerCompany");
    await gone(page.getByTestId("error-reservation.companyRelation"));
    await page.getByRole("button", { name: "Preview route" }).click();

    const outcome = page.getByTestId("route-outcome");
    await shows(outcome, "Routed");
    expect(await outcome.getAttribute("data-outcome")).toBe("routed");
    expect(await page.getByTestId("route-automation").textContent()).toBe(NAME);
    expect(await page.getByTestId("route-assignment").textContent()).toBe(firstAssignmentId);
    expect(await page.getByTestId("route-owner").textContent()).toBe(`company ${COMPANY_A}`);
    expect(await page.getByTestId("route-associated").textContent()).toBe(`customer ${ownerId}`);
    expect(await page.getByTestId("route-key").textContent()).toBe(`${automationId}:all:company:${COMPANY_A}`);
    // The seeded automations name another company.
    expect(await page.getByTestId("rejection-row").count()).toBe(SEEDED);
    await shows(page.getByTestId("rejection-row").first(), "no_company_match");
    await page.screenshot({
      path: PREVIEW_SCREENSHOT,
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1500 },
    });

    // Another rate: the assignment's rate condition is not met.
    await field("Rate id (optional)").fill(RATE_OTHER);
    await page.getByRole("button", { name: "Preview route" }).click();
    await shows(outcome, "Not routed");
    expect(await outcome.getAttribute("data-outcome")).toBe("not_routed");
    const ours = page.locator(`[data-testid="rejection-row"][data-automation="${automationId}"]`);
    const cells = (await ours.locator("td").allTextContents()).map((c) => c.trim());
    expect(cells).toEqual([
      NAME,
      "conditions_not_met",
      "an assignment routes this item type only for other rates, products or categories",
    ]);
    expect(await page.getByTestId("rejection-row").count()).toBe(SEEDED + 1);
  });

  it("deletes it after confirmation, and not before", async () => {
    await nav("Automations").click();
    await showOurRow();
    await ourRow()
      .getByRole("button", { name: `Delete ${NAME}` })
      .click();
    const dialog = page.getByRole("dialog", { name: `Delete automation ${NAME}?` });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await gone(dialog);
    expect(await ourRow().count()).toBe(1);

    await ourRow()
      .getByRole("button", { name: `Delete ${NAME}` })
      .click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await gone(dialog);
    await gone(ourRow());
    expect(await page.getByTestId("automation-row").count()).toBe(SEEDED);
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
  });

  it("raised no error in the page", () => {
    expect(world?.pageErrors).toEqual([]);
  });
});
