import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { issueRule } from "../rule-issues.ts";
import {
  ASSIGNMENT_TARGET_TYPES,
  type AssignmentTargetType,
  type AutomationFields,
  type AutomationPatch,
  BILL_AGGREGATION_TYPES,
  type BillAggregationType,
  CONSUMPTION_PERIODS,
  checkAutomation,
  mergeAutomation,
  PREPAYMENT_TYPES,
  ROUTED_ITEM_TYPE_KEYS,
  TRIGGER_TYPES,
} from "./automation.ts";
import { ORDER_ITEM_TYPES } from "./routing.ts";
import {
  addAutomationsInput,
  deleteAutomationsInput,
  FIELD_SCHEMA_RULES,
  getAllAutomationsInput,
  pathSegments,
  previewRouteInput,
  updateAssignmentsInput,
  updateAutomationsInput,
  zAutomationInput,
  zAutomationUpdate,
} from "./schemas.ts";

/** Property runs: enough to find the edges, quick enough for every `vitest run` (FC_RUNS=5000 for a deeper search). */
const BASE_RUNS = Number(process.env.FC_RUNS ?? 200);
const RUNS = { numRuns: BASE_RUNS };
const runs = (n: number) => ({ numRuns: Math.max(n, BASE_RUNS) });

function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

// ---------------------------------------------------------------------------------------------
// pathSegments
// ---------------------------------------------------------------------------------------------

describe("pathSegments", () => {
  it.each([
    ["name", ["name"]],
    ["companies", ["companies"]],
    ["companies[0].companyId", ["companies", 0, "companyId"]],
    ["companies[12].relations", ["companies", 12, "relations"]],
    ["assignments[3].rateIds", ["assignments", 3, "rateIds"]],
    ["assignments[19].accountingCategoryAssignments", ["assignments", 19, "accountingCategoryAssignments"]],
    ["assignmentsToUpdate[0].id", ["assignmentsToUpdate", 0, "id"]],
    ["assignmentIdsToRemove[7]", ["assignmentIdsToRemove", 7]],
    ["automations[2].assignments[1].productIds", ["automations", 2, "assignments", 1, "productIds"]],
  ] as const)("%s", (path, segments) => {
    expect(pathSegments(path)).toEqual(segments);
  });
});

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const guidArb = fc.uuid({ version: 4 });
const bool = fc.boolean();

/** Text the schema stores as sent: no NUL, no lone surrogate (fast-check's grapheme units never make either). */
const text = (min: number, max: number) =>
  fc
    .string({ unit: "grapheme", minLength: min, maxLength: Math.min(max, 40) })
    .filter((s) => s.length >= min && s.length <= max);

const nameArb = fc
  .oneof(
    text(1, 255),
    fc.constant("n".repeat(255)),
    fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 255 }),
  )
  .filter((s) => s.trim().length > 0 && s.length <= 255);

const descriptionArb = fc.oneof(fc.constant(null), text(0, 1000), fc.constant("d".repeat(1000)));

/** ISO 8601 durations of at most 20 characters, as the offset rule wants them. */
const isoDurationArb = fc
  .record({
    y: fc.option(fc.nat(99), { nil: undefined }),
    mo: fc.option(fc.nat(11), { nil: undefined }),
    w: fc.option(fc.nat(9), { nil: undefined }),
    d: fc.option(fc.nat(31), { nil: undefined }),
    h: fc.option(fc.nat(23), { nil: undefined }),
    mi: fc.option(fc.nat(59), { nil: undefined }),
    s: fc.option(fc.nat(59), { nil: undefined }),
  })
  .map(({ y, mo, w, d, h, mi, s }) => {
    const date = [
      y === undefined ? "" : `${y}Y`,
      mo === undefined ? "" : `${mo}M`,
      w === undefined ? "" : `${w}W`,
      d === undefined ? "" : `${d}D`,
    ].join("");
    const time = [
      h === undefined ? "" : `${h}H`,
      mi === undefined ? "" : `${mi}M`,
      s === undefined ? "" : `${s}S`,
    ].join("");
    return `P${date}${time ? `T${time}` : ""}`;
  })
  .filter((s) => s !== "P" && s.length <= 20);

