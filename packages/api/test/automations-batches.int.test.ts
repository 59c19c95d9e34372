/**
 * Atomic batches of billing automations (seed 001 + SPEC "Billing automations"):
 * add, update and delete take up to 100 items and apply whole or not at all;
 * a refusal names the failing item (`automations[i].…`, `updates[i].…`,
 * `automationIds[i]`) and the rule, and changes nothing. Updates change only
 * the fields sent and the merged result is checked again. updateAssignments
 * adds, updates and removes in one call (at most 20 remain). Versions give
 * CONFLICT when stale; idempotency keys replay the first answer.
 */
import type { AutomationInput } from "@holdfast/domain";
import { isAppError } from "@holdfast/domain";
import { issuesOfTrpcError, rulesOf, sortRules } from "@holdfast/testing/issues";
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { createWorld, databaseChecksum, expectTrpcError, tableChecksum, type World } from "./harness.ts";

type Api = Awaited<ReturnType<World["caller"]>>;
type Automation = Awaited<ReturnType<Api["automations"]["add"]>>["automations"][number];
type Issue = { path: string; rule: string };

let w: World;
let tenantId: string;
let api: Api;
beforeAll(async () => {
  w = await createWorld();
  tenantId = await w.tenant("Batches");
  api = await w.caller(tenantId);
});
afterAll(async () => {
  await w.close();
});

