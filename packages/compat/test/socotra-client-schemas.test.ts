import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompatWorld, createCompatWorld } from "./harness.ts";
import {
  expectSocotra,
  HoldCreateRequest,
  HoldListResponse,
  HoldResponse,
  HoldUpdateRequest,
  SOCOTRA_SOURCE,
  socotraBundle,
  socotraExports,
} from "./socotra-schemas.ts";

/**
 * Every Socotra answer parses with Socotra's own client schemas
 * (`@socotra/ec-react-schemas`, see ./socotra-schemas.ts), and every request
 * is one those schemas build. Holds of neither invoicing nor delinquency do
 * not exist for Socotra; holds of several processes keep their other targets.
 */

let w: CompatWorld;
let tenant: string;
let token: string;

beforeAll(async () => {
  w = await createCompatWorld();
  tenant = await w.tenant("Socotra client tenant");
  token = await w.token(tenant);
});
afterAll(() => w?.close());

const holds = (path = "") => `/billing/${tenant}/holds${path}`;
const newAccount = async () => (await w.account(tenant, "Socotra client account")).locator;
const send = (method: string, path: string, body?: unknown) => w.request(holds(path), { method, token, body });

/** A HoldResponse answer, checked by Socotra's schema; validationResult is absent or complete, never null. */
async function hold(method: string, path: string, body?: unknown) {
  const res = await send(method, path, body);
  expect(res.status, res.text).toBe(200);
  const raw = res.json as Record<string, unknown>;
  expect(raw.validationResult, "validationResult is never null").not.toBeNull();
  expectSocotra(HoldResponse, raw);
  return raw as Record<string, unknown> & { locator: string; holdState: string; targetType: string };
}

async function list(accountLocator: string, query = "") {
  const res = await send("GET", `/accounts/${accountLocator}/list${query}`);
  expect(res.status, res.text).toBe(200);
  expectSocotra(HoldListResponse, res.json);
  return res.json as { listCompleted: boolean; items: (Record<string, unknown> & { locator: string })[] };
}

const create = (body: unknown) => hold("POST", "", expectSocotra(HoldCreateRequest, body));
const update = (locator: string, body: unknown) => hold("PATCH", `/${locator}`, expectSocotra(HoldUpdateRequest, body));

describe("the oracle is the package's own schemas", () => {
  it("@socotra/ec-react-schemas 2.16.1 holds exactly the mirrored HoldResponse, requests and ValidationResult", async () => {
    const bundle = socotraBundle();
    for (const [name, text] of Object.entries(SOCOTRA_SOURCE)) expect(bundle, name).toContain(text);
    // It states them but exports none (hence the mirror): if a release exports them, use them directly.
    expect((await socotraExports()).filter((k) => /hold/i.test(k))).toEqual([]);
  });

  it("the mirror refuses what a Socotra client refuses: a null targetType or validationResult", () => {
    const base = { locator: "L", accountLocator: "A", holdState: "draft", createdAt: "t", updatedAt: "t" };
    expect(HoldResponse.safeParse({ ...base, targetType: "invoicing" }).success).toBe(true);
    expect(HoldResponse.safeParse({ ...base, targetType: null }).success).toBe(false);
    expect(HoldResponse.safeParse({ ...base, targetType: "funding" }).success).toBe(false);
    expect(HoldResponse.safeParse({ ...base, targetType: "invoicing", validationResult: null }).success).toBe(false);
  });
});

describe("every answer parses with Socotra's schemas", () => {
  it("the whole lifecycle: create, update, validate, reset, validate, activate, release, fetch and list", async () => {
    const accountLocator = await newAccount();
    const { locator } = await create({ accountLocator, targetType: "delinquency" });
    await update(locator, { targetType: "invoicing" });
    expect((await hold("PATCH", `/${locator}/validate`)).validationResult).toEqual({
      validationItems: [],
      success: true,
    });
    await hold("PATCH", `/${locator}/reset`);
    await hold("PATCH", `/${locator}/validate`);
    await hold("PATCH", `/${locator}/activate`);
    await hold("GET", `/${locator}`);
    await list(accountLocator);
    await list(accountLocator, "?extended=true");
    expect((await hold("PATCH", `/${locator}/release`)).holdState).toBe("released");
    const other = await create({ accountLocator, targetType: "invoicing" });
    await hold("PATCH", `/${other.locator}/discard`);
    expect((await list(accountLocator, "?state=discarded")).items.map((i) => i.locator)).toEqual([other.locator]);
  });
});

