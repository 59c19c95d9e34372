/**
 * Every compatibility route (keyed by its OpenAPI operationId): its vendor,
 * method, permission, a valid request against a tenant's fixture objects,
 * and its contract as a predicate (does the route accept this request as
 * well formed?), mirroring the route's own parsing with the same schemas. The
 * suites enumerate the routes from the OpenAPI document and from the Hono
 * app (enumerate.ts) and fail when one has no entry here.
 */

import {
  ENVELOPE_KEYS,
  ENVELOPES,
  isPlainObject,
  type MewsIssue,
  parseLenientJson,
  REQUESTS,
  toExtendInput,
  translate,
  zHoldCreateRequest,
  zHoldListQuery,
  zHoldUpdateRequest,
} from "@holdfast/compat/shapes";
import {
  deleteAutomationsInput,
  extendGracePeriodInput,
  getAllAutomationsInput,
  listAccountHoldsInput,
  mewsAddAutomationsInput,
  type Permission,
  updateAssignmentsInput,
  updateAutomationsInput,
  zIdempotencyKey,
  zLocator,
  zTenantLocator,
} from "@holdfast/domain";
import { z } from "zod";
import { FIXTURE_TODAY, SERVICE_ID, type TenantObjects } from "./fixtures.ts";
import { encodeSegment } from "./malformed.ts";

export type Vendor = "socotra" | "mews" | "ormb" | "crm";

/** A request before credentials: path segments unencoded, the body as a JSON value or raw text. */
export interface CompatRequest {
  method: string;
  /** Path segments after the route's prefix are kept apart so they can be mutated and encoded. */
  prefix: string;
  segments: string[];
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as it is instead of JSON.stringify(body). */
  rawBody?: string;
}

export interface RouteEntry {
  vendor: Vendor;
  /** Method and path as the OpenAPI document names them. */
  method: "get" | "post" | "patch";
  openApiPath: string;
  kind: "query" | "mutation";
  permission: Permission;
  /** A valid request acting on this tenant's objects, without credentials. */
  request(t: TenantObjects): CompatRequest;
  /**
   * The status tenant A's token gets for `request(B)`; it equals the answer
   * for unknown identifiers (Mews answers an unknown id with 400; ORMB's
   * create answers a foreign entityId with a 200 Failure envelope, as for an
   * unknown one). Absent: the request names no object of the tenant.
   */
  foreignStatus?: number;
  /**
   * True when the route would take this request as well formed (its path,
   * query, headers and body pass every schema the route parses them with),
   * i.e. when it could reach a service and change something.
   */
  accepts(req: CompatRequest): boolean;
}

const ok = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

/** The body as the route reads it: raw text parsed as JSON; undefined for no or empty body; "bad" if unreadable. */
function jsonBodyOf(req: CompatRequest): unknown {
  const text = bodyAsRead(req);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return BAD;
  }
}
const BAD = Symbol("unreadable body");

/** The body text as the route reads it: UTF-8 decoding drops a leading byte-order mark. */
export function bodyAsRead(req: CompatRequest): string {
  const text = req.rawBody ?? (req.body === undefined ? "" : JSON.stringify(req.body));
  return text.replace(/^\ufeff/, "");
}

/** A header as the server reads it: HTTP strips the spaces and tabs around a field value. */
export const headerAsRead = (req: CompatRequest, name: string): string | undefined =>
  req.headers?.[name]?.replace(/^[ \t]+|[ \t]+$/g, "");

const idempotencyOk = (req: CompatRequest) => {
  const key = headerAsRead(req, "idempotency-key");
  return key === undefined || ok(zIdempotencyKey, key);
};

// ---------------------------------------------------------------------------
// Socotra: /billing/{tenantLocator}/holds…

const socotraSegments = (req: CompatRequest) => req.segments;
const socotraTenantOk = (req: CompatRequest) => ok(zTenantLocator, socotraSegments(req)[0]);

function socotra(
  name: string,
  entry: Omit<RouteEntry, "vendor" | "accepts" | "kind"> & { accepts: (req: CompatRequest) => boolean },
): [string, RouteEntry] {
  return [
    `socotra.${name}`,
    {
      vendor: "socotra",
      kind: entry.method === "get" ? "query" : "mutation",
      ...entry,
      // Only the writes read the Idempotency-Key header (a GET ignores it).
      accepts: (req) => socotraTenantOk(req) && (entry.method === "get" || idempotencyOk(req)) && entry.accepts(req),
    },
  ];
}

