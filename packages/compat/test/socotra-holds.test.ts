import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

/**
 * Socotra's Billing Holds API (seeds/000) as a Socotra client uses it: the
 * seed's request shapes, HoldResponse and HoldListResponse exactly, the whole
 * lifecycle, the list's state/offset/count/extended, and the same data seen
 * through the services both ways, with its audit trail and idempotency.
 */

const HOLD_KEYS = ["locator", "accountLocator", "holdState", "targetType", "createdAt", "updatedAt"];
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let w: CompatWorld;
let tenant: string;
let token: string;

beforeAll(async () => {
  w = await createCompatWorld();
  tenant = await w.tenant("Socotra tenant");
  token = await w.token(tenant);
});
afterAll(() => w?.close());

const holds = (path = "") => `/billing/${tenant}/holds${path}`;
const newAccount = async () => (await w.account(tenant, "Socotra account")).locator;
const send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  w.request(holds(path), { method, token, body, headers });
async function ok(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const res = await send(method, path, body, headers);
  expect(res.status, res.text).toBe(200);
  return res.json as Record<string, unknown> & { locator: string; holdState: string };
}

describe("HoldResponse and the lifecycle", () => {
  it("create → validate → activate → release, each answering the seed's HoldResponse", async () => {
    const accountLocator = await newAccount();
    // The seed's HoldCreateRequest, exactly.
    const created = await ok("POST", "", { accountLocator, targetType: "invoicing" });
    expect(Object.keys(created)).toEqual(HOLD_KEYS);
    expect(created).toEqual({
      locator: expect.stringMatching(ULID),
      accountLocator,
      holdState: "draft",
      targetType: "invoicing",
      createdAt: "2027-03-10T12:00:00.000Z",
      updatedAt: "2027-03-10T12:00:00.000Z",
    });
    const { locator } = created;

    expect(await ok("GET", `/${locator}`)).toEqual(created);

    const validated = await ok("PATCH", `/${locator}/validate`);
    expect(Object.keys(validated)).toEqual([...HOLD_KEYS, "validationResult"]);
    expect(validated).toMatchObject({
      locator,
      holdState: "validated",
      validationResult: { validationItems: [], success: true },
    });

    const active = await ok("PATCH", `/${locator}/activate`);
    expect(active).toMatchObject({
      locator,
      holdState: "active",
      targetType: "invoicing",
      validationResult: { success: true },
    });
    // In effect for the account: the one question other services ask.
    const api = await w.api(token);
    expect(await api.holds.effect({ accountLocator, process: "invoicing" })).toMatchObject({
      held: true,
      holdLocators: [locator],
    });

    const released = await ok("PATCH", `/${locator}/release`);
    expect(released).toMatchObject({ locator, holdState: "released" });
    expect(await api.holds.effect({ accountLocator, process: "invoicing" })).toMatchObject({ held: false });

    // Every move is audited, by this token, in order.
    const history = await api.audit.history({ entityType: "hold", entityId: locator });
    expect(history.map((e) => e.action)).toEqual(["create", "validate", "activate", "release"]);
    expect(new Set(history.map((e) => e.actorType))).toEqual(new Set(["token"]));
  });

  it("validate keeps a hold that breaks a rule in draft, with a ValidationResult naming every problem", async () => {
    const accountLocator = await newAccount();
    const { locator } = await ok("POST", "", {
      accountLocator,
      targetType: "delinquency",
      startDate: "2027-03-01",
      endDate: "2027-02-01",
    });
    const res = await ok("PATCH", `/${locator}/validate`);
    expect(res).toEqual({
      locator,
      accountLocator,
      holdState: "draft",
      targetType: "delinquency",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      validationResult: {
        success: false,
        validationItems: [
          {
            elementType: "hold",
            locator,
            errors: [
              "startDate: start date 2027-03-01 is before today (2027-03-10)",
              "endDate: end date 2027-02-01 is before today (2027-03-10)",
              "endDate: end date must not be before start date",
            ],
          },
        ],
      },
    });
    // Fixing it (an update clears the stale result) lets it validate.
    const api = await w.api(token);
    await api.holds.update({ locator, startDate: null, endDate: null });
    const fixed = await ok("GET", `/${locator}`);
    expect(fixed).not.toHaveProperty("validationResult");
    expect(await ok("PATCH", `/${locator}/validate`)).toMatchObject({
      holdState: "validated",
      validationResult: { success: true },
    });
  });

  it("update edits a draft: targetType and accountLocator (HoldUpdateRequest), only the fields sent", async () => {
    const first = await newAccount();
    const second = await newAccount();
    const { locator } = await ok("POST", "", { accountLocator: first, targetType: "invoicing" });
    expect(await ok("PATCH", `/${locator}`, { targetType: "delinquency" })).toMatchObject({
      accountLocator: first,
      targetType: "delinquency",
      holdState: "draft",
    });
    expect(await ok("PATCH", `/${locator}`, { accountLocator: second })).toMatchObject({
      accountLocator: second,
      targetType: "delinquency",
    });
    expect(await ok("PATCH", `/${locator}`, { accountLocator: first, targetType: "invoicing" })).toMatchObject({
      accountLocator: first,
      targetType: "invoicing",
    });
    // An empty body (or none) changes nothing but is still an update.
    expect(await ok("PATCH", `/${locator}`, {})).toMatchObject({ accountLocator: first, targetType: "invoicing" });
    expect(await ok("PATCH", `/${locator}`)).toMatchObject({ accountLocator: first, targetType: "invoicing" });
    const api = await w.api(token);
    const seen = await api.holds.get({ locator });
    expect(seen.targets).toEqual([{ process: "invoicing", startDate: null, endDate: null }]);
    expect(seen.version).toBe(6);
  });

  it("reset takes a validated hold back to draft; discard ends a draft or a validated hold", async () => {
    const accountLocator = await newAccount();
    const a = await ok("POST", "", { accountLocator, targetType: "invoicing" });
    await ok("PATCH", `/${a.locator}/validate`);
    const reset = await ok("PATCH", `/${a.locator}/reset`);
    expect(reset).toMatchObject({ holdState: "draft" });
    expect(reset).not.toHaveProperty("validationResult");
    expect(await ok("PATCH", `/${a.locator}/discard`)).toMatchObject({ holdState: "discarded" });

    const b = await ok("POST", "", { accountLocator, targetType: "invoicing" });
    await ok("PATCH", `/${b.locator}/validate`);
    expect(await ok("PATCH", `/${b.locator}/discard`)).toMatchObject({
      holdState: "discarded",
      validationResult: { success: true },
    });
  });

  it("a move sent with a body ignores it (Socotra's moves take none)", async () => {
    const { locator } = await ok("POST", "", { accountLocator: await newAccount(), targetType: "invoicing" });
    expect(await ok("PATCH", `/${locator}/validate`, { anything: 1 })).toMatchObject({ holdState: "validated" });
  });

  it("our optional extensions on create: startDate, endDate, comments (seen through the services)", async () => {
    const { locator } = await ok("POST", "", {
      accountLocator: await newAccount(),
      targetType: "delinquency",
      startDate: "2027-03-15",
      endDate: "2027-04-15",
      comments: "card expired",
    });
    const api = await w.api(token);
    expect(await api.holds.get({ locator })).toMatchObject({
      startDate: "2027-03-15",
      endDate: "2027-04-15",
      comments: "card expired",
      targets: [{ process: "delinquency", startDate: null, endDate: null }],
    });
  });
});