describe("targetType is never null", () => {
  let accountLocator: string;
  let funding: string;
  let both: string;
  let socotra: string;

  beforeAll(async () => {
    accountLocator = await newAccount();
    const api = await w.api(token);
    // An ORMB hold request of funding alone (FNDG), and one of invoicing and delinquency.
    funding = (await api.holds.create({ accountLocator, targets: [{ process: "funding" }] })).locator;
    both = (
      await api.holds.create({
        accountLocator,
        targets: [
          { process: "delinquency", startDate: "2027-04-01", endDate: "2027-05-31" },
          { process: "invoicing", startDate: "2027-04-01", endDate: "2027-04-30" },
        ],
        startDate: "2027-04-01",
        endDate: "2027-05-31",
      })
    ).locator;
    socotra = (await create({ accountLocator, targetType: "delinquency" })).locator;
  });

  it("a hold of neither invoicing nor delinquency is 404 on every Socotra route", async () => {
    const notFound = async (method: string, path: string, body?: unknown) => {
      const res = await send(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json).toMatchObject({ error: { status: 404, code: "NOT_FOUND" } });
    };
    await notFound("GET", `/${funding}`);
    await notFound("PATCH", `/${funding}`, { targetType: "invoicing" });
    for (const move of ["validate", "activate", "release", "reset", "discard"]) {
      await notFound("PATCH", `/${funding}/${move}`);
    }
    // Nothing changed: the services still see the untouched draft.
    expect(await (await w.api(token)).holds.get({ locator: funding })).toMatchObject({
      holdState: "draft",
      version: 1,
      targets: [{ process: "funding" }],
    });
  });

  it("is left out of the list, and paging counts only what Socotra sees", async () => {
    const all = await list(accountLocator);
    expect(all.items.map((i) => i.locator)).toEqual([both, socotra].sort());
    const first = await list(accountLocator, "?count=1");
    const second = await list(accountLocator, "?offset=1&count=1");
    expect([first.listCompleted, second.listCompleted]).toEqual([false, true]);
    expect([...first.items, ...second.items].map((i) => i.locator)).toEqual(all.items.map((i) => i.locator));
  });

  it("a hold of both reports invoicing and adds its full targets list", async () => {
    const res = await hold("GET", `/${both}`);
    expect(res.targetType).toBe("invoicing");
    expect(res.targets).toEqual([
      { process: "invoicing", startDate: "2027-04-01", endDate: "2027-04-30" },
      { process: "delinquency", startDate: "2027-04-01", endDate: "2027-05-31" },
    ]);
    // A hold of one process has no `targets`: the seed's members only.
    expect(Object.keys(await hold("GET", `/${socotra}`))).toEqual([
      "locator",
      "accountLocator",
      "holdState",
      "targetType",
      "createdAt",
      "updatedAt",
    ]);
  });
});

