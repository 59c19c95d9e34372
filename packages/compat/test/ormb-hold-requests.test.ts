import { HOLD_NOT_ACTIVE_MESSAGE } from "@holdfast/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLenientJson } from "../src/ormb/lenient-json.ts";
import {
  SEED_UPDATE_REQUEST,
  SEED_UPDATE_RESPONSE_FAILURE,
  SEED_UPDATE_RESPONSE_SUCCESS,
} from "../src/ormb/samples.ts";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

/**
 * The ORMB hold-request service (seeds/002) as its clients use it: the seed's
 * own samples sent as they are (not JSON: repeated keys, missing and trailing
 * commas, no-break spaces), an amend that succeeds and one that fails with
 * the exact message, create and read in the same envelope style, and the
 * same holds seen through the services both ways.
 *
 * The samples date from January 2022, so this world's business date is
 * 2022-01-10: their dates lie ahead, as a live client's would.
 */

type Envelope = Record<string, Record<string, unknown>>;

let w: CompatWorld;
let tenant: string;
let token: string;
let entity: string; // the account with external id 0122334455 (the sample's entityId)

const NBSP = "\u00a0";

beforeAll(async () => {
  w = await createCompatWorld({ now: "2022-01-10T12:00:00Z" });
  tenant = await w.tenant("ORMB tenant");
  token = await w.token(tenant);
  entity = (await w.account(tenant, "Sample entity", "0122334455")).locator;
});
afterAll(() => w?.close());

let entities = 0;
/** A fresh account (each test its own: active holds of one account may not overlap), with an external id. */
async function newEntity() {
  const externalId = `ENT-${++entities}`;
  return { externalId, locator: (await w.account(tenant, externalId, externalId)).locator };
}

const post = (route: string, body: unknown, headers?: Record<string, string>) =>
  w.request(`/ormb/hold-requests/${route}`, { method: "POST", token, body, headers });

/** An active hold as an ORMB hold request starts: BILL and FNDG, through the services. */
async function activeHold(accountLocator: string, overrides: Record<string, unknown> = {}, as = token) {
  const api = await w.api(as);
  const created = await api.holds.create({
    accountLocator,
    endDate: "2022-02-28",
    comments: "Initial hold",
    sourceSystem: "SMALL_NSC_PRIME",
    externalSourceId: "ESI99",
    targets: [
      { process: "invoicing", endDate: "2022-02-15" },
      { process: "funding", endDate: "2022-02-15" },
    ],
    characteristics: [
      { type: "INVOICE_TYPE", value: "STD", effectiveDate: "2022-01-01" },
      { type: "INVOICE_HOLD_REASON", value: "CMDP", effectiveDate: "2022-01-01" },
    ],
    ...overrides,
  });
  await api.holds.validate({ locator: created.locator });
  const active = await api.holds.activate({ locator: created.locator });
  expect(active.holdState).toBe("active");
  return active;
}

/** The seed's request text with its holdRequestId (a numeric ORMB id) replaced by a real locator. */
const withRequestId = (text: string, from: string, to: string) => {
  expect(text).toContain(`"${from}"`);
  return text.replace(`"${from}"`, `"${to}"`);
};

