/**
 * Mews getAll cursor paging (seed 001): `limitation.count` bounds a page, the
 * cursor is the last returned automation's id, and it is null once the list is
 * exhausted. Paging must neither lose nor repeat an automation, also while
 * other automations are being added at the same time.
 */
import type { AutomationInput } from "@holdfast/domain";
import { issuesOfTrpcError, rulesOf } from "@holdfast/testing/issues";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, expectTrpcError, type World } from "./harness.ts";

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w.close();
});

type Api = Awaited<ReturnType<World["caller"]>>;
type Page = Awaited<ReturnType<Api["automations"]["getAll"]>>;

/** A valid automation (seed 001's add sample, renamed). */
function automation(name: string): AutomationInput {
  return {
    name,
    companies: [
      { companyId: "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f", relations: { partnerCompany: true, travelAgency: false } },
    ],
    prepayment: "All",
    assignmentTargetType: "CompanyAsOwner",
    triggerType: "Continuous",
    billAggregationType: "AggregateAll",
    assignments: [
      {
        serviceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
        routedItemTypes: {
          spaceOrder: true,
          cityTax: true,
          allProducts: false,
          deposits: true,
          additionalExpenses: true,
          allCustomItems: false,
        },
        productIds: ["507d93e6-9fb5-4734-a6d1-977afc4dfdff"],
      },
    ],
  };
}

/** Adds `n` automations (in batches of at most 100); their ids in creation order. */
async function addMany(api: Api, n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < n; start += 100) {
    const batch = Array.from({ length: Math.min(100, n - start) }, (_, i) =>
      automation(`${prefix}-${String(start + i).padStart(4, "0")}`),
    );
    const { automations } = await api.automations.add({ automations: batch });
    ids.push(...automations.map((a) => a.id));
  }
  return ids;
}

/** Walks every page; the pages as answered. */
async function walk(api: Api, count: number): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const page: Page = await api.automations.getAll({ limitation: { count, cursor } });
    pages.push(page);
    if (page.cursor === null) return pages;
    cursor = page.cursor;
  }
  throw new Error("paging never ended");
}