describe("a targetType update replaces only the Socotra-visible target", () => {
  it("invoicing + funding → delinquency: funding and every date stay", async () => {
    const accountLocator = await newAccount();
    const api = await w.api(token);
    const created = await api.holds.create({
      accountLocator,
      startDate: "2027-04-01",
      endDate: "2027-06-30",
      targets: [
        { process: "invoicing", startDate: "2027-04-01", endDate: "2027-04-30" },
        { process: "funding", startDate: "2027-05-01", endDate: "2027-06-30" },
      ],
    });
    const res = await update(created.locator, { targetType: "delinquency" });
    expect(res.targetType).toBe("delinquency");
    expect((await api.holds.get({ locator: created.locator })).targets).toEqual([
      { process: "delinquency", startDate: "2027-04-01", endDate: "2027-04-30" },
      { process: "funding", startDate: "2027-05-01", endDate: "2027-06-30" },
    ]);
  });

  it("invoicing + delinquency → delinquency: the visible invoicing target goes, delinquency keeps its dates", async () => {
    const accountLocator = await newAccount();
    const api = await w.api(token);
    const created = await api.holds.create({
      accountLocator,
      targets: [{ process: "invoicing" }, { process: "delinquency", startDate: "2027-04-01", endDate: "2027-04-30" }],
    });
    const res = await update(created.locator, { targetType: "delinquency" });
    expect(res).toMatchObject({ targetType: "delinquency" });
    expect(res).not.toHaveProperty("targets");
    expect((await api.holds.get({ locator: created.locator })).targets).toEqual([
      { process: "delinquency", startDate: "2027-04-01", endDate: "2027-04-30" },
    ]);
    // The same update again changes nothing more.
    await update(created.locator, { targetType: "delinquency" });
    expect((await api.holds.get({ locator: created.locator })).targets).toHaveLength(1);
  });

  it("retried with its Idempotency-Key, answers the first result", async () => {
    const accountLocator = await newAccount();
    const api = await w.api(token);
    const created = await api.holds.create({
      accountLocator,
      targets: [{ process: "invoicing" }, { process: "refund" }],
    });
    const headers = { "Idempotency-Key": "socotra-retarget-1" };
    const first = await w.request(holds(`/${created.locator}`), {
      method: "PATCH",
      token,
      body: { targetType: "delinquency" },
      headers,
    });
    const again = await w.request(holds(`/${created.locator}`), {
      method: "PATCH",
      token,
      body: { targetType: "delinquency" },
      headers,
    });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
  });
});

describe("an activation whose re-check fails", () => {
  it("answers 412 and stores the new validationResult instead of the stale success", async () => {
    const accountLocator = await newAccount();
    const { locator } = await hold("POST", "", { accountLocator, targetType: "invoicing", startDate: "2027-03-12" });
    expect((await hold("PATCH", `/${locator}/validate`)).validationResult).toMatchObject({ success: true });
    w.clock.set("2027-03-13T12:00:00Z");
    try {
      const res = await send("PATCH", `/${locator}/activate`);
      expect(res.status).toBe(412);
      expect(res.json).toMatchObject({ error: { status: 412, code: "HOLD_INVALID" } });

      const after = await hold("GET", `/${locator}`);
      expect(after.holdState).toBe("validated");
      expect(after.validationResult).toEqual({
        validationItems: [{ elementType: "hold", locator, errors: [expect.stringMatching(/^startDate: /)] }],
        success: false,
      });
    } finally {
      w.clock.set("2027-03-10T12:00:00Z");
    }
  });
});

describe("extended=true", () => {
  it("items are whole holds: the validationResult, every target, dates, comments and characteristics", async () => {
    const accountLocator = await newAccount();
    const { locator } = await hold("POST", "", {
      accountLocator,
      targetType: "invoicing",
      startDate: "2027-04-01",
      endDate: "2027-04-30",
      comments: "seasonal",
    });
    await hold("PATCH", `/${locator}/validate`);
    const [item] = (await list(accountLocator, "?extended=true")).items;
    expect(item).toEqual({
      locator,
      accountLocator,
      holdState: "validated",
      targetType: "invoicing",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      validationResult: { validationItems: [], success: true },
      targets: [{ process: "invoicing", startDate: null, endDate: null }],
      startDate: "2027-04-01",
      endDate: "2027-04-30",
      comments: "seasonal",
      characteristics: [],
    });
    const [plain] = (await list(accountLocator)).items;
    expect(Object.keys(plain ?? {})).toEqual([
      "locator",
      "accountLocator",
      "holdState",
      "targetType",
      "createdAt",
      "updatedAt",
    ]);
  });
});
