/**
 * Exact replays (issue 13): a retried idempotent request gets the stored
 * answer byte for byte, as Stripe does, over the real HTTP server
 * (apps/server's createHttpServer): a tRPC mutation and one write of each
 * vendor family (Socotra holds, Mews billing automations, ORMB hold requests,
 * CRM.COM extend grace period). The raw response text of the replay equals
 * the first answer's; the key order of the stored answer survives the
 * database (idempotency_keys.response is json, not jsonb).
 */
import { setupWorld } from "@holdfast/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newToken, startHttpServer } from "./races/transport.ts";

const TODAY = "2027-03-10";
const w = setupWorld({ now: `${TODAY}T12:00:00Z`, tenantName: "Exact replay tenant" });

let url: string;
let token: string;
let closeServer: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const server = await startHttpServer(w.db, w.clock);
  url = server.url;
  closeServer = server.close;
  token = (await newToken(w.db, w.clock, w.tenantId, "exact replay client")).secret;
});
afterAll(async () => {
  await closeServer?.();
});

/** Sends the same request twice: both answers' status and raw text, and the stored answer's text. */
async function twice(path: string, body: unknown, headers: Record<string, string> = {}) {
  const send = async () => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const first = await send();
  const replay = await send();
  return { first, replay };
}

async function storedText(key: string): Promise<string> {
  const rows = await w.db.$client.unsafe(
    "select response::text as response from idempotency_keys where tenant_id = $1 and key = $2",
    [w.tenantId, key],
  );
  expect(rows, `one stored answer for ${key}`).toHaveLength(1);
  return String(rows[0]?.response);
}

/** Keys in an order no sorting would give, at every level of the answer. */
function expectReplayedExactly(r: {
  first: { status: number; text: string };
  replay: { status: number; text: string };
}) {
  expect(r.first.status, r.first.text).toBe(200);
  expect(r.replay.status, r.replay.text).toBe(200);
  expect(r.replay.text).toBe(r.first.text);
}

/** The member names of a JSON text's top object, in the text's order. */
const keysOf = (text: string, pick: (o: Record<string, unknown>) => unknown = (o) => o) =>
  Object.keys(pick(JSON.parse(text) as Record<string, unknown>) as object);

describe("a replayed idempotent request returns the first answer's bytes", () => {
  it("tRPC holds.create: the replay's text is the first's; the stored answer keeps the answer's key order", async () => {
    const accountLocator = await w.newAccount("tRPC replay");
    const key = "bytes-trpc-create";
    const r = await twice("/trpc/holds.create", {
      idempotencyKey: key,
      accountLocator,
      targets: [{ process: "funding", endDate: "2027-06-30" }, { process: "invoicing" }],
      endDate: "2027-06-30",
      comments: "exact replay",
      characteristics: [{ type: "reason", value: "bank dispute", effectiveDate: "2027-03-10" }],
    });
    expectReplayedExactly(r);
    const data = (o: Record<string, unknown>) => (o.result as { data: unknown }).data;
    // Not alphabetical: jsonb would have answered accountLocator, activatedAt, … first.
    expect(keysOf(r.first.text, data).slice(0, 4)).toEqual(["locator", "ormbId", "tenantLocator", "accountLocator"]);
    expect(keysOf(await storedText(key))).toEqual(keysOf(r.first.text, data));
    expect(JSON.stringify(JSON.parse(await storedText(key)))).toBe(JSON.stringify(data(JSON.parse(r.first.text))));
  });

  it("Socotra POST /billing/{tenant}/holds with an Idempotency-Key header", async () => {
    const accountLocator = await w.newAccount("Socotra replay");
    const r = await twice(
      `/billing/${w.tenantId}/holds`,
      { accountLocator, targetType: "delinquency" },
      { "idempotency-key": "bytes-socotra-create" },
    );
    expectReplayedExactly(r);
    expect(keysOf(r.first.text).slice(0, 3)).toEqual(["locator", "accountLocator", "holdState"]);
  });

  it("Mews billingAutomations/add with an Idempotency-Key header", async () => {
    const r = await twice(
      "/api/connector/v1/billingAutomations/add",
      {
        ClientToken: "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D",
        AccessToken: token,
        Client: "Exact replay 1.0.0",
        BillingAutomations: [
          {
            Name: "Replayed automation",
            CompaniesWithRelations: [
              {
                CompanyId: "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
                CompanyRelations: { PartnerCompany: true, TravelAgency: false },
              },
            ],
            Prepayment: "All",
            AssignmentTargetType: "CompanyAsOwner",
            TriggerType: "Continuous",
            BillAggregationType: "AggregateAll",
            Assignments: [
              {
                ServiceId: "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
                RoutedItemTypes: {
                  SpaceOrder: true,
                  CityTax: true,
                  AllProducts: false,
                  Deposits: false,
                  AdditionalExpenses: false,
                  AllCustomItems: false,
                },
              },
            ],
          },
        ],
      },
      { "idempotency-key": "bytes-mews-add" },
    );
    expectReplayedExactly(r);
    const first = (o: Record<string, unknown>) => (o.BillingAutomations as unknown[])[0] as Record<string, unknown>;
    expect(keysOf(r.first.text, first).slice(0, 3)).toEqual(["Id", "EnterpriseId", "Name"]);
  });

  it("ORMB /ormb/hold-requests/create keyed by externalTransactionId", async () => {
    const { externalId } = { externalId: "ENT-REPLAY-1" };
    await w.account(w.tenantId, "ORMB replay", externalId);
    const r = await twice("/ormb/hold-requests/create", {
      CreateHoldRequest: {
        sourceSystem: "SMALL_NSC_PRIME",
        externalTransactionId: "bytes-ormb-create",
        externalSourceId: "ESI-REPLAY",
        holdComments: "Initial hold",
        holdEndDate: "2027-06-30",
        entityId: externalId,
        holdProcessData: [{ holdProcess: "BILL", holdProcessEndDate: "2027-06-15" }],
      },
    });
    expectReplayedExactly(r);
    expect(JSON.parse(r.first.text)).toMatchObject({ CreateHoldRequest: { requestProcessStatus: "Success" } });
  });

  it("CRM.COM /crm/subscriptions/extend_grace_period keyed by transaction_reference_number", async () => {
    const accountLocator = await w.newAccount("CRM replay");
    const created = await w.api.subscriptions.create({
      accountLocator,
      paymentModel: "pay_after_bill",
      priceMinor: 2500,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: TODAY,
      paymentTermDays: 10,
    });
    const sub = await w.api.subscriptions.activate({ locator: created.locator });
    const r = await twice("/crm/subscriptions/extend_grace_period", {
      token,
      subscription_identifier: { id: sub.locator },
      end_grace_period_after_specific_days: 9,
      transaction_reference_number: "TRN-BYTES-REPLAY",
      performed_by_user_identifier: { name: "crm.agent" },
    });
    expectReplayedExactly(r);
    expect(JSON.parse(r.first.text)).toMatchObject({ status: { code: "OK" } });
  });
});
