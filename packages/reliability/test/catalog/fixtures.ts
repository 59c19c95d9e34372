/**
 * The fixture both suites work on: two tenants, A and B, each with accounts,
 * holds in every state (one per procedure that moves it, so each catalog
 * input stays valid however many others ran before), automations,
 * subscriptions (draft, effective), an open invoice, a scheduled action and
 * a dashboard user; and a third tenant C for portfolio tokens. Built through
 * the real router (in process, on the same database the server process uses).
 */
import { randomUUID } from "node:crypto";
import type { Caller, World } from "@holdfast/api/testing";
import { ALL_PERMISSIONS, PERMISSIONS, type Permission } from "@holdfast/domain";
import { authenticate, createApiToken, createUser, runTick } from "@holdfast/services";

/** The instant the fixture is built at and the server process's frozen clock. */
export const FIXTURE_NOW = "2027-03-10T09:00:00Z";
export const FIXTURE_TODAY = "2027-03-10";

/** Identifiers that exist nowhere: what "unknown" means in the comparisons. */
export const UNKNOWN = {
  ulid: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
  ulid2: "01BX5ZZKBKACTAV9WEVGEMMVRZ",
  guid: "13e6b16e-39bc-4cb1-8610-70ecdb4f91cc",
  guid2: "2b7f0c4e-1d3a-4e5f-9a8b-7c6d5e4f3a2b",
  tenant: "7d1f3c2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f",
} as const;

export const SERVICE_ID = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";

export interface TenantObjects {
  readonly label: string;
  readonly tenantId: string;
  readonly tenantName: string;
  readonly accounts: {
    /** Open; holds, subscriptions and lists name it. */
    main: string;
    mainExternalId: string;
    /** Open, for accounts.close. */
    toClose: string;
    /** Closed, for accounts.reopen. */
    closed: string;
  };
  readonly holds: {
    get: string;
    draftUpdate: string;
    draftValidate: string;
    draftDiscard: string;
    validatedActivate: string;
    validatedReset: string;
    activeRelease: string;
    activeAmend: string;
    released: string;
    discarded: string;
  };
  readonly automations: {
    get: string;
    update: string;
    assign: string;
    assignAssignmentId: string;
    remove: string;
  };
  readonly subscriptions: {
    get: string;
    getNumber: string;
    draftActivate: string;
    effectiveTerminate: string;
    effectiveExtend: string;
  };
  readonly invoice: string;
  readonly scheduledAction: string;
  /** A company an admin named in the tenant's directory (for settings.removeDirectoryName). */
  readonly directory: { named: string };
  readonly user: { email: string; password: string };
  /** Other members, made by users.create: one per procedure that changes them, and the secret of a set-password link. */
  readonly users: { toUpdate: string; toDisable: string; toReset: string; link: string };
  /** Every permission in this tenant only. */
  readonly token: string;
  /** Locators of API tokens of this tenant, for tokens.revoke and tokens.roll. */
  readonly tokens: { revoke: string; roll: string };
  /** Webhook endpoints, one per procedure that changes them (update at version 1), and an event of the tenant to replay. */
  readonly webhooks: { get: string; update: string; remove: string; rotate: string; event: string };
}

/** An automation every rule accepts. */
export function validAutomation(name = "Reliability automation") {
  return {
    name,
    prepayment: "All" as const,
    assignmentTargetType: "NoCompany" as const,
    triggerType: "Continuous" as const,
    billAggregationType: "AggregateByCustomer" as const,
    assignments: [
      {
        serviceId: SERVICE_ID,
        routedItemTypes: {
          spaceOrder: true,
          cityTax: false,
          allProducts: false,
          deposits: false,
          additionalExpenses: false,
          allCustomItems: false,
        },
      },
    ],
  };
}