describe("the seed's update sample, sent as it is", () => {
  it("with the real hold's locator as holdRequestId: Success, answered exactly as the seed's success sample", async () => {
    const hold = await activeHold(entity);
    const res = await post("update", withRequestId(SEED_UPDATE_REQUEST, "10000252262623", hold.locator));
    expect(res.status, res.text).toBe(200);

    // The seed's own success response, read by the same lenient reader, is what we answer.
    const expected = parseLenientJson(
      withRequestId(SEED_UPDATE_RESPONSE_SUCCESS, "10000252262623", hold.locator),
    ) as Envelope;
    expect(res.json).toEqual(expected);
    expect(Object.keys((res.json as Envelope).UpdateHoldRequest ?? {})).toEqual(
      Object.keys(expected.UpdateHoldRequest ?? {}),
    );

    // And the hold is amended: end dates, comments, the characteristic Update and Delete.
    const api = await w.api(token);
    const amended = await api.holds.get({ locator: hold.locator });
    expect(amended).toMatchObject({
      holdState: "active",
      version: hold.version + 1,
      endDate: "2022-01-31",
      comments: `Update${NBSP}the${NBSP}fields${NBSP}based${NBSP}on${NBSP}the${NBSP}request${NBSP}ID`,
      targets: [
        { process: "invoicing", startDate: null, endDate: "2022-01-23" },
        { process: "funding", startDate: null, endDate: "2022-01-23" },
      ],
      characteristics: [{ type: "INVOICE_TYPE", value: "CMR", effectiveDate: "2022-01-01" }],
      // External ids are the create's; an update echoes its own.
      sourceSystem: "SMALL_NSC_PRIME",
    });
    const history = await api.audit.history({ entityType: "hold", entityId: hold.locator });
    expect(history.map((e) => e.action)).toEqual(["create", "validate", "activate", "amend"]);
    expect(history.at(-1)?.actorType).toBe("token");

    // externalTransactionId ETI22 is the idempotency key: the same request again answers the same, changing nothing.
    const again = await post("update", withRequestId(SEED_UPDATE_REQUEST, "10000252262623", hold.locator));
    expect(again.status).toBe(200);
    expect(again.json).toEqual(expected);
    expect((await api.holds.get({ locator: hold.locator })).version).toBe(hold.version + 1);

    // The same key with another request is refused: a business Failure, nothing changed.
    const reused = await post(
      "update",
      withRequestId(SEED_UPDATE_REQUEST, "10000252262623", hold.locator).replace('"2022-01-31"', '"2022-01-30"'),
    );
    expect(reused.status).toBe(200);
    expect((reused.json as Envelope).UpdateHoldRequest).toMatchObject({
      requestProcessStatus: "Failure",
      externalTransactionId: "ETI22",
      errormsg: expect.stringContaining('externalTransactionId "ETI22" was already used for a different request'),
      issues: [
        {
          path: "externalTransactionId",
          rule: "reused_with_different_body",
          message: "already used for a different request",
        },
      ],
    });
    expect((await api.holds.get({ locator: hold.locator })).endDate).toBe("2022-01-31");
  });

  it("verbatim, with its numeric holdRequestId: a clean 404 Failure envelope echoing the request", async () => {
    const res = await post("update", SEED_UPDATE_REQUEST);
    expect(res.status).toBe(404);
    const request = (parseLenientJson(SEED_UPDATE_REQUEST) as Envelope).UpdateHoldRequest;
    expect(res.json).toEqual({
      UpdateHoldRequest: {
        requestProcessStatus: "Failure",
        ...request,
        errormsg: "hold request 10000252262623 was not found",
      },
    });
    const keys = Object.keys((res.json as Envelope).UpdateHoldRequest ?? {});
    expect(keys[0]).toBe("requestProcessStatus");
    expect(keys.at(-1)).toBe("errormsg");
  });

  it("the failure sample's request on a hold that is not active: Failure, answered exactly as the seed's failure sample", async () => {
    // Its own tenant: externalTransactionId ETI22, the sample's idempotency key, is already spent in this one
    // (keys are per tenant), and the same key with another request is refused before anything else.
    const other = await w.tenant("ORMB failure tenant");
    const otherToken = await w.token(other);
    const failureEntity = (await w.account(other, "Failure entity", "1133224455")).locator;
    const api = await w.api(otherToken);
    // The hold request was active once and is no longer.
    const hold = await activeHold(
      failureEntity,
      { targets: [{ process: "autopay", endDate: "2022-02-15" }], characteristics: [] },
      otherToken,
    );
    await api.holds.release({ locator: hold.locator });

    const seedAnswer = parseLenientJson(
      withRequestId(SEED_UPDATE_RESPONSE_FAILURE, "10101252262623", hold.locator),
    ) as Envelope;
    // The request that answer echoes: the answer less its status and message.
    const { requestProcessStatus: _s, errormsg: _m, ...request } = seedAnswer.UpdateHoldRequest ?? {};
    const res = await w.request("/ormb/hold-requests/update", {
      method: "POST",
      token: otherToken,
      body: { UpdateHoldRequest: request },
    });
    expect(res.status).toBe(200);
    // The page renders every space of the message as a no-break space; the message itself is plain text.
    const expected = {
      UpdateHoldRequest: {
        ...seedAnswer.UpdateHoldRequest,
        errormsg: String(seedAnswer.UpdateHoldRequest?.errormsg).replaceAll(NBSP, " "),
      },
    };
    expect(res.json).toEqual(expected);
    expect(Object.keys((res.json as Envelope).UpdateHoldRequest ?? {})).toEqual(
      Object.keys(expected.UpdateHoldRequest),
    );
    expect((res.json as Envelope).UpdateHoldRequest?.errormsg).toBe("The hold request is not in the active status.");
    expect((await api.holds.get({ locator: hold.locator })).version).toBe(hold.version + 1);
  });
});