const relationsArb = fc.constantFrom(
  { partnerCompany: true, travelAgency: false },
  { partnerCompany: false, travelAgency: true },
  { partnerCompany: true, travelAgency: true },
);
const flagsArb = fc.record(
  Object.fromEntries(ROUTED_ITEM_TYPE_KEYS.map((k) => [k, bool])) as Record<
    (typeof ROUTED_ITEM_TYPE_KEYS)[number],
    fc.Arbitrary<boolean>
  >,
);
const categoryArb = fc.record({
  accountingCategoryId: guidArb,
  itemTypes: fc.record({ products: bool, customItems: bool }),
});

/** The pairs the rules allow: CompanyAsOwner with any aggregation, the others only with AggregateByCustomer. */
const ALLOWED_COMBINATIONS: [AssignmentTargetType, BillAggregationType][] = [
  ...BILL_AGGREGATION_TYPES.map((agg): [AssignmentTargetType, BillAggregationType] => ["CompanyAsOwner", agg]),
  ["CompanyAsDetails", "AggregateByCustomer"],
  ["NoCompany", "AggregateByCustomer"],
];

type AssignmentInput = {
  serviceId: string;
  routedItemTypes: Record<(typeof ROUTED_ITEM_TYPE_KEYS)[number], boolean>;
  rateIds?: string[];
  productCategoryIds?: string[];
  productIds?: string[];
  accountingCategoryAssignments?: {
    accountingCategoryId: string;
    itemTypes: { products: boolean; customItems: boolean };
  }[];
};

const validAssignmentArb: fc.Arbitrary<AssignmentInput> = fc
  .record(
    {
      serviceId: guidArb,
      routedItemTypes: flagsArb,
      rateIds: fc.uniqueArray(guidArb, { maxLength: 4 }),
      productCategoryIds: fc.uniqueArray(guidArb, { maxLength: 4 }),
      productIds: fc.uniqueArray(guidArb, { maxLength: 4 }),
      accountingCategoryAssignments: fc.uniqueArray(categoryArb, {
        maxLength: 4,
        selector: (c) => c.accountingCategoryId,
      }),
    },
    { requiredKeys: ["serviceId", "routedItemTypes"] },
  )
  .filter(
    (s) =>
      ROUTED_ITEM_TYPE_KEYS.some((k) => s.routedItemTypes[k]) ||
      (s.productIds?.length ?? 0) > 0 ||
      (s.productCategoryIds?.length ?? 0) > 0 ||
      (s.accountingCategoryAssignments ?? []).some((c) => c.itemTypes.products || c.itemTypes.customItems),
  );

/** A JSON automation as a client sends it: valid, with optional fields sometimes left out. */
const validInputArb = fc
  .record({
    combination: fc.constantFrom(...ALLOWED_COMBINATIONS),
    trigger: fc.constantFrom(...TRIGGER_TYPES),
    name: nameArb,
    description: descriptionArb,
    prepayment: fc.constantFrom(...PREPAYMENT_TYPES),
    companies: fc.uniqueArray(fc.record({ companyId: guidArb, relations: relationsArb }), {
      maxLength: 5,
      selector: (c) => c.companyId,
    }),
    period: fc.constantFrom(...CONSUMPTION_PERIODS),
    offset: isoDurationArb,
    assignments: fc.array(validAssignmentArb, { maxLength: 6 }),
    omit: fc.record({ description: bool, companies: bool, recurringFields: bool }),
    extraCompany: fc.record({ companyId: guidArb, relations: relationsArb }),
  })
  .map((g) => {
    const [assignmentTargetType, billAggregationType] = g.combination;
    const companies =
      assignmentTargetType === "CompanyAsOwner" && g.companies.length === 0 ? [g.extraCompany] : g.companies;
    const input: Record<string, unknown> = {
      name: g.name,
      prepayment: g.prepayment,
      assignmentTargetType,
      triggerType: g.trigger,
      billAggregationType,
      assignments: g.assignments,
    };
    if (!g.omit.description || g.description !== null) input.description = g.description;
    if (!g.omit.companies || companies.length > 0) input.companies = companies;
    if (g.trigger === "Recurring") {
      input.orderItemConsumptionPeriod = g.period;
      input.processingStartOffset = g.offset;
    } else if (!g.omit.recurringFields) {
      input.orderItemConsumptionPeriod = null;
      input.processingStartOffset = null;
    }
    return input;
  });

