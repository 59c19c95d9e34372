import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { issueRule } from "../rule-issues.ts";
import {
  amendHoldInput,
  createHoldInput,
  getHoldInput,
  holdEffectInput,
  listAccountHoldsInput,
  listHoldsInput,
  moveHoldInput,
  updateHoldInput,
  zAmendCharacteristic,
  zCharacteristic,
  zHoldTarget,
} from "./schemas.ts";

const ULID = "01HZY3J5T8M6Q9W2R4X7B0C1DE";
const ULID2 = "01J0000000000000000000000Z";
const TENANT = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b";

/** Parses and returns the first issue; fails when the input is accepted. */
function firstIssue(schema: z.ZodType, input: unknown) {
  const r = schema.safeParse(input);
  if (r.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  const issue = r.error.issues[0];
  if (!issue) throw new Error("rejected without an issue");
  return issue;
}

function accepted<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new Error(`expected acceptance, got ${JSON.stringify(r.error.issues)}`);
  return r.data;
}

const goodCreate = { accountLocator: ULID, targets: [{ process: "invoicing" }] };

interface RejectCase {
  name: string;
  input: Record<string, unknown>;
  path: (string | number)[];
  /** For strict-object rejections: the unknown keys. */
  keys?: string[];
  /** For rule refusals: the rule named in the issue's params. */
  rule?: string;
  message?: string;
}

