/**
 * Idempotency (issue 6): 100 concurrent retries with one idempotency key give
 * one effect and identical answers, through in-process callers and over the
 * real HTTP server with the product's client (100 clients, each with its own
 * token of the tenant: keys are per tenant, not per token). For
 * holds.create, a move (holds.release), holds.amend, an automations.add batch
 * and subscriptions.extendGracePeriod (keyed by idempotencyKey, and by
 * CRM.COM's transactionReferenceNumber), and the CRM.COM compatibility route
 * over HTTP with one transaction_reference_number.
 *
 * Proves for each: all 100 calls succeed (no CONFLICT, no error) and their
 * answers are deep-equal; exactly one effect: one row created (or one version
 * step), one audit event, made by one of the 100 requests (its actor and
 * request id), one idempotency_keys row whose stored response is that
 * answer; then the same key with another body (and with another operation)
 * is refused with the documented error (UNPROCESSABLE_CONTENT,
 * IDEMPOTENCY_KEY_REUSED naming the key; 422 on the CRM.COM route) and
 * changes nothing (checksums of every table before and after).
 */
import { setupWorld, tableChecksum } from "@holdfast/api/testing";
import type { AutomationInput } from "@holdfast/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditOf, holdRow } from "./races/audit.ts";
import {
  attempt,
  makeClients,
  newToken,
  type Outcome,
  type RaceClient,
  startHttpServer,
  type TransportKind,
} from "./races/transport.ts";

const TODAY = "2027-03-10";
const w = setupWorld({ now: `${TODAY}T12:00:00Z`, tenantName: "Idempotency tenant" });

const RETRIES = 100;

/** Every table a mutation may touch; a refused call must leave all of them as they were. */
const TABLES = [
  "holds",
  "hold_targets",
  "hold_characteristics",
  "hold_claims",
  "audit_events",
  "idempotency_keys",
  "accounts",
  "automations",
  "automation_companies",
  "automation_assignments",
  "subscriptions",
  "subscription_actions",
  "invoices",
];
async function checksum(): Promise<string> {
  return (await Promise.all(TABLES.map((t) => tableChecksum(w.db, t)))).join(":");
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const rows = await w.db.$client.unsafe(sql, params as never[]);
  return Number(rows[0]?.n);
}

async function storedKey(key: string) {
  return w.db.$client.unsafe("select operation, response from idempotency_keys where tenant_id = $1 and key = $2", [
    w.tenantId,
    key,
  ]);
}

const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const COMPANY = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
function automation(name: string): AutomationInput {
  return {
    name,
    description: `about ${name}`,
    companies: [{ companyId: COMPANY, relations: { partnerCompany: true, travelAgency: false } }],
    prepayment: "All",
    assignmentTargetType: "CompanyAsOwner",
    triggerType: "Continuous",
    billAggregationType: "AggregateAll",
    assignments: [
      {
        serviceId: SERVICE,
        routedItemTypes: {
          spaceOrder: true,
          cityTax: true,
          allProducts: false,
          deposits: true,
          additionalExpenses: true,
          allCustomItems: false,
        },
      },
    ],
  };
}

/** An effective pay-after-bill subscription of a fresh account. */
async function subscription(label: string) {
  const accountLocator = await w.newAccount(label);
  const sub = await w.api.subscriptions.create({
    accountLocator,
    paymentModel: "pay_after_bill",
    priceMinor: 2500,
    currency: "EUR",
    billingPeriod: "monthly",
    startDate: TODAY,
    paymentTermDays: 10,
  });
  return w.api.subscriptions.activate({ locator: sub.locator });
}