const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const COMPANY = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const COMPANY_2 = "956aa0f0-a090-42c8-bee2-991972d32f80";
const UNKNOWN_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const guid = (n: number) => `7a1e0000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

const FLAGS = {
  spaceOrder: true,
  cityTax: true,
  allProducts: false,
  deposits: true,
  additionalExpenses: true,
  allCustomItems: false,
};
const NO_FLAGS = {
  spaceOrder: false,
  cityTax: false,
  allProducts: false,
  deposits: false,
  additionalExpenses: false,
  allCustomItems: false,
};

/** Seed 001's add sample (CompanyAsOwner, AggregateAll, Continuous), renamed. */
function automation(name: string, over: Partial<AutomationInput> = {}): AutomationInput {
  return {
    name,
    description: `about ${name}`,
    companies: [{ companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } }],
    prepayment: "All",
    assignmentTargetType: "CompanyAsOwner",
    triggerType: "Continuous",
    billAggregationType: "AggregateAll",
    assignments: [{ serviceId: SERVICE, routedItemTypes: FLAGS, productIds: ["507d93e6-9fb5-4734-a6d1-977afc4dfdff"] }],
    ...over,
  };
}

const recurring = (name: string): AutomationInput =>
  automation(name, { triggerType: "Recurring", processingStartOffset: "P1D", orderItemConsumptionPeriod: "SameMonth" });

function assignments(n: number): NonNullable<AutomationInput["assignments"]> {
  return Array.from({ length: n }, (_, i) => ({ serviceId: guid(1000 + i), routedItemTypes: FLAGS }));
}

/** The whole stored state that an automations call may touch. */
async function state() {
  const tables = ["automations", "automation_companies", "automation_assignments", "audit_events", "idempotency_keys"];
  const sums = await Promise.all(tables.map((t) => tableChecksum(w.db, t)));
  return { sums: sums.join(":"), all: await databaseChecksum(w.db), counts: await counts() };
}
async function counts() {
  const [row] = await w.db.$client.unsafe(
    `select (select count(*) from automations)::int as automations,
            (select count(*) from automation_companies)::int as companies,
            (select count(*) from automation_assignments)::int as assignments,
            (select count(*) from audit_events)::int as audit,
            (select count(*) from idempotency_keys)::int as keys`,
  );
  return row as unknown as { automations: number; companies: number; assignments: number; audit: number; keys: number };
}

/** Expects the call to be refused with this code and to change nothing; its issues. */
async function refusedUnchanged(
  call: () => Promise<unknown>,
  code: TRPCError["code"],
): Promise<{ err: TRPCError; issues: Issue[] }> {
  const before = await state();
  const err = await expectTrpcError(call(), code);
  expect(await state()).toEqual(before);
  expect(JSON.stringify(err.message)).not.toMatch(/select |insert |update "|stack|at .*\.ts:/i);
  return { err, issues: rulesOf(issuesOfTrpcError(err)) };
}

async function get(id: string): Promise<Automation> {
  const page = await api.automations.getAll({ automationIds: [id], limitation: { count: 1 } });
  const a = page.automations[0];
  if (!a) throw new Error(`automation ${id} is not there`);
  return a;
}

async function addOne(input: AutomationInput = automation("one")): Promise<Automation> {
  const [a] = (await api.automations.add({ automations: [input] })).automations;
  if (!a) throw new Error("add answered nothing");
  return a;
}

/** An automation without the fields every change moves. */
const stable = ({ version: _v, updatedUtc: _u, ...rest }: Automation) => rest;

describe("add: a batch of up to 100, all or none", () => {
  it("adds 100 valid automations in one call, in order, with one audit event each", async () => {
    const before = await counts();
    const batch = Array.from({ length: 100 }, (_, i) =>
      automation(`batch-${i}`, { assignments: assignments(1 + (i % 3)) }),
    );
    const { automations } = await api.automations.add({ automations: batch });
    expect(automations.map((a) => a.name)).toEqual(batch.map((b) => b.name));
    expect(new Set(automations.map((a) => a.id)).size).toBe(100);
    expect(automations.every((a) => a.version === 1 && a.enterpriseId === tenantId)).toBe(true);
    const after = await counts();
    expect(after.automations - before.automations).toBe(100);
    expect(after.companies - before.companies).toBe(100);
    expect(after.assignments - before.assignments).toBe(batch.reduce((n, b) => n + b.assignments.length, 0));
    expect(after.audit - before.audit).toBe(100);
  });

  it("refuses 101 (and 0) automations in one call: BAD_REQUEST naming `automations`, nothing added", async () => {
    const batch = Array.from({ length: 101 }, (_, i) => automation(`over-${i}`));
    const { issues } = await refusedUnchanged(() => api.automations.add({ automations: batch }), "BAD_REQUEST");
    expect(issues).toEqual([{ path: "automations", rule: "too_big" }]);
    const empty = await refusedUnchanged(() => api.automations.add({ automations: [] }), "BAD_REQUEST");
    expect(empty.issues).toEqual([{ path: "automations", rule: "too_small" }]);
  });

  it("one bad item among 100 (index 57: NoCompany with AggregateAll) refuses the whole batch, naming automations[57] and the rule", async () => {
    const batch = Array.from({ length: 100 }, (_, i) =>
      i === 57
        ? automation("bad-57", { assignmentTargetType: "NoCompany", billAggregationType: "AggregateAll" })
        : automation(`good-${i}`),
    );
    const { err, issues } = await refusedUnchanged(() => api.automations.add({ automations: batch }), "BAD_REQUEST");
    expect(sortRules(issues)).toEqual([
      { path: "automations[57].assignmentTargetType", rule: "aggregation_requires_company_as_owner" },
      { path: "automations[57].billAggregationType", rule: "no_company_requires_aggregate_by_customer" },
    ]);
    // The caller sees the zod issues (the client gets them formatted as "automations[57].…: …").
    expect(err.cause).toBeInstanceOf(ZodError);
    expect(
      (await api.automations.getAll({ limitation: { count: 1000 } })).automations.map((a) => a.name),
    ).not.toContain("good-0");
  });

  const cases: { name: string; bad: AutomationInput; issues: Issue[] }[] = [
    {
      name: "CompanyAsDetails with AggregateAll",
      bad: automation("x", { assignmentTargetType: "CompanyAsDetails" }),
      issues: [{ path: "assignmentTargetType", rule: "aggregation_requires_company_as_owner" }],
    },
    {
      name: "CompanyAsOwner without companies",
      bad: automation("x", { companies: [] }),
      issues: [{ path: "companies", rule: "companies_required" }],
    },
    {
      name: "Recurring without consumption period and offset",
      bad: automation("x", { triggerType: "Recurring" }),
      issues: [
        { path: "orderItemConsumptionPeriod", rule: "required_for_recurring" },
        { path: "processingStartOffset", rule: "required_for_recurring" },
      ],
    },
    {
      name: "Continuous with a consumption period",
      bad: automation("x", { orderItemConsumptionPeriod: "SameMonth" }),
      issues: [{ path: "orderItemConsumptionPeriod", rule: "only_for_recurring" }],
    },
    {
      name: "Recurring with an offset that is not an ISO duration",
      bad: automation("x", {
        triggerType: "Recurring",
        orderItemConsumptionPeriod: "MonthBefore",
        processingStartOffset: "1 day",
      }),
      issues: [{ path: "processingStartOffset", rule: "iso_duration" }],
    },
    {
      name: "an offset longer than 20 characters",
      bad: automation("x", {
        triggerType: "Recurring",
        orderItemConsumptionPeriod: "MonthBefore",
        processingStartOffset: "P1Y2M3W4DT5H6M7S12345",
      }),
      issues: [{ path: "processingStartOffset", rule: "too_big" }],
    },
    { name: "a name of 256 characters", bad: automation("n".repeat(256)), issues: [{ path: "name", rule: "too_big" }] },
    { name: "an empty name", bad: automation(""), issues: [{ path: "name", rule: "too_small" }] },
    { name: "a blank name", bad: automation("   "), issues: [{ path: "name", rule: "required" }] },
    {
      name: "a description of 1001 characters",
      bad: automation("x", { description: "d".repeat(1001) }),
      issues: [{ path: "description", rule: "too_big" }],
    },
    {
      name: "21 assignments",
      bad: automation("x", { assignments: assignments(21) }),
      issues: [{ path: "assignments", rule: "too_big" }],
    },
    {
      name: "an assignment that routes nothing",
      bad: automation("x", { assignments: [{ serviceId: SERVICE, routedItemTypes: NO_FLAGS }] }),
      issues: [{ path: "assignments[0].routedItemTypes", rule: "routes_nothing" }],
    },
    {
      name: "a company listed twice",
      bad: automation("x", {
        companies: [
          { companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } },
          { companyId: COMPANY.toUpperCase(), relations: { partnerCompany: false, travelAgency: true } },
        ],
      }),
      issues: [{ path: "companies[1].companyId", rule: "duplicate_company" }],
    },
    {
      name: "a company with no relation",
      bad: automation("x", {
        companies: [{ companyId: COMPANY, relations: { partnerCompany: false, travelAgency: false } }],
      }),
      issues: [{ path: "companies[0].relations", rule: "relation_required" }],
    },
    {
      name: "101 rate ids",
      bad: automation("x", {
        assignments: [
          { serviceId: SERVICE, routedItemTypes: FLAGS, rateIds: Array.from({ length: 101 }, (_, i) => guid(i)) },
        ],
      }),
      issues: [{ path: "assignments[0].rateIds", rule: "too_big" }],
    },
    {
      name: "a product id listed twice",
      bad: automation("x", {
        assignments: [{ serviceId: SERVICE, routedItemTypes: FLAGS, productIds: [guid(1), guid(1)] }],
      }),
      issues: [{ path: "assignments[0].productIds", rule: "duplicate_id" }],
    },
    {
      name: "an unknown field",
      bad: { ...automation("x"), colour: "red" } as AutomationInput,
      issues: [{ path: "", rule: "unrecognized_keys" }],
    },
  ];
  it.each(cases)(
    "refuses a batch with $name at index 3, naming automations[3] and the rule; nothing added",
    async ({ bad, issues }) => {
      const batch = [automation("ok-0"), automation("ok-1"), recurring("ok-2"), bad, automation("ok-4")];
      const refused = await refusedUnchanged(() => api.automations.add({ automations: batch }), "BAD_REQUEST");
      const expected = issues.map((i) => ({ ...i, path: i.path ? `automations[3].${i.path}` : "automations[3]" }));
      // Every expected field and rule is named, and nothing but those fields (a length limit may be
      // reported both by the schema's bound, too_big/too_small, and by the rule check, max_length/required).
      for (const e of expected) expect(refused.issues).toContainEqual(e);
      expect([...new Set(refused.issues.map((i) => i.path))].sort()).toEqual(
        [...new Set(expected.map((i) => i.path))].sort(),
      );
    },
  );

  it("replays an add with the same idempotency key: the same ids, added once; another body with the key is refused", async () => {
    const body = { idempotencyKey: "add-once-1", automations: [automation("idem-1"), recurring("idem-2")] };
    const before = await counts();
    const first = await api.automations.add(body);
    const mid = await counts();
    expect(mid.automations - before.automations).toBe(2);
    const again = await api.automations.add(structuredClone(body));
    expect(again).toEqual(first);
    expect(await counts()).toEqual(mid);
    const { err } = await refusedUnchanged(
      () => api.automations.add({ idempotencyKey: "add-once-1", automations: [automation("something else")] }),
      "UNPROCESSABLE_CONTENT",
    );
    expect(isAppError(err.cause) && err.cause.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("concurrent retries with one idempotency key add once and all answer the same ids", async () => {
    const body = {
      idempotencyKey: "add-race-1",
      automations: [automation("race-1"), automation("race-2"), automation("race-3")],
    };
    const before = await counts();
    const answers = await Promise.all(Array.from({ length: 5 }, () => api.automations.add(structuredClone(body))));
    const ids = answers.map((a) => a.automations.map((x) => x.id).join(","));
    expect(new Set(ids).size).toBe(1);
    const after = await counts();
    expect(after.automations - before.automations).toBe(3);
    expect(after.audit - before.audit).toBe(3);
  });
});

describe("update: only the fields sent change; the merged result is checked again", () => {
  it("changes only the fields sent, bumps the version and records the time", async () => {
    const a = await addOne(automation("partial", { description: "keep me" }));
    w.clock.set("2027-03-11T08:30:00Z");
    try {
      const [renamed] = (await api.automations.update({ updates: [{ automationId: a.id, name: "renamed" }] }))
        .automations;
      expect(renamed).toEqual({ ...a, name: "renamed", version: 2, updatedUtc: "2027-03-11T08:30:00.000Z" });
      expect(await get(a.id)).toEqual(renamed);

      const [cleared] = (await api.automations.update({ updates: [{ automationId: a.id, description: null }] }))
        .automations;
      expect(cleared).toMatchObject({ ...stable(a), name: "renamed", description: null, version: 3 });

      const companies = [
        { companyId: COMPANY_2, relations: { partnerCompany: false, travelAgency: true } },
        { companyId: COMPANY, relations: { partnerCompany: true, travelAgency: true } },
      ];
      const [moved] = (
        await api.automations.update({
          updates: [
            {
              automationId: a.id,
              companies,
              prepayment: "Prepaid",
              assignmentTargetType: "CompanyAsDetails",
              billAggregationType: "AggregateByCustomer",
            },
          ],
        })
      ).automations;
      expect(moved).toMatchObject({
        ...stable(a),
        name: "renamed",
        description: null,
        companies,
        prepayment: "Prepaid",
        assignmentTargetType: "CompanyAsDetails",
        billAggregationType: "AggregateByCustomer",
        version: 4,
      });
      expect(moved?.assignments).toEqual(a.assignments);
      expect(moved?.createdUtc).toBe(a.createdUtc);
      expect(await get(a.id)).toEqual(moved);
    } finally {
      w.clock.set("2027-03-10T12:00:00Z");
    }
  });

  it("updates 100 automations in one call; refuses 101 and an empty batch", async () => {
    const { automations } = await api.automations.add({
      automations: Array.from({ length: 100 }, (_, i) => automation(`u100-${i}`)),
    });
    const updated = await api.automations.update({
      updates: automations.map((a, i) => ({ automationId: a.id, name: `u100-renamed-${i}` })),
    });
    expect(updated.automations.map((a) => a.name)).toEqual(automations.map((_, i) => `u100-renamed-${i}`));
    expect(updated.automations.every((a) => a.version === 2)).toBe(true);
    const over = [
      ...automations.map((a) => ({ automationId: a.id, name: "too many" })),
      { automationId: UNKNOWN_ID, name: "too many" },
    ];
    const { issues } = await refusedUnchanged(() => api.automations.update({ updates: over }), "BAD_REQUEST");
    expect(issues).toEqual([{ path: "updates", rule: "too_big" }]);
    const empty = await refusedUnchanged(() => api.automations.update({ updates: [] }), "BAD_REQUEST");
    expect(empty.issues).toEqual([{ path: "updates", rule: "too_small" }]);
  });

  it("refuses assignmentTargetType NoCompany alone on an AggregateAll automation (merged check), naming updates[i]; the batch's valid updates are not applied", async () => {
    const [x, y, z, v] = (
      await api.automations.add({
        automations: [automation("m-0"), automation("m-1"), automation("m-2"), automation("m-3")],
      })
    ).automations;
    if (!x || !y || !z || !v) throw new Error("add answered too few");
    const { issues } = await refusedUnchanged(
      () =>
        api.automations.update({
          updates: [
            { automationId: x.id, name: "m-0 renamed" },
            { automationId: y.id, prepayment: "Prepaid" },
            { automationId: z.id, assignmentTargetType: "NoCompany" },
            { automationId: v.id, description: null },
          ],
        }),
      "BAD_REQUEST",
    );
    expect(sortRules(issues)).toEqual([
      { path: "updates[2].assignmentTargetType", rule: "aggregation_requires_company_as_owner" },
      { path: "updates[2].billAggregationType", rule: "no_company_requires_aggregate_by_customer" },
    ]);
    expect(await get(x.id)).toEqual(x);
    expect(await get(z.id)).toEqual(z);
    // Sent together with the aggregation it needs, the same change is fine.
    const [ok] = (
      await api.automations.update({
        updates: [
          { automationId: z.id, assignmentTargetType: "NoCompany", billAggregationType: "AggregateByCustomer" },
        ],
      })
    ).automations;
    expect(ok).toMatchObject({
      assignmentTargetType: "NoCompany",
      billAggregationType: "AggregateByCustomer",
      companies: z.companies,
    });
  });

  it("checks the merged result against every rule, naming updates[i]", async () => {
    const owner = await addOne(automation("merged-owner"));
    const rec = await addOne(recurring("merged-recurring"));
    const cases: { update: Record<string, unknown>; issues: Issue[] }[] = [
      {
        update: { automationId: owner.id, companies: [] },
        issues: [{ path: "companies", rule: "companies_required" }],
      },
      {
        update: {
          automationId: owner.id,
          billAggregationType: "AggregateByCustomer",
          assignmentTargetType: "CompanyAsDetails",
          companies: [],
        },
        issues: [],
      },
      {
        update: { automationId: owner.id, processingStartOffset: "P1D" },
        issues: [{ path: "processingStartOffset", rule: "only_for_recurring" }],
      },
      {
        update: { automationId: rec.id, orderItemConsumptionPeriod: null },
        issues: [{ path: "orderItemConsumptionPeriod", rule: "required_for_recurring" }],
      },
      {
        update: { automationId: rec.id, processingStartOffset: null },
        issues: [{ path: "processingStartOffset", rule: "required_for_recurring" }],
      },
      {
        update: { automationId: rec.id, processingStartOffset: "tomorrow" },
        issues: [{ path: "processingStartOffset", rule: "iso_duration" }],
      },
      { update: { automationId: rec.id, name: "   " }, issues: [{ path: "name", rule: "required" }] },
      { update: { automationId: rec.id, name: "" }, issues: [{ path: "name", rule: "too_small" }] },
      {
        update: {
          automationId: rec.id,
          companies: [
            { companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } },
            { companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } },
          ],
        },
        issues: [{ path: "companies[1].companyId", rule: "duplicate_company" }],
      },
    ];
    for (const c of cases) {
      if (c.issues.length === 0) continue; // a valid combination, used below
      const update = api.automations.update as (input: unknown) => Promise<unknown>;
      const refused = await refusedUnchanged(
        () => update({ updates: [{ automationId: rec.id === c.update.automationId ? owner.id : rec.id }, c.update] }),
        "BAD_REQUEST",
      );
      expect(sortRules(refused.issues), JSON.stringify(c.update)).toEqual(
        sortRules(c.issues.map((i) => ({ ...i, path: `updates[1].${i.path}` }))),
      );
    }
    const valid = cases.find((c) => c.issues.length === 0)?.update ?? {};
    const [done] = (
      await (api.automations.update as (input: unknown) => Promise<{ automations: Automation[] }>)({ updates: [valid] })
    ).automations;
    expect(done).toMatchObject({
      companies: [],
      assignmentTargetType: "CompanyAsDetails",
      billAggregationType: "AggregateByCustomer",
    });
  });

  it("refuses any triggerType in an update with rule trigger_type_fixed, even the current one", async () => {
    const a = await addOne(automation("trigger"));
    const update = api.automations.update as (input: unknown) => Promise<unknown>;
    for (const triggerType of ["Recurring", "Continuous", null]) {
      const { issues } = await refusedUnchanged(
        () =>
          update({
            updates: [
              { automationId: a.id, name: "fine" },
              { automationId: a.id, triggerType },
            ],
          }),
        "BAD_REQUEST",
      );
      expect(issues).toContainEqual({ path: "updates[1].triggerType", rule: "trigger_type_fixed" });
    }
    expect(await get(a.id)).toEqual(a);
  });

  it("an unknown automation id in a batch is NOT_FOUND naming updates[i].automationId, and nothing changes", async () => {
    const a = await addOne(automation("with-unknown"));
    const { err, issues } = await refusedUnchanged(
      () =>
        api.automations.update({
          updates: [
            { automationId: a.id, name: "would change" },
            { automationId: UNKNOWN_ID, name: "ghost" },
          ],
        }),
      "NOT_FOUND",
    );
    expect(issues).toEqual([{ path: "updates[1].automationId", rule: "not_found" }]);
    expect(err.message).toContain("updates[1].automationId");
    expect(await get(a.id)).toEqual(a);
  });

  it("the same automation twice in one batch is refused naming the second", async () => {
    const a = await addOne(automation("twice"));
    const { issues } = await refusedUnchanged(
      () =>
        api.automations.update({
          updates: [
            { automationId: a.id, name: "first" },
            { automationId: a.id.toUpperCase(), description: "second" },
          ],
        }),
      "BAD_REQUEST",
    );
    expect(issues).toEqual([{ path: "updates[1].automationId", rule: "duplicate_id" }]);
  });

  it("an update that sends no fields (only automationId) leaves every stored field as it was", async () => {
    const a = await addOne(recurring("no-fields"));
    const before = await counts();
    const [answered] = (await api.automations.update({ updates: [{ automationId: a.id }] })).automations;
    const stored = await get(a.id);
    expect(stable(stored)).toEqual(stable(a));
    expect(answered).toEqual(stored);
    // An update that changes nothing writes nothing: same version, no audit event.
    expect(stored.version).toBe(a.version);
    expect((await counts()).audit - before.audit).toBe(0);
    const history = await api.audit.history({ entityType: "automation", entityId: a.id });
    expect(history.map((e) => e.action)).toEqual(["create"]);
  });

  it("a stale expectedVersion is CONFLICT, and no update of the batch applies; the current one works", async () => {
    const a = await addOne(automation("versioned"));
    const b = await addOne(automation("versioned-2"));
    await api.automations.update({ updates: [{ automationId: a.id, name: "v2" }] });
    const { err } = await refusedUnchanged(
      () =>
        api.automations.update({
          updates: [
            { automationId: b.id, name: "b changed", expectedVersion: 1 },
            { automationId: a.id, name: "stale", expectedVersion: 1 },
          ],
        }),
      "CONFLICT",
    );
    expect(err.message).toContain("updates[1]");
    expect(isAppError(err.cause) && err.cause.details).toMatchObject({ currentVersion: 2 });
    expect((await get(b.id)).name).toBe("versioned-2");
    const [ok] = (await api.automations.update({ updates: [{ automationId: a.id, name: "v3", expectedVersion: 2 }] }))
      .automations;
    expect(ok).toMatchObject({ name: "v3", version: 3 });
  });

  it("replays an update with the same idempotency key: one change, the first answer", async () => {
    const a = await addOne(automation("idem-update"));
    const body = { idempotencyKey: "update-once-1", updates: [{ automationId: a.id, name: "once" }] };
    const first = await api.automations.update(body);
    const again = await api.automations.update(structuredClone(body));
    expect(again).toEqual(first);
    expect((await get(a.id)).version).toBe(2);
  });
});

describe("updateAssignments: add, update and remove in one call", () => {
  it("adds, updates and removes together; only the sent fields and flags of an updated assignment change", async () => {
    const a = await addOne(
      automation("assign", {
        assignments: [
          { serviceId: guid(1), routedItemTypes: FLAGS },
          { serviceId: guid(2), routedItemTypes: FLAGS, rateIds: [guid(20)], productIds: [guid(21)] },
          { serviceId: guid(3), routedItemTypes: NO_FLAGS, productCategoryIds: [guid(30)] },
        ],
      }),
    );
    const [s0, s1, s2] = a.assignments;
    if (!s0 || !s1 || !s2) throw new Error("expected three assignments");
    const changed = await api.automations.updateAssignments({
      automationId: a.id,
      expectedVersion: 1,
      assignmentsToAdd: [
        {
          serviceId: guid(4),
          routedItemTypes: FLAGS,
          accountingCategoryAssignments: [
            { accountingCategoryId: guid(40), itemTypes: { products: true, customItems: false } },
          ],
        },
      ],
      assignmentsToUpdate: [
        { id: s1.id, routedItemTypes: { cityTax: false, allCustomItems: true }, rateIds: [guid(22), guid(23)] },
      ],
      assignmentIdsToRemove: [s0.id],
    });
    expect(changed.version).toBe(2);
    expect(stable({ ...changed, assignments: [] })).toEqual(stable({ ...a, assignments: [] }));
    expect(changed.assignments).toHaveLength(3);
    const [k1, k2, added] = changed.assignments;
    expect(k1).toEqual({
      ...s1,
      routedItemTypes: { ...s1.routedItemTypes, cityTax: false, allCustomItems: true },
      rateIds: [guid(22), guid(23)],
    });
    expect(k2).toEqual(s2);
    expect(added).toMatchObject({
      serviceId: guid(4),
      automationId: a.id,
      rateIds: [],
      productIds: [],
      productCategoryIds: [],
    });
    expect(added?.id).not.toBe(s0.id);
    expect(await get(a.id)).toEqual(changed);
    const [row] = await w.db.$client.unsafe(
      `select count(*)::int as n from automation_assignments where automation_id = $1`,
      [a.id],
    );
    expect(row?.n).toBe(3);
  });

  it("refuses a change that leaves more than 20 assignments (naming assignments); exactly 20 is fine", async () => {
    const a = await addOne(automation("twenty", { assignments: assignments(18) }));
    const { issues } = await refusedUnchanged(
      () => api.automations.updateAssignments({ automationId: a.id, assignmentsToAdd: assignments(3) }),
      "BAD_REQUEST",
    );
    expect(issues).toEqual([{ path: "assignments", rule: "max_items" }]);
    const tooManyAdds = await refusedUnchanged(
      () => api.automations.updateAssignments({ automationId: a.id, assignmentsToAdd: assignments(21) }),
      "BAD_REQUEST",
    );
    expect(tooManyAdds.issues).toEqual([{ path: "assignmentsToAdd", rule: "too_big" }]);
    const firstId = a.assignments[0]?.id ?? "";
    const ok = await api.automations.updateAssignments({
      automationId: a.id,
      assignmentsToAdd: assignments(3),
      assignmentIdsToRemove: [firstId],
    });
    expect(ok.assignments).toHaveLength(20);
    await refusedUnchanged(
      () => api.automations.updateAssignments({ automationId: a.id, assignmentsToAdd: assignments(1) }),
      "BAD_REQUEST",
    );
  });

  it("refuses unknown assignment ids (its own or another automation's) naming the path; nothing changes", async () => {
    const a = await addOne(automation("unknown-assign", { assignments: assignments(2) }));
    const other = await addOne(automation("other-assign"));
    const mine = a.assignments[0]?.id ?? "";
    const theirs = other.assignments[0]?.id ?? "";
    const upd = await refusedUnchanged(
      () =>
        api.automations.updateAssignments({
          automationId: a.id,
          assignmentsToAdd: assignments(1),
          assignmentsToUpdate: [
            { id: mine, rateIds: [guid(9)] },
            { id: UNKNOWN_ID, rateIds: [] },
          ],
        }),
      "BAD_REQUEST",
    );
    expect(upd.issues).toEqual([{ path: "assignmentsToUpdate[1].id", rule: "unknown_assignment" }]);
    const rem = await refusedUnchanged(
      () => api.automations.updateAssignments({ automationId: a.id, assignmentIdsToRemove: [mine, theirs] }),
      "BAD_REQUEST",
    );
    expect(rem.issues).toEqual([{ path: "assignmentIdsToRemove[1]", rule: "unknown_assignment" }]);
    const foreign = await refusedUnchanged(
      () =>
        api.automations.updateAssignments({
          automationId: a.id,
          assignmentsToUpdate: [{ id: theirs, productIds: [] }],
        }),
      "BAD_REQUEST",
    );
    expect(foreign.issues).toEqual([{ path: "assignmentsToUpdate[0].id", rule: "unknown_assignment" }]);
    expect(await get(a.id)).toEqual(a);
    expect(await get(other.id)).toEqual(other);
  });

  it("checks the automation after the change: an assignment left routing nothing is refused naming it", async () => {
    const a = await addOne(
      automation("routes-nothing", {
        assignments: [
          { serviceId: guid(1), routedItemTypes: FLAGS },
          { serviceId: guid(2), routedItemTypes: FLAGS },
        ],
      }),
    );
    const second = a.assignments[1]?.id ?? "";
    const { issues } = await refusedUnchanged(
      () =>
        api.automations.updateAssignments({
          automationId: a.id,
          assignmentsToUpdate: [{ id: second, routedItemTypes: NO_FLAGS }],
        }),
      "BAD_REQUEST",
    );
    expect(issues).toEqual([{ path: "assignments[1].routedItemTypes", rule: "routes_nothing" }]);
  });

  it("an unknown automation is NOT_FOUND naming automationId; a stale expectedVersion is CONFLICT", async () => {
    const nf = await refusedUnchanged(
      () => api.automations.updateAssignments({ automationId: UNKNOWN_ID, assignmentsToAdd: assignments(1) }),
      "NOT_FOUND",
    );
    expect(nf.issues).toEqual([{ path: "automationId", rule: "not_found" }]);
    const a = await addOne(automation("assign-version"));
    await api.automations.updateAssignments({ automationId: a.id, assignmentsToAdd: assignments(1) });
    await refusedUnchanged(
      () =>
        api.automations.updateAssignments({ automationId: a.id, expectedVersion: 1, assignmentsToAdd: assignments(1) }),
      "CONFLICT",
    );
    const ok = await api.automations.updateAssignments({
      automationId: a.id,
      expectedVersion: 2,
      assignmentIdsToRemove: [a.assignments[0]?.id ?? ""],
    });
    expect(ok).toMatchObject({ version: 3 });
    expect(ok.assignments).toHaveLength(1);
  });
});

describe("delete: a batch of ids, all or none", () => {
  it("deletes every automation named, with its companies and assignments, and records each", async () => {
    const { automations } = await api.automations.add({
      automations: [automation("d-0"), recurring("d-1"), automation("d-2", { assignments: assignments(4) })],
    });
    const ids = automations.map((a) => a.id);
    const before = await counts();
    expect(await api.automations.delete({ automationIds: [...ids, ids[0] ?? ""] })).toEqual({});
    const after = await counts();
    expect(before.automations - after.automations).toBe(3);
    expect(before.assignments - after.assignments).toBe(6);
    expect(before.companies - after.companies).toBe(3);
    expect(after.audit - before.audit).toBe(3);
    expect((await api.automations.getAll({ automationIds: ids, limitation: { count: 10 } })).automations).toEqual([]);
    const again = await refusedUnchanged(() => api.automations.delete({ automationIds: [ids[1] ?? ""] }), "NOT_FOUND");
    expect(again.issues).toEqual([{ path: "automationIds[0]", rule: "not_found" }]);
  });

  it("one unknown id among them is NOT_FOUND naming automationIds[i], and none is deleted", async () => {
    const { automations } = await api.automations.add({
      automations: [automation("k-0"), automation("k-1"), automation("k-2")],
    });
    const ids = automations.map((a) => a.id);
    const { issues } = await refusedUnchanged(
      () => api.automations.delete({ automationIds: [ids[0] ?? "", ids[1] ?? "", UNKNOWN_ID, ids[2] ?? ""] }),
      "NOT_FOUND",
    );
    expect(issues).toEqual([{ path: "automationIds[2]", rule: "not_found" }]);
    expect((await api.automations.getAll({ automationIds: ids, limitation: { count: 10 } })).automations).toHaveLength(
      3,
    );
  });

  it("deletes 100 in one call; refuses 101, none and malformed ids", async () => {
    const { automations } = await api.automations.add({
      automations: Array.from({ length: 100 }, (_, i) => automation(`d100-${i}`)),
    });
    const ids = automations.map((a) => a.id);
    const over = await refusedUnchanged(
      () => api.automations.delete({ automationIds: [...ids, UNKNOWN_ID] }),
      "BAD_REQUEST",
    );
    expect(over.issues).toEqual([{ path: "automationIds", rule: "too_big" }]);
    const none = await refusedUnchanged(() => api.automations.delete({ automationIds: [] }), "BAD_REQUEST");
    expect(none.issues).toEqual([{ path: "automationIds", rule: "too_small" }]);
    const bad = await refusedUnchanged(
      () => api.automations.delete({ automationIds: [ids[0] ?? "", "nope"] }),
      "BAD_REQUEST",
    );
    expect(bad.issues.map((i) => i.path)).toEqual(["automationIds[1]"]);
    const before = await counts();
    await api.automations.delete({ automationIds: ids });
    expect(before.automations - (await counts()).automations).toBe(100);
  });

  it("replays a delete with the same idempotency key: the first answer, not NOT_FOUND", async () => {
    const a = await addOne(automation("idem-delete"));
    const body = { idempotencyKey: "delete-once-1", automationIds: [a.id] };
    expect(await api.automations.delete(body)).toEqual({});
    const before = await state();
    expect(await api.automations.delete(structuredClone(body))).toEqual({});
    expect(await state()).toEqual(before);
  });
});