describe("HoldListResponse: state, offset, count, extended, listCompleted", () => {
  let accountLocator: string;
  let all: { locator: string; holdState: string }[];

  beforeAll(async () => {
    accountLocator = await newAccount();
    const states = ["draft", "validated", "draft", "discarded", "draft", "validated", "draft"] as const;
    all = [];
    let month = 4;
    for (const state of states) {
      // Validated holds of one account must not overlap: each gets its own month.
      const dates = state === "validated" ? { startDate: `2027-0${month}-01`, endDate: `2027-0${month++}-28` } : {};
      const { locator } = await ok("POST", "", { accountLocator, targetType: "invoicing", ...dates });
      if (state === "validated") expect((await ok("PATCH", `/${locator}/validate`)).holdState).toBe("validated");
      if (state === "discarded") await ok("PATCH", `/${locator}/discard`);
      all.push({ locator, holdState: state });
    }
    all.sort((a, b) => (a.locator < b.locator ? -1 : 1));
  });

  const list = (query = "") =>
    ok("GET", `/accounts/${accountLocator}/list${query}`) as unknown as Promise<{
      listCompleted: boolean;
      items: Record<string, unknown>[];
    }>;

  it("lists every hold of the account, oldest first, in one complete page by default", async () => {
    const res = await list();
    expect(Object.keys(res)).toEqual(["listCompleted", "items"]);
    expect(res.listCompleted).toBe(true);
    expect(res.items.map((i) => [i.locator, i.holdState])).toEqual(all.map((h) => [h.locator, h.holdState]));
    for (const item of res.items) expect(Object.keys(item)).toEqual(HOLD_KEYS);
  });

  it("filters by state", async () => {
    const drafts = await list("?state=draft");
    expect(drafts.items.map((i) => i.locator)).toEqual(
      all.filter((h) => h.holdState === "draft").map((h) => h.locator),
    );
    expect((await list("?state=validated")).items).toHaveLength(2);
    expect((await list("?state=active")).items).toEqual([]);
    expect((await list("?state=active")).listCompleted).toBe(true);
  });

  it("pages with offset and count; listCompleted says whether more follow", async () => {
    const seen: string[] = [];
    let offset = 0;
    const pages: boolean[] = [];
    while (true) {
      const page = await list(`?offset=${offset}&count=3`);
      seen.push(...page.items.map((i) => i.locator as string));
      pages.push(page.listCompleted);
      if (page.listCompleted) break;
      offset += 3;
    }
    expect(seen).toEqual(all.map((h) => h.locator));
    expect(pages).toEqual([false, false, true]);
    // Exactly a page's worth left: complete, not "one more empty page".
    expect((await list("?offset=4&count=3")).listCompleted).toBe(true);
    expect((await list("?offset=4&count=2")).listCompleted).toBe(false);
    expect((await list("?offset=100")).items).toEqual([]);
    expect((await list("?state=draft&offset=1&count=2")).items.map((i) => i.locator)).toEqual(
      all
        .filter((h) => h.holdState === "draft")
        .slice(1, 3)
        .map((h) => h.locator),
    );
  });

  it("extended=true adds each validated hold's validationResult; extended=false leaves it out", async () => {
    const extended = await list("?state=validated&extended=true");
    expect(extended.items).toHaveLength(2);
    for (const item of extended.items) expect(item.validationResult).toEqual({ validationItems: [], success: true });
    const plain = await list("?state=validated&extended=false");
    for (const item of plain.items) expect(item).not.toHaveProperty("validationResult");
  });

  it("holds.listByAccount (the service) sees the same page", async () => {
    const api = await w.api(token);
    const viaTrpc = await api.holds.listByAccount({ accountLocator, offset: 2, count: 3 });
    const viaSocotra = await list("?offset=2&count=3");
    expect(viaSocotra.listCompleted).toBe(viaTrpc.listCompleted);
    expect(viaSocotra.items.map((i) => i.locator)).toEqual(viaTrpc.items.map((i) => i.locator));
  });
});

