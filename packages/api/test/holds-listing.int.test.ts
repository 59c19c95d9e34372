import type { HoldProcess } from "@holdfast/domain";
import { appErrorOf } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { type Caller, expectTrpcError, type Hold, type HoldState, holdInState, setupWorld, TODAY } from "./harness.ts";

/**
 * Reading holds through the real router: Socotra's per-account listing
 * (state, offset, count, listCompleted, extended), the dashboard's tenant-wide
 * listing (filters and keyset paging), and the effect query.
 */

const w = setupWorld({ tenantName: "Listing tenant" });

const UNKNOWN = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

/** One hold in each state on one account; each holds a different process, so none overlap. */
async function oneOfEach(accountLocator: string) {
  const characteristics = [{ type: "REASON", value: "dispute", effectiveDate: null }];
  const hold = (state: HoldState, process: HoldProcess) =>
    holdInState(w.api, accountLocator, state, { targets: [{ process }], characteristics });
  return {
    draft: await hold("draft", "invoicing"),
    validated: await hold("validated", "delinquency"),
    active: await hold("active", "autopay"),
    released: await hold("released", "funding"),
    discarded: await hold("discarded", "refund"),
  };
}

describe("holds.listByAccount (Socotra)", () => {
  it("lists the account's holds oldest first, and only that account's", async () => {
    const account = await w.newAccount("A");
    const other = await w.newAccount("B");
    const mine = await oneOfEach(account);
    await holdInState(w.api, other, "draft", { targets: [{ process: "invoicing" }] });

    const all = await w.api.holds.listByAccount({ accountLocator: account });
    expect(all.listCompleted).toBe(true);
    expect(all.items.map((h) => h.locator)).toEqual(
      [mine.draft, mine.validated, mine.active, mine.released, mine.discarded].map((h) => h.locator),
    );
    expect(all.items.every((h) => h.accountLocator === account)).toBe(true);
  });

  it("filters by state", async () => {
    const account = await w.newAccount();
    const mine = await oneOfEach(account);
    for (const state of ["draft", "validated", "active", "released", "discarded"] as const) {
      const page = await w.api.holds.listByAccount({ accountLocator: account, state });
      expect(
        page.items.map((h) => h.locator),
        state,
      ).toEqual([mine[state].locator]);
      expect(page.items[0]?.holdState).toBe(state);
      expect(page.listCompleted).toBe(true);
    }
    // A state with no holds: empty and complete.
    const fresh = await w.newAccount();
    expect(await w.api.holds.listByAccount({ accountLocator: fresh, state: "active" })).toEqual({
      listCompleted: true,
      items: [],
    });
  });

  it("offset and count, with listCompleted at the edges", async () => {
    const account = await w.newAccount();
    const holds: Hold[] = [];
    for (let i = 0; i < 5; i++)
      holds.push(
        await holdInState(w.api, account, "draft", { targets: [{ process: "invoicing" }], comments: `#${i}` }),
      );
    const ids = holds.map((h) => h.locator);
    const page = (offset: number, count: number) =>
      w.api.holds.listByAccount({ accountLocator: account, offset, count });

    // Exactly count items remain: complete.
    expect(await page(0, 5).then((p) => [p.listCompleted, p.items.map((h) => h.locator)])).toEqual([true, ids]);
    // count + 1 items would be needed: one more remains.
    expect(await page(0, 4).then((p) => [p.listCompleted, p.items.map((h) => h.locator)])).toEqual([
      false,
      ids.slice(0, 4),
    ]);
    // More room than items.
    expect(await page(0, 6).then((p) => [p.listCompleted, p.items.length])).toEqual([true, 5]);
    // Offsets.
    expect(await page(2, 2).then((p) => [p.listCompleted, p.items.map((h) => h.locator)])).toEqual([
      false,
      ids.slice(2, 4),
    ]);
    expect(await page(3, 2).then((p) => [p.listCompleted, p.items.map((h) => h.locator)])).toEqual([
      true,
      ids.slice(3, 5),
    ]);
    expect(await page(4, 1).then((p) => [p.listCompleted, p.items.map((h) => h.locator)])).toEqual([
      true,
      ids.slice(4),
    ]);
    expect(await page(3, 1).then((p) => [p.listCompleted, p.items.map((h) => h.locator)])).toEqual([
      false,
      ids.slice(3, 4),
    ]);
    // Past the end: empty and complete.
    expect(await page(5, 10)).toEqual({ listCompleted: true, items: [] });
    expect(await page(50, 1)).toEqual({ listCompleted: true, items: [] });

    // Walking the pages with offset finds every hold once.
    const walked: string[] = [];
    for (let offset = 0, done = false; !done; offset += 2) {
      const p = await page(offset, 2);
      walked.push(...p.items.map((h) => h.locator));
      done = p.listCompleted;
    }
    expect(walked).toEqual(ids);
  });

  it("offset and count combine with the state filter", async () => {
    const account = await w.newAccount();
    const drafts: Hold[] = [];
    for (let i = 0; i < 3; i++) {
      drafts.push(await holdInState(w.api, account, "draft", { targets: [{ process: "invoicing" }] }));
      await holdInState(w.api, account, "discarded", { targets: [{ process: "invoicing" }] });
    }
    const p = await w.api.holds.listByAccount({ accountLocator: account, state: "draft", offset: 1, count: 2 });
    expect(p).toMatchObject({ listCompleted: true });
    expect(p.items.map((h) => h.locator)).toEqual(drafts.slice(1).map((h) => h.locator));
    const q = await w.api.holds.listByAccount({ accountLocator: account, state: "draft", offset: 0, count: 2 });
    expect(q.listCompleted).toBe(false);
  });

  it("extended=false leaves out characteristics and validationResult; extended=true includes them", async () => {
    const account = await w.newAccount();
    const hold = await holdInState(w.api, account, "validated", {
      targets: [{ process: "invoicing" }, { process: "funding", endDate: "2027-05-01" }],
      characteristics: [{ type: "REASON", value: "dispute", effectiveDate: "2027-03-10" }],
      comments: "note",
    });

    const plain = await w.api.holds.listByAccount({ accountLocator: account });
    const defaulted = plain.items[0];
    expect(defaulted?.characteristics).toEqual([]);
    expect(defaulted?.validationResult).toBeNull();
    const explicit = await w.api.holds.listByAccount({ accountLocator: account, extended: false });
    expect(explicit).toEqual(plain);

    const extended = await w.api.holds.listByAccount({ accountLocator: account, extended: true });
    const full = extended.items[0];
    expect(full?.characteristics).toEqual([{ type: "REASON", value: "dispute", effectiveDate: "2027-03-10" }]);
    expect(full?.validationResult).toEqual({ success: true, checkedOn: TODAY, problems: [] });
    expect(full).toEqual(await w.api.holds.get({ locator: hold.locator }));

    // Everything else is the same hold.
    expect({ ...defaulted, characteristics: full?.characteristics, validationResult: full?.validationResult }).toEqual(
      full,
    );
  });

  it("extended=false and extended=true list the same targets in the same order", async () => {
    const account = await w.newAccount();
    // Sent out of the canonical process order.
    const hold = await holdInState(w.api, account, "draft", {
      targets: [{ process: "refund" }, { process: "funding", endDate: "2027-05-01" }, { process: "invoicing" }],
    });
    const plain = await w.api.holds.listByAccount({ accountLocator: account });
    const extended = await w.api.holds.listByAccount({ accountLocator: account, extended: true });
    const stored = await w.api.holds.get({ locator: hold.locator });
    expect(extended.items[0]?.targets).toEqual(stored.targets);
    expect(plain.items[0]?.targets).toEqual(stored.targets);
  });

  it("an unknown account, or another tenant's, is NOT_FOUND", async () => {
    const err = await expectTrpcError(w.api.holds.listByAccount({ accountLocator: UNKNOWN }), "NOT_FOUND");
    expect(appErrorOf(err).code).toBe("NOT_FOUND");
    const other = await w.tenant("Other tenant");
    const foreign = await w.account(other, "Foreign");
    await holdInState(await w.caller(other), foreign.locator, "draft", { targets: [{ process: "invoicing" }] });
    const foreignErr = await expectTrpcError(
      w.api.holds.listByAccount({ accountLocator: foreign.locator }),
      "NOT_FOUND",
    );
    expect(foreignErr.message.replace(foreign.locator, UNKNOWN)).toBe(err.message);
  });
});