const MOVE_HOLD: Record<string, keyof TenantObjects["holds"]> = {
  validate: "draftValidate",
  activate: "validatedActivate",
  release: "activeRelease",
  reset: "validatedReset",
  discard: "draftDiscard",
};

const SOCOTRA: [string, RouteEntry][] = [
  socotra("create", {
    method: "post",
    openApiPath: "/billing/{tenantLocator}/holds",
    permission: "holds:write",
    request: (t) => ({
      method: "POST",
      prefix: "/billing",
      segments: [t.tenantId, "holds"],
      body: { accountLocator: t.accounts.main, targetType: "invoicing", comments: "socotra" },
    }),
    foreignStatus: 400,
    accepts: (req) => {
      const body = jsonBodyOf(req);
      const parsed = zHoldCreateRequest.safeParse(body);
      return parsed.success;
    },
  }),
  socotra("fetch", {
    method: "get",
    openApiPath: "/billing/{tenantLocator}/holds/{locator}",
    permission: "holds:read",
    request: (t) => ({ method: "GET", prefix: "/billing", segments: [t.tenantId, "holds", t.holds.get] }),
    foreignStatus: 404,
    accepts: (req) => ok(zLocator, req.segments[2]),
  }),
  socotra("update", {
    method: "patch",
    openApiPath: "/billing/{tenantLocator}/holds/{locator}",
    permission: "holds:write",
    request: (t) => ({
      method: "PATCH",
      prefix: "/billing",
      segments: [t.tenantId, "holds", t.holds.draftUpdate],
      body: { targetType: "delinquency" },
    }),
    foreignStatus: 404,
    accepts: (req) => {
      const body = jsonBodyOf(req);
      return ok(zLocator, req.segments[2]) && body !== BAD && ok(zHoldUpdateRequest, body ?? {});
    },
  }),
  socotra("list", {
    method: "get",
    openApiPath: "/billing/{tenantLocator}/holds/accounts/{accountLocator}/list",
    permission: "holds:list",
    request: (t) => ({
      method: "GET",
      prefix: "/billing",
      segments: [t.tenantId, "holds", "accounts", t.accounts.main, "list"],
      query: [
        ["count", "100"],
        ["extended", "true"],
      ],
    }),
    foreignStatus: 404,
    accepts: (req) => {
      // As Hono reads a query: a parameter with an empty name is no parameter at all.
      const params = (req.query ?? []).filter(([k]) => k !== "");
      const names = params.map(([k]) => k);
      if (new Set(names).size !== names.length) return false;
      const query = zHoldListQuery.safeParse(Object.fromEntries(params));
      return (
        query.success &&
        ok(listAccountHoldsInput, { accountLocator: req.segments[3], ...query.data }) &&
        ok(zLocator, req.segments[3])
      );
    },
  }),
  ...Object.entries(MOVE_HOLD).map(([move, hold]) =>
    socotra(move, {
      method: "patch",
      openApiPath: `/billing/{tenantLocator}/holds/{locator}/${move}`,
      permission: "holds:write",
      request: (t) => ({ method: "PATCH", prefix: "/billing", segments: [t.tenantId, "holds", t.holds[hold], move] }),
      foreignStatus: 404,
      // The moves take no body (one sent is not read): only the path and the key header are input.
      accepts: (req) => ok(zLocator, req.segments[2]),
    }),
  ),
];

// ---------------------------------------------------------------------------
// Mews: /api/connector/v1/billingAutomations/{op}, credentials in the body.

type MewsOp = keyof typeof REQUESTS;
const MEWS_SCHEMAS: Record<MewsOp, z.ZodType> = {
  getAll: getAllAutomationsInput,
  add: mewsAddAutomationsInput,
  update: updateAutomationsInput,
  updateAssignments: updateAssignmentsInput,
  delete: deleteAutomationsInput,
};
const mewsEnvelope = z.object({
  ClientToken: z.string().min(1),
  Client: z.string().min(1),
  LanguageCode: z.string().max(64).nullish(),
  CultureCode: z.string().max(64).nullish(),
});

