import { type ActionOutput, extendGracePeriodInput, isAppError, zTenantLocator } from "@holdfast/domain";
import { extendGracePeriod } from "@holdfast/services";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { CompatEnv } from "../app.ts";
import { type BodyRefusal, MAX_JSON_DEPTH, readJsonObject, scanStringField } from "../body.ts";
import { type CompatDeps, principalFrom, serviceFor } from "../context.ts";
import { type HttpErrorCode, toHttpProblem } from "../http-errors.ts";
import { type CrmIssue, projectCrmData, toCrmData, toCrmField, toCrmText, toExtendInput } from "./params.ts";

/**
 * CRM.COM-style subscription actions (seed 003), mounted at /crm/subscriptions:
 * POST /extend_grace_period, on the same service as tRPC
 * `subscriptions.extendGracePeriod`.
 *
 * Request: a JSON object of the seed's snake_case parameters. `token` is our
 * bearer token (in the body, as CRM.COM sends it; else the Authorization
 * header). `tenant_locator` names the tenant when the token is bound to
 * several. `fields_set` is a comma-separated string or a list of the
 * snake_case names of the answer's fields, `id` (the locator) and each
 * `udf_*` on its own; the data then has exactly those keys. Identifier keys
 * are CRM.COM's (`alternative_code`); messages name parameters as sent. An `Idempotency-Key` header is
 * accepted; `transaction_reference_number`, when given, is the key.
 *
 * Answer: `{ "status": { "code", "message", "description" }, "data" }`.
 * - 200 `OK`: data is the extension (executed now, or scheduled for the
 *   worker when scheduled_date is in the future), snake_case, projected by fields_set;
 *   description is null.
 * - Errors: data is null, code is the application error code and
 *   description lists `{ field, rule, message }` in CRM.COM's names:
 *   400 BAD_REQUEST (invalid JSON, unknown or malformed parameter, a broken
 *   rule: both or neither identifier, both or neither end, not later than
 *   the current end, a terminated subscription, no card for pay-before-bill, …),
 *   401 UNAUTHORIZED (no, unknown, revoked or expired token),
 *   403 FORBIDDEN (no subscriptions:write),
 *   404 NOT_FOUND (unknown or another tenant's subscription, accounts
 *   receivable or tenant_locator: the same answer),
 *   409 CONCURRENT_MODIFICATION (changed by a concurrent request; retry),
 *   413 PAYLOAD_TOO_LARGE (over 256 KB; a body over 8 KB is read past its
 *   first 8 KB only once the token found there, or the Authorization
 *   header, has authenticated: else 401),
 *   429 TOO_MANY_REQUESTS (for the token, or without a valid one the client
 *   address; with `Retry-After`),
 *   422 IDEMPOTENCY_KEY_REUSED (transaction_reference_number or
 *   Idempotency-Key already used with another request; the same request
 *   again gets the first answer),
 *   500 INTERNAL (a generic message; the cause is logged, never sent).
 */
export function crmRoutes(deps: CompatDeps) {
  const app = new Hono<CompatEnv>();
  app.post("/extend_grace_period", async (c) => {
    const requestId = c.get("requestId");
    const idempotencyHeader = c.req.header("idempotency-key");
    let trnIsTheKey = false;
    try {
      // A body longer than the unauthenticated prefix is read on only once the token found in that prefix (or
      // the Authorization header) has authenticated.
      const body = await readBody(c, async (prefix) => {
        await principalFrom(deps, c, scanStringField(prefix, "token") || c.req.header("authorization"));
      });
      const token = typeof body.token === "string" && body.token !== "" ? body.token : c.req.header("authorization");
      const principal = await principalFrom(deps, c, token);
      const service = serviceFor(deps, principal, tenantLocatorOf(body), "subscriptions:write", requestId);
      const issues: CrmIssue[] = [];
      const raw = toExtendInput(body, issues);
      if (issues.length) throw new CrmFailure(400, "BAD_REQUEST", issues);
      // fields_set is CRM.COM's projection (`id`, each `udf_*`): applied here to the whole action.
      const fieldsSet = raw.fieldsSet as string[] | undefined;
      delete raw.fieldsSet;
      if (idempotencyHeader !== undefined) raw.idempotencyKey = idempotencyHeader;
      const input = extendGracePeriodInput.parse(raw);
      trnIsTheKey = input.transactionReferenceNumber !== undefined;
      const action = await extendGracePeriod(service, input);
      return c.json(
        {
          status: { code: "OK", message: successMessage(action), description: null },
          data: projectCrmData(toCrmData(action), fieldsSet),
        },
        200,
      );
    } catch (e) {
      const { status, code, message, issues } = crmProblem(e, trnIsTheKey);
      if (status >= 500) deps.logger?.error({ err: e, requestId }, "crm compatibility route failed");
      return c.json(failure(code, message, issues), status as ContentfulStatusCode);
    }
  });

  return app;
}

