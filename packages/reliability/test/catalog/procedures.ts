/**
 * Every tRPC procedure: its kind, what it needs to be called, and a valid
 * input against a tenant's fixture objects. The suites enumerate the
 * procedures from the router itself (enumerate.ts) and fail when one has no
 * entry here, so a new procedure cannot be left out silently.
 */
import type { Permission } from "@holdfast/domain";
import { FIXTURE_TODAY, SERVICE_ID, type TenantObjects, UNKNOWN, validAutomation } from "./fixtures.ts";

/**
 * Who may call it:
 * - permission: a tenant-scoped procedure needing this permission in the tenant;
 * - member: tenant-scoped, any grant in the tenant will do (no FORBIDDEN possible);
 * - portfolio: reads across every tenant the caller holds this permission in;
 * - authenticated: any valid credential, no tenant involved;
 * - user: a dashboard user's session, no tenant involved (an API token is FORBIDDEN);
 * - public: no credential (sign-in, set-password links).
 */
export type Access =
  | { type: "permission"; permission: Permission }
  | { type: "member"; why: string }
  | { type: "portfolio"; permission: Permission }
  | { type: "authenticated"; why: string }
  | { type: "user"; why: string }
  | { type: "public"; why: string };

export interface ProcedureEntry {
  kind: "query" | "mutation";
  access: Access;
  /**
   * A valid input acting on this tenant's objects (a mutation with it would
   * be accepted by the tenant's own token). Absent: the procedure takes no input.
   */
  input?: (t: TenantObjects) => unknown;
  /**
   * The HTTP status tenant A's token gets for `input(B)`; it must equal the
   * answer for the same input with unknown identifiers. 404 for a named
   * object; 400 where the foreign object is an input reference (an account to
   * create on, refused by a rule, like an unknown one); 200 where the input
   * only filters a list (the answer is then empty, like for an unknown id).
   * Absent: the input names no object of the tenant (only tenantLocator
   * selects the tenant, and that is tested for every scoped procedure).
   */
  foreignStatus?: 200 | 400 | 404;
  /**
   * Tables the refused calls of the suites write to, by design (a failed
   * sign-in is audited and throttled). Absent: a refused call changes nothing.
   */
  refusalWrites?: readonly string[];
}

const p = (permission: Permission): Access => ({ type: "permission", permission });

