/**
 * Tenancy and access for billing automations (SPEC "Tenancy and access"):
 * portfolio tokens reach their own tenants and no others, writes with a
 * portfolio token name the tenant, another tenant's automation answers the
 * same NOT_FOUND as an unknown one and is left unchanged, permissions are
 * enforced per procedure, and every change is in the audit trail.
 */
import type { AutomationInput, Permission } from "@holdfast/domain";
import { issuesOfTrpcError, rulesOf } from "@holdfast/testing/issues";
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, databaseChecksum, expectTrpcError, tableChecksum, type World } from "./harness.ts";

type Api = Awaited<ReturnType<World["caller"]>>;
type Automation = Awaited<ReturnType<Api["automations"]["add"]>>["automations"][number];
type Issue = { path: string; rule: string };

const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const COMPANY = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const UNKNOWN_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const UNKNOWN_TENANT = "6f1c1e8a-2b3c-4d5e-8f90-a1b2c3d4e5f6";
const FLAGS = {
  spaceOrder: true,
  cityTax: true,
  allProducts: false,
  deposits: true,
  additionalExpenses: true,
  allCustomItems: false,
};

function automation(name: string): AutomationInput {
  return {
    name,
    companies: [{ companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } }],
    prepayment: "All",
    assignmentTargetType: "CompanyAsOwner",
    triggerType: "Continuous",
    billAggregationType: "AggregateAll",
    assignments: [{ serviceId: SERVICE, routedItemTypes: FLAGS }],
  };
}

/** An order item and reservation that seed 001's sample automation routes. */
const preview = {
  orderItem: { serviceId: SERVICE, itemType: "SpaceOrder" as const, consumptionDate: "2027-03-10" },
  reservation: {
    id: "0e7c8c36-6b8e-4c59-9d0c-4b6f0f0c1a01",
    ownerId: "0e7c8c36-6b8e-4c59-9d0c-4b6f0f0c1a02",
    companyId: COMPANY,
    companyRelation: "partnerCompany" as const,
    prepaid: false,
  },
};

let w: World;
let A: string;
let B: string;
let C: string;
/** Every permission in A. */
let apiA: Api;
/** Every permission in C (a tenant the portfolio token is not bound to). */
let apiC: Api;
/** Bound to A and B with automations read and write. */
let portfolio: Api;

beforeAll(async () => {
  w = await createWorld();
  A = await w.tenant("Enterprise A");
  B = await w.tenant("Enterprise B");
  C = await w.tenant("Enterprise C");
  apiA = await w.caller(A);
  apiC = await w.caller(C);
  portfolio = await w.caller([
    { tenantId: A, permissions: ["automations:read", "automations:write"] },
    { tenantId: B, permissions: ["automations:read", "automations:write"] },
  ]);
});
afterAll(async () => {
  await w.close();
});

async function state() {
  const tables = ["automations", "automation_companies", "automation_assignments", "audit_events", "idempotency_keys"];
  return [...(await Promise.all(tables.map((t) => tableChecksum(w.db, t)))), await databaseChecksum(w.db)].join(":");
}

async function refusedUnchanged(
  call: () => Promise<unknown>,
  code: TRPCError["code"],
): Promise<{ err: TRPCError; issues: Issue[] }> {
  const before = await state();
  const err = await expectTrpcError(call(), code);
  expect(await state()).toEqual(before);
  return { err, issues: rulesOf(issuesOfTrpcError(err)) };
}

async function addIn(api: Api, name: string, tenantLocator?: string): Promise<Automation> {
  const [a] = (
    await api.automations.add({ ...(tenantLocator ? { tenantLocator } : {}), automations: [automation(name)] })
  ).automations;
  if (!a) throw new Error("add answered nothing");
  return a;
}

/** Each automations procedure, called with this input patch (tenantLocator etc.) on this automation. */
function everyCall(api: Api, a: Automation, extra: Record<string, unknown> = {}) {
  const assignmentId = a.assignments[0]?.id ?? UNKNOWN_ID;
  return {
    add: () => api.automations.add({ ...extra, automations: [automation("never")] }),
    update: () => api.automations.update({ ...extra, updates: [{ automationId: a.id, name: "never" }] }),
    updateAssignments: () =>
      api.automations.updateAssignments({
        ...extra,
        automationId: a.id,
        assignmentsToUpdate: [{ id: assignmentId, rateIds: [UNKNOWN_ID] }],
      }),
    delete: () => api.automations.delete({ ...extra, automationIds: [a.id] }),
    previewRoute: () => api.automations.previewRoute({ ...extra, ...preview }),
    getAll: () => api.automations.getAll({ ...extra, limitation: { count: 10 } }),
  };
}