/** The Mews route's parsing: a JSON object, the envelope, the renaming table, then the shared schema. */
function mewsAccepts(op: MewsOp, req: CompatRequest): boolean {
  const body = jsonBodyOf(req);
  if (!isPlainObject(body) || !ok(mewsEnvelope, body)) return false;
  if (body.EnterpriseId != null && !ok(zTenantLocator, body.EnterpriseId)) return false;
  const issues: MewsIssue[] = [];
  const raw = translate(body, REQUESTS[op], "", issues, ENVELOPE_KEYS) as Record<string, unknown>;
  if (issues.length) return false;
  if (op === "getAll") {
    if (raw.enterpriseIds === undefined && body.EnterpriseId != null) raw.enterpriseIds = [body.EnterpriseId];
  } else if (!idempotencyOk(req)) {
    return false;
  } else if (headerAsRead(req, "idempotency-key") !== undefined) {
    raw.idempotencyKey = headerAsRead(req, "idempotency-key");
  }
  return ok(MEWS_SCHEMAS[op], raw);
}

const mewsFlags = (on: string[]) =>
  Object.fromEntries(
    ["SpaceOrder", "CityTax", "AllProducts", "Deposits", "AdditionalExpenses", "AllCustomItems"].map((k) => [
      k,
      on.includes(k),
    ]),
  );

function mews(
  op: MewsOp,
  permission: Permission,
  body: (t: TenantObjects) => Record<string, unknown>,
  foreignStatus?: number,
) {
  const entry: RouteEntry = {
    vendor: "mews",
    method: "post",
    openApiPath: `/api/connector/v1/billingAutomations/${op}`,
    kind: op === "getAll" ? "query" : "mutation",
    permission,
    request: (t) => ({
      method: "POST",
      prefix: "/api/connector/v1/billingAutomations",
      segments: [op],
      body: {
        ClientToken: "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D",
        Client: "Holdfast reliability 1.0.0",
        ...body(t),
      },
    }),
    ...(foreignStatus ? { foreignStatus } : {}),
    accepts: (req) => req.segments[0] === op && mewsAccepts(op, req),
  };
  return [`mews.${op}`, entry] as [string, RouteEntry];
}

const MEWS: [string, RouteEntry][] = [
  mews(
    "getAll",
    "automations:read",
    (t) => ({ BillingAutomationIds: [t.automations.get], Limitation: { Count: 100 } }),
    200,
  ),
  mews("add", "automations:write", (t) => ({
    BillingAutomations: [
      {
        Name: `${t.label} Mews automation`,
        Prepayment: "All",
        AssignmentTargetType: "NoCompany",
        TriggerType: "Continuous",
        BillAggregationType: "AggregateByCustomer",
        Assignments: [{ ServiceId: SERVICE_ID, RoutedItemTypes: mewsFlags(["SpaceOrder"]) }],
      },
    ],
  })),
  mews(
    "update",
    "automations:write",
    (t) => ({
      BillingAutomationUpdates: [{ BillingAutomationId: t.automations.update, Name: { Value: `${t.label} via Mews` } }],
    }),
    400,
  ),
  mews(
    "updateAssignments",
    "automations:write",
    (t) => ({
      BillingAutomationId: t.automations.assign,
      AssignmentsToUpdate: [
        {
          BillingAutomationAssignmentId: t.automations.assignAssignmentId,
          RoutedItemTypes: { Deposits: { Value: true } },
        },
      ],
    }),
    400,
  ),
  mews("delete", "automations:write", (t) => ({ BillingAutomationIds: [t.automations.remove] }), 400),
];

// ---------------------------------------------------------------------------
// ORMB: /ormb/hold-requests/{create,update,read}, a lenient-JSON envelope.

type OrmbKind = keyof typeof ENVELOPES;

/** The ORMB route's parsing: the lenient reader, the one-member envelope, then the envelope's schema. */
function ormbAccepts(kind: OrmbKind, req: CompatRequest): boolean {
  const tenant = headerAsRead(req, "x-tenant-locator");
  if (tenant !== undefined && !ok(zTenantLocator, tenant)) return false;
  const text = bodyAsRead(req);
  if (text.trim() === "") return false;
  let raw: unknown;
  try {
    raw = parseLenientJson(text, { maxLength: 1024 * 1024 });
  } catch {
    return false;
  }
  const { key, schema } = ENVELOPES[kind];
  const outer = z.strictObject({ [key]: z.unknown() }).safeParse(raw);
  if (!outer.success || outer.data[key] === undefined) return false;
  return ok(schema, outer.data[key]);
}

function ormb(
  kind: OrmbKind,
  permission: Permission,
  body: (t: TenantObjects) => unknown,
  foreignStatus: number,
): [string, RouteEntry] {
  return [
    `ormb.${kind}`,
    {
      vendor: "ormb",
      method: "post",
      openApiPath: `/ormb/hold-requests/${kind}`,
      kind: kind === "read" ? "query" : "mutation",
      permission,
      request: (t) => ({ method: "POST", prefix: "/ormb/hold-requests", segments: [kind], body: body(t) }),
      foreignStatus,
      accepts: (req) => req.segments[0] === kind && ormbAccepts(kind, req),
    },
  ];
}

