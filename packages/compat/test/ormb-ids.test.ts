import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLenientJson } from "../src/ormb/lenient-json.ts";
import { SEED_UPDATE_REQUEST, SEED_UPDATE_RESPONSE_SUCCESS } from "../src/ormb/samples.ts";
import { type CompatWorld, createCompatWorld } from "./harness.ts";

/**
 * ORMB hold request ids (seeds/002): every hold has a numeric, tenant-unique
 * `holdRequestId`; `create` may carry one (a migrated hold); the routes take
 * it and the locator alike. Also what an update stores: `entityEndDate`,
 * `sourceSystem`, `externalSourceId`, and the `externalTransactionId` bound
 * to all of them.
 */

type Envelope = Record<string, Record<string, unknown>>;

let w: CompatWorld;
let tenant: string;
let token: string;

beforeAll(async () => {
  w = await createCompatWorld({ now: "2022-01-10T12:00:00Z" });
  tenant = await w.tenant("ORMB ids tenant");
  token = await w.token(tenant);
});
afterAll(() => w?.close());

const post = (route: string, body: unknown, as = token) =>
  w.request(`/ormb/hold-requests/${route}`, { method: "POST", token: as, body });

let entities = 0;
async function newEntity(t = tenant) {
  const externalId = `IDS-${++entities}`;
  await w.account(t, externalId, externalId);
  return externalId;
}

/** The seed's starting hold: BILL and FNDG, the two characteristics its update touches. */
const createBody = (entityId: string, fields: Record<string, unknown> = {}) => ({
  CreateHoldRequest: {
    sourceSystem: "SMALL_NSC_PRIME",
    externalSourceId: "ESI99",
    holdComments: "Initial hold",
    holdEndDate: "2022-02-28",
    entityId,
    holdProcessData: [
      { holdProcess: "BILL", holdProcessEndDate: "2022-02-15" },
      { holdProcess: "FNDG", holdProcessEndDate: "2022-02-15" },
    ],
    characteristics: [
      { action: "Update", characteristicType: "INVOICE_TYPE", characteristicValue: "STD", effectiveDate: "2022-01-01" },
      {
        action: "Update",
        characteristicType: "INVOICE_HOLD_REASON",
        characteristicValue: "CMDP",
        effectiveDate: "2022-01-01",
      },
    ],
    ...fields,
  },
});

const body = (res: { json: unknown }, key: string) => (res.json as Envelope)[key] ?? {};