describe("amend: a success and the failures an ORMB client meets", () => {
  const update = (locator: string, fields: Record<string, unknown>) =>
    post("update", { UpdateHoldRequest: { holdRequestId: locator, ...fields } });

  it("adds a target, moves the hold end date, upserts a characteristic; entityId by locator works too", async () => {
    const e = await newEntity();
    const hold = await activeHold(e.locator);
    const res = await update(hold.locator, {
      sourceSystem: "SMALL_NSC_PRIME",
      externalTransactionId: "ETI-add-1",
      entityId: e.locator,
      holdEndDate: "2022-03-31",
      holdProcessData: { holdProcess: "ATPY", holdProcessStartDate: "2022-01-15", holdProcessEndDate: "2022-03-01" },
      characteristics: { action: "Update", characteristicType: "INVOICE_TYPE", characteristicValue: "CMR" },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      UpdateHoldRequest: {
        requestProcessStatus: "Success",
        sourceSystem: "SMALL_NSC_PRIME",
        externalTransactionId: "ETI-add-1",
        holdRequestId: hold.locator,
        holdEndDate: "2022-03-31",
        entityId: e.locator,
        holdProcessData: { holdProcess: "ATPY", holdProcessStartDate: "2022-01-15", holdProcessEndDate: "2022-03-01" },
        characteristics: { action: "Update", characteristicType: "INVOICE_TYPE", characteristicValue: "CMR" },
      },
    });
    const api = await w.api(token);
    expect(await api.holds.get({ locator: hold.locator })).toMatchObject({
      endDate: "2022-03-31",
      targets: [
        { process: "invoicing", endDate: "2022-02-15" },
        { process: "autopay", startDate: "2022-01-15", endDate: "2022-03-01" },
        { process: "funding", endDate: "2022-02-15" },
      ],
      characteristics: [
        { type: "INVOICE_HOLD_REASON", value: "CMDP" },
        { type: "INVOICE_TYPE", value: "CMR", effectiveDate: null },
      ],
    });
    expect(await api.holds.effect({ accountLocator: e.locator, process: "autopay", date: "2022-02-01" })).toMatchObject(
      { held: true },
    );
  });

  it("entityEndDate is the hold's end date when holdEndDate is not sent", async () => {
    const e = await newEntity();
    const hold = await activeHold(e.locator);
    const res = await update(hold.locator, { entityId: e.externalId, entityEndDate: "2022-02-20" });
    expect((res.json as Envelope).UpdateHoldRequest).toMatchObject({
      requestProcessStatus: "Success",
      entityEndDate: "2022-02-20",
    });
    const api = await w.api(token);
    expect((await api.holds.get({ locator: hold.locator })).endDate).toBe("2022-02-20");
  });

  it.each([
    ["draft", [] as string[]],
    ["validated", ["validate"]],
    ["released", ["validate", "activate", "release"]],
    ["discarded", ["discard"]],
  ])("a %s hold: Failure with exactly the ORMB message", async (_state, moves) => {
    const api = await w.api(token);
    const e = await newEntity();
    const created = await api.holds.create({
      accountLocator: e.locator,
      targets: [{ process: "invoicing", startDate: "2022-06-01", endDate: "2022-06-30" }],
    });
    for (const m of moves) await api.holds[m as "validate"]({ locator: created.locator });
    const res = await update(created.locator, { entityId: e.externalId, holdComments: "late" });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      UpdateHoldRequest: {
        requestProcessStatus: "Failure",
        holdRequestId: created.locator,
        holdComments: "late",
        entityId: e.externalId,
        errormsg: HOLD_NOT_ACTIVE_MESSAGE,
      },
    });
    expect((await api.holds.get({ locator: created.locator })).comments).toBeNull();
  });

  it("an entityId that is not the hold's account: Failure, nothing changed", async () => {
    const hold = await activeHold((await newEntity()).locator);
    for (const entityId of ["1133224455", entity, "0122334455", "9999999999"]) {
      const res = await update(hold.locator, { entityId, holdComments: "x" });
      expect(res.status).toBe(200);
      expect((res.json as Envelope).UpdateHoldRequest).toMatchObject({
        requestProcessStatus: "Failure",
        entityId,
        errormsg: `entityId ${entityId} is not the account of hold request ${hold.locator}`,
        issues: [{ path: "entityId", rule: "entity_mismatch", message: expect.any(String) }],
      });
    }
    const api = await w.api(token);
    expect((await api.holds.get({ locator: hold.locator })).version).toBe(hold.version);
  });

  it("a result that breaks a rule: Failure naming each problem in the envelope's terms", async () => {
    const hold = await activeHold((await newEntity()).locator);
    const res = await update(hold.locator, {
      holdEndDate: "2022-01-05",
      holdProcessData: [
        { holdProcess: "FNDG", holdProcessEndDate: "2022-04-01" },
        { holdProcess: "BILL", holdProcessEndDate: "2022-01-20" },
      ],
    });
    expect(res.status).toBe(200);
    const body = (res.json as Envelope).UpdateHoldRequest;
    expect(body).toMatchObject({
      requestProcessStatus: "Failure",
      holdRequestId: hold.locator,
      holdEndDate: "2022-01-05",
    });
    expect(body?.issues).toEqual([
      { path: "holdEndDate", rule: "not_in_past", message: "end date 2022-01-05 is before today (2022-01-10)" },
      {
        path: "holdProcessData[BILL]",
        rule: "outside_hold_dates",
        message: "the target's dates must lie inside the hold's dates",
      },
      {
        path: "holdProcessData[FNDG]",
        rule: "outside_hold_dates",
        message: "the target's dates must lie inside the hold's dates",
      },
    ]);
    expect(body?.errormsg).toBe(
      "holdEndDate: end date 2022-01-05 is before today (2022-01-10); holdProcessData[BILL]: the target's dates must lie inside the hold's dates; holdProcessData[FNDG]: the target's dates must lie inside the hold's dates",
    );
    const api = await w.api(token);
    expect(await api.holds.get({ locator: hold.locator })).toMatchObject({
      version: hold.version,
      endDate: "2022-02-28",
    });
  });

  it("overdue added to a hold of delinquency: Failure (never on one hold)", async () => {
    const hold = await activeHold((await newEntity()).locator, {
      targets: [{ process: "delinquency" }],
      characteristics: [],
    });
    const res = await update(hold.locator, { holdProcessData: { holdProcess: "OVDU" } });
    expect((res.json as Envelope).UpdateHoldRequest).toMatchObject({
      requestProcessStatus: "Failure",
      issues: [{ path: "holdProcessData", rule: "overdue_with_delinquency" }],
    });
  });

  it("a hold past its end date can no longer be amended", async () => {
    const hold = await activeHold((await newEntity()).locator, {
      endDate: "2022-01-12",
      targets: [{ process: "refund" }],
      characteristics: [],
    });
    w.clock.set("2022-01-14T12:00:00Z");
    try {
      const res = await update(hold.locator, { holdComments: "too late" });
      expect(res.status).toBe(200);
      expect((res.json as Envelope).UpdateHoldRequest).toMatchObject({
        requestProcessStatus: "Failure",
        errormsg: `Cannot amend hold ${hold.locator}: its end date 2022-01-12 has passed; the worker releases it.`,
      });
    } finally {
      w.clock.set("2022-01-10T12:00:00Z");
    }
  });

  it("Delete of a characteristic the hold does not have: Failure naming it, nothing changed", async () => {
    const hold = await activeHold((await newEntity()).locator);
    const res = await update(hold.locator, {
      externalTransactionId: "ETI-del-missing",
      characteristics: [
        { action: "Delete", characteristicType: "INVOICE_TYPE" },
        { action: "Delete", characteristicType: "NOT_THERE" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      UpdateHoldRequest: {
        requestProcessStatus: "Failure",
        externalTransactionId: "ETI-del-missing",
        holdRequestId: hold.locator,
        characteristics: [
          { action: "Delete", characteristicType: "INVOICE_TYPE" },
          { action: "Delete", characteristicType: "NOT_THERE" },
        ],
        errormsg: "characteristics[1]: the hold has no characteristic NOT_THERE to delete",
        issues: [
          {
            path: "characteristics[1]",
            rule: "characteristic_not_found",
            message: "the hold has no characteristic NOT_THERE to delete",
          },
        ],
      },
    });
    const api = await w.api(token);
    const after = await api.holds.get({ locator: hold.locator });
    expect(after.version).toBe(hold.version);
    expect(after.characteristics.map((c) => c.type)).toEqual(["INVOICE_HOLD_REASON", "INVOICE_TYPE"]);
  });

  it("a Delete matches by type, and by value and effective date when it sends them", async () => {
    const hold = await activeHold((await newEntity()).locator);
    const wrong = await update(hold.locator, {
      characteristics: [
        { action: "Delete", characteristicType: "INVOICE_TYPE", characteristicValue: "CMR" },
        { action: "Delete", characteristicType: "INVOICE_HOLD_REASON", effectiveDate: "2022-01-02" },
      ],
    });
    expect((wrong.json as Envelope).UpdateHoldRequest).toMatchObject({
      requestProcessStatus: "Failure",
      issues: [
        {
          path: "characteristics[0]",
          rule: "characteristic_not_found",
          message: "the hold has no characteristic INVOICE_TYPE (CMR) to delete",
        },
        {
          path: "characteristics[1]",
          rule: "characteristic_not_found",
          message: "the hold has no characteristic INVOICE_HOLD_REASON (2022-01-02) to delete",
        },
      ],
    });
    const right = await update(hold.locator, {
      characteristics: [
        { action: "Delete", characteristicType: "INVOICE_TYPE", characteristicValue: "STD" },
        { action: "Delete", characteristicType: "INVOICE_HOLD_REASON", effectiveDate: "2022-01-01" },
      ],
    });
    expect((right.json as Envelope).UpdateHoldRequest?.requestProcessStatus).toBe("Success");
    const api = await w.api(token);
    expect((await api.holds.get({ locator: hold.locator })).characteristics).toEqual([]);
  });
});

