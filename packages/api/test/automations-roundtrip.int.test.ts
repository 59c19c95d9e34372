import { isDeepStrictEqual } from "node:util";
/**
 * Property-based tests of billing automations through the real router and database:
 * - what the shared validator (zAutomationInput) accepts comes back unchanged through add and getAll;
 * - an update changes exactly the fields it sends, when the merged result passes the rules, and nothing otherwise;
 * - an update that sends no fields changes no field;
 * - arbitrary JSON sent to any automations procedure never gives INTERNAL_SERVER_ERROR and changes nothing.
 */
import {
  ASSIGNMENT_TARGET_TYPES,
  type AutomationInput,
  BILL_AGGREGATION_TYPES,
  CONSUMPTION_PERIODS,
  checkAutomation,
  ISO_DURATION_RE,
  PREPAYMENT_TYPES,
  TRIGGER_TYPES,
  zAutomationInput,
} from "@holdfast/domain";
import { TRPCError } from "@trpc/server";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, databaseChecksum, tableChecksum, type World } from "./harness.ts";

type Api = Awaited<ReturnType<World["caller"]>>;
type Automation = Awaited<ReturnType<Api["automations"]["add"]>>["automations"][number];

let w: World;
let tenantId: string;
let api: Api;
/** An automation that exists throughout, so that ids in random inputs have something near to miss. */
let resident: Automation;
beforeAll(async () => {
  w = await createWorld();
  tenantId = await w.tenant("Round trip");
  api = await w.caller(tenantId);
  const [a] = (
    await api.automations.add({
      automations: [
        {
          name: "resident",
          companies: [
            {
              companyId: "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
              relations: { partnerCompany: true, travelAgency: false },
            },
          ],
          prepayment: "All",
          assignmentTargetType: "CompanyAsOwner",
          triggerType: "Recurring",
          billAggregationType: "AggregateAll",
          processingStartOffset: "P1D",
          orderItemConsumptionPeriod: "SameMonthAndMonthAfter",
          assignments: [
            {
              serviceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
              routedItemTypes: {
                spaceOrder: true,
                cityTax: true,
                allProducts: true,
                deposits: true,
                additionalExpenses: true,
                allCustomItems: true,
              },
            },
          ],
        },
      ],
    })
  ).automations;
  if (!a) throw new Error("add answered nothing");
  resident = a;
});
afterAll(async () => {
  await w.close();
});

// ---------------------------------------------------------------------------
// Arbitraries of valid automations

/** A GUID, sometimes in upper case (the validator keeps GUIDs in lower case). */
const guid = fc.tuple(fc.uuid(), fc.boolean()).map(([u, upper]) => (upper ? u.toUpperCase() : u));
const uniqueGuids = (maxLength: number) => fc.uniqueArray(guid, { maxLength, selector: (g) => g.toLowerCase() });

/** Text the validator stores as sent: well-formed, no NUL, within the limit (in UTF-16 units, as the limit counts). */
const text = (max: number) =>
  fc
    .oneof(
      fc.string({ unit: "grapheme", maxLength: 40 }),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.string({ unit: "grapheme-ascii", maxLength: max }),
      fc.constant("x".repeat(max)),
    )
    .filter((s) => s.length <= max && !s.includes("\u0000") && s.isWellFormed());
const name = text(255).filter((s) => s.trim().length > 0);

const relations = fc.constantFrom(
  { partnerCompany: true, travelAgency: false },
  { partnerCompany: false, travelAgency: true },
  { partnerCompany: true, travelAgency: true },
);
const companies = (minLength: number) =>
  fc.uniqueArray(fc.record({ companyId: guid, relations }), {
    minLength,
    maxLength: 6,
    selector: (c) => c.companyId.toLowerCase(),
  });