describe("createHoldInput", () => {
  it("accepts a minimal hold and leaves optional fields out", () => {
    expect(accepted(createHoldInput, goodCreate)).toEqual(goodCreate);
  });

  it("accepts a full hold", () => {
    const full = {
      tenantLocator: TENANT,
      idempotencyKey: "create-hold-42",
      accountLocator: ULID,
      targets: [
        { process: "invoicing", startDate: "2026-03-15", endDate: "2026-04-15" },
        { process: "delinquency", startDate: null, endDate: null },
        { process: "funding" },
      ],
      startDate: "2026-03-15",
      endDate: null,
      comments: "customer dispute",
      characteristics: [{ type: "REASON", value: "dispute", effectiveDate: "2024-02-29" }],
      sourceSystem: "ORMB",
      externalSourceId: "SRC-1",
      externalTransactionId: "TX-1",
    };
    expect(accepted(createHoldInput, full)).toEqual(full);
  });

  it("accepts up to six targets (one per process)", () => {
    const targets = ["invoicing", "delinquency", "autopay", "funding", "overdue", "refund"].map((process) => ({
      process,
    }));
    expect(accepted(createHoldInput, { ...goodCreate, targets }).targets).toHaveLength(6);
  });

  it.each<RejectCase>([
    {
      name: "a lowercase ULID",
      input: { ...goodCreate, accountLocator: ULID.toLowerCase() },
      path: ["accountLocator"],
    },
    { name: "a 25-character ULID", input: { ...goodCreate, accountLocator: ULID.slice(1) }, path: ["accountLocator"] },
    { name: "a 27-character ULID", input: { ...goodCreate, accountLocator: `${ULID}0` }, path: ["accountLocator"] },
    ...["I", "L", "O", "U", "-"].map(
      (ch): RejectCase => ({
        name: `a ULID containing ${ch}`,
        input: { ...goodCreate, accountLocator: `${ULID.slice(0, 25)}${ch}` },
        path: ["accountLocator"],
        message: "must be a ULID (26 characters, Crockford base32)",
      }),
    ),
    { name: "a UUID as locator", input: { ...goodCreate, accountLocator: TENANT }, path: ["accountLocator"] },
    { name: "a missing account", input: { targets: goodCreate.targets }, path: ["accountLocator"] },
    {
      name: "2026-02-30 as start date",
      input: { ...goodCreate, startDate: "2026-02-30" },
      path: ["startDate"],
      rule: "calendar_date",
      message: "must be a calendar date written YYYY-MM-DD, from 1900-01-01",
    },
    { name: "2023-02-29 as end date", input: { ...goodCreate, endDate: "2023-02-29" }, path: ["endDate"] },
    { name: "a timestamp as end date", input: { ...goodCreate, endDate: "2026-03-01T00:00:00Z" }, path: ["endDate"] },
    { name: "a number as start date", input: { ...goodCreate, startDate: 20260301 }, path: ["startDate"] },
    {
      name: "a bad target end date",
      input: { ...goodCreate, targets: [{ process: "invoicing", endDate: "2026-13-01" }] },
      path: ["targets", 0, "endDate"],
    },
    {
      name: "a bad second target start date",
      input: { ...goodCreate, targets: [{ process: "invoicing" }, { process: "funding", startDate: "2026-4-1" }] },
      path: ["targets", 1, "startDate"],
    },
    {
      name: "an unknown process",
      input: { ...goodCreate, targets: [{ process: "lapse" }] },
      path: ["targets", 0, "process"],
    },
    {
      name: "the ORMB code instead of the process",
      input: { ...goodCreate, targets: [{ process: "BILL" }] },
      path: ["targets", 0, "process"],
    },
    {
      name: "empty targets",
      input: { ...goodCreate, targets: [] },
      path: ["targets"],
      message: "a hold needs at least one target",
    },
    {
      name: "seven targets",
      input: { ...goodCreate, targets: Array.from({ length: 7 }, () => ({ process: "invoicing" })) },
      path: ["targets"],
    },
    { name: "missing targets", input: { accountLocator: ULID }, path: ["targets"] },
    { name: "an unknown top-level key", input: { ...goodCreate, holdState: "active" }, path: [], keys: ["holdState"] },
    {
      name: "an unknown key in a target",
      input: { ...goodCreate, targets: [{ process: "invoicing", color: "red" }] },
      path: ["targets", 0],
      keys: ["color"],
    },
    {
      name: "an unknown key in a characteristic",
      input: { ...goodCreate, characteristics: [{ type: "A", value: "b", extra: 1 }] },
      path: ["characteristics", 0],
      keys: ["extra"],
    },
    {
      name: "an empty characteristic type",
      input: { ...goodCreate, characteristics: [{ type: "", value: "b" }] },
      path: ["characteristics", 0, "type"],
    },
    {
      name: "a characteristic without value",
      input: { ...goodCreate, characteristics: [{ type: "A" }] },
      path: ["characteristics", 0, "value"],
    },
    {
      name: "comments over 2000 characters",
      input: { ...goodCreate, comments: "x".repeat(2001) },
      path: ["comments"],
      message: "must be at most 2000 characters",
    },
    {
      name: "more than 50 characteristics",
      input: { ...goodCreate, characteristics: Array.from({ length: 51 }, (_, i) => ({ type: `T${i}`, value: "v" })) },
      path: ["characteristics"],
    },
    { name: "a tenant that is not a UUID", input: { ...goodCreate, tenantLocator: ULID }, path: ["tenantLocator"] },
    {
      name: "an idempotency key with a space",
      input: { ...goodCreate, idempotencyKey: "a b" },
      path: ["idempotencyKey"],
    },
    { name: "an empty idempotency key", input: { ...goodCreate, idempotencyKey: "" }, path: ["idempotencyKey"] },
    {
      name: "an idempotency key over 255 characters",
      input: { ...goodCreate, idempotencyKey: "k".repeat(256) },
      path: ["idempotencyKey"],
    },
    {
      name: "an external transaction id over 120",
      input: { ...goodCreate, externalTransactionId: "t".repeat(121) },
      path: ["externalTransactionId"],
    },
  ])("rejects $name at $path", ({ input, path, keys, rule, message }) => {
    const issue = firstIssue(createHoldInput, input);
    expect(issue.path).toEqual(path);
    if (keys) {
      expect(issue.code).toBe("unrecognized_keys");
      expect((issue as { keys?: string[] }).keys).toEqual(keys);
    }
    if (rule) expect(issueRule(issue)).toBe(rule);
    if (message) expect(issue.message).toBe(message);
  });

  it("accepts an idempotency key of exactly 255 printable characters and comments of exactly 2000", () => {
    expect(() =>
      accepted(createHoldInput, { ...goodCreate, idempotencyKey: "k".repeat(255), comments: "x".repeat(2000) }),
    ).not.toThrow();
  });
});

describe("zHoldTarget / zCharacteristic", () => {
  it("accept null and absent dates", () => {
    expect(accepted(zHoldTarget, { process: "refund", startDate: null })).toEqual({
      process: "refund",
      startDate: null,
    });
    expect(accepted(zCharacteristic, { type: "A", value: "" })).toEqual({ type: "A", value: "" });
  });

  it("rejects a characteristic type over 60 characters at type", () => {
    expect(firstIssue(zCharacteristic, { type: "t".repeat(61), value: "v" }).path).toEqual(["type"]);
  });
});