describe("create: an active hold request in one call", () => {
  const CREATE = (eti: string, extra = "") => `{
  "CreateHoldRequest":
  {
    "sourceSystem": "SMALL_NSC_PRIME",
    "externalTransactionId": "${eti}",
    "externalSourceId": "ESI99",
    "holdComments": "New hold request",
    "holdStartDate": "2022-01-12",
    "holdEndDate": "2022-02-28",
    "entityId": "0122334455",
    "holdProcessData":
    {
      "holdProcess": "DLNQ",
      "holdProcessEndDate": "2022-02-15"
    }
    "holdProcessData":
    {
      "holdProcess": "REFD"
    },
    "characteristics":
    {
      "action": "Update",
      "characteristicType": "INVOICE_TYPE",
      "characteristicValue": "CMR",
      "effectiveDate": "2022-01-12"
    },${extra}
  }
}`;

  it("creates, validates and activates; the answer echoes the request with holdRequestId and holdRequestStatus", async () => {
    const account = (await w.account(tenant, "Create entity", "CRE-1")).locator;
    const res = await post("create", CREATE("ETI-create-1").replace("0122334455", "CRE-1"));
    expect(res.status, res.text).toBe(200);
    const body = (res.json as Envelope).CreateHoldRequest ?? {};
    expect(body).toEqual({
      requestProcessStatus: "Success",
      sourceSystem: "SMALL_NSC_PRIME",
      externalTransactionId: "ETI-create-1",
      externalSourceId: "ESI99",
      holdRequestId: expect.stringMatching(/^[1-9][0-9]{13}$/),
      holdRequestStatus: "active",
      holdComments: "New hold request",
      holdStartDate: "2022-01-12",
      holdEndDate: "2022-02-28",
      entityId: "CRE-1",
      holdProcessData: [{ holdProcess: "DLNQ", holdProcessEndDate: "2022-02-15" }, { holdProcess: "REFD" }],
      characteristics: {
        action: "Update",
        characteristicType: "INVOICE_TYPE",
        characteristicValue: "CMR",
        effectiveDate: "2022-01-12",
      },
    });
    const api = await w.api(token);
    const [created] = (await api.holds.listByAccount({ accountLocator: account })).items;
    const locator = created?.locator as string;
    expect(created?.ormbId).toBe(Number(body.holdRequestId));
    expect(await api.holds.get({ locator })).toMatchObject({
      accountLocator: account,
      holdState: "active",
      schedule: "scheduled",
      startDate: "2022-01-12",
      endDate: "2022-02-28",
      comments: "New hold request",
      sourceSystem: "SMALL_NSC_PRIME",
      externalSourceId: "ESI99",
      externalTransactionId: "ETI-create-1",
      targets: [
        { process: "delinquency", startDate: null, endDate: "2022-02-15" },
        { process: "refund", startDate: null, endDate: null },
      ],
      characteristics: [{ type: "INVOICE_TYPE", value: "CMR", effectiveDate: "2022-01-12" }],
    });
    expect((await api.audit.history({ entityType: "hold", entityId: locator })).map((e) => e.action)).toEqual([
      "create",
      "validate",
      "activate",
    ]);

    // A retry with the same externalTransactionId: the same hold, nothing new.
    const retry = await post("create", CREATE("ETI-create-1").replace("0122334455", "CRE-1"));
    expect(retry.json).toEqual(res.json);
    expect((await api.holds.listByAccount({ accountLocator: account })).items).toHaveLength(1);
  });

  it("a request that fails validation: Failure listing every problem, nothing stored; a retry answers the same", async () => {
    const text = CREATE("ETI-create-3").replace('"holdStartDate": "2022-01-12"', '"holdStartDate": "2022-01-02"');
    const res = await post("create", text);
    expect(res.status).toBe(200);
    const body = (res.json as Envelope).CreateHoldRequest ?? {};
    expect(body).toMatchObject({
      requestProcessStatus: "Failure",
      holdRequestStatus: "discarded",
      holdStartDate: "2022-01-02",
      errormsg: "The hold request failed validation: holdStartDate: start date 2022-01-02 is before today (2022-01-10)",
      issues: [
        { path: "holdStartDate", rule: "not_in_past", message: "start date 2022-01-02 is before today (2022-01-10)" },
      ],
    });
    // No hold was stored, so there is no holdRequestId to name.
    expect(body).not.toHaveProperty("holdRequestId");
    const retry = await post("create", text);
    expect(retry.json).toEqual(res.json);
  });

  it("a refused create stores nothing: no hold, no audit event, no idempotency key", async () => {
    const rows = async () => {
      const [row] = await w.db.$client`
        select (select count(*) from holds where tenant_id = ${tenant})::int as holds,
               (select count(*) from hold_targets t join holds h on h.id = t.hold_id where h.tenant_id = ${tenant})::int as targets,
               (select count(*) from audit_events where tenant_id = ${tenant})::int as audit,
               (select count(*) from idempotency_keys where tenant_id = ${tenant})::int as keys`;
      return row;
    };
    const account = (await w.account(tenant, "Refused entity", "CRE-5")).locator;
    await activeHold(account);
    const before = await rows();
    // One refused by the rules at validation (a start date in the past), one by a clash with the active hold.
    const inThePast = CREATE("ETI-create-5")
      .replace("0122334455", "CRE-5")
      .replace('"holdStartDate": "2022-01-12"', '"holdStartDate": "2022-01-02"');
    const overlapping = {
      CreateHoldRequest: {
        externalTransactionId: "ETI-create-6",
        entityId: "CRE-5",
        holdProcessData: { holdProcess: "BILL" },
      },
    };
    for (const request of [inThePast, overlapping]) {
      const res = await post("create", request);
      expect(res.status, res.text).toBe(200);
      expect((res.json as Envelope).CreateHoldRequest).toMatchObject({
        requestProcessStatus: "Failure",
        holdRequestStatus: "discarded",
      });
    }
    expect(await rows()).toEqual(before);
  });

  it("a request that overlaps an active hold of the account: Failure naming the process", async () => {
    const account = (await w.account(tenant, "Overlap entity", "CRE-4")).locator;
    await activeHold(account);
    const res = await post("create", {
      CreateHoldRequest: { entityId: "CRE-4", holdProcessData: [{ holdProcess: "FNDG" }, { holdProcess: "ATPY" }] },
    });
    const body = (res.json as Envelope).CreateHoldRequest;
    expect(body).toMatchObject({
      requestProcessStatus: "Failure",
      holdRequestStatus: "discarded",
      issues: [
        {
          path: "holdProcessData[FNDG].holdProcess",
          rule: "overlapping_hold",
          message: expect.stringContaining("already holds funding"),
        },
      ],
    });
  });

  it("an entityId that is no account of the tenant: Failure, nothing created", async () => {
    const api = await w.api(token);
    const before = (await api.holds.list({ limit: 500 })).items.length;
    const res = await post("create", {
      CreateHoldRequest: { entityId: "NOPE-1", holdProcessData: { holdProcess: "BILL" } },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      CreateHoldRequest: {
        requestProcessStatus: "Failure",
        entityId: "NOPE-1",
        holdProcessData: { holdProcess: "BILL" },
        errormsg: "entityId NOPE-1 is not an account of this tenant",
        issues: [
          { path: "entityId", rule: "account_not_found", message: "entityId NOPE-1 is not an account of this tenant" },
        ],
      },
    });
    expect((await api.holds.list({ limit: 500 })).items.length).toBe(before);
  });
});