/** An ISO 8601 duration of at most 20 characters, as Mews' processing start offset. */
const isoDuration = fc
  .record(
    {
      sign: fc.constantFrom("", "-"),
      y: fc.option(fc.nat(99), { nil: undefined }),
      mo: fc.option(fc.nat(99), { nil: undefined }),
      wk: fc.option(fc.nat(9), { nil: undefined }),
      d: fc.option(fc.nat(999), { nil: undefined }),
      h: fc.option(fc.nat(99), { nil: undefined }),
      mi: fc.option(fc.nat(99), { nil: undefined }),
      s: fc.option(fc.nat(99), { nil: undefined }),
    },
    { requiredKeys: [] },
  )
  .map(({ sign = "", y, mo, wk, d, h, mi, s }) => {
    const date = `${y !== undefined ? `${y}Y` : ""}${mo !== undefined ? `${mo}M` : ""}${wk !== undefined ? `${wk}W` : ""}${d !== undefined ? `${d}D` : ""}`;
    const time = `${h !== undefined ? `${h}H` : ""}${mi !== undefined ? `${mi}M` : ""}${s !== undefined ? `${s}S` : ""}`;
    return `${sign}P${date}${time ? `T${time}` : ""}`;
  })
  .filter((p) => p.length <= 20 && ISO_DURATION_RE.test(p));
const offset = fc.oneof(fc.constantFrom("P1D", "P0D", "PT12H", "P1M", "-P1D", "P0M5DT2H"), isoDuration);

const routedItemTypes = fc.record({
  spaceOrder: fc.boolean(),
  cityTax: fc.boolean(),
  allProducts: fc.boolean(),
  deposits: fc.boolean(),
  additionalExpenses: fc.boolean(),
  allCustomItems: fc.boolean(),
});
const accountingCategories = fc.uniqueArray(
  fc.record({
    accountingCategoryId: guid,
    itemTypes: fc.record({ products: fc.boolean(), customItems: fc.boolean() }),
  }),
  { maxLength: 4, selector: (c) => c.accountingCategoryId.toLowerCase() },
);
/** An assignment that routes something (the rule); the condition lists sometimes left out (they default to []). */
const assignment = fc
  .record(
    {
      serviceId: guid,
      routedItemTypes,
      rateIds: uniqueGuids(5),
      productCategoryIds: uniqueGuids(5),
      productIds: uniqueGuids(5),
      accountingCategoryAssignments: accountingCategories,
    },
    { requiredKeys: ["serviceId", "routedItemTypes"] },
  )
  .filter(
    (s) =>
      Object.values(s.routedItemTypes).some(Boolean) ||
      (s.productIds?.length ?? 0) > 0 ||
      (s.productCategoryIds?.length ?? 0) > 0 ||
      (s.accountingCategoryAssignments ?? []).some((c) => c.itemTypes.products || c.itemTypes.customItems),
  );

/** The target and aggregation combinations the rules allow, each with the companies it may have. */
const targetAndAggregation = fc.oneof(
  fc.record({
    assignmentTargetType: fc.constant("CompanyAsOwner" as const),
    billAggregationType: fc.constantFrom(...BILL_AGGREGATION_TYPES),
    companies: companies(1),
  }),
  fc.record({
    assignmentTargetType: fc.constantFrom("CompanyAsDetails" as const, "NoCompany" as const),
    billAggregationType: fc.constant("AggregateByCustomer" as const),
    companies: companies(0),
  }),
);

const trigger = fc.oneof(
  fc.record({
    triggerType: fc.constant("Recurring" as const),
    processingStartOffset: offset,
    orderItemConsumptionPeriod: fc.constantFrom(...CONSUMPTION_PERIODS),
  }),
  fc.record(
    {
      triggerType: fc.constantFrom("Continuous" as const, "Legacy" as const),
      processingStartOffset: fc.constant(null),
      orderItemConsumptionPeriod: fc.constant(null),
    },
    { requiredKeys: ["triggerType"] },
  ),
);

const validAutomation: fc.Arbitrary<AutomationInput> = fc
  .tuple(
    fc.record(
      {
        name,
        description: fc.oneof(text(1000), fc.constant(null)),
        prepayment: fc.constantFrom(...PREPAYMENT_TYPES),
        assignments: fc.array(assignment, { maxLength: 20, size: "small" }),
      },
      { requiredKeys: ["name", "prepayment", "assignments"] },
    ),
    targetAndAggregation,
    trigger,
  )
  .map(([base, target, trig]) => {
    // Companies may be left out when they may be empty.
    const { companies: cs, ...rest } = target;
    return { ...base, ...rest, ...trig, ...(cs.length === 0 && base.name.length % 2 === 0 ? {} : { companies: cs }) };
  });

