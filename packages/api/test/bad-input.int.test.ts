/**
 * Bad input (SPEC "Bad input"): every input is checked by a schema before it
 * reaches the database; a bad request gets BAD_REQUEST naming the field and
 * the rule, changes nothing, and never becomes an INTERNAL_SERVER_ERROR,
 * however malformed or large. Tables of hand-picked bad inputs for every hold
 * procedure and audit.history, fast-check properties over arbitrary JSON, and
 * the same through the HTTP handler (what a real client sees).
 */
import { appRouter, createContext } from "@holdfast/api";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { createApiToken } from "@holdfast/services";
import { issuesOfTrpcError } from "@holdfast/testing/issues";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { type Caller, createWorld, databaseChecksum, expectTrpcError, type World } from "./harness.ts";

let w: World;
let api: Caller;
let tenantId: string;
let accountLocator: string;
let draftLocator: string;
let validatedLocator: string;
let activeLocator: string;
let secret: string;

beforeAll(async () => {
  w = await createWorld();
  tenantId = await w.tenant("Bad input tenant");
  accountLocator = (await w.account(tenantId)).locator;
  api = await w.caller(tenantId);
  draftLocator = (await api.holds.create({ accountLocator, targets: [{ process: "invoicing" }] })).locator;
  validatedLocator = (await api.holds.create({ accountLocator, targets: [{ process: "funding" }] })).locator;
  await api.holds.validate({ locator: validatedLocator });
  activeLocator = (await api.holds.create({ accountLocator, targets: [{ process: "autopay" }], endDate: "2027-12-31" }))
    .locator;
  await api.holds.validate({ locator: activeLocator });
  await api.holds.activate({ locator: activeLocator });
  secret = (await createApiToken(w.db, { name: "http", grants: [{ tenantId, permissions: ALL_PERMISSIONS }] })).secret;
});
afterAll(async () => {
  await w.close();
});

// ---------------------------------------------------------------------------
// What a bad value looks like, per kind of field.

const HUGE = "x".repeat(100_000);
const UNKNOWN_ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