describe("concurrency", () => {
  it("the same create sent twice at once (a client's retry): one hold, both answered Success with it", async () => {
    const e = await newEntity();
    const body = {
      CreateHoldRequest: {
        externalTransactionId: "ETI-race-1",
        entityId: e.externalId,
        holdProcessData: { holdProcess: "BILL" },
      },
    };
    const [a, b] = await Promise.all([post("create", body), post("create", body)]);
    for (const res of [a, b]) {
      expect(res.status).toBe(200);
      expect((res.json as Envelope).CreateHoldRequest).toMatchObject({
        requestProcessStatus: "Success",
        holdRequestStatus: "active",
      });
    }
    expect((a.json as Envelope).CreateHoldRequest?.holdRequestId).toBe(
      (b.json as Envelope).CreateHoldRequest?.holdRequestId,
    );
    const api = await w.api(token);
    expect((await api.holds.listByAccount({ accountLocator: e.locator })).items).toHaveLength(1);
  });

  it("two different amends of one hold at once: each either applies or fails cleanly, never both lost", async () => {
    const e = await newEntity();
    const hold = await activeHold(e.locator);
    const amend = (comments: string) =>
      post("update", { UpdateHoldRequest: { holdRequestId: hold.locator, holdComments: comments } });
    const answers = await Promise.all([amend("first"), amend("second")]);
    const bodies = answers.map((r) => {
      expect(r.status).toBe(200);
      return (r.json as Envelope).UpdateHoldRequest ?? {};
    });
    const applied = bodies.filter((b) => b.requestProcessStatus === "Success");
    expect(applied.length).toBeGreaterThanOrEqual(1);
    for (const b of bodies.filter((x) => x.requestProcessStatus === "Failure")) {
      expect(b.errormsg).toMatch(/changed by another request|at the same time/);
    }
    const api = await w.api(token);
    const after = await api.holds.get({ locator: hold.locator });
    expect(after.version).toBe(hold.version + applied.length);
    expect(applied.map((b) => b.holdComments)).toContain(after.comments);
  });
});