describe("updateHoldInput", () => {
  it("needs only the locator; sends nothing else", () => {
    expect(accepted(updateHoldInput, { locator: ULID })).toEqual({ locator: ULID });
  });

  it.each<RejectCase>([
    { name: "a missing locator", input: { comments: "x" }, path: ["locator"] },
    { name: "a bad locator", input: { locator: "HOLD-1" }, path: ["locator"] },
    { name: "version 0", input: { locator: ULID, expectedVersion: 0 }, path: ["expectedVersion"] },
    { name: "a fractional version", input: { locator: ULID, expectedVersion: 1.5 }, path: ["expectedVersion"] },
    { name: "empty targets", input: { locator: ULID, targets: [] }, path: ["targets"] },
    { name: "a bad account", input: { locator: ULID, accountLocator: "x" }, path: ["accountLocator"] },
    { name: "a state change", input: { locator: ULID, holdState: "validated" }, path: [], keys: ["holdState"] },
  ])("rejects $name at $path", ({ input, path, keys }) => {
    const issue = firstIssue(updateHoldInput, input);
    expect(issue.path).toEqual(path);
    if (keys) expect((issue as { keys?: string[] }).keys).toEqual(keys);
  });
});

describe("moveHoldInput / getHoldInput", () => {
  it("accepts a locator with an expected version", () => {
    expect(accepted(moveHoldInput, { locator: ULID, expectedVersion: 3 })).toEqual({
      locator: ULID,
      expectedVersion: 3,
    });
    expect(accepted(getHoldInput, { locator: ULID, tenantLocator: TENANT })).toEqual({
      locator: ULID,
      tenantLocator: TENANT,
    });
  });

  it("rejects a bad locator, a reason it does not know, and a version over int4", () => {
    expect(firstIssue(moveHoldInput, { locator: "01hzy3j5t8m6q9w2r4x7b0c1de" }).path).toEqual(["locator"]);
    const unknown = firstIssue(moveHoldInput, { locator: ULID, reason: "x" });
    expect(unknown.code).toBe("unrecognized_keys");
    expect(unknown.path).toEqual([]);
    expect(firstIssue(moveHoldInput, { locator: ULID, expectedVersion: 2_147_483_648 }).path).toEqual([
      "expectedVersion",
    ]);
    expect(firstIssue(getHoldInput, { locator: ULID, idempotencyKey: "k" }).code).toBe("unrecognized_keys");
  });
});

describe("amendHoldInput", () => {
  it("accepts a full ORMB amend", () => {
    const input = {
      locator: ULID,
      expectedVersion: 4,
      endDate: "2026-06-30",
      targets: [{ process: "funding", endDate: "2026-06-30" }, { process: "autopay" }],
      comments: null,
      characteristics: [
        { action: "Update", type: "REASON", value: "fraud", effectiveDate: "2026-03-20" },
        { action: "Delete", type: "TICKET" },
      ],
    };
    expect(accepted(amendHoldInput, input)).toEqual(input);
  });

  it.each<RejectCase>([
    {
      name: "an Update without value",
      input: { locator: ULID, characteristics: [{ action: "Update", type: "REASON" }] },
      path: ["characteristics", 0, "value"],
      message: "value is required for an Update",
    },
    {
      name: "an Update without value after a good Delete",
      input: {
        locator: ULID,
        characteristics: [
          { action: "Delete", type: "A" },
          { action: "Update", type: "B" },
        ],
      },
      path: ["characteristics", 1, "value"],
    },
    {
      name: "an unknown action",
      input: { locator: ULID, characteristics: [{ action: "Upsert", type: "A", value: "v" }] },
      path: ["characteristics", 0, "action"],
    },
    {
      name: "an empty characteristic type",
      input: { locator: ULID, characteristics: [{ action: "Delete", type: "" }] },
      path: ["characteristics", 0, "type"],
    },
    { name: "a bad end date", input: { locator: ULID, endDate: "2026-02-30" }, path: ["endDate"] },
    {
      name: "a bad target end date",
      input: { locator: ULID, targets: [{ process: "funding", endDate: "2026-02-30" }] },
      path: ["targets", 0, "endDate"],
    },
    {
      name: "a hold start date (not amendable)",
      input: { locator: ULID, startDate: "2026-04-01" },
      path: [],
      keys: ["startDate"],
    },
    {
      name: "an account change (not amendable)",
      input: { locator: ULID, accountLocator: ULID2 },
      path: [],
      keys: ["accountLocator"],
    },
    {
      name: "an unknown key in a target",
      input: { locator: ULID, targets: [{ process: "funding", action: "Delete" }] },
      path: ["targets", 0],
      keys: ["action"],
    },
    { name: "a missing locator", input: { endDate: "2026-06-30" }, path: ["locator"] },
  ])("rejects $name at $path", ({ input, path, keys, message }) => {
    const issue = firstIssue(amendHoldInput, input);
    expect(issue.path).toEqual(path);
    if (keys) expect((issue as { keys?: string[] }).keys).toEqual(keys);
    if (message) expect(issue.message).toBe(message);
  });

  it.each([
    [{ action: "Update", type: "A", value: "" }, true],
    [{ action: "Update", type: "A", value: "v", effectiveDate: null }, true],
    [{ action: "Delete", type: "A" }, true],
    [{ action: "Delete", type: "A", value: "ignored" }, true],
    [{ action: "Update", type: "A" }, false],
  ])("zAmendCharacteristic %j accepted: %s", (input, ok) => {
    expect(zAmendCharacteristic.safeParse(input).success).toBe(ok);
  });
});