describe("portfolio tokens", () => {
  it("a write with a portfolio token must name tenantLocator: BAD_REQUEST naming it, nothing changes", async () => {
    const a = await addIn(apiA, "needs-locator");
    const calls = everyCall(portfolio, a);
    for (const name of ["add", "update", "updateAssignments", "delete", "previewRoute"] as const) {
      const { issues } = await refusedUnchanged(calls[name], "BAD_REQUEST");
      expect(issues, name).toEqual([{ path: "tenantLocator", rule: "required" }]);
    }
    // Reading across the portfolio needs no tenant.
    await expect(calls.getAll()).resolves.toMatchObject({ cursor: null });
  });

  it("works for each bound tenant when it names it", async () => {
    for (const tenantLocator of [A, B]) {
      const a = await addIn(portfolio, `portfolio-${tenantLocator}`, tenantLocator);
      expect(a.enterpriseId).toBe(tenantLocator);
      const [u] = (
        await portfolio.automations.update({ tenantLocator, updates: [{ automationId: a.id, name: "renamed" }] })
      ).automations;
      expect(u).toMatchObject({ name: "renamed", enterpriseId: tenantLocator, version: 2 });
      const changed = await portfolio.automations.updateAssignments({
        tenantLocator,
        automationId: a.id,
        assignmentsToAdd: [{ serviceId: SERVICE, routedItemTypes: FLAGS }],
      });
      expect(changed.assignments).toHaveLength(2);
      const routed = await portfolio.automations.previewRoute({ tenantLocator, ...preview });
      expect(routed.routes.map((r) => r.automationId)).toContain(a.id);
      const history = await portfolio.audit.history({ tenantLocator, entityType: "automation", entityId: a.id });
      expect(history.map((e) => e.action)).toEqual(["create", "update", "updateAssignments"]);
      expect(await portfolio.automations.delete({ tenantLocator, automationIds: [a.id] })).toEqual({});
      const left = await portfolio.automations.getAll({ automationIds: [a.id], limitation: { count: 1 } });
      expect(left.automations).toEqual([]);
    }
  });

  it("naming a tenant it is not bound to (or one that does not exist) is NOT_FOUND, alike; nothing changes", async () => {
    const c = await addIn(apiC, "in-c");
    for (const tenantLocator of [C, UNKNOWN_TENANT]) {
      const calls = everyCall(portfolio, c, { tenantLocator });
      for (const name of ["add", "update", "updateAssignments", "delete", "previewRoute"] as const) {
        const { err } = await refusedUnchanged(calls[name], "NOT_FOUND");
        expect(err.message, name).not.toContain("Enterprise C");
      }
      await expectTrpcError(
        portfolio.audit.history({ tenantLocator, entityType: "automation", entityId: c.id }),
        "NOT_FOUND",
      );
    }
    // A malformed tenant locator is a bad request naming it.
    const { issues } = await refusedUnchanged(
      everyCall(portfolio, c, { tenantLocator: "tenant-a" }).add,
      "BAD_REQUEST",
    );
    expect(issues).toEqual([{ path: "tenantLocator", rule: "uuid" }]);
  });

  it("an automation of one bound tenant is NOT_FOUND when the call names the other", async () => {
    const a = await addIn(apiA, "a-not-b");
    const calls = everyCall(portfolio, a, { tenantLocator: B });
    for (const name of ["update", "updateAssignments", "delete"] as const)
      await refusedUnchanged(calls[name], "NOT_FOUND");
    const inB = await portfolio.automations.previewRoute({ tenantLocator: B, ...preview });
    expect([...inB.routes, ...inB.rejections].map((r) => r.automationId)).not.toContain(a.id);
  });

  it("a single-tenant token may name its own tenant, and no other", async () => {
    const a = await addIn(apiA, "own-locator", A);
    expect(a.enterpriseId).toBe(A);
    await refusedUnchanged(everyCall(apiA, a, { tenantLocator: B }).add, "NOT_FOUND");
    await refusedUnchanged(everyCall(apiA, a, { tenantLocator: C }).update, "NOT_FOUND");
  });

  it("a tenant locator in upper case names the same tenant (UUIDs are case-insensitive on input)", async () => {
    const a = await addIn(portfolio, "upper-locator", A.toUpperCase());
    expect(a.enterpriseId).toBe(A);
  });
});