describe("holdRequestId: ORMB's numeric id", () => {
  it("a hold migrated with the seed's id: the seed's update sample, verbatim, answers exactly the seed's success sample", async () => {
    const other = await w.tenant("ORMB migrated tenant");
    const otherToken = await w.token(other);
    await w.account(other, "Sample entity", "0122334455");
    const created = await post(
      "create",
      createBody("0122334455", { holdRequestId: "10000252262623", externalTransactionId: "MIGRATE-1" }),
      otherToken,
    );
    expect(body(created, "CreateHoldRequest")).toMatchObject({
      requestProcessStatus: "Success",
      holdRequestId: "10000252262623",
      holdRequestStatus: "active",
    });

    const res = await post("update", SEED_UPDATE_REQUEST, otherToken);
    expect(res.status, res.text).toBe(200);
    const expected = parseLenientJson(SEED_UPDATE_RESPONSE_SUCCESS);
    expect(res.json).toEqual(expected);
    expect(Object.keys(body(res, "UpdateHoldRequest"))).toEqual(
      Object.keys((expected as Envelope).UpdateHoldRequest ?? {}),
    );

    // Read back by the same id: what the update stored, entityEndDate included.
    const read = await post("read", { ReadHoldRequest: { holdRequestId: "10000252262623" } }, otherToken);
    expect(body(read, "ReadHoldRequest")).toMatchObject({
      requestProcessStatus: "Success",
      holdRequestId: "10000252262623",
      holdEndDate: "2022-01-31",
      entityId: "0122334455",
      entityEndDate: "2022-01-25",
      holdProcessData: [
        { holdProcess: "BILL", holdProcessEndDate: "2022-01-23" },
        { holdProcess: "FNDG", holdProcessEndDate: "2022-01-23" },
      ],
      characteristics: { characteristicType: "INVOICE_TYPE", characteristicValue: "CMR", effectiveDate: "2022-01-01" },
    });
    // The same id in another tenant is another tenant's business: unknown here.
    const here = await post("read", { ReadHoldRequest: { holdRequestId: "10000252262623" } });
    expect(here.status).toBe(404);
  });

  it("a hold without a given id gets a fresh numeric one; read and update take it and the locator alike", async () => {
    const e = await newEntity();
    const a = body(await post("create", createBody(e)), "CreateHoldRequest");
    const b = body(await post("create", createBody(await newEntity())), "CreateHoldRequest");
    expect(a.holdRequestId).toMatch(/^[1-9][0-9]{13}$/);
    expect(b.holdRequestId).toMatch(/^[1-9][0-9]{13}$/);
    expect(a.holdRequestId).not.toBe(b.holdRequestId);

    const api = await w.api(token);
    const [hold] = (await api.holds.list({ limit: 500 })).items.filter((h) => String(h.ormbId) === a.holdRequestId);
    expect(hold).toBeDefined();
    const locator = hold?.locator as string;
    // The first-party output carries it too.
    expect((await api.holds.get({ locator })).ormbId).toBe(Number(a.holdRequestId));

    for (const holdRequestId of [a.holdRequestId, locator]) {
      const read = await post("read", { ReadHoldRequest: { holdRequestId } });
      expect(body(read, "ReadHoldRequest")).toMatchObject({ holdRequestId: a.holdRequestId, entityId: e });
    }
    const byId = await post("update", { UpdateHoldRequest: { holdRequestId: a.holdRequestId, holdComments: "by id" } });
    expect(body(byId, "UpdateHoldRequest")).toEqual({
      requestProcessStatus: "Success",
      holdRequestId: a.holdRequestId,
      holdComments: "by id",
    });
    expect((await api.holds.get({ locator })).comments).toBe("by id");
  });

  it("a create carrying an id the tenant already has: Failure naming holdRequestId, nothing created", async () => {
    const first = body(await post("create", createBody(await newEntity())), "CreateHoldRequest");
    const e = await newEntity();
    const api = await w.api(token);
    const before = (await api.holds.list({ limit: 500 })).items.length;
    const res = await post(
      "create",
      createBody(e, { holdRequestId: first.holdRequestId, externalTransactionId: "ETI-clash" }),
    );
    expect(res.status).toBe(200);
    expect(body(res, "CreateHoldRequest")).toMatchObject({
      requestProcessStatus: "Failure",
      externalTransactionId: "ETI-clash",
      holdRequestId: first.holdRequestId,
      entityId: e,
      errormsg: `holdRequestId: hold request id ${first.holdRequestId} is already a hold of this tenant`,
      issues: [
        {
          path: "holdRequestId",
          rule: "ormb_id_taken",
          message: `hold request id ${first.holdRequestId} is already a hold of this tenant`,
        },
      ],
    });
    expect((await api.holds.list({ limit: 500 })).items.length).toBe(before);
  });

  it.each([
    ["not digits", "ABC-1"],
    ["a leading zero", "0122"],
    ["beyond 2^53 - 1", "9007199254740993"],
  ])("a create id that is %s: 400 naming holdRequestId", async (_what, holdRequestId) => {
    const res = await post("create", createBody(await newEntity(), { holdRequestId }));
    expect(res.status).toBe(400);
    expect(body(res, "CreateHoldRequest")).toMatchObject({
      requestProcessStatus: "Failure",
      issues: [
        {
          path: "holdRequestId",
          rule: "ormb_id",
          message: "must be a numeric hold request id: digits, no leading zero, at most 9007199254740991",
        },
      ],
    });
  });

  it("an unknown numeric id: 404 Failure echoing the request", async () => {
    const res = await post("read", { ReadHoldRequest: { holdRequestId: "99999999999999" } });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      ReadHoldRequest: {
        requestProcessStatus: "Failure",
        holdRequestId: "99999999999999",
        errormsg: "hold request 99999999999999 was not found",
      },
    });
  });
});