/** What zAutomationInput should return for a valid input: the input with its defaults filled. */
function withDefaults(input: Record<string, unknown>): AutomationFields {
  const assignments = input.assignments as AssignmentInput[];
  return {
    ...(input as unknown as AutomationFields),
    description: (input.description as string | null | undefined) ?? null,
    companies: (input.companies as AutomationFields["companies"] | undefined) ?? [],
    processingStartOffset: (input.processingStartOffset as string | null | undefined) ?? null,
    orderItemConsumptionPeriod:
      (input.orderItemConsumptionPeriod as AutomationFields["orderItemConsumptionPeriod"] | undefined) ?? null,
    assignments: assignments.map((s) => ({
      rateIds: [],
      productCategoryIds: [],
      productIds: [],
      accountingCategoryAssignments: [],
      ...s,
    })),
  };
}

// Well-typed automations that may break any rule: small id pools make duplicates likely,
// and each limit shows up at its edge and one past it.
const POOL = [guid(1), guid(2), guid(3)];
const poolId = fc.constantFrom(...POOL);
const ids = (n: number, from: number) => Array.from({ length: n }, (_, i) => guid(from + i));
const idListArb = fc.oneof(
  { weight: 8, arbitrary: fc.array(poolId, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant(ids(100, 0x1000)) },
  { weight: 1, arbitrary: fc.constant(ids(101, 0x1000)) },
);
const anyCategoryArb = fc.record({
  accountingCategoryId: poolId,
  itemTypes: fc.record({ products: bool, customItems: bool }),
});
const anyAssignmentArb: fc.Arbitrary<AutomationFields["assignments"][number]> = fc.record({
  serviceId: poolId,
  routedItemTypes: fc.oneof(
    flagsArb,
    fc.constant(Object.fromEntries(ROUTED_ITEM_TYPE_KEYS.map((k) => [k, false])) as AssignmentInput["routedItemTypes"]),
  ),
  rateIds: idListArb,
  productCategoryIds: idListArb,
  productIds: idListArb,
  accountingCategoryAssignments: fc.oneof(
    { weight: 8, arbitrary: fc.array(anyCategoryArb, { maxLength: 3 }) },
    {
      weight: 1,
      arbitrary: fc.constant(
        ids(101, 0x2000).map((accountingCategoryId) => ({
          accountingCategoryId,
          itemTypes: { products: true, customItems: false },
        })),
      ),
    },
  ),
});
const manyCompanies = (n: number) =>
  ids(n, 0x3000).map((companyId) => ({ companyId, relations: { partnerCompany: true, travelAgency: false } }));

const anyFieldsArb: fc.Arbitrary<AutomationFields> = fc.record({
  name: fc.oneof(fc.constantFrom("", " ", "\t \n", "n".repeat(255), "n".repeat(256)), text(1, 30)),
  description: fc.oneof(fc.constant(null), text(0, 30), fc.constantFrom("d".repeat(1000), "d".repeat(1001))),
  companies: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.array(
        fc.record({ companyId: poolId, relations: fc.record({ partnerCompany: bool, travelAgency: bool }) }),
        { maxLength: 4 },
      ),
    },
    { weight: 1, arbitrary: fc.constant(manyCompanies(1000)) },
    { weight: 1, arbitrary: fc.constant(manyCompanies(1001)) },
  ),
  prepayment: fc.constantFrom(...PREPAYMENT_TYPES),
  assignmentTargetType: fc.constantFrom(...ASSIGNMENT_TARGET_TYPES),
  triggerType: fc.constantFrom(...TRIGGER_TYPES),
  billAggregationType: fc.constantFrom(...BILL_AGGREGATION_TYPES),
  processingStartOffset: fc.oneof(
    fc.constant(null),
    isoDurationArb,
    fc.constantFrom(
      "",
      "P",
      "PT",
      "P1DT",
      "1D",
      "p1d",
      "P1.5D",
      `P${"1".repeat(18)}D`,
      `P${"1".repeat(19)}D`,
      "x".repeat(21),
    ),
    fc.string({ unit: "grapheme-ascii", maxLength: 24 }),
  ),
  orderItemConsumptionPeriod: fc.oneof(fc.constant(null), fc.constantFrom(...CONSUMPTION_PERIODS)),
  assignments: fc.oneof(
    { weight: 8, arbitrary: fc.array(anyAssignmentArb, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(anyAssignmentArb, { minLength: 20, maxLength: 21 }) },
  ),
});