/** An automation's stored fields (ids, version and times aside). */
function fieldsOf(a: Automation) {
  const { id: _id, enterpriseId: _e, createdUtc: _c, updatedUtc: _u, version: _v, assignments, ...rest } = a;
  return { ...rest, assignments: assignments.map(({ id: _i, automationId: _a, ...s }) => s) };
}

async function getOne(id: string): Promise<Automation> {
  const [a] = (await api.automations.getAll({ automationIds: [id], limitation: { count: 1 } })).automations;
  if (!a) throw new Error(`automation ${id} is not there`);
  return a;
}

async function addOne(input: AutomationInput): Promise<Automation> {
  const [a] = (await api.automations.add({ automations: [input] })).automations;
  if (!a) throw new Error("add answered nothing");
  return a;
}

async function state(world: World = w) {
  const tables = ["automations", "automation_companies", "automation_assignments", "audit_events", "idempotency_keys"];
  return [...(await Promise.all(tables.map((t) => tableChecksum(world.db, t)))), await databaseChecksum(world.db)].join(
    ":",
  );
}

describe("round trip", () => {
  it("an automation the validator accepts comes back unchanged through add and getAll", async () => {
    await fc.assert(
      fc.asyncProperty(validAutomation, async (input) => {
        const parsed = zAutomationInput.safeParse(input);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
        if (!parsed.success) return;
        const added = await addOne(input);
        expect(fieldsOf(added)).toEqual(parsed.data);
        const stored = await getOne(added.id);
        expect(stored).toEqual(added);
        expect(fieldsOf(stored)).toEqual(parsed.data);
        expect(stored).toMatchObject({ enterpriseId: tenantId, version: 1 });
        expect(stored.assignments.every((s) => s.automationId === added.id)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it("an update that sends no fields (only automationId) changes no field", async () => {
    await fc.assert(
      fc.asyncProperty(validAutomation, fc.boolean(), async (input, upper) => {
        const added = await addOne(input);
        const automationId = upper ? added.id.toUpperCase() : added.id;
        const [answered] = (await api.automations.update({ updates: [{ automationId }] })).automations;
        const stored = await getOne(added.id);
        expect(fieldsOf(stored)).toEqual(fieldsOf(added));
        expect(answered && fieldsOf(answered)).toEqual(fieldsOf(added));
        expect(stored.createdUtc).toBe(added.createdUtc);
      }),
      { numRuns: 20 },
    );
  });

  const PATCHABLE = [
    "name",
    "description",
    "companies",
    "prepayment",
    "assignmentTargetType",
    "billAggregationType",
    "processingStartOffset",
    "orderItemConsumptionPeriod",
  ] as const;

  it("an update changes exactly the fields it sends when the merged result passes every rule, and nothing otherwise", async () => {
    let applied = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        validAutomation,
        validAutomation,
        fc.subarray([...PATCHABLE], { minLength: 1 }),
        async (first, second, keys) => {
          const added = await addOne(first);
          const source = zAutomationInput.parse(second);
          const patch = Object.fromEntries(keys.map((k) => [k, source[k]]));
          const merged = { ...fieldsOf(added), ...patch };
          const problems = checkAutomation(merged);
          const before = await state();
          const call = api.automations.update({ updates: [{ automationId: added.id, ...patch }] });
          if (problems.length === 0) {
            applied++;
            const [answered] = (await call).automations;
            const stored = await getOne(added.id);
            expect(answered).toEqual(stored);
            expect(fieldsOf(stored)).toEqual(merged);
            // A patch that leaves every field as it was writes nothing (no new version).
            const changed = !isDeepStrictEqual(merged, fieldsOf(added));
            expect(stored.version).toBe(added.version + (changed ? 1 : 0));
          } else {
            refused++;
            const err = await call.then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(err).toBeInstanceOf(TRPCError);
            expect((err as TRPCError).code).toBe("BAD_REQUEST");
            expect(await state()).toBe(before);
            expect(await getOne(added.id)).toEqual(added);
          }
        },
      ),
      { numRuns: 40 },
    );
    // Both branches were exercised.
    expect(applied).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------
// Arbitrary JSON

const KEYS = [
  "tenantLocator",
  "idempotencyKey",
  "automations",
  "updates",
  "automationId",
  "automationIds",
  "expectedVersion",
  "assignmentsToAdd",
  "assignmentsToUpdate",
  "assignmentIdsToRemove",
  "enterpriseIds",
  "companyIds",
  "limitation",
  "count",
  "cursor",
  "orderItem",
  "reservation",
  "processingDate",
  "name",
  "description",
  "companies",
  "companyId",
  "relations",
  "partnerCompany",
  "travelAgency",
  "prepayment",
  "assignmentTargetType",
  "triggerType",
  "billAggregationType",
  "processingStartOffset",
  "orderItemConsumptionPeriod",
  "assignments",
  "serviceId",
  "routedItemTypes",
  "spaceOrder",
  "rateIds",
  "productIds",
  "productCategoryIds",
  "accountingCategoryAssignments",
  "accountingCategoryId",
  "itemTypes",
  "id",
  "itemType",
  "consumptionDate",
  "ownerId",
  "companyRelation",
  "reservationGroupId",
  "prepaid",
  "rateId",
  "productId",
  "__proto__",
  "constructor",
  "toString",
];
const ENUM_VALUES = [
  ...PREPAYMENT_TYPES,
  ...ASSIGNMENT_TARGET_TYPES,
  ...TRIGGER_TYPES,
  ...BILL_AGGREGATION_TYPES,
  ...CONSUMPTION_PERIODS,
  "SpaceOrder",
  "Product",
  "CustomItem",
  "partnerCompany",
  "travelAgency",
];
/** Leaves that get past the first checks: GUIDs, enum values, dates, edge numbers and strings. */
const leaf = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.uuid(),
  fc.constantFrom(...ENUM_VALUES),
  fc.constantFrom("2027-03-10", "9999-12-31", "1900-01-01", "0000-01-01", "2027-02-29", "P1D", "-P1D", "P", ""),
  fc.constantFrom(0, -1, 1, 1000, 1001, 2_147_483_647, 2_147_483_648, 1e308, -0, 0.5),
  fc.constantFrom("\u0000", "\ud800", "a".repeat(10_000), "'; drop table automations; --", "\u202e", "%s%n"),
  fc.boolean(),
  fc.constant(null),
);
const shaped = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("node"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("node"), { maxKeys: 6 }),
  ),
})).node;
const anyInput = fc.oneof(
  fc.jsonValue(),
  shaped,
  fc.dictionary(fc.constantFrom(...KEYS), shaped, { minKeys: 1, maxKeys: 6 }),
);

const PROCEDURES = ["getAll", "add", "update", "updateAssignments", "delete", "previewRoute"] as const;

describe("arbitrary JSON", () => {
  // A world of its own (small tables, fast checksums) with one automation in it.
  let jw: World;
  let japi: Api;
  let jresident: Automation;
  beforeAll(async () => {
    jw = await createWorld();
    japi = await jw.caller(await jw.tenant("Arbitrary JSON"));
    const [a] = (await japi.automations.add({ automations: [zAutomationInput.parse(fieldsOf(resident))] })).automations;
    if (!a) throw new Error("add answered nothing");
    jresident = a;
  });
  afterAll(async () => {
    await jw.close();
  });

  it.each(PROCEDURES)(
    "sent to automations.%s never gives INTERNAL_SERVER_ERROR and changes nothing",
    async (procedure) => {
      const call = japi.automations[procedure] as (input: unknown) => Promise<unknown>;
      await fc.assert(
        fc.asyncProperty(anyInput, async (input) => {
          const before = await state(jw);
          let outcome: unknown;
          try {
            outcome = await call(input);
          } catch (e) {
            outcome = e;
          }
          if (outcome instanceof TRPCError) {
            expect(outcome.code, `${outcome.message} ${String(outcome.cause)}`).not.toBe("INTERNAL_SERVER_ERROR");
            expect(outcome.message).not.toMatch(/\bselect\b|\binsert\b|relation "|syntax error|\n\s+at /i);
          } else if (outcome instanceof Error) {
            throw new Error(`not a tRPC error: ${outcome.stack}`);
          }
          // Mutations refused leave everything as it was; reads never change anything.
          // (Random input cannot name the existing automation, and a valid new one is astronomically unlikely.)
          expect(await state(jw)).toBe(before);
        }),
        { numRuns: 100 },
      );
      const [still] = (await japi.automations.getAll({ limitation: { count: 10 } })).automations;
      expect(still).toEqual(jresident);
    },
    120_000,
  );

  /** A valid input for each procedure, to be broken in one place. */
  const validInputs = (): Record<(typeof PROCEDURES)[number], fc.Arbitrary<unknown>> => ({
    getAll: fc.record({
      enterpriseIds: fc.constant([jresident.enterpriseId]),
      companyIds: fc.array(guid, { maxLength: 2 }),
      automationIds: fc.constant([jresident.id]),
      limitation: fc.record({ count: fc.integer({ min: 1, max: 1000 }), cursor: fc.option(guid, { nil: undefined }) }),
    }),
    add: fc.record({ automations: fc.array(validAutomation, { minLength: 1, maxLength: 2 }) }),
    update: fc.record({
      updates: fc.tuple(validAutomation).map(([a]) => {
        const { triggerType: _t, assignments: _s, ...fields } = a;
        return [{ automationId: jresident.id, ...fields }];
      }),
    }),
    updateAssignments: fc.record({
      automationId: fc.constant(jresident.id),
      assignmentsToAdd: fc.array(assignment, { maxLength: 2 }),
      assignmentsToUpdate: fc.constant([{ id: jresident.assignments[0]?.id, rateIds: [] }]),
      assignmentIdsToRemove: fc.constant([]),
    }),
    delete: fc.record({ automationIds: fc.array(fc.uuid(), { minLength: 1, maxLength: 3 }) }),
    previewRoute: fc.record({
      orderItem: fc.record({
        serviceId: guid,
        itemType: fc.constantFrom("SpaceOrder", "CityTax", "Product", "Deposit", "AdditionalExpense", "CustomItem"),
        rateId: fc.option(guid),
        productId: fc.option(guid),
        productCategoryId: fc.option(guid),
        accountingCategoryId: fc.option(guid),
        consumptionDate: fc.constantFrom("2027-03-10", "1900-01-01", "9999-12-31", "2028-02-29"),
      }),
      reservation: fc.record({
        id: guid,
        ownerId: guid,
        companyId: fc.constant("c6f5c82d-621a-4c8a-903b-1b0a9a23b71f"),
        companyRelation: fc.constantFrom("partnerCompany", "travelAgency"),
        reservationGroupId: fc.option(guid),
        prepaid: fc.boolean(),
      }),
      processingDate: fc.constantFrom("2027-03-10", "1900-01-01", "9999-12-31"),
    }),
  });

  /** Every path into a JSON value. */
  function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    const out = [prefix];
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push(...pathsOf(x, [...prefix, i]));
      });
    } else if (v !== null && typeof v === "object")
      for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
    return out;
  }
  /** The value with the thing at `path` replaced (or removed). */
  function broken(v: unknown, path: (string | number)[], by: unknown, remove: boolean): unknown {
    if (path.length === 0) return by;
    const copy = structuredClone(v) as Record<string | number, unknown>;
    let node = copy;
    for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
    const last = path.at(-1) as string | number;
    if (remove && !Array.isArray(node)) delete node[last];
    else node[last] = by;
    return copy;
  }

  it.each(PROCEDURES)(
    "a valid %s input broken in one place never gives INTERNAL_SERVER_ERROR; when refused, nothing changes",
    async (procedure) => {
      const call = japi.automations[procedure] as (input: unknown) => Promise<unknown>;
      const nearlyValid = fc
        .tuple(validInputs()[procedure], fc.nat(), shaped, fc.boolean())
        .map(([input, n, by, remove]) => {
          const paths = pathsOf(input);
          return broken(input, paths[n % paths.length] ?? [], by, remove);
        });
      await fc.assert(
        fc.asyncProperty(nearlyValid, async (input) => {
          const before = await state(jw);
          try {
            await call(input);
          } catch (e) {
            expect(e).toBeInstanceOf(TRPCError);
            const err = e as TRPCError;
            expect(err.code, `${err.message} ${String(err.cause)} ${JSON.stringify(input)}`).not.toBe(
              "INTERNAL_SERVER_ERROR",
            );
            expect(await state(jw)).toBe(before);
          }
        }),
        { numRuns: 60 },
      );
    },
    120_000,
  );
});