function nested(depth: number): unknown {
  let v: unknown = { leaf: true };
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
function nestedArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
const DEEP = nested(5_000);
const DEEP_ARRAY = nestedArray(5_000);

type Bad = [label: string, value: unknown];

const badLocator: Bad[] = [
  ["a number", 42],
  ["null", null],
  ["an empty string", ""],
  ["25 characters", UNKNOWN_ULID.slice(0, 25)],
  ["27 characters", `${UNKNOWN_ULID}0`],
  ["a letter outside Crockford base32 (I)", "01ARZ3NDEKTSV4RRFFQ69G5FAI"],
  ["a letter outside Crockford base32 (U)", "01ARZ3NDEKTSV4RRFFQ69G5FAU"],
  ["surrounding spaces", ` ${UNKNOWN_ULID} `],
  ["a trailing newline", `${UNKNOWN_ULID}\n`],
  ["full-width digits", "０１ARZ3NDEKTSV4RRFFQ69G5FA"],
  ["an emoji", "01ARZ3NDEKTSV4RRFFQ69G5F🙂"],
  ["a NUL character", "01ARZ3NDEKTSV4RRFFQ69G5FA\u0000"],
  ["a 100k-character string", HUGE],
  ["an array", [UNKNOWN_ULID]],
  ["an object", { locator: UNKNOWN_ULID }],
  ["a deeply nested object", DEEP],
  ["a SQL fragment", "' or 1=1 --"],
];

/** Dates that do not exist or are not written YYYY-MM-DD. */
const badDate: Bad[] = [
  ["2027-02-30 (no such day)", "2027-02-30"],
  ["2027-02-29 (not a leap year)", "2027-02-29"],
  ["2027-04-31 (April has 30 days)", "2027-04-31"],
  ["month 13", "2027-13-01"],
  ["month 00", "2027-00-10"],
  ["day 00", "2027-03-00"],
  ["no zero padding", "2027-3-1"],
  ["no dashes", "20270301"],
  ["with a time", "2027-03-01T00:00:00Z"],
  ["slashes", "2027/03/01"],
  ["a leading space", " 2027-03-01"],
  ["a six-digit year", "+02027-03-01"],
  ["full-width digits", "２０２７-03-01"],
  ["a NUL character", "2027-03-01\u0000"],
  ["an empty string", ""],
  ["a number", 20270301],
  ["a Date-like object", { year: 2027, month: 3, day: 1 }],
  ["a 100k-character string", HUGE],
];
/** Year 0000 passes a naive calendar check, but the database cannot store it. */
const yearZero: Bad[] = [["year 0000 (not storable)", "0000-01-01"]];

const badVersion: Bad[] = [
  ["zero", 0],
  ["negative", -1],
  ["a fraction", 1.5],
  ["above int4", 2 ** 31],
  ["a string", "2"],
  ["null", null],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["a boolean", true],
  ["1e308", 1e308],
];

const badIdempotencyKey: Bad[] = [
  ["an empty string", ""],
  ["a space", "has space"],
  ["256 characters", "k".repeat(256)],
  ["non-ASCII letters", "ключ"],
  ["a tab", "tab\tkey"],
  ["a NUL character", "key\u0000"],
  ["an emoji", "key🙂"],
  ["a number", 42],
  ["null", null],
  ["a 100k-character string", HUGE],
];

const badTenantLocator: Bad[] = [
  ["not a UUID", "not-a-uuid"],
  ["a short UUID", "7d1f3c2e-4b5a-4c6d-8e9f-0a1b2c3d4e5"],
  ["a number", 42],
  ["null", null],
  ["an empty string", ""],
  ["an object", { id: "7d1f3c2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f" }],
  ["a 100k-character string", HUGE],
];

const badProcess: Bad[] = [
  ["an ORMB code", "BILL"],
  ["capitalised", "Invoicing"],
  ["a trailing space", "invoicing "],
  ["a zero-width space", "invoicing\u200b"],
  ["full-width letters", "ｉｎｖｏｉｃｉｎｇ"],
  ["a Cyrillic look-alike", "іnvoicing"],
  ["an empty string", ""],
  ["a number", 0],
  ["null", null],
  ["an array", ["invoicing"]],
];

const text = (max: number): Bad[] => [
  [`${max + 1} characters`, "c".repeat(max + 1)],
  ["a 100k-character string", HUGE],
  ["a number", 42],
  ["an object", { text: "x" }],
  ["an array", ["x"]],
  ["a boolean", false],
  ["a deeply nested object", DEEP],
];
/** Text the database cannot store: PostgreSQL text and jsonb refuse U+0000. */
const nulText: Bad[] = [["a NUL character", "before\u0000after"]];

const badTargets: Bad[] = [
  ["an empty list", []],
  ["a string", "invoicing"],
  ["an object", { process: "invoicing" }],
  ["null", null],
  ["a list with null", [null]],
  ["a list with an empty object", [{}]],
  ["an unknown process", [{ process: "billing" }]],
  ["an unknown key in a target", [{ process: "invoicing", extra: 1 }]],
  ["a duplicate process", [{ process: "invoicing" }, { process: "invoicing" }]],
  [
    "seven targets",
    ["invoicing", "delinquency", "autopay", "funding", "overdue", "refund", "invoicing"].map((process) => ({
      process,
    })),
  ],
  ["a bad target start date", [{ process: "invoicing", startDate: "2027-02-30" }]],
  ["a bad target end date", [{ process: "invoicing", endDate: "2027-13-01" }]],
  ["deeply nested arrays", DEEP_ARRAY],
  ["10,000 targets", Array.from({ length: 10_000 }, () => ({ process: "invoicing" }))],
];

const badCharacteristics: Bad[] = [
  ["an object", { type: "a", value: "b" }],
  ["a list with a string", ["a=b"]],
  ["an empty type", [{ type: "", value: "x" }]],
  ["a missing value", [{ type: "a" }]],
  ["a 61-character type", [{ type: "t".repeat(61), value: "x" }]],
  ["a 255-character value", [{ type: "a", value: "v".repeat(255) }]],
  [
    "a duplicate type",
    [
      { type: "a", value: "1" },
      { type: "a", value: "2" },
    ],
  ],
  ["51 characteristics", Array.from({ length: 51 }, (_, i) => ({ type: `t${i}`, value: "v" }))],
  ["a bad effective date", [{ type: "a", value: "v", effectiveDate: "2027-02-30" }]],
  ["an unknown key", [{ type: "a", value: "v", weight: 1 }]],
];

const badAmendCharacteristics: Bad[] = [
  ["an unknown action", [{ action: "Upsert", type: "a", value: "v" }]],
  ["ORMB lower-case action", [{ action: "update", type: "a", value: "v" }]],
  ["an Update without value", [{ action: "Update", type: "a" }]],
  ["a Delete without type", [{ action: "Delete" }]],
  ["a 255-character value", [{ action: "Update", type: "a", value: "v".repeat(255) }]],
  ["51 changes", Array.from({ length: 51 }, (_, i) => ({ action: "Delete", type: `t${i}` }))],
  ["a bad effective date", [{ action: "Update", type: "a", value: "v", effectiveDate: "2027-02-31" }]],
];

const badAmendTargets: Bad[] = [
  ["a string", "invoicing"],
  ["an unknown process", [{ process: "billing" }]],
  ["a bad end date", [{ process: "autopay", endDate: "2027-02-30" }]],
  ["an unknown key", [{ process: "autopay", extra: true }]],
  ["seven targets", Array.from({ length: 7 }, () => ({ process: "refund" }))],
];

const badInt = (min: number, max: number): Bad[] => [
  ["below the minimum", min - 1],
  ["above the maximum", max + 1],
  ["a fraction", min + 0.5],
  ["a numeric string", String(min)],
  ["null", null],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["1e308", 1e308],
];

// ---------------------------------------------------------------------------
// The procedures, each with a valid base input and the bad values per field.

interface Procedure {
  name: string;
  mutation: boolean;
  call: (input: unknown) => Promise<unknown>;
  valid: () => Record<string, unknown>;
  /** Required fields: leaving one out must be refused, naming it. */
  required: string[];
  fields: Record<string, Bad[]>;
}

const moveFields = (): Record<string, Bad[]> => ({
  locator: badLocator,
  expectedVersion: badVersion,
  idempotencyKey: badIdempotencyKey,
});
const holdFieldCases = (): Record<string, Bad[]> => ({
  startDate: [...badDate, ...yearZero],
  endDate: [...badDate, ...yearZero],
  comments: [...text(2000), ...nulText],
  characteristics: badCharacteristics,
  sourceSystem: [...text(60), ...nulText],
  externalSourceId: [...text(120), ...nulText],
  externalTransactionId: [...text(120), ...nulText],
});

const move = (name: "validate" | "activate" | "release" | "reset" | "discard", locator: () => string): Procedure => ({
  name: `holds.${name}`,
  mutation: true,
  // biome-ignore lint/suspicious/noExplicitAny: the point is to send what the types forbid
  call: (input) => api.holds[name](input as any),
  valid: () => ({ locator: locator() }),
  required: ["locator"],
  fields: moveFields(),
});

// biome-ignore lint/suspicious/noExplicitAny: the point is to send what the types forbid
type AnyInput = any;

const PROCEDURES: Procedure[] = [
  {
    name: "holds.create",
    mutation: true,
    call: (input) => api.holds.create(input as AnyInput),
    valid: () => ({ accountLocator, targets: [{ process: "refund" }] }),
    required: ["accountLocator", "targets"],
    fields: { accountLocator: badLocator, targets: badTargets, idempotencyKey: badIdempotencyKey, ...holdFieldCases() },
  },
  {
    name: "holds.update",
    mutation: true,
    call: (input) => api.holds.update(input as AnyInput),
    valid: () => ({ locator: draftLocator, comments: "fine" }),
    required: ["locator"],
    fields: { ...moveFields(), accountLocator: badLocator, targets: badTargets, ...holdFieldCases() },
  },
  move("validate", () => draftLocator),
  move("activate", () => validatedLocator),
  move("release", () => activeLocator),
  move("reset", () => validatedLocator),
  move("discard", () => draftLocator),
  {
    name: "holds.amend",
    mutation: true,
    call: (input) => api.holds.amend(input as AnyInput),
    valid: () => ({ locator: activeLocator, comments: "fine" }),
    required: ["locator"],
    fields: {
      ...moveFields(),
      endDate: [...badDate, ...yearZero],
      targets: badAmendTargets,
      comments: [...text(2000), ...nulText],
      characteristics: badAmendCharacteristics,
    },
  },
  {
    name: "holds.get",
    mutation: false,
    call: (input) => api.holds.get(input as AnyInput),
    valid: () => ({ locator: activeLocator }),
    required: ["locator"],
    fields: { locator: badLocator },
  },
  {
    name: "holds.listByAccount",
    mutation: false,
    call: (input) => api.holds.listByAccount(input as AnyInput),
    valid: () => ({ accountLocator }),
    required: ["accountLocator"],
    fields: {
      accountLocator: badLocator,
      state: [
        ["an unknown state", "bogus"],
        ["upper case", "DRAFT"],
        ["a list", ["draft"]],
        ["null", null],
      ],
      offset: badInt(0, 1_000_000),
      count: badInt(1, 1000),
      extended: [
        ["a string", "true"],
        ["a number", 1],
        ["null", null],
      ],
    },
  },
  {
    name: "holds.list",
    mutation: false,
    call: (input) => api.holds.list(input as AnyInput),
    valid: () => ({}),
    required: [],
    fields: {
      states: [
        ["a string", "draft"],
        ["an unknown state", ["bogus"]],
        ["six states", ["draft", "validated", "active", "released", "discarded", "draft"]],
        ["null", null],
        ["a list with null", [null]],
      ],
      process: badProcess,
      accountLocator: badLocator,
      // null is a valid "first page" cursor (tRPC's infinite queries send it).
      cursor: badLocator.filter(([label]) => label !== "null"),
      externalTransactionId: [...text(120), ...nulText],
      limit: badInt(1, 500),
    },
  },
  {
    name: "holds.effect",
    mutation: false,
    call: (input) => api.holds.effect(input as AnyInput),
    valid: () => ({ accountLocator, process: "autopay" }),
    required: ["accountLocator", "process"],
    fields: { accountLocator: badLocator, process: badProcess, date: [...badDate, ["null", null]] },
  },
  {
    name: "audit.history",
    mutation: false,
    call: (input) => api.audit.history(input as AnyInput),
    valid: () => ({ entityType: "hold", entityId: activeLocator }),
    required: ["entityType", "entityId"],
    fields: {
      entityType: [
        ["an unknown type", "holds"],
        ["upper case", "HOLD"],
        ["an empty string", ""],
        ["null", null],
        ["a number", 1],
      ],
      entityId: [["an empty string", ""], ...text(64), ...nulText],
    },
  },
];

/** Inputs that are wrong as a whole, or that carry something beyond the schema. */
function wholeInputCases(p: Procedure): [label: string, input: unknown, field: string][] {
  const valid = p.valid();
  const cases: [string, unknown, string][] = [
    ["undefined", undefined, "(input)"],
    ["null", null, "(input)"],
    ["a string", "holds", "(input)"],
    ["a number", 42, "(input)"],
    ["a boolean", true, "(input)"],
    ["an array holding the valid input", [valid], "(input)"],
    ["an unknown key", { ...valid, bogus: 1 }, "bogus"],
    [
      "an unknown key that differs only in case",
      { ...valid, TenantLocator: "3fa85f64-5717-4562-b3fc-2c963f66afa6" },
      "TenantLocator",
    ],
    [
      "a __proto__ key (as JSON.parse makes it)",
      { ...JSON.parse('{"__proto__": {"admin": true}}'), ...valid },
      "__proto__",
    ],
    ["a constructor key", { ...valid, constructor: "Object" }, "constructor"],
    ["a deeply nested unknown key", { ...valid, deep: DEEP }, "deep"],
    [
      "1,000 unknown keys",
      { ...valid, ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])) },
      "k0",
    ],
    ["an odd-unicode unknown key", { ...valid, "🙂\u202e": 1 }, "🙂\u202e"],
  ];
  for (const [label, value] of badTenantLocator)
    cases.push([`tenantLocator: ${label}`, { ...valid, tenantLocator: value }, "tenantLocator"]);
  for (const field of p.required) {
    const { [field]: _dropped, ...rest } = valid;
    cases.push([`${field} missing`, rest, field]);
  }
  return cases;
}

