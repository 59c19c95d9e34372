/**
 * The CSV export over real HTTP: the real server on a real database, every
 * matching row across several keyset pages, parsed back with csv-parse;
 * credentials, tenants, permissions and filters refused before anything streams.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { type Permission, zAutomationInput } from "@holdfast/domain";
import { addAutomations, createHold, createSubscription, forTenant } from "@holdfast/services";
import { createTestWorld, seededHoldLocator, seedHolds, type TestWorld } from "@holdfast/testing";
import { parse } from "csv-parse/sync";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpServer } from "../src/http.ts";

let w: TestWorld;
let server: http.Server;
let base = "";
let tenantA = "";
let tenantB = "";
let tokenA = "";
let accountA1 = "";
let accountA2 = "";
let bHold = "";
const SEEDED = 1234;

beforeAll(async () => {
  w = await createTestWorld({ now: "2030-06-10T12:00:00Z", max: 6 });
  tenantA = await w.tenant("Export A", "Europe/Prague");
  tenantB = await w.tenant("Export B");
  accountA1 = (await w.account(tenantA, "Bulk")).locator;
  accountA2 = (await w.account(tenantA, "Formulas")).locator;
  const accountB = (await w.account(tenantB, "B")).locator;
  await seedHolds(w.db, { tenantId: tenantA, accountLocator: accountA1, count: SEEDED });
  const a = forTenant(w.system, tenantA);
  for (const [comments, externalTransactionId] of [
    ['=HYPERLINK("http://evil")', "+41 cmd"],
    ["@SUM(A1:A2)", "-2+3"],
    ['plain, with a comma and "quotes"', "TX-1"],
  ]) {
    await createHold(a, {
      accountLocator: accountA2,
      targets: [{ process: "invoicing" }],
      comments,
      externalTransactionId,
    });
  }
  await createSubscription(a, {
    accountLocator: accountA2,
    number: "SUB-1",
    paymentModel: "pay_before_bill",
    priceMinor: 129_900,
    currency: "CZK",
    billingPeriod: "monthly",
    startDate: "2030-06-01",
    paymentTermDays: 14,
  });
  await addAutomations(a, {
    automations: ["b second", "a first", "c third"].map((name) =>
      zAutomationInput.parse({
        name,
        companies: [],
        prepayment: "All",
        assignmentTargetType: "NoCompany",
        triggerType: "Continuous",
        billAggregationType: "AggregateByCustomer",
        assignments: [
          {
            serviceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
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
  bHold = (
    await createHold(forTenant(w.system, tenantB), { accountLocator: accountB, targets: [{ process: "invoicing" }] })
  ).locator;
  tokenA = await w.token(tenantA);
  server = createHttpServer({ db: w.db, clock: w.clock, logger: pino({ level: "silent" }) });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await w?.close();
});

function exportOf(list: string, input?: unknown, token: string | null = tokenA) {
  const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return fetch(`${base}/export/${list}.csv${q}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

const rowsOf = (text: string): Record<string, string>[] => parse(text, { columns: true, skip_empty_lines: true });

interface ErrorBody {
  error: { data: { code: string; httpStatus: number; issues: { path: string; rule: string }[] } };
}

describe("GET /export/holds.csv", () => {
  it("streams exactly every matching hold across pages of 500, newest first, as CSV", async () => {
    const res = await exportOf("holds", { accountLocator: accountA1, states: ["draft"] });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    // The date in the file name is the tenant's today (Europe/Prague).
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="holds-2030-06-10.csv"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    const rows = rowsOf(await res.text());
    expect(rows).toHaveLength(SEEDED);
    const expected = Array.from({ length: SEEDED }, (_, i) => seededHoldLocator(SEEDED - i));
    expect(rows.map((r) => r.locator)).toEqual(expected);
    expect(rows[0]).toMatchObject({
      account: accountA1,
      state: "draft",
      processes: "invoicing",
      comments: `seeded hold ${SEEDED}`,
    });
    expect(rows[0]?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("without filters exports the whole tenant and nothing of another", async () => {
    const text = await (await exportOf("holds")).text();
    const rows = rowsOf(text);
    expect(rows).toHaveLength(SEEDED + 3);
    expect(text).not.toContain(bHold);
    expect(text).not.toContain(tenantB);
  });

  it("neutralises cells a spreadsheet would read as formulas, and quotes commas and quotes", async () => {
    const rows = rowsOf(await (await exportOf("holds", { accountLocator: accountA2 })).text());
    const byTx = Object.fromEntries(rows.map((r) => [r.external_transaction_id, r.comments]));
    expect(Object.keys(byTx).sort()).toEqual(["'+41 cmd", "'-2+3", "TX-1"]);
    expect(byTx["'+41 cmd"]).toBe('\'=HYPERLINK("http://evil")');
    expect(byTx["'-2+3"]).toBe("'@SUM(A1:A2)");
    expect(byTx["TX-1"]).toBe('plain, with a comma and "quotes"');
  });

  it("an empty result is the header row alone", async () => {
    const res = await exportOf("holds", { externalTransactionId: "none such" });
    expect(res.status).toBe(200);
    expect((await res.text()).trim().split("\n")).toEqual([expect.stringMatching(/^locator,account,state,/)]);
  });
});

describe("refusals, before anything streams", () => {
  it("no credential, or an unknown one: 401 JSON", async () => {
    for (const token of [null, "hft_ThisTokenWasNeverIssuedByAnyoneAtAll0123456789ab"]) {
      const res = await exportOf("holds", {}, token);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(((await res.json()) as ErrorBody).error.data.code).toBe("UNAUTHORIZED");
    }
  });

  it("bad filters: 400 naming the field and the rule", async () => {
    const cases: [unknown, string, string][] = [
      [{ states: ["bogus"] }, "states[0]", "invalid_value"],
      [{ accountLocator: "nope" }, "accountLocator", "invalid_format"],
      [{ colour: "red" }, "(input)", "unrecognized_keys"],
      [{ limit: 10 }, "limit", "export_pages"],
      [{ cursor: seededHoldLocator(3) }, "cursor", "export_pages"],
    ];
    for (const [input, path, rule] of cases) {
      const res = await exportOf("holds", input);
      expect(res.status, JSON.stringify(input)).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.data.issues, JSON.stringify(input)).toContainEqual(expect.objectContaining({ path, rule }));
    }
    const lapsing = await exportOf("subscriptions", { view: "lapsing" });
    expect(((await lapsing.json()) as ErrorBody).error.data.issues).toContainEqual(
      expect.objectContaining({ path: "lapsingWithinDays", rule: "required_for_lapsing" }),
    );
    const bad = await fetch(`${base}/export/holds.csv?input=${encodeURIComponent("{not json")}`, {
      headers: { authorization: `Bearer ${tokenA}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.data.issues).toEqual([
      expect.objectContaining({ path: "input", rule: "json" }),
    ]);
  });

  it("a tenant not the caller's: 404, as an unknown one", async () => {
    const res = await exportOf("holds", { tenantLocator: tenantB });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain(bHold);
  });

  it("a token without the list's permission: 403 naming it", async () => {
    const all: Permission[] = ["subscriptions:read", "automations:read"];
    const token = await w.token([{ tenantId: tenantA, permissions: all }]);
    const res = await exportOf("holds", {}, token);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("holds:list");
    expect((await exportOf("subscriptions", {}, token)).status).toBe(200);
  });

  it("an unknown list: 404 (401 without a credential); another method: 405", async () => {
    expect((await exportOf("secrets")).status).toBe(404);
    expect((await exportOf("constructor")).status).toBe(404);
    expect((await exportOf("secrets", {}, null)).status).toBe(401);
    const post = await fetch(`${base}/export/holds.csv`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenA}` },
    });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
  });
});

describe("the request's route label", () => {
  it("is the export's path for a known list, and unknown for any other", async () => {
    await exportOf("holds", { externalTransactionId: "label" });
    await exportOf("made-up");
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('route="/export/holds.csv"');
    expect(metrics).not.toContain("made-up");
  });
});

describe("the other lists", () => {
  it("subscriptions: money in integer minor units with its currency", async () => {
    const rows = rowsOf(await (await exportOf("subscriptions", { accountLocator: accountA2 })).text());
    expect(rows).toEqual([
      expect.objectContaining({ number: "SUB-1", price_minor: "129900", currency: "CZK", state: "draft" }),
    ]);
  });

  it("accounts, invoices, automations and worker ticks answer CSV with their header row", async () => {
    for (const [list, header] of [
      ["accounts", "locator,name,external_id"],
      ["invoices", "locator,number,subscription"],
      ["automations", "id,name,description"],
      ["worker-ticks", "id,worker,status"],
    ] as const) {
      const res = await exportOf(list);
      expect(res.status, list).toBe(200);
      expect(await res.text(), list).toMatch(new RegExp(`^${header}`));
    }
    const names = async (input: unknown) =>
      rowsOf(await (await exportOf("automations", input)).text()).map((r) => r.name);
    expect(await names({})).toEqual(["b second", "a first", "c third"]);
    expect(await names({ sort: "name", order: "desc" })).toEqual(["c third", "b second", "a first"]);
    const accounts = rowsOf(await (await exportOf("accounts")).text());
    expect(accounts.map((a) => a.name).sort()).toEqual(["Bulk", "Formulas"]);
  });
});