describe("another tenant's automation", () => {
  it("update, updateAssignments and delete by id answer NOT_FOUND like an unknown id, and it is unchanged", async () => {
    const a = await addIn(apiA, "a-private");
    const foreign = everyCall(apiC, a);
    const ghost = everyCall(apiC, { ...a, id: UNKNOWN_ID });
    for (const name of ["update", "updateAssignments", "delete"] as const) {
      const theirs = await refusedUnchanged(foreign[name], "NOT_FOUND");
      const unknown = await refusedUnchanged(ghost[name], "NOT_FOUND");
      expect(theirs.issues, name).toEqual(unknown.issues);
      expect(theirs.issues.length, name).toBeGreaterThan(0);
      expect(theirs.err.message.replace(a.id, UNKNOWN_ID), name).toBe(unknown.err.message);
    }
    const { issues } = await refusedUnchanged(foreign.update, "NOT_FOUND");
    expect(issues).toEqual([{ path: "updates[0].automationId", rule: "not_found" }]);
    // Also inside a batch with the caller's own automation: nothing of the batch applies.
    const mine = await addIn(apiC, "c-own");
    const batch = await refusedUnchanged(
      () =>
        apiC.automations.update({
          updates: [
            { automationId: mine.id, name: "changed" },
            { automationId: a.id, name: "stolen" },
          ],
        }),
      "NOT_FOUND",
    );
    expect(batch.issues).toEqual([{ path: "updates[1].automationId", rule: "not_found" }]);
    const del = await refusedUnchanged(() => apiC.automations.delete({ automationIds: [mine.id, a.id] }), "NOT_FOUND");
    expect(del.issues).toEqual([{ path: "automationIds[1]", rule: "not_found" }]);
    // Still there, unchanged, for its own tenant.
    const [still] = (await apiA.automations.getAll({ automationIds: [a.id], limitation: { count: 1 } })).automations;
    expect(still).toEqual(a);
  });

  it("previewRoute, getAll and audit history never show it", async () => {
    const a = await addIn(apiA, "a-hidden");
    const pv = await apiC.automations.previewRoute(preview);
    expect([...pv.routes, ...pv.rejections].map((r) => r.automationId)).not.toContain(a.id);
    expect((await apiC.automations.getAll({ automationIds: [a.id], limitation: { count: 10 } })).automations).toEqual(
      [],
    );
    expect(
      (await apiC.automations.getAll({ limitation: { count: 1000 } })).automations.every((x) => x.enterpriseId === C),
    ).toBe(true);
    await expectTrpcError(apiC.audit.history({ entityType: "automation", entityId: a.id }), "NOT_FOUND");
    // Its own tenant does see it routed.
    const own = await apiA.automations.previewRoute(preview);
    expect([...own.routes, ...own.rejections].map((r) => r.automationId)).toContain(a.id);
  });
});

describe("permissions", () => {
  const grant = (tenantId: string, permissions: Permission[]) => w.caller([{ tenantId, permissions }]);

  it("automations:read without write: FORBIDDEN on add, update, updateAssignments and delete; reads work", async () => {
    const a = await addIn(apiA, "read-only-target");
    const reader = await grant(A, ["automations:read"]);
    const calls = everyCall(reader, a);
    for (const name of ["add", "update", "updateAssignments", "delete"] as const)
      await refusedUnchanged(calls[name], "FORBIDDEN");
    // Even with a malformed body the answer is FORBIDDEN: nothing is learnt about the input.
    const add = reader.automations.add as (input: unknown) => Promise<unknown>;
    await refusedUnchanged(() => add({ automations: "nope" }), "FORBIDDEN");
    const page = await calls.getAll();
    expect(page.automations.map((x) => x.id)).toContain(a.id);
    expect((await calls.previewRoute()).routes.map((r) => r.automationId)).toContain(a.id);
    expect((await reader.audit.history({ entityType: "automation", entityId: a.id })).map((e) => e.action)).toEqual([
      "create",
    ]);
  });

  it("no automations permission: FORBIDDEN on getAll, previewRoute, every write and the automation's history", async () => {
    const a = await addIn(apiA, "no-permission-target");
    const holdsOnly = await grant(A, [
      "holds:read",
      "holds:list",
      "holds:write",
      "subscriptions:read",
      "subscriptions:write",
    ]);
    const calls = everyCall(holdsOnly, a);
    for (const name of ["getAll", "previewRoute", "add", "update", "updateAssignments", "delete"] as const) {
      await refusedUnchanged(calls[name], "FORBIDDEN");
    }
    await expectTrpcError(holdsOnly.audit.history({ entityType: "automation", entityId: a.id }), "FORBIDDEN");
  });

  it("automations:write in one portfolio tenant and read only in the other", async () => {
    const mixed = await w.caller([
      { tenantId: A, permissions: ["automations:read", "automations:write"] },
      { tenantId: B, permissions: ["automations:read"] },
    ]);
    const inA = await addIn(mixed, "mixed-a", A);
    expect(inA.enterpriseId).toBe(A);
    await refusedUnchanged(
      () => mixed.automations.add({ tenantLocator: B, automations: [automation("mixed-b")] }),
      "FORBIDDEN",
    );
  });

  it("admin implies the automations permissions", async () => {
    const admin = await grant(A, ["admin"]);
    const a = await addIn(admin, "by-admin");
    await admin.automations.update({ updates: [{ automationId: a.id, name: "by-admin 2" }] });
    expect(
      (await admin.automations.getAll({ automationIds: [a.id], limitation: { count: 1 } })).automations[0]?.name,
    ).toBe("by-admin 2");
    await admin.automations.delete({ automationIds: [a.id] });
  });

  it("anonymous: UNAUTHORIZED on every automations procedure, before looking at the input", async () => {
    const a = await addIn(apiA, "anonymous-target");
    const calls = everyCall(w.anonymous, a);
    for (const name of ["getAll", "previewRoute", "add", "update", "updateAssignments", "delete"] as const) {
      await refusedUnchanged(calls[name], "UNAUTHORIZED");
    }
    const getAll = w.anonymous.automations.getAll as (input: unknown) => Promise<unknown>;
    await refusedUnchanged(() => getAll({ limitation: "everything" }), "UNAUTHORIZED");
  });
});