// ---------------------------------------------------------------------------
// Checking an error.

interface NamedIssue {
  path: string;
  rule: string;
  message: string;
  keys: string[];
}

/** The field issues behind a BAD_REQUEST (zod's, or the application's), with the keys an unrecognized_keys issue names. */
function issuesOf(err: TRPCError): NamedIssue[] {
  const cause = err.cause;
  return issuesOfTrpcError(err).map((issue, i) => {
    const raw = cause instanceof ZodError ? (cause.issues[i] as { keys?: unknown } | undefined) : undefined;
    return { ...issue, keys: Array.isArray(raw?.keys) ? raw.keys.map(String) : [] };
  });
}

function namesField(issues: NamedIssue[], field: string): boolean {
  return issues.some(
    (i) =>
      i.path === field ||
      i.path.startsWith(`${field}.`) ||
      i.path.startsWith(`${field}[`) ||
      i.keys.includes(field) ||
      (i.path === "(input)" && i.message.includes(`"${field}"`)),
  );
}

async function expectRefusedNamingField(p: Procedure, input: unknown, field: string) {
  const before = await databaseChecksum(w.db);
  let caught: unknown;
  try {
    await p.call(input);
  } catch (e) {
    caught = e;
  }
  expect(caught, "the call must be refused").toBeInstanceOf(TRPCError);
  const err = caught as TRPCError;
  expect(err.code, `${err.code}: ${err.message}`).toBe("BAD_REQUEST");
  const issues = issuesOf(err);
  expect(issues.length, "a BAD_REQUEST carries field issues").toBeGreaterThan(0);
  expect(namesField(issues, field), `names ${field}: ${JSON.stringify(issues).slice(0, 500)}`).toBe(true);
  for (const i of issues) expect(i.rule, "each issue names its rule").toMatch(/\S/);
  expect(await databaseChecksum(w.db)).toBe(before);
}