describe("the same data as the services, both ways", () => {
  it("created through Socotra, read and moved through the services, read back through Socotra", async () => {
    const accountLocator = await newAccount();
    const created = await ok("POST", "", { accountLocator, targetType: "delinquency" });
    const api = await w.api(token);
    const seen = await api.holds.get({ locator: created.locator });
    expect(seen).toMatchObject({
      locator: created.locator,
      tenantLocator: tenant,
      accountLocator,
      holdState: "draft",
      targetType: "delinquency",
      targets: [{ process: "delinquency", startDate: null, endDate: null }],
      createdAt: created.createdAt,
      updatedAt: created.updatedAt,
      version: 1,
    });
    await api.holds.validate({ locator: created.locator });
    expect(await ok("GET", `/${created.locator}`)).toMatchObject({
      holdState: "validated",
      validationResult: { success: true },
    });
  });

  it("created through the services, read and moved through Socotra, read back through the services", async () => {
    const accountLocator = await newAccount();
    const api = await w.api(token);
    const created = await api.holds.create({ accountLocator, targets: [{ process: "invoicing" }] });
    expect(await ok("GET", `/${created.locator}`)).toEqual({
      locator: created.locator,
      accountLocator,
      holdState: "draft",
      targetType: "invoicing",
      createdAt: created.createdAt,
      updatedAt: created.updatedAt,
    });
    await ok("PATCH", `/${created.locator}/validate`);
    await ok("PATCH", `/${created.locator}/activate`);
    expect(await api.holds.get({ locator: created.locator })).toMatchObject({ holdState: "active", version: 3 });
  });

  it("a hold of several processes (an ORMB hold request) shows the Socotra process it holds; one of neither is not there", async () => {
    const accountLocator = await newAccount();
    const api = await w.api(token);
    const both = await api.holds.create({
      accountLocator,
      targets: [{ process: "funding" }, { process: "delinquency" }],
    });
    const fundingOnly = await api.holds.create({ accountLocator, targets: [{ process: "funding" }] });
    const invoicingAndDelinquency = await api.holds.create({
      accountLocator,
      targets: [{ process: "delinquency" }, { process: "invoicing" }],
    });
    expect((await ok("GET", `/${both.locator}`)).targetType).toBe("delinquency");
    expect((await send("GET", `/${fundingOnly.locator}`)).status).toBe(404);
    expect((await ok("GET", `/${invoicingAndDelinquency.locator}`)).targetType).toBe("invoicing");
    // Listed: the holds Socotra can name.
    const listed = await ok("GET", `/accounts/${accountLocator}/list`);
    expect((listed.items as { locator: string }[]).map((i) => i.locator)).toEqual(
      [both.locator, invoicingAndDelinquency.locator].sort(),
    );
  });
});