const FIELD_KEYS = Object.keys(withDefaults({ name: "x", assignments: [] })) as (keyof AutomationFields)[];

/** Well-typed automations: valid ones, valid ones with one or two fields replaced by any well-typed value, and anything well-typed. */
const wellTypedArb: fc.Arbitrary<AutomationFields> = fc.oneof(
  validInputArb.map(withDefaults),
  fc
    .tuple(validInputArb.map(withDefaults), anyFieldsArb, fc.subarray(FIELD_KEYS, { minLength: 1, maxLength: 2 }))
    .map(([valid, other, keys]) => ({ ...valid, ...Object.fromEntries(keys.map((k) => [k, other[k]])) })),
  anyFieldsArb,
);

/** Junk of every kind, deep and odd (null prototypes, boxed values, maps, typed arrays, bigints, dates...). */
const junk = fc.anything({
  maxDepth: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
  stringUnit: "binary",
});
const junkObject = fc.object({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withNullPrototype: true,
  withSparseArray: true,
  key: fc.oneof(
    fc.string(),
    fc.constantFrom("__proto__", "constructor", "toString", "name", "assignments", "companies", "triggerType"),
  ),
});
/** Strings zText must refuse without throwing: lone surrogates and NUL. */
const nastyString = fc.constantFrom(
  "\uD800",
  "a\uDC00b",
  "\u0000",
  "x\u0000y",
  "\uFFFF",
  "🙂".repeat(200),
  " ".repeat(300),
);

// ---------------------------------------------------------------------------------------------
// (a) The validators never throw
// ---------------------------------------------------------------------------------------------

const SCHEMAS: [string, z.ZodType][] = [
  ["zAutomationInput", zAutomationInput],
  ["addAutomationsInput", addAutomationsInput],
  ["zAutomationUpdate", zAutomationUpdate],
  ["updateAutomationsInput", updateAutomationsInput],
  ["updateAssignmentsInput", updateAssignmentsInput],
  ["deleteAutomationsInput", deleteAutomationsInput],
  ["getAllAutomationsInput", getAllAutomationsInput],
  ["previewRouteInput", previewRouteInput],
];

function safeParseDoesNotThrow(schema: z.ZodType, input: unknown) {
  const r = schema.safeParse(input);
  expect(typeof r.success).toBe("boolean");
  if (!r.success) {
    expect(r.error.issues.length).toBeGreaterThan(0);
    for (const issue of r.error.issues) expect(typeof issue.message).toBe("string");
  }
}

/** Replaces one field, at the top or one level down, with junk. */
function corrupt(
  input: Record<string, unknown>,
  key: string,
  sub: string | null,
  value: unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  const inner = out[key];
  if (sub !== null && Array.isArray(inner) && inner.length > 0) {
    const first = inner[0];
    out[key] = [typeof first === "object" && first !== null ? { ...first, [sub]: value } : value, ...inner.slice(1)];
  } else if (sub !== null && typeof inner === "object" && inner !== null) {
    out[key] = { ...inner, [sub]: value };
  } else {
    out[key] = value;
  }
  return out;
}

const AUTOMATION_KEYS = [
  "name",
  "description",
  "companies",
  "prepayment",
  "assignmentTargetType",
  "triggerType",
  "billAggregationType",
  "processingStartOffset",
  "orderItemConsumptionPeriod",
  "assignments",
  "unknownField",
];
const NESTED_KEYS = [
  "companyId",
  "relations",
  "serviceId",
  "routedItemTypes",
  "rateIds",
  "accountingCategoryAssignments",
  "itemTypes",
  "x",
  null,
];