// ---------------------------------------------------------------------------

for (const p of PROCEDURES) {
  describe(`${p.name}: bad input is BAD_REQUEST naming the field, and changes nothing`, () => {
    for (const [label, input, field] of wholeInputCases(p)) {
      it(`${label} → names ${field}`, async () => {
        await expectRefusedNamingField(p, input, field);
      });
    }
    for (const [field, bads] of Object.entries(p.fields)) {
      for (const [label, value] of bads) {
        it(`${field}: ${label}`, async () => {
          await expectRefusedNamingField(p, { ...p.valid(), [field]: value }, field);
        });
      }
    }
  });
}

describe("auth.signIn: bad input is BAD_REQUEST naming the field", () => {
  const signIn: Procedure = {
    name: "auth.signIn",
    mutation: true,
    call: (input) => w.anonymous.auth.signIn(input as AnyInput),
    valid: () => ({ email: "nobody@example.test", password: "secret password" }),
    required: ["email", "password"],
    fields: {
      email: [
        ["a number", 42],
        ["two characters", "a@"],
        ["321 characters", `${"e".repeat(309)}@example.test`],
        ["a 100k-character string", HUGE],
        ["null", null],
        ...nulText,
      ],
      password: [
        ["an empty string", ""],
        ["201 characters", "p".repeat(201)],
        ["a 100k-character string", HUGE],
        ["an object", { p: 1 }],
      ],
    },
  };
  for (const [label, input, field] of [
    ["undefined", undefined, "(input)"],
    ["an unknown key", { ...signIn.valid(), remember: true }, "remember"],
    ["email missing", { password: "x" }, "email"],
    ["password missing", { email: "a@b.c" }, "password"],
  ] as const) {
    it(`${label} → names ${field}`, async () => {
      await expectRefusedNamingField(signIn, input, field);
    });
  }
  for (const [field, bads] of Object.entries(signIn.fields)) {
    for (const [label, value] of bads) {
      it(`${field}: ${label}`, async () => {
        await expectRefusedNamingField(signIn, { ...signIn.valid(), [field]: value }, field);
      });
    }
  }
});