describe("holds.list (tenant-wide, for the dashboard)", () => {
  it("filters by states, process, accountLocator and externalTransactionId", async () => {
    const t = await w.tenant("List filters");
    const client = await w.caller(t);
    const a = (await w.account(t, "A")).locator;
    const b = (await w.account(t, "B")).locator;
    const aDraftInv = await holdInState(client, a, "draft", {
      targets: [{ process: "invoicing" }],
      externalTransactionId: "ETI-1",
    });
    const aActiveFund = await holdInState(client, a, "active", {
      targets: [{ process: "funding" }, { process: "invoicing" }],
    });
    const bValidatedDlq = await holdInState(client, b, "validated", {
      targets: [{ process: "delinquency" }],
      externalTransactionId: "ETI-2",
    });
    const bReleasedInv = await holdInState(client, b, "released", {
      targets: [{ process: "invoicing" }],
      externalTransactionId: "ETI-1",
    });

    const ids = async (input: Parameters<Caller["holds"]["list"]>[0]) =>
      (await client.holds.list(input)).items.map((h) => h.locator);
    const newestFirst = (...hs: Hold[]) =>
      hs
        .map((h) => h.locator)
        .sort()
        .reverse();

    expect(await ids({})).toEqual(newestFirst(aDraftInv, aActiveFund, bValidatedDlq, bReleasedInv));
    expect(await ids({ states: ["active"] })).toEqual(newestFirst(aActiveFund));
    expect(await ids({ states: ["draft", "validated"] })).toEqual(newestFirst(aDraftInv, bValidatedDlq));
    expect(await ids({ states: [] })).toEqual(newestFirst(aDraftInv, aActiveFund, bValidatedDlq, bReleasedInv));
    expect(await ids({ process: "invoicing" })).toEqual(newestFirst(aDraftInv, aActiveFund, bReleasedInv));
    expect(await ids({ process: "funding" })).toEqual(newestFirst(aActiveFund));
    expect(await ids({ process: "refund" })).toEqual([]);
    expect(await ids({ accountLocator: b })).toEqual(newestFirst(bValidatedDlq, bReleasedInv));
    expect(await ids({ accountLocator: UNKNOWN })).toEqual([]);
    expect(await ids({ externalTransactionId: "ETI-1" })).toEqual(newestFirst(aDraftInv, bReleasedInv));
    expect(await ids({ externalTransactionId: "ETI-1", accountLocator: a })).toEqual(newestFirst(aDraftInv));
    expect(await ids({ process: "invoicing", states: ["draft", "released"], accountLocator: b })).toEqual(
      newestFirst(bReleasedInv),
    );

    // Items are full holds.
    const [first] = (await client.holds.list({ states: ["validated"] })).items;
    expect(first).toEqual(await client.holds.get({ locator: bValidatedDlq.locator }));

    // Another tenant sees none of them.
    expect((await w.api.holds.list({ externalTransactionId: "ETI-1" })).items).toEqual([]);
  });

  it("keyset paging: 25 holds with limit 10 give 3 pages, newest first, none lost or repeated, nextCursor null at the end", async () => {
    const t = await w.tenant("Paging");
    const client = await w.caller(t);
    const account = (await w.account(t)).locator;
    const created: string[] = [];
    for (let i = 0; i < 25; i++)
      created.push(
        (await client.holds.create({ accountLocator: account, targets: [{ process: "invoicing" }] })).locator,
      );

    const pages: string[][] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await client.holds.list(cursor === undefined ? { limit: 10 } : { limit: 10, cursor });
      pages.push(page.items.map((h) => h.locator));
      if (page.nextCursor === null) break;
      expect(page.nextCursor).toBe(page.items.at(-1)?.locator);
      cursor = page.nextCursor;
      expect(pages.length).toBeLessThan(10);
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    const all = pages.flat();
    expect(new Set(all).size).toBe(25);
    expect(all).toEqual([...created].reverse());
  });

  it("keyset paging at the edge: exactly two full pages end with nextCursor null, and paging keeps the filters", async () => {
    const t = await w.tenant("Paging edge");
    const client = await w.caller(t);
    const account = (await w.account(t)).locator;
    const drafts: string[] = [];
    for (let i = 0; i < 8; i++) {
      drafts.push(
        (await client.holds.create({ accountLocator: account, targets: [{ process: "invoicing" }] })).locator,
      );
      await holdInState(client, account, "discarded", { targets: [{ process: "invoicing" }] });
    }
    const p1 = await client.holds.list({ states: ["draft"], limit: 4 });
    expect(p1.items.map((h) => h.locator)).toEqual(drafts.slice(4).reverse());
    expect(p1.nextCursor).not.toBeNull();
    const p2 = await client.holds.list({ states: ["draft"], limit: 4, cursor: p1.nextCursor ?? undefined });
    expect(p2.items.map((h) => h.locator)).toEqual(drafts.slice(0, 4).reverse());
    expect(p2.nextCursor).toBeNull();

    const exact = await client.holds.list({ limit: 16 });
    expect(exact.items).toHaveLength(16);
    expect(exact.nextCursor).toBeNull();
    const oneShort = await client.holds.list({ limit: 15 });
    expect(oneShort.items).toHaveLength(15);
    expect(oneShort.nextCursor).not.toBeNull();
  });

  it("a hold created between pages does not disturb the pages already counted", async () => {
    const t = await w.tenant("Paging stable");
    const client = await w.caller(t);
    const account = (await w.account(t)).locator;
    const created: string[] = [];
    for (let i = 0; i < 6; i++)
      created.push(
        (await client.holds.create({ accountLocator: account, targets: [{ process: "invoicing" }] })).locator,
      );
    const p1 = await client.holds.list({ limit: 3 });
    await client.holds.create({ accountLocator: account, targets: [{ process: "funding" }] });
    const p2 = await client.holds.list({ limit: 3, cursor: p1.nextCursor ?? undefined });
    expect([...p1.items, ...p2.items].map((h) => h.locator)).toEqual([...created].reverse());
    expect(p2.nextCursor).toBeNull();
  });
});