const ORMB: [string, RouteEntry][] = [
  ormb(
    "create",
    "holds:write",
    (t) => ({
      CreateHoldRequest: {
        externalTransactionId: `ORMB-${t.label}-create`,
        entityId: t.accounts.mainExternalId,
        holdProcessData: { holdProcess: "DLNQ", holdProcessEndDate: "2027-12-31" },
        holdEndDate: "2027-12-31",
        holdComments: "ORMB create",
      },
    }),
    // A foreign entityId is a business refusal (200 Failure), exactly like an unknown one.
    200,
  ),
  ormb(
    "update",
    "holds:write",
    (t) => ({ UpdateHoldRequest: { holdRequestId: t.holds.activeAmend, holdComments: "ORMB amended" } }),
    404,
  ),
  ormb("read", "holds:read", (t) => ({ ReadHoldRequest: { holdRequestId: t.holds.get } }), 404),
];

// ---------------------------------------------------------------------------
// CRM.COM: /crm/subscriptions/extend_grace_period, snake_case, token in the body.

function crmAccepts(req: CompatRequest): boolean {
  const body = jsonBodyOf(req);
  if (!isPlainObject(body)) return false;
  if (body.tenant_locator != null && !ok(zTenantLocator, body.tenant_locator)) return false;
  const issues: unknown[] = [];
  const raw = toExtendInput(body, issues as never);
  if (issues.length) return false;
  const key = headerAsRead(req, "idempotency-key");
  if (key !== undefined) raw.idempotencyKey = key;
  return ok(extendGracePeriodInput, raw);
}

const CRM: [string, RouteEntry][] = [
  [
    "crm.extendGracePeriod",
    {
      vendor: "crm",
      method: "post",
      openApiPath: "/crm/subscriptions/extend_grace_period",
      kind: "mutation",
      permission: "subscriptions:write",
      request: (t) => ({
        method: "POST",
        prefix: "/crm/subscriptions",
        segments: ["extend_grace_period"],
        body: {
          subscription_identifier: { id: t.subscriptions.get },
          end_grace_period_after_specific_days: 45,
          performed_on: FIXTURE_TODAY,
        },
      }),
      foreignStatus: 404,
      accepts: (req) => req.segments[0] === "extend_grace_period" && crmAccepts(req),
    },
  ],
];

export const ROUTES: Record<string, RouteEntry> = Object.fromEntries([...SOCOTRA, ...MEWS, ...ORMB, ...CRM]);

// ---------------------------------------------------------------------------
// Credentials and tenant selection, in each vendor's own way.

/** The request with this token where the vendor expects it (undefined: no token at all). */
export function withToken(vendor: Vendor, req: CompatRequest, token: string | undefined): CompatRequest {
  if (token === undefined) return req;
  switch (vendor) {
    case "socotra":
    case "ormb":
      return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
    case "mews":
      return isPlainObject(req.body) ? { ...req, body: { ...req.body, AccessToken: token } } : req;
    case "crm":
      return isPlainObject(req.body) ? { ...req, body: { ...req.body, token } } : req;
  }
}

/** The request naming this tenant explicitly (Socotra: in the path; the others: their own field or header). */
export function withTenant(vendor: Vendor, req: CompatRequest, tenantId: string): CompatRequest {
  switch (vendor) {
    case "socotra":
      return { ...req, segments: [tenantId, ...req.segments.slice(1)] };
    case "ormb":
      return { ...req, headers: { ...req.headers, "x-tenant-locator": tenantId } };
    case "mews":
      return { ...req, body: { ...(req.body as object), EnterpriseId: tenantId } };
    case "crm":
      return { ...req, body: { ...(req.body as object), tenant_locator: tenantId } };
  }
}

/** The request as it goes on the wire. */
export function toWire(req: CompatRequest): {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
} {
  const path = `${req.prefix}/${req.segments.map(encodeSegment).join("/")}`;
  const query = req.query?.length
    ? `?${req.query.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join("&")}`
    : "";
  const body = req.rawBody ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (body !== undefined) headers["content-type"] ??= "application/json";
  return { method: req.method, path: `${path}${query}`, headers, ...(body !== undefined ? { body } : {}) };
}