describe.each<TransportKind>(["caller", "http"])("100 concurrent retries with one idempotency key (%s)", (kind) => {
  let clients: RaceClient[];
  let url: string | undefined;
  let closeServer: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (kind === "http") {
      const server = await startHttpServer(w.db, w.clock);
      url = server.url;
      closeServer = server.close;
    }
    clients = await makeClients({ kind, db: w.db, clock: w.clock, tenantId: w.tenantId, n: RETRIES, url });
  });
  afterAll(async () => {
    await closeServer?.();
  });

  /**
   * The same call from all 100 clients at once: every one succeeds with a deep-equal answer, and exactly one
   * idempotency key is stored, holding that answer. Returns the answer and the request ids that were sent.
   */
  async function storm<T>(
    path: string,
    input: Record<string, unknown>,
    tag: string,
    /** What the service stores for this answer (the router may wrap it). */
    storedAs: (answer: unknown) => unknown = (a) => a,
  ) {
    const outcomes: Outcome[] = await Promise.all(
      clients.map((c) => {
        const requestId = `${kind}-${tag}-${c.index}`;
        return attempt(c.index, requestId, () => c.mutate(path, input, requestId));
      }),
    );
    const refused = outcomes.flatMap((o) => (o.ok ? [] : [`${o.error.appCode}: ${o.error.message}`]));
    expect(refused, `${path}: every retry succeeds`).toEqual([]);
    const answers = outcomes.map((o) => (o.ok ? o.value : undefined));
    const first = answers[0];
    for (const [i, a] of answers.entries()) expect(a, `${path}: answer ${i}`).toStrictEqual(first);
    const key = String(input.idempotencyKey ?? `trn:${String(input.transactionReferenceNumber)}`);
    const stored = await storedKey(key);
    expect(stored, `${path}: one stored key`).toHaveLength(1);
    expect(stored[0]?.response, `${path}: the stored answer is the answer`).toEqual(storedAs(first));
    const byRequest = new Map(outcomes.map((o) => [o.requestId, clients[o.client]?.credentialId]));
    return { answer: first as T, byRequest };
  }

  /** The one audit event of an effect was made by one of the retries: its request id and that client's token. */
  function expectMadeByOneRetry(
    event: { actorType: string; actorId: string; requestId: string | null },
    byRequest: Map<string, string | undefined>,
  ) {
    expect(event.actorType).toBe("token");
    expect(byRequest.has(String(event.requestId)), `request id ${event.requestId} is one of the retries`).toBe(true);
    expect(event.actorId).toBe(byRequest.get(String(event.requestId)));
  }

  /** The same key with another body (or operation): refused as documented, and nothing changes. */
  async function expectReuseRefused(path: string, input: Record<string, unknown>, keyPath = "idempotencyKey") {
    const before = await checksum();
    const client = clients[0] as RaceClient;
    const o = await attempt(0, `${kind}-reuse`, () => client.mutate(path, input, `${kind}-reuse`));
    expect(o.ok, `${path}: the reused key must be refused`).toBe(false);
    if (!o.ok) {
      expect(o.error.code).toBe("UNPROCESSABLE_CONTENT");
      expect(o.error.appCode).toBe("IDEMPOTENCY_KEY_REUSED");
      expect(o.error.issues).toEqual([{ path: keyPath, rule: "reused_with_different_body" }]);
      expect(o.error.message).toContain("already used for a different request");
      expect(o.error.message, "the internal key namespace stays inside").not.toContain("trn:");
    }
    expect(await checksum(), `${path}: a refused reuse changes nothing`).toBe(before);
  }

  it("holds.create: one hold, one create event, 100 identical answers; another body or operation with the key is refused", async () => {
    const accountLocator = await w.newAccount(`create ${kind}`);
    const key = `${kind}-create`;
    const body = {
      idempotencyKey: key,
      accountLocator,
      targets: [{ process: "funding", endDate: "2027-06-30" }, { process: "invoicing" }],
      endDate: "2027-06-30",
      comments: `stampede ${kind}`,
      characteristics: [{ type: "reason", value: "bank dispute" }],
    };
    const { answer, byRequest } = await storm<{ locator: string; holdState: string; version: number }>(
      "holds.create",
      body,
      "create",
    );
    expect(answer).toMatchObject({ holdState: "draft", accountLocator, comments: `stampede ${kind}` });
    expect(await count("select count(*)::int as n from holds where account_id = $1", [accountLocator])).toBe(1);
    expect(await count("select count(*)::int as n from hold_targets where hold_id = $1", [answer.locator])).toBe(2);
    const events = await auditOf(w.db, answer.locator);
    expect(events.map((e) => e.action)).toEqual(["create"]);
    expectMadeByOneRetry(events[0] as (typeof events)[number], byRequest);
    expect(events[0]?.after).toEqual(answer);

    await expectReuseRefused("holds.create", { ...body, comments: "another comment" });
    await expectReuseRefused("holds.create", { ...body, targets: [{ process: "autopay" }] });
    await expectReuseRefused("holds.discard", { locator: answer.locator, idempotencyKey: key });
    expect(await holdRow(w.db, answer.locator)).toMatchObject({ state: "draft", version: answer.version });
  });

  /** An active hold of a fresh account. */
  async function activeHold(label: string) {
    const accountLocator = await w.newAccount(label);
    const h = await w.api.holds.create({ accountLocator, targets: [{ process: "invoicing" }], endDate: "2027-12-31" });
    await w.api.holds.validate({ locator: h.locator });
    return w.api.holds.activate({ locator: h.locator });
  }

  it("holds.release: one release (version + 1, one release event), 100 identical answers and no CONFLICT; the key on another hold is refused", async () => {
    const hold = await activeHold(`release ${kind}`);
    const other = await activeHold(`release other ${kind}`);
    const key = `${kind}-release`;
    const { answer, byRequest } = await storm<{ holdState: string; version: number }>(
      "holds.release",
      { locator: hold.locator, expectedVersion: hold.version, idempotencyKey: key },
      "release",
    );
    expect(answer).toMatchObject({ holdState: "released", version: hold.version + 1, releaseReason: "released" });
    expect(await holdRow(w.db, hold.locator)).toMatchObject({
      state: "released",
      version: hold.version + 1,
      claims: [],
    });
    const events = await auditOf(w.db, hold.locator);
    expect(events.map((e) => e.action)).toEqual(["create", "validate", "activate", "release"]);
    expectMadeByOneRetry(events[3] as (typeof events)[number], byRequest);
    expect(events[3]?.after).toEqual(answer);

    // The same key for another hold, or naming another version, is another request.
    await expectReuseRefused("holds.release", { locator: other.locator, idempotencyKey: key });
    await expectReuseRefused("holds.release", {
      locator: hold.locator,
      expectedVersion: hold.version + 1,
      idempotencyKey: key,
    });
    expect(await holdRow(w.db, other.locator)).toMatchObject({ state: "active", version: other.version });
  });

  it("holds.amend: one amendment (version + 1, one amend event), 100 identical answers; another amendment with the key is refused", async () => {
    const hold = await activeHold(`amend ${kind}`);
    const key = `${kind}-amend`;
    const body = {
      locator: hold.locator,
      idempotencyKey: key,
      endDate: "2028-01-31",
      comments: `amended once (${kind})`,
      targets: [{ process: "refund" }],
      characteristics: [{ action: "Update", type: "note", value: "once" }],
    };
    const { answer, byRequest } = await storm<{ version: number; targets: { process: string }[] }>(
      "holds.amend",
      body,
      "amend",
    );
    expect(answer).toMatchObject({ holdState: "active", version: hold.version + 1, endDate: "2028-01-31" });
    expect(answer.targets.map((t) => t.process).sort()).toEqual(["invoicing", "refund"]);
    expect(await holdRow(w.db, hold.locator)).toMatchObject({
      state: "active",
      version: hold.version + 1,
      comments: `amended once (${kind})`,
      claims: ["invoicing", "refund"],
    });
    const events = await auditOf(w.db, hold.locator);
    expect(events.map((e) => e.action)).toEqual(["create", "validate", "activate", "amend"]);
    expectMadeByOneRetry(events[3] as (typeof events)[number], byRequest);
    expect(events[3]?.after).toEqual(answer);

    await expectReuseRefused("holds.amend", { ...body, comments: "amended twice" });
    await expectReuseRefused("holds.release", { locator: hold.locator, idempotencyKey: key });
  });

  it("automations.add (a batch of 5): five automations, five create events, 100 identical answers; another batch with the key is refused", async () => {
    const key = `${kind}-add`;
    const names = Array.from({ length: 5 }, (_, i) => `idem ${kind} ${i}`);
    const body = { idempotencyKey: key, automations: names.map(automation) };
    const { answer, byRequest } = await storm<{ automations: { id: string; name: string }[] }>(
      "automations.add",
      body,
      "add",
      // The service stores the list; the procedure answers it as { automations }.
      (a) => (a as { automations: unknown }).automations,
    );
    expect(answer.automations.map((a) => a.name)).toEqual(names);
    expect(
      await count("select count(*)::int as n from automations where tenant_id = $1 and name like $2", [
        w.tenantId,
        `idem ${kind} %`,
      ]),
    ).toBe(5);
    for (const a of answer.automations) {
      const events = await auditOf(w.db, a.id);
      expect(events.map((e) => e.action)).toEqual(["create"]);
      expectMadeByOneRetry(events[0] as (typeof events)[number], byRequest);
      expect(events[0]?.after).toEqual(a);
    }
    // All five were made by the same request (one batch, one transaction).
    const requestIds = new Set(
      (await Promise.all(answer.automations.map((a) => auditOf(w.db, a.id)))).map((e) => e[0]?.requestId),
    );
    expect(requestIds.size).toBe(1);

    await expectReuseRefused("automations.add", { ...body, automations: body.automations.slice(0, 4) });
    await expectReuseRefused("automations.add", { ...body, automations: [automation(`idem ${kind} other`)] });
  });

  it.each([
    ["an idempotencyKey", (k: string) => ({ idempotencyKey: `${k}-key` }), "idempotencyKey"],
    [
      "a transactionReferenceNumber (CRM.COM)",
      (k: string) => ({ transactionReferenceNumber: `TRN-${k}` }),
      // The refusal names the field the caller sent, not the internal key it is stored under.
      "transactionReferenceNumber",
    ],
  ] as const)(
    "subscriptions.extendGracePeriod keyed by %s: one extension (one action, subscription version + 1, one audit event each), 100 identical answers; another body is refused",
    async (_name, keyOf, keyPath) => {
      const sub = await subscription(`extend ${kind} ${keyPath}`);
      const k = `${kind}-${_name.startsWith("an") ? "idem" : "trn"}`;
      const body = {
        subscriptionIdentifier: { id: sub.locator },
        endGracePeriodAfterDays: 12,
        performedByUserIdentifier: { name: "jane.doe" },
        ...keyOf(k),
      };
      const { answer, byRequest } = await storm<{ locator: string; newGraceEnd: string; status: string }>(
        "subscriptions.extendGracePeriod",
        body,
        "extend",
      );
      expect(answer).toMatchObject({ status: "executed", newGraceEnd: "2027-03-22", subscriptionLocator: sub.locator });
      expect(
        await count("select count(*)::int as n from subscription_actions where subscription_id = $1", [sub.locator]),
      ).toBe(1);
      const [row] = await w.db.$client.unsafe(
        "select version, grace_end::text as grace_end from subscriptions where id = $1",
        [sub.locator],
      );
      expect(row).toMatchObject({ version: sub.version + 1, grace_end: "2027-03-22" });
      const subEvents = await auditOf(w.db, sub.locator);
      expect(subEvents.map((e) => e.action)).toEqual(["create", "activate", "extendGracePeriod"]);
      expectMadeByOneRetry(subEvents[2] as (typeof subEvents)[number], byRequest);
      const actionEvents = await auditOf(w.db, answer.locator);
      expect(actionEvents.map((e) => e.action)).toEqual(["create"]);
      expect(actionEvents[0]?.requestId).toBe(subEvents[2]?.requestId);
      expect(actionEvents[0]?.after).toEqual(answer);

      await expectReuseRefused("subscriptions.extendGracePeriod", { ...body, endGracePeriodAfterDays: 13 }, keyPath);
      expect((await w.api.subscriptions.get({ locator: sub.locator })).grace?.end).toBe("2027-03-22");
    },
  );
});