export const PROCEDURES: Record<string, ProcedureEntry> = {
  "auth.signIn": {
    kind: "mutation",
    access: { type: "public", why: "signing in is how a dashboard user gets a credential" },
    input: (t) => ({ email: t.user.email, password: t.user.password }),
    refusalWrites: ['"public"."audit_events"', '"public"."sign_in_throttles"'],
  },
  "auth.setPassword": {
    kind: "mutation",
    access: { type: "public", why: "the holder of a set-password link has no credential yet" },
    input: (t) => ({ token: t.users.link, password: t.user.password }),
  },
  "auth.changePassword": {
    kind: "mutation",
    access: { type: "user", why: "a signed-in user's own password; an API token has none" },
    // The same password again: later suites still sign in with it.
    input: (t) => ({ currentPassword: t.user.password, newPassword: t.user.password }),
  },
  "auth.sessions": {
    kind: "query",
    access: { type: "authenticated", why: "the caller's own sessions (an API token has none); names no tenant" },
  },
  "auth.signOutEverywhere": {
    kind: "mutation",
    access: { type: "authenticated", why: "ends the caller's own sessions (an API token has none); names no tenant" },
  },
  "auth.signOut": {
    kind: "mutation",
    access: { type: "authenticated", why: "ends the caller's own session; names no tenant" },
  },
  "auth.me": {
    kind: "query",
    access: { type: "authenticated", why: "describes the caller's own grants; names no tenant" },
  },

  "users.list": { kind: "query", access: p("admin"), input: () => ({ limit: 100 }) },
  "users.create": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({
      email: `new-${t.label.toLowerCase()}@reliability.test`,
      name: "New",
      permissions: ["holds:read"],
    }),
  },
  "users.update": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.users.toUpdate, name: "Renamed", permissions: ["holds:list"] }),
    foreignStatus: 404,
  },
  "users.disable": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.users.toDisable }),
    foreignStatus: 404,
  },
  "users.resetLink": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.users.toReset }),
    foreignStatus: 404,
  },

  "accounts.list": { kind: "query", access: p("holds:list"), input: () => ({ limit: 100 }) },
  "accounts.get": {
    kind: "query",
    access: p("holds:list"),
    input: (t) => ({ account: t.accounts.main }),
    foreignStatus: 404,
  },
  "accounts.create": { kind: "mutation", access: p("admin"), input: (t) => ({ name: `${t.label} new account` }) },
  "accounts.close": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.accounts.toClose }),
    foreignStatus: 404,
  },
  "accounts.reopen": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.accounts.closed }),
    foreignStatus: 404,
  },

  "holds.create": {
    kind: "mutation",
    access: p("holds:write"),
    input: (t) => ({ accountLocator: t.accounts.main, targets: [{ process: "refund" }], comments: "created" }),
    foreignStatus: 400,
  },
  "holds.update": {
    kind: "mutation",
    access: p("holds:write"),
    input: (t) => ({ locator: t.holds.draftUpdate, comments: "changed" }),
    foreignStatus: 404,
  },
  "holds.validate": {
    kind: "mutation",
    access: p("holds:write"),
    input: (t) => ({ locator: t.holds.draftValidate }),
    foreignStatus: 404,
  },
  "holds.activate": {
    kind: "mutation",
    access: p("holds:write"),
    input: (t) => ({ locator: t.holds.validatedActivate }),
    foreignStatus: 404,
  },
  "holds.release": {
    kind: "mutation",
    access: p("holds:write"),
    input: (t) => ({ locator: t.holds.activeRelease }),
    foreignStatus: 404,
  },
  "holds.reset": {
    kind: "mutation",
    access: p("holds:write"),
    input: (t) => ({ locator: t.holds.validatedReset }),
    foreignStatus: 404,
  },
  "holds.discard": {
    kind: "mutation",
    access: p("holds:write"),
    input: (t) => ({ locator: t.holds.draftDiscard }),
    foreignStatus: 404,
  },
  "holds.amend": {
    kind: "mutation",
    access: p("holds:write"),
    input: (t) => ({ locator: t.holds.activeAmend, comments: "amended", endDate: "2027-11-30" }),
    foreignStatus: 404,
  },
  "holds.releaseMany": {
    kind: "mutation",
    access: p("holds:write"),
    // The key names the locator: the foreign and the unknown call of the matrix are two requests.
    input: (t) => ({
      idempotencyKey: `bulk-release-${t.holds.activeRelease}`,
      reason: "catalog bulk release",
      selection: { locators: [t.holds.activeRelease] },
    }),
    // Answered per item (NOT_FOUND for a foreign hold, as for an unknown one); the answer is kept under its key.
    foreignStatus: 200,
    refusalWrites: ['"public"."idempotency_keys"'],
  },
  "holds.get": { kind: "query", access: p("holds:read"), input: (t) => ({ locator: t.holds.get }), foreignStatus: 404 },
  "holds.listByAccount": {
    kind: "query",
    access: p("holds:list"),
    input: (t) => ({ accountLocator: t.accounts.main, extended: true }),
    foreignStatus: 404,
  },
  "holds.list": {
    kind: "query",
    access: p("holds:list"),
    input: (t) => ({ accountLocator: t.accounts.main, limit: 100 }),
    foreignStatus: 200,
  },
  "holds.effect": {
    kind: "query",
    access: p("holds:read"),
    input: (t) => ({ accountLocator: t.accounts.main, process: "autopay", date: FIXTURE_TODAY }),
    foreignStatus: 404,
  },

  "automations.getAll": {
    kind: "query",
    access: { type: "portfolio", permission: "automations:read" },
    input: (t) => ({ automationIds: [t.automations.get], limitation: { count: 100 } }),
    foreignStatus: 200,
  },
  "automations.add": {
    kind: "mutation",
    access: p("automations:write"),
    input: (t) => ({ automations: [validAutomation(`${t.label} added automation`)] }),
  },
  "automations.update": {
    kind: "mutation",
    access: p("automations:write"),
    input: (t) => ({ updates: [{ automationId: t.automations.update, name: `${t.label} renamed` }] }),
    foreignStatus: 404,
  },
  "automations.updateAssignments": {
    kind: "mutation",
    access: p("automations:write"),
    input: (t) => ({
      automationId: t.automations.assign,
      assignmentsToUpdate: [{ id: t.automations.assignAssignmentId, routedItemTypes: { cityTax: true } }],
    }),
    foreignStatus: 404,
  },
  "automations.save": {
    kind: "mutation",
    access: p("automations:write"),
    input: (t) => ({
      automationId: t.automations.assign,
      name: `${t.label} saved`,
      assignmentsToUpdate: [{ id: t.automations.assignAssignmentId, routedItemTypes: { deposits: true } }],
    }),
    foreignStatus: 404,
  },
  "automations.delete": {
    kind: "mutation",
    access: p("automations:write"),
    input: (t) => ({ automationIds: [t.automations.remove] }),
    foreignStatus: 404,
  },
  "automations.previewRoute": {
    kind: "query",
    access: p("automations:read"),
    input: () => ({
      orderItem: { serviceId: SERVICE_ID, itemType: "SpaceOrder", consumptionDate: FIXTURE_TODAY },
      reservation: { id: UNKNOWN.guid, ownerId: UNKNOWN.guid2, prepaid: false },
    }),
  },

  "subscriptions.create": {
    kind: "mutation",
    access: p("subscriptions:write"),
    input: (t) => ({
      accountLocator: t.accounts.main,
      paymentModel: "pay_after_bill",
      priceMinor: 1000,
      currency: "EUR",
      billingPeriod: "monthly",
      startDate: "2027-04-01",
    }),
    foreignStatus: 400,
  },
  "subscriptions.activate": {
    kind: "mutation",
    access: p("subscriptions:write"),
    input: (t) => ({ locator: t.subscriptions.draftActivate }),
    foreignStatus: 404,
  },
  "subscriptions.terminate": {
    kind: "mutation",
    access: p("subscriptions:write"),
    input: (t) => ({ locator: t.subscriptions.effectiveTerminate }),
    foreignStatus: 404,
  },
  "subscriptions.get": {
    kind: "query",
    access: p("subscriptions:read"),
    input: (t) => ({ locator: t.subscriptions.get }),
    foreignStatus: 404,
  },
  "subscriptions.list": {
    kind: "query",
    access: p("subscriptions:read"),
    input: (t) => ({ accountLocator: t.accounts.main }),
    foreignStatus: 200,
  },
  "subscriptions.extendGracePeriod": {
    kind: "mutation",
    access: p("subscriptions:write"),
    input: (t) => ({ subscriptionIdentifier: { id: t.subscriptions.get }, endGracePeriodAfterDays: 30 }),
    foreignStatus: 404,
  },
  "subscriptions.extendGraceMany": {
    kind: "mutation",
    access: p("subscriptions:write"),
    input: (t) => ({
      idempotencyKey: `bulk-extend-${t.subscriptions.effectiveExtend}`,
      endGracePeriodAfterDays: 30,
      selection: { locators: [t.subscriptions.effectiveExtend] },
    }),
    foreignStatus: 200,
    refusalWrites: ['"public"."idempotency_keys"'],
  },
  "subscriptions.listActions": {
    kind: "query",
    access: p("subscriptions:read"),
    input: (t) => ({ subscriptionLocator: t.subscriptions.effectiveExtend }),
    foreignStatus: 200,
  },
  "subscriptions.cancelAction": {
    kind: "mutation",
    access: p("subscriptions:write"),
    input: (t) => ({ locator: t.scheduledAction }),
    foreignStatus: 404,
  },

  "invoices.list": {
    kind: "query",
    access: p("subscriptions:read"),
    input: (t) => ({ subscriptionLocator: t.subscriptions.get }),
    foreignStatus: 200,
  },
  "invoices.recordPayment": {
    kind: "mutation",
    access: p("subscriptions:write"),
    input: (t) => ({ invoiceLocator: t.invoice, amountMinor: 100, paidOn: FIXTURE_TODAY }),
    foreignStatus: 404,
  },

  "settings.get": {
    kind: "query",
    access: { type: "member", why: "any member reads the tenant's settings: the dashboard formats dates in its zone" },
    input: () => ({}),
  },
  "settings.update": { kind: "mutation", access: p("admin"), input: () => ({ graceDays: 21 }) },
  "settings.setDirectoryName": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ kind: "company", id: t.directory.named, name: `${t.label} named company` }),
  },
  "settings.removeDirectoryName": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ kind: "company", id: t.directory.named }),
    foreignStatus: 404,
  },
  "automations.directory": { kind: "query", access: p("automations:read"), input: () => ({ kind: "company" }) },

  "audit.history": {
    kind: "query",
    // The permission follows the entity type; for a hold it is holds:read.
    access: p("holds:read"),
    input: (t) => ({ entityType: "hold", entityId: t.holds.get }),
    foreignStatus: 404,
  },

  "tokens.create": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ name: `${t.label} catalog token`, permissions: ["holds:read", "holds:list"] }),
  },
  "tokens.list": { kind: "query", access: p("admin"), input: () => ({ limit: 100 }) },
  "tokens.revoke": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.tokens.revoke }),
    foreignStatus: 404,
  },
  "tokens.roll": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.tokens.roll, overlapUntil: "2027-03-11T09:00:00Z" }),
    foreignStatus: 404,
  },

  "worker.status": {
    kind: "query",
    access: { type: "member", why: "any member of the tenant may see the worker's status" },
    input: () => ({ limit: 5 }),
  },
  "search.global": {
    kind: "query",
    access: { type: "member", why: "any member may search; each result group needs its own read permission" },
    input: () => ({ q: "reliability" }),
  },
  "worker.ticks": {
    kind: "query",
    access: { type: "member", why: "any member of the tenant may see the worker's tick history (its own counts only)" },
    input: () => ({ limit: 5 }),
  },
  "overview.get": {
    kind: "query",
    access: { type: "member", why: "any member of the tenant may read its overview figures" },
    input: () => ({}),
  },
  "audit.list": {
    kind: "query",
    // Any member; the log lists only the entity types the caller may read.
    access: { type: "member", why: "the audit log lists only the entity types the caller may read" },
    input: (t) => ({ entityId: t.holds.get, limit: 10 }),
    foreignStatus: 200,
  },
  "worker.dailyEffects": {
    kind: "query",
    access: { type: "member", why: "any member of the tenant may see the worker's daily totals (its own only)" },
    input: () => ({ days: 30 }),
  },
  "events.list": {
    kind: "query",
    // Asking for one entity needs its kind's read permission (holds:read for a hold); without one, any member.
    access: p("holds:read"),
    input: (t) => ({ entity: { type: "hold", id: t.holds.get }, limit: 10 }),
    foreignStatus: 200,
  },
  "webhooks.create": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ url: `https://hooks.example.com/${t.label}/new`, eventTypes: ["hold.created"], description: "x" }),
  },
  "webhooks.list": { kind: "query", access: p("admin"), input: () => ({ limit: 100 }) },
  "webhooks.update": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.webhooks.update, version: 1, description: "renamed", enabled: false }),
    foreignStatus: 404,
  },
  "webhooks.delete": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.webhooks.remove }),
    foreignStatus: 404,
  },
  "webhooks.rotateSecret": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ locator: t.webhooks.rotate }),
    foreignStatus: 404,
  },
  "webhooks.deliveries": {
    kind: "query",
    access: p("admin"),
    input: (t) => ({ endpoint: t.webhooks.get, limit: 10 }),
    foreignStatus: 404,
  },
  "webhooks.replay": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ endpoint: t.webhooks.get, eventId: t.webhooks.event }),
    foreignStatus: 404,
  },
  "webhooks.sendTest": {
    kind: "mutation",
    access: p("admin"),
    input: (t) => ({ endpoint: t.webhooks.get }),
    foreignStatus: 404,
  },
};