async function tenantObjects(w: World, label: string): Promise<TenantObjects> {
  const tenantName = `Reliability tenant ${label}`;
  const tenantId = await w.tenant(tenantName);
  const api: Caller = await w.caller(tenantId);
  const slug = label.toLowerCase();
  const mainExternalId = `EXT-${label}-0001`;
  const main = (await w.account(tenantId, `${label} main account`, mainExternalId)).locator;
  const toClose = (await w.account(tenantId, `${label} account to close`)).locator;
  const closed = (await w.account(tenantId, `${label} closed account`)).locator;
  await api.accounts.close({ locator: closed });

  // One account per hold, so no two validated or active holds can overlap. Each also holds delinquency, so the
  // Socotra routes (which show only holds of invoicing or delinquency) see every fixture hold.
  const holdIn = async (state: "draft" | "validated" | "active" | "released" | "discarded", process = "funding") => {
    const accountLocator = (await w.account(tenantId, `${label} ${state} hold account`)).locator;
    const draft = await api.holds.create({
      accountLocator,
      targets: [{ process: process as "funding" }, { process: "delinquency" }],
      endDate: "2027-12-31",
      comments: `${label} ${state}`,
      characteristics: [{ type: "reason", value: `${label} secret reason` }],
    });
    if (state === "draft") return draft.locator;
    if (state === "discarded") return (await api.holds.discard({ locator: draft.locator })).locator;
    await api.holds.validate({ locator: draft.locator });
    if (state === "validated") return draft.locator;
    await api.holds.activate({ locator: draft.locator });
    if (state === "active") return draft.locator;
    return (await api.holds.release({ locator: draft.locator })).locator;
  };
  const holds = {
    get: await holdIn("active", "autopay"),
    draftUpdate: await holdIn("draft"),
    draftValidate: await holdIn("draft"),
    draftDiscard: await holdIn("draft"),
    validatedActivate: await holdIn("validated"),
    validatedReset: await holdIn("validated"),
    activeRelease: await holdIn("active"),
    activeAmend: await holdIn("active"),
    released: await holdIn("released"),
    discarded: await holdIn("discarded"),
  };

  const added = await api.automations.add({
    automations: ["get", "update", "assign", "remove"].map((n) => validAutomation(`${label} automation ${n}`)),
  });
  const [aGet, aUpdate, aAssign, aRemove] = added.automations;
  if (!aGet || !aUpdate || !aAssign || !aRemove) throw new Error("automations were not added");

  const subscription = async (accountLocator: string, activate: boolean, number?: string) => {
    const sub = await api.subscriptions.create({
      accountLocator,
      ...(number ? { number } : {}),
      paymentModel: "pay_after_bill",
      priceMinor: 2500,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: FIXTURE_TODAY,
      paymentTermDays: 10,
    });
    return activate ? (await api.subscriptions.activate({ locator: sub.locator })).locator : sub.locator;
  };
  const subAccount = async (n: string) => (await w.account(tenantId, `${label} subscriber ${n}`)).locator;
  const getNumber = `SUB-${label}-GET`;
  const subscriptions = {
    get: await subscription(main, true, getNumber),
    getNumber,
    draftActivate: await subscription(await subAccount("draft"), false),
    effectiveTerminate: await subscription(await subAccount("terminate"), true),
    effectiveExtend: await subscription(await subAccount("extend"), true),
  };
  const scheduled = await api.subscriptions.extendGracePeriod({
    subscriptionIdentifier: { id: subscriptions.effectiveExtend },
    endGracePeriodOn: "2027-06-30",
    scheduledDate: "2027-05-01",
    transactionReferenceNumber: `TRN-${label}-1`,
  });
  if (!scheduled.locator) throw new Error("the scheduled action has no locator");

  const named = randomUUID();
  await api.settings.setDirectoryName({ kind: "company", id: named, name: `${label} named company` });

  const user = { email: `ops-${slug}@reliability.test`, password: `password of ${label}` };
  await createUser(w.db, {
    email: user.email,
    name: `${label} operator`,
    password: user.password,
    memberships: [{ tenantId, permissions: ALL_PERMISSIONS }],
  });
  const admin = await w.caller(tenantId);
  const member = async (tag: string) =>
    admin.users.create({ email: `${tag}-${slug}@reliability.test`, name: `${label} ${tag}`, permissions: [] });
  const users = {
    toUpdate: (await member("to-update")).user.locator,
    toDisable: (await member("to-disable")).user.locator,
    toReset: (await member("to-reset")).user.locator,
    link: (await member("invited")).link?.path.split("#")[1] ?? "",
  };
  const token = (
    await createApiToken(w.db, { name: `${label} full token`, grants: [{ tenantId, permissions: ALL_PERMISSIONS }] })
  ).secret;
  const tokenToChange = async (what: string) =>
    (
      await createApiToken(w.db, {
        name: `${label} token to ${what}`,
        grants: [{ tenantId, permissions: ["holds:read"] }],
      })
    ).id;
  const tokens = { revoke: await tokenToChange("revoke"), roll: await tokenToChange("roll") };
  const endpoint = async (what: string) =>
    (await api.webhooks.create({ url: `https://hooks.example.com/${slug}/${what}`, eventTypes: ["hold.created"] }))
      .locator;
  const webhookGet = await endpoint("get");
  const webhooks = {
    get: webhookGet,
    update: await endpoint("update"),
    remove: await endpoint("remove"),
    rotate: await endpoint("rotate"),
    event: (await api.webhooks.sendTest({ endpoint: webhookGet })).eventId,
  };

  return {
    label,
    tenantId,
    tenantName,
    accounts: { main, mainExternalId, toClose, closed },
    holds,
    automations: {
      get: aGet.id,
      update: aUpdate.id,
      assign: aAssign.id,
      assignAssignmentId: aAssign.assignments[0]?.id ?? "",
      remove: aRemove.id,
    },
    subscriptions,
    invoice: "", // set after the worker's tick below
    scheduledAction: scheduled.locator,
    directory: { named },
    user,
    users,
    token,
    tokens,
    webhooks,
  };
}