const validUpdateArb = fc.record(
  {
    automationId: guidArb,
    expectedVersion: fc.integer({ min: 1, max: 1000 }),
    name: nameArb,
    description: descriptionArb,
    companies: fc.array(fc.record({ companyId: guidArb, relations: relationsArb }), { maxLength: 3 }),
    prepayment: fc.constantFrom(...PREPAYMENT_TYPES),
    assignmentTargetType: fc.constantFrom(...ASSIGNMENT_TARGET_TYPES),
    billAggregationType: fc.constantFrom(...BILL_AGGREGATION_TYPES),
    processingStartOffset: fc.option(isoDurationArb, { nil: null }),
    orderItemConsumptionPeriod: fc.option(fc.constantFrom(...CONSUMPTION_PERIODS), { nil: null }),
  },
  { requiredKeys: ["automationId"] },
);
const validAssignmentsUpdateArb = fc.record(
  {
    automationId: guidArb,
    assignmentsToAdd: fc.array(validAssignmentArb, { maxLength: 3 }),
    assignmentsToUpdate: fc.array(
      fc.record(
        {
          id: guidArb,
          routedItemTypes: fc.record({ spaceOrder: bool, deposits: bool }, { requiredKeys: [] }),
          rateIds: fc.array(guidArb, { maxLength: 2 }),
        },
        { requiredKeys: ["id"] },
      ),
      { maxLength: 3 },
    ),
    assignmentIdsToRemove: fc.array(guidArb, { maxLength: 3 }),
  },
  { requiredKeys: ["automationId"] },
);
const validPreviewArb = fc.record({
  orderItem: fc.record(
    {
      serviceId: guidArb,
      itemType: fc.constantFrom(...ORDER_ITEM_TYPES),
      rateId: fc.option(guidArb, { nil: null }),
      productId: fc.option(guidArb, { nil: null }),
      consumptionDate: fc.constantFrom("2026-01-01", "2025-12-31", "2028-02-29"),
    },
    { requiredKeys: ["serviceId", "itemType", "consumptionDate"] },
  ),
  reservation: fc.record({
    id: guidArb,
    ownerId: guidArb,
    companyId: guidArb,
    companyRelation: fc.constantFrom("partnerCompany", "travelAgency"),
    prepaid: bool,
  }),
  processingDate: fc.constant("2026-01-15"),
});