describe("holds.effect: is this account held for this process on this date?", () => {
  it("held only while an active hold's dates and the target's dates contain the date", async () => {
    const account = await w.newAccount();
    const hold = await holdInState(w.api, account, "active", {
      startDate: "2027-04-01",
      endDate: "2027-04-30",
      targets: [{ process: "invoicing" }, { process: "funding", startDate: "2027-04-10", endDate: "2027-04-20" }],
    });
    const held = async (process: "invoicing" | "funding" | "autopay" | "delinquency", date?: string) => {
      const r = await w.api.holds.effect(
        date === undefined ? { accountLocator: account, process } : { accountLocator: account, process, date },
      );
      expect(r.held).toBe(r.holdLocators.length > 0);
      expect(r).toMatchObject({ accountLocator: account, process, date: date ?? TODAY });
      if (r.held) expect(r.holdLocators).toEqual([hold.locator]);
      return r.held;
    };
    // Today is before the start: scheduled, not yet held.
    expect(await held("invoicing")).toBe(false);
    // The hold's own dates, inclusive.
    expect(await held("invoicing", "2027-03-31")).toBe(false);
    expect(await held("invoicing", "2027-04-01")).toBe(true);
    expect(await held("invoicing", "2027-04-30")).toBe(true);
    expect(await held("invoicing", "2027-05-01")).toBe(false);
    // The target's narrower dates, inclusive.
    expect(await held("funding", "2027-04-05")).toBe(false);
    expect(await held("funding", "2027-04-10")).toBe(true);
    expect(await held("funding", "2027-04-20")).toBe(true);
    expect(await held("funding", "2027-04-21")).toBe(false);
    // Another process.
    expect(await held("autopay", "2027-04-15")).toBe(false);
    expect(await held("delinquency", "2027-04-15")).toBe(false);
  });

  it("not held for a draft, a validated, a released or a discarded hold, nor for another account", async () => {
    const account = await w.newAccount();
    await holdInState(w.api, account, "draft", { targets: [{ process: "invoicing" }] });
    await holdInState(w.api, account, "validated", { targets: [{ process: "invoicing" }] });
    await holdInState(w.api, account, "discarded", { targets: [{ process: "funding" }] });
    await holdInState(w.api, account, "released", { targets: [{ process: "autopay" }] });
    const other = await w.newAccount();
    await holdInState(w.api, other, "active", { targets: [{ process: "refund" }] });
    for (const process of ["invoicing", "funding", "autopay", "refund"] as const) {
      expect(await w.api.holds.effect({ accountLocator: account, process }), process).toEqual({
        accountLocator: account,
        process,
        date: TODAY,
        held: false,
        holdLocators: [],
      });
    }
    expect((await w.api.holds.effect({ accountLocator: other, process: "refund" })).held).toBe(true);
  });

  it("an active hold past its end date (not yet ended by the worker) no longer holds", async () => {
    const account = await w.newAccount();
    await holdInState(w.api, account, "active", { endDate: "2027-03-12", targets: [{ process: "delinquency" }] });
    expect((await w.api.holds.effect({ accountLocator: account, process: "delinquency" })).held).toBe(true);
    w.clock.set("2027-03-12T23:59:59Z");
    expect((await w.api.holds.effect({ accountLocator: account, process: "delinquency" })).held).toBe(true);
    w.clock.set("2027-03-13T00:00:00Z");
    const after = await w.api.holds.effect({ accountLocator: account, process: "delinquency" });
    expect(after).toMatchObject({ held: false, date: "2027-03-13", holdLocators: [] });
  });

  it("the default date is today in the tenant's time zone (Pacific/Kiritimati, UTC+14)", async () => {
    const k = await w.tenant("Line Islands", "Pacific/Kiritimati");
    const kApi = await w.caller(k);
    const account = (await w.account(k)).locator;
    // In Kiritimati, 2027-03-10T12:00Z is 2027-03-11 02:00.
    const hold = await holdInState(kApi, account, "active", {
      startDate: "2027-03-11",
      targets: [{ process: "funding" }],
    });
    expect(hold.schedule).toBe("in_effect");
    const today = await kApi.holds.effect({ accountLocator: account, process: "funding" });
    expect(today).toEqual({
      accountLocator: account,
      process: "funding",
      date: "2027-03-11",
      held: true,
      holdLocators: [hold.locator],
    });
    // The UTC date is not held.
    expect((await kApi.holds.effect({ accountLocator: account, process: "funding", date: TODAY })).held).toBe(false);
    // At 09:59Z it is still 2027-03-10 23:59 there.
    w.clock.set("2027-03-10T09:59:00Z");
    expect(await kApi.holds.effect({ accountLocator: account, process: "funding" })).toMatchObject({
      date: "2027-03-10",
      held: false,
    });
  });

  it("the default date is today in the tenant's time zone (America/Los_Angeles)", async () => {
    w.clock.set("2027-03-10T05:00:00Z"); // 2027-03-09 21:00 in Los Angeles (PST, UTC-8)
    const la = await w.tenant("Los Angeles", "America/Los_Angeles");
    const laApi = await w.caller(la);
    const account = (await w.account(la)).locator;
    const hold = await holdInState(laApi, account, "active", {
      endDate: "2027-03-09",
      targets: [{ process: "invoicing" }],
    });
    expect(await laApi.holds.effect({ accountLocator: account, process: "invoicing" })).toEqual({
      accountLocator: account,
      process: "invoicing",
      date: "2027-03-09",
      held: true,
      holdLocators: [hold.locator],
    });
    // The same instant in a UTC tenant is already 2027-03-10, past the end.
    expect((await laApi.holds.effect({ accountLocator: account, process: "invoicing", date: "2027-03-10" })).held).toBe(
      false,
    );
    // Three hours later it is 2027-03-10 in Los Angeles too.
    w.clock.set("2027-03-10T08:00:00Z");
    expect(await laApi.holds.effect({ accountLocator: account, process: "invoicing" })).toMatchObject({
      date: "2027-03-10",
      held: false,
    });
  });

  it("an unknown account, or another tenant's, is NOT_FOUND", async () => {
    await expectTrpcError(w.api.holds.effect({ accountLocator: UNKNOWN, process: "invoicing" }), "NOT_FOUND");
    const other = await w.tenant("Effect other");
    const foreign = await w.account(other, "Foreign");
    await holdInState(await w.caller(other), foreign.locator, "active", { targets: [{ process: "invoicing" }] });
    await expectTrpcError(w.api.holds.effect({ accountLocator: foreign.locator, process: "invoicing" }), "NOT_FOUND");
  });

  it("a bad date is refused at input", async () => {
    const account = await w.newAccount();
    await expectTrpcError(
      w.api.holds.effect({ accountLocator: account, process: "invoicing", date: "2027-02-30" }),
      "BAD_REQUEST",
    );
  });
});