describe("what an update stores, and the externalTransactionId bound to it", () => {
  it("entityEndDate on create and update is stored and read back, beside holdEndDate", async () => {
    const e = await newEntity();
    const created = body(
      await post("create", createBody(e, { entityEndDate: "2022-02-20", externalTransactionId: "ETI-eed-c" })),
      "CreateHoldRequest",
    );
    expect(created).toMatchObject({ requestProcessStatus: "Success", entityEndDate: "2022-02-20" });
    const id = created.holdRequestId as string;
    const read = async () => body(await post("read", { ReadHoldRequest: { holdRequestId: id } }), "ReadHoldRequest");
    expect(await read()).toMatchObject({ holdEndDate: "2022-02-28", entityEndDate: "2022-02-20" });
    await post("update", {
      UpdateHoldRequest: { holdRequestId: id, holdEndDate: "2022-03-31", entityEndDate: "2022-03-15" },
    });
    expect(await read()).toMatchObject({ holdEndDate: "2022-03-31", entityEndDate: "2022-03-15" });
  });

  it("sourceSystem and externalSourceId on update are stored", async () => {
    const id = body(await post("create", createBody(await newEntity())), "CreateHoldRequest").holdRequestId as string;
    const res = await post("update", {
      UpdateHoldRequest: {
        sourceSystem: "BIG_NSC",
        externalTransactionId: "ETI-src-1",
        externalSourceId: "ESI100",
        holdRequestId: id,
      },
    });
    expect(body(res, "UpdateHoldRequest").requestProcessStatus).toBe("Success");
    const read = body(await post("read", { ReadHoldRequest: { holdRequestId: id } }), "ReadHoldRequest");
    // externalTransactionId stays the create's: it names the request that made the hold.
    expect(read).toMatchObject({ sourceSystem: "BIG_NSC", externalSourceId: "ESI100" });
  });

  it("the same externalTransactionId with another externalSourceId: Failure, nothing applied; the same body again: the first answer", async () => {
    const id = body(await post("create", createBody(await newEntity())), "CreateHoldRequest").holdRequestId as string;
    const request = {
      UpdateHoldRequest: { externalTransactionId: "ETI-fp-1", externalSourceId: "ESI-A", holdRequestId: id },
    };
    const first = await post("update", request);
    expect(body(first, "UpdateHoldRequest").requestProcessStatus).toBe("Success");
    const again = await post("update", request);
    expect(again.text).toBe(first.text);

    for (const change of [{ externalSourceId: "ESI-B" }, { sourceSystem: "OTHER" }, { entityEndDate: "2022-02-01" }]) {
      const res = await post("update", { UpdateHoldRequest: { ...request.UpdateHoldRequest, ...change } });
      expect(res.status).toBe(200);
      expect(body(res, "UpdateHoldRequest")).toMatchObject({
        requestProcessStatus: "Failure",
        externalTransactionId: "ETI-fp-1",
        ...change,
        errormsg: expect.stringContaining('externalTransactionId "ETI-fp-1" was already used for a different request'),
        issues: [{ path: "externalTransactionId", rule: "reused_with_different_body", message: expect.any(String) }],
      });
    }
    const read = body(await post("read", { ReadHoldRequest: { holdRequestId: id } }), "ReadHoldRequest");
    expect(read).toMatchObject({ externalSourceId: "ESI-A", sourceSystem: "SMALL_NSC_PRIME" });
    expect(read.entityEndDate).toBeUndefined();
  });
});