function occurrences(ids: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

function expectEachExactlyOnce(seen: string[], expected: string[]) {
  const counts = occurrences(seen);
  const lost = expected.filter((id) => !counts.has(id));
  const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  expect(lost, "automations lost by paging").toEqual([]);
  expect(repeated, "automations returned twice").toEqual([]);
}

describe("getAll cursor paging", () => {
  it("walks 57 automations 10 at a time: each once, in creation order, the cursor is the last id and null at the end", async () => {
    const tenantId = await w.tenant("Paging 57");
    const api = await w.caller(tenantId);
    const ids = await addMany(api, 57, "p57");
    expect(new Set(ids).size).toBe(57);

    const pages = await walk(api, 10);
    expect(pages.map((p) => p.automations.length)).toEqual([10, 10, 10, 10, 10, 7]);
    for (const [i, page] of pages.entries()) {
      const last = page.automations.at(-1)?.id ?? null;
      expect(page.cursor, `page ${i}`).toBe(i === pages.length - 1 ? null : last);
      for (const a of page.automations) expect(a.enterpriseId).toBe(tenantId);
    }
    const seen = pages.flatMap((p) => p.automations.map((a) => a.id));
    expectEachExactlyOnce(seen, ids);
    expect(seen).toEqual(ids); // creation order (ids are UUIDv7)
    expect(seen).toEqual([...seen].sort());
  });

  it("answers cursor null on a page that ends exactly at the last automation, never an empty trailing page", async () => {
    const tenantId = await w.tenant("Paging 20");
    const api = await w.caller(tenantId);
    const ids = await addMany(api, 20, "p20");

    const byTen = await walk(api, 10);
    expect(byTen.map((p) => p.automations.length)).toEqual([10, 10]);
    expect(byTen[1]?.cursor).toBeNull();

    const whole = await api.automations.getAll({ limitation: { count: 20 } });
    expect(whole.automations.map((a) => a.id)).toEqual(ids);
    expect(whole.cursor).toBeNull();

    const nineteen = await api.automations.getAll({ limitation: { count: 19 } });
    expect(nineteen.cursor).toBe(ids[18]);
    const rest = await api.automations.getAll({ limitation: { count: 19, cursor: nineteen.cursor } });
    expect(rest.automations.map((a) => a.id)).toEqual([ids[19]]);
    expect(rest.cursor).toBeNull();

    // A cursor past the end (the last id) gives an empty page and a null cursor.
    const past = await api.automations.getAll({ limitation: { count: 5, cursor: ids[19] } });
    expect(past).toEqual({ automations: [], cursor: null });
  });

  it("walks one automation at a time with count 1", async () => {
    const tenantId = await w.tenant("Paging by one");
    const api = await w.caller(tenantId);
    const ids = await addMany(api, 12, "p1");
    const pages = await walk(api, 1);
    expect(pages).toHaveLength(12);
    expect(pages.every((p) => p.automations.length === 1)).toBe(true);
    expect(pages.map((p) => p.automations[0]?.id)).toEqual(ids);
    expect(pages.map((p) => p.cursor)).toEqual([...ids.slice(0, 11), null]);
  });

  it("count 1000 (the maximum) answers a full page of 1000 and a cursor, then the rest", async () => {
    const tenantId = await w.tenant("Paging 1001");
    const api = await w.caller(tenantId);
    const ids = await addMany(api, 1001, "p1001");
    const first = await api.automations.getAll({ limitation: { count: 1000 } });
    expect(first.automations).toHaveLength(1000);
    expect(first.cursor).toBe(ids[999]);
    const second = await api.automations.getAll({ limitation: { count: 1000, cursor: first.cursor } });
    expect(second.automations.map((a) => a.id)).toEqual([ids[1000]]);
    expect(second.cursor).toBeNull();
    expectEachExactlyOnce(
      [...first.automations, ...second.automations].map((a) => a.id),
      ids,
    );
  }, 120_000);

  it("refuses a count outside 1..1000, a fractional count, a missing limitation and a cursor that is not a GUID (BAD_REQUEST)", async () => {
    const tenantId = await w.tenant("Paging limits");
    const api = await w.caller(tenantId);
    const getAll = api.automations.getAll as (input: unknown) => Promise<unknown>;
    for (const count of [0, 1001, -1, 1.5, Number.MAX_SAFE_INTEGER]) {
      const err = await expectTrpcError(getAll({ limitation: { count } }), "BAD_REQUEST");
      expect(
        rulesOf(issuesOfTrpcError(err)).map((i) => i.path),
        `count ${count}`,
      ).toEqual(["limitation.count"]);
    }
    const noCount = await expectTrpcError(getAll({ limitation: {} }), "BAD_REQUEST");
    expect(rulesOf(issuesOfTrpcError(noCount)).map((i) => i.path)).toEqual(["limitation.count"]);
    const noLimitation = await expectTrpcError(getAll({}), "BAD_REQUEST");
    expect(rulesOf(issuesOfTrpcError(noLimitation)).map((i) => i.path)).toEqual(["limitation"]);
    const badCursor = await expectTrpcError(getAll({ limitation: { count: 10, cursor: "not-a-guid" } }), "BAD_REQUEST");
    expect(rulesOf(issuesOfTrpcError(badCursor)).map((i) => i.path)).toEqual(["limitation.cursor"]);
    // The bounds themselves are accepted.
    await expect(getAll({ limitation: { count: 1 } })).resolves.toMatchObject({ automations: [], cursor: null });
    await expect(getAll({ limitation: { count: 1000 } })).resolves.toMatchObject({ automations: [], cursor: null });
  });
});

describe("getAll paging while automations are being added", () => {
  it("adds between page fetches: each automation that existed before is seen once; each added one is seen once too", async () => {
    const tenantId = await w.tenant("Paging with sequential adds");
    const api = await w.caller(tenantId);
    const before = await addMany(api, 57, "seq");
    const added: string[] = [];
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    for (;;) {
      const page: Page = await api.automations.getAll({ limitation: { count: 10, cursor } });
      seen.push(...page.automations.map((a) => a.id));
      if (page.cursor === null) break;
      cursor = page.cursor;
      // Committed before the next fetch: UUIDv7 ids sort after everything seen so far.
      added.push(...(await addMany(api, 3, `seq-added-${round++}`)));
    }
    expect(added.length).toBeGreaterThan(0);
    expectEachExactlyOnce(seen, before);
    // Added before the walk ended, each with a later id than the cursor: also seen exactly once.
    expectEachExactlyOnce(seen, added);
    expect(seen).toHaveLength(before.length + added.length);
    expect(seen).toEqual([...seen].sort());
  });

  it("adds racing page fetches (Promise.all): each automation that existed before is seen once, nothing twice, no other tenant's", async () => {
    const tenantId = await w.tenant("Paging with racing adds");
    const other = await w.tenant("Racing neighbour");
    const api = await w.caller(tenantId);
    const neighbour = await w.caller(other);
    const before = await addMany(api, 57, "race");
    const ownRacing: Promise<string[]>[] = [];
    const neighbourRacing: Promise<string[]>[] = [];
    const seen: string[] = [];
    const seenTenants = new Set<string>();
    let cursor: string | null = null;
    for (let round = 0; ; round++) {
      const own = [addMany(api, 2, `race-a-${round}`), addMany(api, 1, `race-b-${round}`)];
      const theirs = addMany(neighbour, 2, `race-n-${round}`);
      ownRacing.push(...own);
      neighbourRacing.push(theirs);
      const [page]: [Page, ...unknown[]] = await Promise.all([
        api.automations.getAll({ limitation: { count: 10, cursor } }),
        ...own,
        theirs,
      ]);
      seen.push(...page.automations.map((a) => a.id));
      for (const a of page.automations) seenTenants.add(a.enterpriseId);
      if (page.cursor === null) break;
      cursor = page.cursor;
      if (round > 200) throw new Error("paging never ended");
    }
    const ownAdded = (await Promise.all(ownRacing)).flat();
    const neighbourAdded = new Set((await Promise.all(neighbourRacing)).flat());
    expectEachExactlyOnce(seen, before);
    expect(
      [...occurrences(seen)].filter(([, n]) => n > 1),
      "automations returned twice",
    ).toEqual([]);
    expect([...seenTenants]).toEqual([tenantId]);
    expect(seen.filter((id) => neighbourAdded.has(id))).toEqual([]);
    // Whatever was seen existed: from before the walk, or added by this tenant during it.
    const known = new Set([...before, ...ownAdded]);
    expect(seen.filter((id) => !known.has(id))).toEqual([]);
    // Once the racing stops, a fresh walk sees every automation of the tenant exactly once.
    const all = (await walk(api, 7)).flatMap((p) => p.automations.map((a) => a.id));
    expectEachExactlyOnce(all, [...before, ...ownAdded]);
    expect(all).toHaveLength(before.length + ownAdded.length);
  });

  it("updates racing page fetches do not move an automation: each is seen exactly once", async () => {
    const tenantId = await w.tenant("Paging with racing updates");
    const api = await w.caller(tenantId);
    const before = await addMany(api, 30, "upd");
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let round = 0; ; round++) {
      const target = before[(round * 7) % before.length] ?? "";
      const [page]: [Page, unknown] = await Promise.all([
        api.automations.getAll({ limitation: { count: 4, cursor } }),
        api.automations.update({ updates: [{ automationId: target, name: `renamed ${round}` }] }),
      ]);
      seen.push(...page.automations.map((a) => a.id));
      if (page.cursor === null) break;
      cursor = page.cursor;
    }
    expectEachExactlyOnce(seen, before);
    expect(seen).toHaveLength(before.length);
  });
});