describe("read, and the same holds through the services both ways", () => {
  it("created through ORMB, read through the services; created through the services, read and amended through ORMB", async () => {
    (await w.account(tenant, "Read entity", "READ-1")).locator;
    const created = await post("create", {
      CreateHoldRequest: {
        entityId: "READ-1",
        holdEndDate: "2022-05-31",
        holdProcessData: [{ holdProcess: "OVDU" }, { holdProcess: "BILL", holdProcessStartDate: "2022-02-01" }],
      },
    });
    const ormbId = (created.json as Envelope).CreateHoldRequest?.holdRequestId as string;
    const api = await w.api(token);
    const readBack = await post("read", { ReadHoldRequest: { holdRequestId: ormbId } });
    expect((readBack.json as Envelope).ReadHoldRequest).toMatchObject({ holdRequestId: ormbId, entityId: "READ-1" });
    const [viaOrmb] = (await api.holds.list({ limit: 500 })).items.filter((h) => String(h.ormbId) === ormbId);
    const locator = viaOrmb?.locator as string;
    expect(await api.holds.get({ locator })).toMatchObject({
      holdState: "active",
      endDate: "2022-05-31",
      targets: [
        { process: "invoicing", startDate: "2022-02-01", endDate: null },
        { process: "overdue", startDate: null, endDate: null },
      ],
    });

    const e = await newEntity();
    const viaTrpc = await activeHold(e.locator);
    const read = await post("read", { ReadHoldRequest: { holdRequestId: viaTrpc.locator } });
    expect(read.status).toBe(200);
    expect(read.json).toEqual({
      ReadHoldRequest: {
        requestProcessStatus: "Success",
        sourceSystem: "SMALL_NSC_PRIME",
        externalSourceId: "ESI99",
        holdRequestId: String(viaTrpc.ormbId),
        holdRequestStatus: "active",
        holdComments: "Initial hold",
        holdEndDate: "2022-02-28",
        entityId: e.externalId,
        holdProcessData: [
          { holdProcess: "BILL", holdProcessEndDate: "2022-02-15" },
          { holdProcess: "FNDG", holdProcessEndDate: "2022-02-15" },
        ],
        characteristics: [
          { characteristicType: "INVOICE_HOLD_REASON", characteristicValue: "CMDP", effectiveDate: "2022-01-01" },
          { characteristicType: "INVOICE_TYPE", characteristicValue: "STD", effectiveDate: "2022-01-01" },
        ],
      },
    });

    // The read answer's shape is the update's: a client can send it back as an amendment.
    const {
      requestProcessStatus: _s,
      holdRequestStatus: _h,
      characteristics,
      ...rest
    } = (read.json as Envelope).ReadHoldRequest ?? {};
    const amend = await post("update", {
      UpdateHoldRequest: {
        ...rest,
        holdComments: "amended by ORMB",
        characteristics: (characteristics as object[]).map((c) => ({ action: "Update", ...c })),
      },
    });
    expect((amend.json as Envelope).UpdateHoldRequest?.requestProcessStatus).toBe("Success");
    expect((await api.holds.get({ locator: viaTrpc.locator })).comments).toBe("amended by ORMB");
  });

  it("read of a hold on an account without external id names the account by its locator", async () => {
    const account = (await w.account(tenant, "No external id")).locator;
    const hold = await activeHold(account, {
      targets: [{ process: "autopay" }],
      characteristics: [],
      sourceSystem: null,
      externalSourceId: null,
      comments: null,
    });
    const read = await post("read", { ReadHoldRequest: { holdRequestId: hold.locator } });
    expect(read.json).toEqual({
      ReadHoldRequest: {
        requestProcessStatus: "Success",
        holdRequestId: String(hold.ormbId),
        holdRequestStatus: "active",
        holdEndDate: "2022-02-28",
        entityId: account,
        holdProcessData: { holdProcess: "ATPY" },
      },
    });
  });
});