describe("(a) the validators never throw", () => {
  it.each(SCHEMAS)("%s on fc.anything()", (_name, schema) => {
    fc.assert(
      fc.property(junk, (input) => safeParseDoesNotThrow(schema, input)),
      runs(300),
    );
  });

  it.each(SCHEMAS)("%s on fc.object()", (_name, schema) => {
    fc.assert(
      fc.property(junkObject, (input) => safeParseDoesNotThrow(schema, input)),
      runs(300),
    );
  });

  it("zAutomationInput and addAutomationsInput on a valid automation with one field, at any depth, replaced by junk", () => {
    fc.assert(
      fc.property(
        validInputArb,
        fc.constantFrom(...AUTOMATION_KEYS),
        fc.constantFrom(...NESTED_KEYS),
        fc.oneof(junk, nastyString),
        (input, key, sub, value) => {
          const bad = corrupt(input, key, sub, value);
          safeParseDoesNotThrow(zAutomationInput, bad);
          safeParseDoesNotThrow(addAutomationsInput, { automations: [input, bad] });
        },
      ),
      RUNS,
    );
  });

  it("zAutomationUpdate and updateAutomationsInput on a valid update with one field replaced by junk", () => {
    fc.assert(
      fc.property(
        validUpdateArb,
        fc.constantFrom(...AUTOMATION_KEYS, "automationId", "expectedVersion"),
        fc.oneof(junk, nastyString),
        (u, key, value) => {
          const bad = corrupt(u, key, null, value);
          safeParseDoesNotThrow(zAutomationUpdate, bad);
          safeParseDoesNotThrow(updateAutomationsInput, { updates: [bad] });
        },
      ),
      RUNS,
    );
  });

  it("updateAssignmentsInput on a valid change with one field, at any depth, replaced by junk", () => {
    fc.assert(
      fc.property(
        validAssignmentsUpdateArb,
        fc.constantFrom(
          "automationId",
          "assignmentsToAdd",
          "assignmentsToUpdate",
          "assignmentIdsToRemove",
          "expectedVersion",
          "idempotencyKey",
        ),
        fc.constantFrom(...NESTED_KEYS, "id"),
        fc.oneof(junk, nastyString),
        (input, key, sub, value) => safeParseDoesNotThrow(updateAssignmentsInput, corrupt(input, key, sub, value)),
      ),
      RUNS,
    );
  });

  it("previewRouteInput on a valid preview with one field, at any depth, replaced by junk", () => {
    fc.assert(
      fc.property(
        validPreviewArb,
        fc.constantFrom("orderItem", "reservation", "processingDate", "tenantLocator"),
        fc.constantFrom(
          "serviceId",
          "itemType",
          "consumptionDate",
          "companyId",
          "companyRelation",
          "prepaid",
          "id",
          null,
        ),
        fc.oneof(junk, nastyString),
        (input, key, sub, value) => safeParseDoesNotThrow(previewRouteInput, corrupt(input, key, sub, value)),
      ),
      RUNS,
    );
  });

  it("the generated valid inputs of the other schemas are accepted (so the junk lands next to valid data)", () => {
    fc.assert(
      fc.property(validUpdateArb, validAssignmentsUpdateArb, validPreviewArb, (u, a, pr) => {
        expect(zAutomationUpdate.safeParse(u).error?.issues ?? []).toEqual([]);
        expect(updateAssignmentsInput.safeParse(a).error?.issues ?? []).toEqual([]);
        expect(previewRouteInput.safeParse(pr).error?.issues ?? []).toEqual([]);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (b) Valid automations are accepted, and come out as they went in (defaults filled)
// ---------------------------------------------------------------------------------------------

describe("(b) valid automations", () => {
  it("zAutomationInput accepts them and returns the input with its defaults filled", () => {
    fc.assert(
      fc.property(validInputArb, (input) => {
        const expected = withDefaults(input);
        expect(checkAutomation(expected)).toEqual([]);
        const r = zAutomationInput.safeParse(input);
        expect(r.error?.issues ?? []).toEqual([]);
        expect(r.data).toEqual(expected);
        // Parsing the output again changes nothing.
        expect(zAutomationInput.parse(r.data)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("addAutomationsInput accepts a batch of them, in order", () => {
    fc.assert(
      fc.property(fc.array(validInputArb, { minLength: 1, maxLength: 5 }), (automations) => {
        expect(addAutomationsInput.parse({ automations })).toEqual({ automations: automations.map(withDefaults) });
      }),
      { numRuns: Math.min(BASE_RUNS, 50) },
    );
  });

  it("GUIDs in upper case parse to the same automation as in lower case", () => {
    const upperGuids = (v: unknown): unknown => {
      if (typeof v === "string")
        return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v) ? v.toUpperCase() : v;
      if (Array.isArray(v)) return v.map(upperGuids);
      if (typeof v === "object" && v !== null)
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, upperGuids(x)]));
      return v;
    };
    fc.assert(
      fc.property(validInputArb, (input) => {
        expect(zAutomationInput.parse(upperGuids(input))).toEqual(withDefaults(input));
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (c) mergeAutomation
// ---------------------------------------------------------------------------------------------

const patchArb: fc.Arbitrary<AutomationPatch> = fc.record(
  {
    name: fc.option(nameArb, { nil: undefined }),
    description: fc.option(descriptionArb, { nil: undefined }),
    companies: fc.option(fc.array(fc.record({ companyId: guidArb, relations: relationsArb }), { maxLength: 3 }), {
      nil: undefined,
    }),
    prepayment: fc.option(fc.constantFrom(...PREPAYMENT_TYPES), { nil: undefined }),
    assignmentTargetType: fc.option(fc.constantFrom(...ASSIGNMENT_TARGET_TYPES), { nil: undefined }),
    billAggregationType: fc.option(fc.constantFrom(...BILL_AGGREGATION_TYPES), { nil: undefined }),
    processingStartOffset: fc.option(fc.option(isoDurationArb, { nil: null }), { nil: undefined }),
    orderItemConsumptionPeriod: fc.option(fc.option(fc.constantFrom(...CONSUMPTION_PERIODS), { nil: null }), {
      nil: undefined,
    }),
  },
  { requiredKeys: [] },
);
const automationArb = fc.oneof(validInputArb.map(withDefaults), wellTypedArb);

describe("(c) mergeAutomation", () => {
  it("an empty patch returns an equal object and leaves the original alone", () => {
    fc.assert(
      fc.property(automationArb, (a) => {
        const before = structuredClone(a);
        expect(mergeAutomation(a, {})).toEqual(a);
        expect(a).toEqual(before);
      }),
      RUNS,
    );
  });

  it("a patch of undefined fields changes nothing", () => {
    fc.assert(
      fc.property(automationArb, (a) => {
        const patch: AutomationPatch = {
          name: undefined,
          description: undefined,
          companies: undefined,
          processingStartOffset: undefined,
        };
        expect(mergeAutomation(a, patch)).toEqual(a);
      }),
      RUNS,
    );
  });

  it("exactly the fields sent change, to the values sent; merging twice is merging once", () => {
    fc.assert(
      fc.property(automationArb, patchArb, (a, patch) => {
        const next = mergeAutomation(a, patch);
        for (const key of Object.keys(a) as (keyof AutomationFields)[]) {
          const sent = key in patch ? (patch as Record<string, unknown>)[key] : undefined;
          expect(next[key]).toEqual(sent === undefined ? a[key] : sent);
        }
        expect(Object.keys(next).sort()).toEqual(Object.keys(a).sort());
        expect(mergeAutomation(next, patch)).toEqual(next);
      }),
      RUNS,
    );
  });

  it("a valid zAutomationUpdate, stripped of its id and version, merges as the update means", () => {
    fc.assert(
      fc.property(automationArb, validUpdateArb, (a, raw) => {
        const { automationId: _id, expectedVersion: _v, triggerType: _t, ...patch } = zAutomationUpdate.parse(raw);
        const next = mergeAutomation(a, patch);
        expect(next.triggerType).toBe(a.triggerType);
        expect(next.assignments).toBe(a.assignments);
        if ("description" in raw) expect(next.description).toBe(raw.description);
        else expect(next.description).toBe(a.description);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (d) checkAutomation and zAutomationInput agree on well-typed automations
// ---------------------------------------------------------------------------------------------

function hasOversizedList(a: AutomationFields): boolean {
  return (
    a.companies.length > 1000 ||
    a.assignments.length > 20 ||
    a.assignments.some(
      (s) =>
        s.rateIds.length > 100 ||
        s.productCategoryIds.length > 100 ||
        s.productIds.length > 100 ||
        s.accountingCategoryAssignments.length > 100,
    )
  );
}

describe("(d) checkAutomation(a) is empty iff zAutomationInput accepts a", () => {
  it("for well-typed automations, valid or not", () => {
    const seen = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(wellTypedArb, (a) => {
        const problems = checkAutomation(a);
        const r = zAutomationInput.safeParse(a);
        expect(r.success).toBe(problems.length === 0);
        seen[r.success ? "valid" : "invalid"]++;
        if (r.success) {
          expect(r.data).toEqual(a);
          return;
        }
        // The schema's own checks only speak where a rule does too...
        const rulePaths = new Set(problems.map((p) => pathSegments(p.path).join(".")));
        for (const issue of r.error.issues) expect(rulePaths).toContain(issue.path.map(String).join("."));
        // ...and every rule comes out as an issue naming the rule at the rule's path. Zod refuses an
        // oversized list before reading its items and then skips the refinement, so this holds
        // only when every list is within its limit.
        if (!hasOversizedList(a)) {
          const custom = r.error.issues
            .filter((i) => i.code === "custom")
            .map((i) => ({ path: i.path, rule: issueRule(i), message: i.message }));
          // Length and size limits come from the field schemas alone (not repeated by the rules).
          const ruled = problems.filter((p) => !FIELD_SCHEMA_RULES.has(p.rule));
          expect(custom).toEqual(ruled.map((p) => ({ path: pathSegments(p.path), rule: p.rule, message: p.message })));
        }
      }),
      runs(400),
    );
    // The arbitrary finds both sides of the iff.
    expect(seen.valid).toBeGreaterThan(10);
    expect(seen.invalid).toBeGreaterThan(10);
  });

  it("for the generated valid automations (all pass both)", () => {
    fc.assert(
      fc.property(validInputArb, (input) => {
        const a = withDefaults(input);
        expect(checkAutomation(a)).toEqual([]);
        expect(zAutomationInput.safeParse(a).success).toBe(true);
      }),
      RUNS,
    );
  });
});