describe("listAccountHoldsInput", () => {
  it("applies defaults: offset 0, count 100, extended false", () => {
    expect(accepted(listAccountHoldsInput, { accountLocator: ULID })).toEqual({
      accountLocator: ULID,
      offset: 0,
      count: 100,
      extended: false,
    });
  });

  it("keeps values that were sent", () => {
    expect(
      accepted(listAccountHoldsInput, { accountLocator: ULID, state: "active", offset: 20, count: 5, extended: true }),
    ).toEqual({ accountLocator: ULID, state: "active", offset: 20, count: 5, extended: true });
  });

  it.each([1, 1000])("accepts count %d", (count) => {
    expect(accepted(listAccountHoldsInput, { accountLocator: ULID, count }).count).toBe(count);
  });

  it.each<RejectCase>([
    { name: "count 0", input: { accountLocator: ULID, count: 0 }, path: ["count"] },
    { name: "count 1001", input: { accountLocator: ULID, count: 1001 }, path: ["count"] },
    { name: "count 2.5", input: { accountLocator: ULID, count: 2.5 }, path: ["count"] },
    { name: "count as a string", input: { accountLocator: ULID, count: "10" }, path: ["count"] },
    { name: "offset -1", input: { accountLocator: ULID, offset: -1 }, path: ["offset"] },
    { name: "an unknown state", input: { accountLocator: ULID, state: "pending" }, path: ["state"] },
    { name: "extended as a string", input: { accountLocator: ULID, extended: "yes" }, path: ["extended"] },
    { name: "a bad account", input: { accountLocator: "acc-1" }, path: ["accountLocator"] },
    { name: "an unknown key", input: { accountLocator: ULID, limit: 10 }, path: [], keys: ["limit"] },
  ])("rejects $name at $path", ({ input, path, keys }) => {
    const issue = firstIssue(listAccountHoldsInput, input);
    expect(issue.path).toEqual(path);
    if (keys) expect((issue as { keys?: string[] }).keys).toEqual(keys);
  });
});

describe("listHoldsInput", () => {
  it("defaults limit to 50", () => {
    expect(accepted(listHoldsInput, {})).toEqual({ limit: 50 });
  });

  it.each<RejectCase>([
    { name: "limit 0", input: { limit: 0 }, path: ["limit"] },
    { name: "limit 501", input: { limit: 501 }, path: ["limit"] },
    { name: "a bad cursor", input: { cursor: "page-2" }, path: ["cursor"] },
    { name: "an unknown state in the filter", input: { states: ["active", "paused"] }, path: ["states", 1] },
    { name: "an unknown process", input: { process: "BILL" }, path: ["process"] },
  ])("rejects $name at $path", ({ input, path }) => {
    expect(firstIssue(listHoldsInput, input).path).toEqual(path);
  });
});

describe("holdEffectInput", () => {
  it("leaves the date out when not sent (the service uses today)", () => {
    expect(accepted(holdEffectInput, { accountLocator: ULID, process: "funding" })).toEqual({
      accountLocator: ULID,
      process: "funding",
    });
  });

  it.each<RejectCase>([
    { name: "2026-02-30", input: { accountLocator: ULID, process: "funding", date: "2026-02-30" }, path: ["date"] },
    { name: "a null date", input: { accountLocator: ULID, process: "funding", date: null }, path: ["date"] },
    { name: "no process", input: { accountLocator: ULID }, path: ["process"] },
  ])("rejects $name at $path", ({ input, path }) => {
    expect(firstIssue(holdEffectInput, input).path).toEqual(path);
  });
});