describe("100 concurrent retries of the CRM.COM compatibility route over HTTP", () => {
  let url: string;
  let closeServer: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const server = await startHttpServer(w.db, w.clock);
    url = server.url;
    closeServer = server.close;
  });
  afterAll(async () => {
    await closeServer?.();
  });

  it("the CRM.COM route (POST /crm/subscriptions/extend_grace_period) with one transaction_reference_number: one extension, 100 identical 200 answers; another body gets 422", async () => {
    const sub = await subscription("crm route");
    // 100 CRM.COM clients, each sending its own token in the body, as CRM.COM does.
    const tokens = await Promise.all(
      Array.from({ length: RETRIES }, (_, i) => newToken(w.db, w.clock, w.tenantId, `crm client ${i}`)),
    );
    const body = (token: string, days = 9) => ({
      token,
      subscription_identifier: { id: sub.locator },
      end_grace_period_after_specific_days: days,
      transaction_reference_number: "TRN-CRM-STAMPEDE",
      performed_by_user_identifier: { name: "crm.agent" },
    });
    const post = async (payload: unknown) => {
      const res = await fetch(`${url}/crm/subscriptions/extend_grace_period`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
      });
      return { status: res.status, json: (await res.json()) as { status: { code: string }; data: unknown } };
    };
    const answers = await Promise.all(tokens.map((t) => post(body(t.secret))));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    for (const a of answers) expect(a.json).toStrictEqual(answers[0]?.json);
    expect(answers[0]?.json.data).toMatchObject({ status: "executed", new_grace_end: "2027-03-19" });
    expect(
      await count("select count(*)::int as n from subscription_actions where subscription_id = $1", [sub.locator]),
    ).toBe(1);
    const events = await auditOf(w.db, sub.locator);
    expect(events.map((e) => e.action)).toEqual(["create", "activate", "extendGracePeriod"]);
    expect(tokens.map((t) => t.principal.credentialId)).toContain(events[2]?.actorId);

    const before = await checksum();
    const other = await post(body(tokens[1]?.secret ?? "", 10));
    expect(other.status).toBe(422);
    expect(other.json).toEqual({
      status: {
        code: "IDEMPOTENCY_KEY_REUSED",
        message: "transaction_reference_number: already used for a different request",
        description: [
          {
            field: "transaction_reference_number",
            rule: "reused_with_different_body",
            message: "already used for a different request",
          },
        ],
      },
      data: null,
    });
    expect(await checksum()).toBe(before);
  });
});