const MAX_BODY_BYTES = 256 * 1024;

/** Any thrown error as status + code + message + issues in CRM.COM's names. */
function crmProblem(e: unknown, trnIsTheKey: boolean) {
  if (e instanceof CrmFailure) return { status: e.status, code: e.code, message: e.message, issues: e.issues };
  const problem = toHttpProblem(e);
  let issues: CrmIssue[] = problem.issues.map((i) => ({
    // The reference number is the idempotency key when it is given; otherwise the header is.
    field:
      i.path === "idempotencyKey"
        ? trnIsTheKey
          ? "transaction_reference_number"
          : "Idempotency-Key"
        : toCrmField(i.path),
    rule: i.rule,
    message: toCrmText(i.message),
  }));
  if (issues.length === 0 && isAppError(e) && e.code === "NOT_FOUND") {
    issues = [
      { field: NOT_FOUND_FIELD[String(e.details.entity)] ?? "", rule: "not_found", message: toCrmText(e.message) },
    ];
  }
  if (issues.length === 0 && problem.code === "UNAUTHORIZED") {
    issues = [{ field: "token", rule: "invalid_token", message: "missing, unknown, revoked or expired" }];
  }
  const message = problem.issues.length ? describeIssues(issues) : toCrmText(problem.message);
  return { status: problem.status, code: problem.code, message, issues };
}

/** Which parameter a NOT_FOUND without field issues is about. */
const NOT_FOUND_FIELD: Record<string, string> = {
  subscription: "subscription_identifier",
  "accounts receivable": "accounts_receivable_identifier",
  tenant: "tenant_locator",
};

class CrmFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    readonly issues: CrmIssue[],
    message?: string,
  ) {
    super(message ?? describeIssues(issues));
  }
}

const describeIssues = (issues: CrmIssue[]) =>
  issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join("; ");

function failure(code: HttpErrorCode, message: string, issues: CrmIssue[]) {
  return { status: { code, message, description: issues }, data: null };
}

function successMessage(action: Partial<ActionOutput>): string {
  if (action.status === "scheduled" && action.scheduledDate)
    return `The grace period extension is scheduled for ${action.scheduledDate}.`;
  if (action.status === "executed" && action.newGraceEnd) return `The grace period now ends on ${action.newGraceEnd}.`;
  return "The grace period extension was accepted.";
}

/** The CRM.COM body, as its parameters object; refusals in the CRM.COM error shape. */
const CRM_BODY_REFUSALS: Record<BodyRefusal, () => CrmFailure> = {
  too_large: () =>
    new CrmFailure(413, "PAYLOAD_TOO_LARGE", [], `the request body is larger than ${MAX_BODY_BYTES} bytes`),
  too_deep: () =>
    new CrmFailure(400, "BAD_REQUEST", [], `the request body is nested deeper than ${MAX_JSON_DEPTH} levels`),
  not_json: () => new CrmFailure(400, "BAD_REQUEST", [], "the request body is not valid JSON"),
  not_object: () => new CrmFailure(400, "BAD_REQUEST", [], "the request body must be a JSON object of parameters"),
};

function readBody(c: Context<CompatEnv>, beyondPrefix: (prefix: string) => Promise<void>) {
  return readJsonObject(c, { maxBytes: MAX_BODY_BYTES, beyondPrefix, refuse: (why) => CRM_BODY_REFUSALS[why]() });
}

/** tenant_locator, checked as the tRPC procedures check tenantLocator. */
function tenantLocatorOf(body: Record<string, unknown>): string | undefined {
  const wanted = body.tenant_locator;
  if (wanted === undefined || wanted === null) return undefined;
  const parsed = zTenantLocator.safeParse(wanted);
  if (!parsed.success) {
    throw new CrmFailure(400, "BAD_REQUEST", [{ field: "tenant_locator", rule: "uuid", message: "must be a UUID" }]);
  }
  return parsed.data;
}