export interface Fixture {
  A: TenantObjects;
  B: TenantObjects;
  /** A third tenant, granted with A to the portfolio token (B never is). */
  C: TenantObjects;
  /** Every permission in A and in C. */
  portfolioToken: string;
  /** A token with every permission but `permission` (and admin) in A. */
  lacking(permission: Permission): string;
  /** A token bound to A with no permission at all. */
  noPermissionToken: string;
}

/** Builds A, B and C, then runs one worker tick so each effective subscription has its first invoice. */
export async function buildFixture(w: World): Promise<Fixture> {
  const A = await tenantObjects(w, "A");
  const B = await tenantObjects(w, "B");
  const C = await tenantObjects(w, "C");
  const tick = await runTick(w.db, w.clock, "reliability-fixture");
  if (tick.errors.length) throw new Error(`fixture tick failed: ${tick.errors.join("; ")}`);
  for (const t of [A, B, C]) {
    const api = await w.caller(t.tenantId);
    const invoices = await api.invoices.list({ subscriptionLocator: t.subscriptions.get });
    const invoice = invoices.items.find((i) => i.status === "open");
    if (!invoice) throw new Error(`tenant ${t.label} has no open invoice after the tick`);
    (t as { invoice: string }).invoice = invoice.locator;
  }
  const portfolioToken = (
    await createApiToken(w.db, {
      name: "portfolio A+C",
      grants: [
        { tenantId: A.tenantId, permissions: ALL_PERMISSIONS },
        { tenantId: C.tenantId, permissions: ALL_PERMISSIONS },
      ],
    })
  ).secret;
  const noPermissionToken = (
    await createApiToken(w.db, { name: "no permission", grants: [{ tenantId: A.tenantId, permissions: [] }] })
  ).secret;
  // Made here, not on first use: a token made during a test would change the tables the test compares.
  const lackingTokens = new Map<Permission, string>();
  for (const permission of PERMISSIONS) {
    const permissions = PERMISSIONS.filter((p) => p !== permission && p !== "admin");
    const name = `all but ${permission}`;
    lackingTokens.set(
      permission,
      (await createApiToken(w.db, { name, grants: [{ tenantId: A.tenantId, permissions }] })).secret,
    );
  }
  const lacking = (permission: Permission) => {
    const token = lackingTokens.get(permission);
    if (!token) throw new Error(`no token lacking ${permission}`);
    return token;
  };
  // Each token used once now, at the server's frozen instant: its lastUsedAt is then current, and
  // no request of the suites writes it again (they compare every table before and after).
  for (const secret of [A.token, B.token, C.token, portfolioToken, noPermissionToken, ...lackingTokens.values()]) {
    await authenticate(w.db, secret, w.clock.now());
  }
  return { A, B, C, portfolioToken, lacking, noPermissionToken };
}

/** The same shape with every identifier replaced by one that exists nowhere (and the same-length strings). */
export function unknownObjects(t: TenantObjects): TenantObjects {
  const u = UNKNOWN;
  return {
    ...t,
    tenantId: u.tenant,
    accounts: { main: u.ulid, mainExternalId: "EXT-UNKNOWN-0001", toClose: u.ulid, closed: u.ulid },
    holds: Object.fromEntries(Object.keys(t.holds).map((k) => [k, u.ulid])) as TenantObjects["holds"],
    automations: { get: u.guid, update: u.guid, assign: u.guid, assignAssignmentId: u.guid2, remove: u.guid },
    subscriptions: {
      get: u.ulid,
      getNumber: "SUB-UNKNOWN-GET",
      draftActivate: u.ulid,
      effectiveTerminate: u.ulid,
      effectiveExtend: u.ulid,
    },
    invoice: u.ulid,
    scheduledAction: u.ulid,
    directory: { named: u.guid },
    user: { email: "nobody@reliability.test", password: t.user.password },
    tokens: { revoke: u.ulid, roll: u.ulid },
    webhooks: { get: u.ulid, update: u.ulid, remove: u.ulid, rotate: u.ulid, event: u.ulid2 },
    users: {
      toUpdate: u.ulid,
      toDisable: u.ulid,
      toReset: u.ulid,
      link: "ThisLinkWasNeverIssuedByAnyone0123456789abc",
    },
  };
}

/** Every identifier and name of a tenant's objects: none may show up in an answer to another tenant. */
export function secretsOf(t: TenantObjects): string[] {
  return [
    t.tenantId,
    t.tenantName,
    ...Object.values(t.accounts),
    ...Object.values(t.holds),
    ...Object.values(t.automations),
    ...Object.values(t.subscriptions),
    t.invoice,
    t.scheduledAction,
    t.directory.named,
    `${t.label} named company`,
    t.user.email,
    ...Object.values(t.tokens),
    ...Object.values(t.webhooks),
    ...Object.values(t.users),
    `${t.label} secret reason`,
  ].filter((s) => s.length > 0);
}