describe("audit trail", () => {
  it("records create, update, updateAssignments and delete with before, after, actor and time", async () => {
    const other = await w.caller(A);
    w.clock.set("2027-03-10T12:00:00Z");
    const created = await addIn(apiA, "audited");
    w.clock.set("2027-03-11T09:00:00Z");
    const [updated] = (
      await other.automations.update({ updates: [{ automationId: created.id, description: "now described" }] })
    ).automations;
    w.clock.set("2027-03-12T09:00:00Z");
    const reassigned = await apiA.automations.updateAssignments({
      automationId: created.id,
      assignmentsToAdd: [{ serviceId: SERVICE, routedItemTypes: FLAGS, rateIds: [UNKNOWN_ID] }],
    });
    // Refused changes leave no trace.
    await expectTrpcError(
      apiA.automations.update({ updates: [{ automationId: created.id, assignmentTargetType: "NoCompany" }] }),
      "BAD_REQUEST",
    );
    w.clock.set("2027-03-13T09:00:00Z");
    await apiA.automations.delete({ automationIds: [created.id] });
    w.clock.set("2027-03-10T12:00:00Z");

    const history = await apiA.audit.history({ entityType: "automation", entityId: created.id });
    expect(history.map((e) => e.action)).toEqual(["create", "update", "updateAssignments", "delete"]);
    const [c, u, s, d] = history;
    expect(c).toMatchObject({
      entityType: "automation",
      entityId: created.id,
      before: null,
      after: created,
      at: "2027-03-10T12:00:00.000Z",
    });
    expect(u).toMatchObject({ before: created, after: updated, at: "2027-03-11T09:00:00.000Z" });
    expect(s).toMatchObject({ before: updated, after: reassigned, at: "2027-03-12T09:00:00.000Z" });
    expect(d).toMatchObject({ before: reassigned, after: null, at: "2027-03-13T09:00:00.000Z" });
    for (const e of history) {
      expect(e.actorType).toBe("token");
      expect(e.actorName).toBe("test token");
      expect(e.actorId).not.toBe("");
    }
    // Who: the same token for its own changes, the other token for the update.
    expect(new Set([c?.actorId, s?.actorId, d?.actorId]).size).toBe(1);
    expect(u?.actorId).not.toBe(c?.actorId);
    // The history stays readable by the tenant after the delete, and by no one else.
    await expectTrpcError(apiC.audit.history({ entityType: "automation", entityId: created.id }), "NOT_FOUND");
    const viaPortfolio = await portfolio.audit.history({
      tenantLocator: A,
      entityType: "automation",
      entityId: created.id,
    });
    expect(viaPortfolio).toEqual(history);
    await expectTrpcError(
      portfolio.audit.history({ tenantLocator: B, entityType: "automation", entityId: created.id }),
      "NOT_FOUND",
    );
  });

  it("each automation of a batch gets its own events", async () => {
    const { automations } = await apiA.automations.add({
      automations: [automation("batch-audit-1"), automation("batch-audit-2")],
    });
    await apiA.automations.update({ updates: automations.map((a) => ({ automationId: a.id, name: `${a.name}!` })) });
    await apiA.automations.delete({ automationIds: automations.map((a) => a.id) });
    for (const a of automations) {
      const history = await apiA.audit.history({ entityType: "automation", entityId: a.id });
      expect(history.map((e) => e.action)).toEqual(["create", "update", "delete"]);
      expect(history.every((e) => e.entityId === a.id)).toBe(true);
      expect(history[1]?.after).toMatchObject({ name: `${a.name}!` });
    }
  });
});