describe("valid odd unicode is stored exactly as sent", () => {
  const samples: [string, string][] = [
    ["emoji and a ZWJ family", "hold 👨‍👩‍👧‍👦 ok"],
    ["right-to-left override", "abc\u202edcba"],
    ["combining marks", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇"],
    ["a byte-order mark", "\ufeffBOM first"],
    ["astral letters", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"],
    ["CJK and Arabic", "請求保留 تعليق"],
    ["control characters other than NUL", "a\u0001b\u001fc\u007f"],
    ["quotes and backslashes", `'"\\'; drop table holds; --`],
  ];
  for (const [label, comments] of samples) {
    it(`comments with ${label} round-trip through create and get`, async () => {
      const created = await api.holds.create({
        accountLocator,
        targets: [{ process: "refund" }],
        comments,
        characteristics: [{ type: label, value: comments }],
      });
      const got = await api.holds.get({ locator: created.locator });
      expect(got.comments).toBe(comments);
      expect(got.characteristics).toEqual([{ type: label, value: comments, effectiveDate: null }]);
      await api.holds.discard({ locator: created.locator });
    });
  }

  it("a lone UTF-16 surrogate is either refused as BAD_REQUEST naming the field, or stored exactly as sent", async () => {
    const comments = "broken \ud800 surrogate";
    const before = await databaseChecksum(w.db);
    let created: Awaited<ReturnType<Caller["holds"]["create"]>> | undefined;
    try {
      created = await api.holds.create({ accountLocator, targets: [{ process: "refund" }], comments });
    } catch (e) {
      expect((e as TRPCError).code).toBe("BAD_REQUEST");
      expect(namesField(issuesOf(e as TRPCError), "comments")).toBe(true);
      expect(await databaseChecksum(w.db)).toBe(before);
      return;
    }
    const got = await api.holds.get({ locator: created.locator });
    await api.holds.discard({ locator: created.locator });
    // Not silently changed to U+FFFD on the way into the database.
    expect(got.comments).toBe(comments);
  });
});

// ---------------------------------------------------------------------------
// Properties: arbitrary JSON never crashes a procedure and never changes anything when refused.

const CLIENT_ERRORS = [
  "BAD_REQUEST",
  "NOT_FOUND",
  "CONFLICT",
  "PRECONDITION_FAILED",
  "UNPROCESSABLE_CONTENT",
  "FORBIDDEN",
];

function expectClientError(e: unknown) {
  expect(e).toBeInstanceOf(TRPCError);
  const err = e as TRPCError;
  expect(
    err.code,
    `${err.code}: ${err.message} ${String((err.cause as Error | undefined)?.message ?? "").slice(0, 300)}`,
  ).not.toBe("INTERNAL_SERVER_ERROR");
  expect(CLIENT_ERRORS).toContain(err.code);
}

const anyJson = fc.oneof(fc.jsonValue(), fc.jsonValue({ stringUnit: "binary" }));

describe("property: arbitrary JSON as the whole input", () => {
  for (const p of PROCEDURES) {
    it(`${p.name}: never INTERNAL_SERVER_ERROR, changes nothing (100 runs)`, async () => {
      const before = await databaseChecksum(w.db);
      await fc.assert(
        fc.asyncProperty(anyJson, async (input) => {
          try {
            await p.call(input);
            // Only a read can accept an arbitrary value (e.g. holds.list with {}).
            expect(p.mutation, `${p.name} accepted ${JSON.stringify(input)}`).toBe(false);
          } catch (e) {
            expectClientError(e);
          }
        }),
        { numRuns: 100 },
      );
      expect(await databaseChecksum(w.db)).toBe(before);
    });
  }
});

describe("property: a valid input with one field replaced by arbitrary JSON", () => {
  // Fresh holds, so the successes these runs may have do not disturb the tables above.
  let fixture: { draft: string; validated: string; active: string };
  beforeAll(async () => {
    const account = (await w.account(tenantId, "property account")).locator;
    const draft = await api.holds.create({ accountLocator: account, targets: [{ process: "delinquency" }] });
    const v = await api.holds.create({
      accountLocator: account,
      targets: [{ process: "overdue" }],
      startDate: "2027-05-01",
    });
    await api.holds.validate({ locator: v.locator });
    const a = await api.holds.create({
      accountLocator: account,
      targets: [{ process: "autopay" }],
      endDate: "2027-12-31",
    });
    await api.holds.validate({ locator: a.locator });
    await api.holds.activate({ locator: a.locator });
    fixture = { draft: draft.locator, validated: v.locator, active: a.locator };
  });

  const retarget = (input: Record<string, unknown>): Record<string, unknown> => {
    if (input.locator === draftLocator) return { ...input, locator: fixture.draft };
    if (input.locator === validatedLocator) return { ...input, locator: fixture.validated };
    if (input.locator === activeLocator) return { ...input, locator: fixture.active };
    return input;
  };

  for (const p of PROCEDURES) {
    it(`${p.name}: never INTERNAL_SERVER_ERROR; a refusal changes nothing (100 runs)`, async () => {
      const fields = [...Object.keys(p.fields), "tenantLocator", "idempotencyKey", "zzUnknown"];
      const value = fc.oneof(
        anyJson,
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.string({ unit: "grapheme-composite" }),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...fields), value, async (field, v) => {
          const input = { ...retarget(p.valid()), [field]: v };
          const before = await databaseChecksum(w.db);
          try {
            await p.call(input);
          } catch (e) {
            expectClientError(e);
            if ((e as TRPCError).code === "BAD_REQUEST") expect(await databaseChecksum(w.db)).toBe(before);
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});

// ---------------------------------------------------------------------------
// Through HTTP: the answer a client gets is a 4xx naming the field, never a stack or SQL.

async function http(
  path: string,
  init: { method: "GET" | "POST"; input?: unknown; rawBody?: string; rawQuery?: string },
) {
  const base = `http://holdfast.test/trpc/${path}`;
  const url =
    init.method === "GET"
      ? `${base}${init.rawQuery ?? (init.input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(init.input))}`)}`
      : base;
  const req = new Request(url, {
    method: init.method,
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    ...(init.method === "POST" ? { body: init.rawBody ?? JSON.stringify(init.input) } : {}),
  });
  const res = await fetchRequestHandler({
    endpoint: "/trpc",
    req,
    router: appRouter,
    createContext: () =>
      createContext(
        { db: w.db, clock: w.clock },
        { authorization: req.headers.get("authorization"), requestId: "http-test" },
      ),
  });
  const body = await res.text();
  return {
    status: res.status,
    body,
    json: JSON.parse(body) as { error?: { message: string; data: { issues: NamedIssue[]; path?: string } } },
  };
}

function expectNoLeak(body: string) {
  expect(body).not.toMatch(/\bat .+\.(ts|js|mjs):\d+/); // stack frames
  expect(body).not.toMatch(/"stack"/);
  expect(body).not.toMatch(/select .* from|insert into|update .* set|Failed query|violates|postgres/i);
}

describe("over HTTP", () => {
  it("a bad mutation is a 400 whose message and issues name the field and the rule", async () => {
    const before = await databaseChecksum(w.db);
    const res = await http("holds.create", {
      method: "POST",
      input: { accountLocator, targets: [{ process: "invoicing" }], endDate: "2027-02-30" },
    });
    expect(res.status).toBe(400);
    expectNoLeak(res.body);
    expect(res.json.error?.message).toContain("endDate");
    expect(res.json.error?.data.issues).toEqual([
      { path: "endDate", rule: expect.any(String), message: expect.stringContaining("YYYY-MM-DD") },
    ]);
    expect(await databaseChecksum(w.db)).toBe(before);
  });

  it("a bad query is a 400 naming the field", async () => {
    const res = await http("holds.listByAccount", { method: "GET", input: { accountLocator, count: 5000 } });
    expect(res.status).toBe(400);
    expect(res.json.error?.data.issues.map((i) => i.path)).toEqual(["count"]);
    expectNoLeak(res.body);
  });

  const expect4xx = (res: { status: number; body: string }, label: string) => {
    expect(res.status, label).toBeGreaterThanOrEqual(400);
    expect(res.status, label).toBeLessThan(500);
    expectNoLeak(res.body);
  };

  for (const [label, rawBody] of [
    ["an unclosed object", "{"],
    ["a cut-off value", '{"locator":'],
    ["a bare word", "nul"],
    ["a NUL byte", "\u0000"],
    ["100,000 open brackets", "[".repeat(100_000)],
  ] as const) {
    it(`a malformed JSON body (${label}) is a 4xx, never 500`, async () => {
      expect4xx(await http("holds.release", { method: "POST", rawBody }), label);
    });
  }

  for (const [label, rawQuery] of [
    ["an unclosed object", "?input=%7B"],
    ["a broken percent escape", "?input=%ZZ"],
    ["20,000 open brackets", `?input=${"%5B".repeat(20_000)}`],
  ] as const) {
    it(`a malformed query input (${label}) is a 4xx, never 500`, async () => {
      expect4xx(await http("holds.get", { method: "GET", rawQuery }), label);
    });
  }

  it("a huge value and deep nesting are a 400", async () => {
    expect4xx(await http("holds.release", { method: "POST", input: { locator: HUGE.repeat(5) } }), "500k locator");
    const deep = await http("holds.get", { method: "GET", input: { locator: activeLocator, deep: nested(2_000) } });
    expect(deep.status).toBe(400);
    expectNoLeak(deep.body);
  });

  it("text the database cannot store (U+0000) is a 400 naming the field, with no SQL in the answer", async () => {
    const before = await databaseChecksum(w.db);
    const res = await http("holds.create", {
      method: "POST",
      input: { accountLocator, targets: [{ process: "refund" }], comments: "nul\u0000here" },
    });
    expectNoLeak(res.body);
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toContain("comments");
    expect(await databaseChecksum(w.db)).toBe(before);
  });

  it("a refused call by a caller who may not see the tenant still names nothing of it", async () => {
    const res = await http("holds.get", {
      method: "GET",
      input: { locator: activeLocator, tenantLocator: "7d1f3c2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f" },
    });
    expect(res.status).toBe(404);
    expectNoLeak(res.body);
  });
});

it("a refused call's BAD_REQUEST is the same through the caller as over HTTP (sanity check of the helpers)", async () => {
  const err = await expectTrpcError(api.holds.get({ locator: "nope" }), "BAD_REQUEST");
  expect(issuesOf(err).map((i) => i.path)).toEqual(["locator"]);
  const res = await http("holds.get", { method: "GET", input: { locator: "nope" } });
  expect(res.json.error?.data.issues.map((i) => i.path)).toEqual(["locator"]);
});