describe("Idempotency-Key", () => {
  it("the same key and body return the first answer; the same key with another body is refused (422)", async () => {
    const accountLocator = await newAccount();
    const key = { "Idempotency-Key": "socotra-create-1" };
    const first = await ok("POST", "", { accountLocator, targetType: "invoicing" }, key);
    const again = await ok("POST", "", { accountLocator, targetType: "invoicing" }, key);
    expect(again).toEqual(first);
    const other = await send("POST", "", { accountLocator, targetType: "delinquency" }, key);
    expect(other.status).toBe(422);
    expect(other.json).toEqual({
      error: {
        status: 422,
        code: "IDEMPOTENCY_KEY_REUSED",
        message: expect.stringContaining('idempotencyKey "socotra-create-1" was already used for a different request'),
        issues: [
          {
            path: "idempotencyKey",
            rule: "reused_with_different_body",
            message: "already used for a different request",
          },
        ],
      },
    });
    const listed = await ok("GET", `/accounts/${accountLocator}/list`);
    expect(listed.items).toHaveLength(1);
  });

  it("a retried move with its key answers the first result instead of 409", async () => {
    const { locator } = await ok("POST", "", { accountLocator: await newAccount(), targetType: "invoicing" });
    const key = { "Idempotency-Key": `validate-${locator}` };
    const first = await ok("PATCH", `/${locator}/validate`, undefined, key);
    expect(await ok("PATCH", `/${locator}/validate`, undefined, key)).toEqual(first);
    expect((await send("PATCH", `/${locator}/validate`)).status).toBe(409);
  });
});

describe("tenancy", () => {
  it("a portfolio token reaches each of its tenants by the path's tenantLocator", async () => {
    const other = await w.tenant("Second tenant");
    const otherAccount = (await w.account(other)).locator;
    const portfolio = await w.token([
      { tenantId: tenant, permissions: ["holds:read", "holds:list", "holds:write"] },
      { tenantId: other, permissions: ["holds:read", "holds:list", "holds:write"] },
    ]);
    const here = await w.request(`/billing/${other}/holds`, {
      method: "POST",
      token: portfolio,
      body: { accountLocator: otherAccount, targetType: "invoicing" },
    });
    expect(here.status).toBe(200);
    const locator = (here.json as { locator: string }).locator;
    expect((await w.request(`/billing/${other}/holds/${locator}`, { token: portfolio })).status).toBe(200);
    // Not in the first tenant, though the token reaches it too.
    expect((await w.request(`/billing/${tenant}/holds/${locator}`, { token: portfolio })).status).toBe(404);
    // Tenant locators compare without case.
    expect((await w.request(`/billing/${other.toUpperCase()}/holds/${locator}`, { token: portfolio })).status).toBe(
      200,
    );
  });
});
