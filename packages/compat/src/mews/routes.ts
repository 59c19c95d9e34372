import {
  deleteAutomationsInput,
  getAllAutomationsInput,
  isAppError,
  mewsAddAutomationsInput,
  type Permission,
  type UpdateAssignmentsInput,
  updateAssignmentsInput,
  updateAutomationsInput,
  zTenantLocator,
} from "@holdfast/domain";
import {
  addAutomations,
  deleteAutomations,
  getAllAutomations,
  type Principal,
  type ServiceContext,
  updateAutomationAssignments,
  updateAutomations,
} from "@holdfast/services";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { CompatEnv } from "../app.ts";
import {
  type BodyRefusal,
  MAX_JSON_DEPTH,
  readJsonObject,
  scanStringField,
  UNAUTHENTICATED_BODY_BYTES,
} from "../body.ts";
import { type CompatDeps, portfolioFor, principalFrom, serviceFor } from "../context.ts";
import { type HttpErrorCode, toHttpProblem } from "../http-errors.ts";
import { toMewsAutomation } from "./output.ts";
import { mewsRuleMessage, mewsStatus } from "./rule-messages.ts";
import { ENVELOPE_KEYS, type MewsIssue, REQUESTS, toMewsPath, translate } from "./shape.ts";

/**
 * Mews Connector API billing automations (seed 001), mounted at
 * /api/connector/v1/billingAutomations: getAll, add, update,
 * updateAssignments and delete, on the same services as the tRPC
 * `automations` procedures.
 *
 * Requests: POST, a JSON object with the Mews envelope — ClientToken and
 * Client (required strings, accepted as they are), AccessToken (our bearer
 * token, in the body as Mews sends it), optional LanguageCode/CultureCode
 * (accepted, unused) and EnterpriseId (our tenantLocator; ignored, as Mews
 * does, for a token bound to one enterprise; required on writes for a token
 * bound to several, and then one of its tenants) — and the operation's
 * PascalCase parameters. Writes run under the `mews` automation rule set. Writes also accept an
 * `Idempotency-Key` header (Stripe semantics, as on tRPC). Deviations kept
 * deliberately small and lenient:
 * - getAll's Limitation is required (the seed's table); Cursor is the id of the last
 *   automation returned (null when none is), as Mews pages: ask again with it until fewer than Count come.
 * - getAll's EnterpriseId, when EnterpriseIds is not given and the token is a portfolio one, narrows to that enterprise.
 * - `null` on an optional parameter means "not sent"; `{ "Value": null }` on a
 *   list in an update clears the list. Unknown parameters are refused.
 *
 * Errors: `{ "Message", "RequestId", "Details": { "Code", "Errors": [{ "Path",
 * "Rule", "Message" }] } }`, every path in Mews' names
 * (`BillingAutomations[3].BillAggregationType`), with
 * - 400 invalid JSON, a missing or malformed parameter, and an unknown or
 *   foreign id (Mews answers an invalid identifier with 400, so do we: unknown
 *   and foreign look the same);
 * - 401 a missing, unknown, revoked or expired AccessToken;
 * - 403 a broken business rule (only such; see `mewsStatus`), or the token
 *   lacks automations:read (getAll) or automations:write;
 * - 409 the automation was changed by a concurrent request (retry);
 * - 413 a body over 16 MB; a body over 8 KB is read past its first 8 KB
 *   only once the AccessToken found there has authenticated (else 401);
 * - 429 too many requests for the token (or, without a valid one, the client
 *   address), with `Retry-After`; 422 an Idempotency-Key reused with another body;
 * - 500 a generic Message; the cause is logged, never sent;
 * - 405 (`Allow: POST`) another method on an operation, 404 an unknown path.
 */
export function mewsRoutes(deps: CompatDeps) {
  const app = new Hono<CompatEnv>();
  app.post("/getAll", (c) =>
    run(c, "getAll", async (call) => {
      const portfolio = portfolioFor(deps, call.principal, "automations:read", call.requestId);
      const raw = call.translate();
      if (raw.enterpriseIds === undefined && call.body.EnterpriseId != null && !call.singleEnterprise) {
        raw.enterpriseIds = [call.body.EnterpriseId];
        call.enterpriseIdAsFilter = true;
      }
      const page = await getAllAutomations(portfolio, getAllAutomationsInput.parse(raw));
      return {
        BillingAutomations: page.automations.map(toMewsAutomation),
        Cursor: page.automations.at(-1)?.id ?? null,
      };
    }),
  );

  app.post("/add", (c) =>
    run(c, "add", async (call) => {
      const service = call.scope("automations:write");
      const input = mewsAddAutomationsInput.parse(call.translateWrite());
      const automations = await addAutomations(service, input);
      return { BillingAutomations: automations.map(toMewsAutomation) };
    }),
  );

  app.post("/update", (c) =>
    run(c, "update", async (call) => {
      const service = call.scope("automations:write");
      const input = updateAutomationsInput.parse(call.translateWrite());
      const automations = await updateAutomations(service, input);
      return { BillingAutomations: automations.map(toMewsAutomation) };
    }),
  );

  app.post("/updateAssignments", (c) =>
    run(c, "updateAssignments", async (call) => {
      const service = call.scope("automations:write");
      const input = updateAssignmentsInput.parse(call.translateWrite());
      call.assignmentChange = { service, input };
      const automation = await updateAutomationAssignments(service, input);
      return { BillingAutomations: [toMewsAutomation(automation)] };
    }),
  );

  app.post("/delete", (c) =>
    run(c, "delete", async (call) => {
      const service = call.scope("automations:write");
      const input = deleteAutomationsInput.parse(call.translateWrite());
      await deleteAutomations(service, input);
      return {};
    }),
  );

  /** One request: body, token, envelope, then the operation; any failure as a Mews error. */
  async function run(c: Context<CompatEnv>, op: Operation, handler: (call: MewsCall) => Promise<object>) {
    const requestId = c.get("requestId");
    let call: MewsCall | undefined;
    try {
      const authenticate = (token: string | undefined, why = "it is missing, unknown, revoked or expired") =>
        principalFrom(deps, c, token).catch((e: unknown) => {
          if (!isAppError(e) || e.code !== "UNAUTHORIZED") throw e;
          throw new MewsFailure(
            401,
            "UNAUTHORIZED",
            [{ path: "AccessToken", rule: "invalid_token", message: "missing, unknown, revoked or expired" }],
            `Invalid AccessToken: ${why}.`,
          );
        });
      // A body longer than the unauthenticated prefix is read on only once the AccessToken found in that prefix
      // has authenticated.
      const body = await readBody(c, async (prefix) => {
        await authenticate(
          scanStringField(prefix, "AccessToken"),
          `a body over ${UNAUTHENTICATED_BODY_BYTES} bytes must carry a valid one within its first ${UNAUTHENTICATED_BODY_BYTES} bytes`,
        );
      });
      const principal = await authenticate(typeof body.AccessToken === "string" ? body.AccessToken : undefined);
      checkEnvelope(body);
      call = new MewsCall(deps, op, body, principal, requestId, c.req.header("idempotency-key"));
      return c.json(await handler(call), 200);
    } catch (e) {
      const { status, code, issues, message } = await mewsProblem(e, op, call);
      if (status >= 500) deps.logger?.error({ err: e, requestId, op }, "mews compatibility route failed");
      return c.json(errorBody(c, code, message, issues), status as ContentfulStatusCode);
    }
  }

  /** Any thrown error as status + code + issues in Mews' names. */
  async function mewsProblem(e: unknown, op: Operation, call: MewsCall | undefined) {
    if (e instanceof MewsFailure) return { status: e.status, code: e.code, issues: e.issues, message: e.message };
    const problem = toHttpProblem(e);
    const backToRequest = call?.assignmentChange ? await assignmentPathsFor(call.assignmentChange) : undefined;
    const rename = (path: string): string => {
      if (path === "tenantLocator") return "EnterpriseId";
      if (path === "idempotencyKey") return "Idempotency-Key";
      if (call?.enterpriseIdAsFilter && /^enterpriseIds(\[0\])?$/.test(path)) return "EnterpriseId";
      return backToRequest?.(path) ?? toMewsPath(path, REQUESTS[op]);
    };
    let issues: MewsIssue[] = problem.issues.map((i) => {
      const path = rename(i.path);
      return { path, rule: i.rule, message: mewsRuleMessage({ path, rule: i.rule, message: i.message }) };
    });
    if (issues.length === 0 && isAppError(e) && e.code === "NOT_FOUND" && e.details.entity === "tenant") {
      issues = [{ path: "EnterpriseId", rule: "not_found", message: e.message }];
    }
    const status = mewsStatus(problem.code, problem.status, issues);
    return { status, code: problem.code, issues, message: issues.length ? describeIssues(issues) : problem.message };
  }

  /**
   * updateAssignments' rules name an assignment by its place in the merged
   * list (the kept ones in their order, then the added ones); this names it
   * in the request instead: AssignmentsToUpdate[j] or AssignmentsToAdd[k].
   */
  async function assignmentPathsFor(change: { service: ServiceContext; input: UpdateAssignmentsInput }) {
    const { input } = change;
    const { tenantId, ...acting } = change.service;
    const page = await getAllAutomations(
      { ...acting, tenantIds: [tenantId] },
      {
        automationIds: [input.automationId],
        limitation: { count: 1 },
      },
    ).catch(() => undefined);
    const current = page?.automations[0];
    if (!current) return undefined;
    const removed = new Set(input.assignmentIdsToRemove ?? []);
    const kept = current.assignments.filter((a) => !removed.has(a.id));
    const root = REQUESTS.updateAssignments;
    return (path: string): string | undefined => {
      const m = /^assignments(?:\[(\d+)\](.*))?$/.exec(path);
      if (!m) return undefined;
      if (m[1] === undefined) return "AssignmentsToAdd";
      const i = Number(m[1]);
      const rest = m[2] ?? "";
      const keptOne = kept[i];
      if (!keptOne) return toMewsPath(`assignmentsToAdd[${i - kept.length}]${rest}`, root);
      const j = (input.assignmentsToUpdate ?? []).findIndex((u) => u.id === keptOne.id);
      return j >= 0 ? toMewsPath(`assignmentsToUpdate[${j}]${rest}`, root) : `Assignments[${i}]`;
    };
  }

  app.all("/:operation{.+}", (c) => mewsNoSuchOperation(c));
  return app;
}

const OPERATIONS = new Set(Object.keys(REQUESTS));

/**
 * Anything under the Mews prefix that is not a POST to an operation, in the
 * Mews error shape: 405 (with `Allow: POST`) for another method on an
 * operation, 404 for an unknown path. Nothing is authenticated or read.
 */
export function mewsNoSuchOperation(c: Context<CompatEnv>) {
  const operation = c.req.path.split("/").pop() ?? "";
  if (c.req.path.startsWith(MEWS_PREFIX) && OPERATIONS.has(operation) && c.req.method !== "POST") {
    c.header("Allow", "POST");
    const message = `${c.req.method} is not allowed: Mews operations accept only POST.`;
    return c.json(errorBody(c, "METHOD_NOT_ALLOWED", message, []), 405);
  }
  const message = `${c.req.method} ${c.req.path}: no such operation; the billing automation operations are POST ${MEWS_PREFIX}/{${[...OPERATIONS].join(",")}}.`;
  return c.json(errorBody(c, "NOT_FOUND", message, []), 404);
}

/** Where the billing automation operations are mounted. */
export const MEWS_PREFIX = "/api/connector/v1/billingAutomations";

/** Generous enough for a batch of 100 automations at their documented limits. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

type Operation = keyof typeof REQUESTS;

/** A refusal already in Mews' names. */
class MewsFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    readonly issues: MewsIssue[],
    message?: string,
  ) {
    super(message ?? describeIssues(issues));
  }
}

const describeIssues = (issues: MewsIssue[]) =>
  issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");

function errorBody(c: Context<CompatEnv>, code: HttpErrorCode, message: string, issues: MewsIssue[]) {
  return {
    Message: message,
    RequestId: c.get("requestId"),
    Details: { Code: code, Errors: issues.map((i) => ({ Path: i.path, Rule: i.rule, Message: i.message })) },
  };
}

/** The Mews body, as its request object; refusals in the Mews error shape. */
const MEWS_BODY_REFUSALS: Record<BodyRefusal, () => MewsFailure> = {
  too_large: () =>
    new MewsFailure(413, "PAYLOAD_TOO_LARGE", [], `the request body is larger than ${MAX_BODY_BYTES} bytes`),
  too_deep: () => new MewsFailure(400, "BAD_REQUEST", [], `Invalid JSON: nested deeper than ${MAX_JSON_DEPTH} levels.`),
  not_json: () => new MewsFailure(400, "BAD_REQUEST", [], "Invalid JSON: the request body is not valid JSON."),
  not_object: () => new MewsFailure(400, "BAD_REQUEST", [], "Invalid JSON: the request body must be a JSON object."),
};

function readBody(c: Context<CompatEnv>, beyondPrefix: (prefix: string) => Promise<void>) {
  return readJsonObject(c, { maxBytes: MAX_BODY_BYTES, beyondPrefix, refuse: (why) => MEWS_BODY_REFUSALS[why]() });
}

const envelope = z.object({
  ClientToken: z
    .string({ error: "required: a string naming the client application" })
    .min(1, { error: "must not be empty" }),
  Client: z
    .string({ error: "required: the name and version of the client application" })
    .min(1, { error: "must not be empty" }),
  LanguageCode: z.string().max(64).nullish(),
  CultureCode: z.string().max(64).nullish(),
});

function checkEnvelope(body: Record<string, unknown>) {
  const parsed = envelope.safeParse(body);
  if (parsed.success) return;
  throw new MewsFailure(
    400,
    "BAD_REQUEST",
    parsed.error.issues.map((i) => ({ path: i.path.join("."), rule: i.code, message: i.message })),
  );
}

/** One authenticated request and what its error mapping needs to know. */
class MewsCall {
  enterpriseIdAsFilter = false;
  assignmentChange: { service: ServiceContext; input: UpdateAssignmentsInput } | undefined;

  constructor(
    private readonly deps: CompatDeps,
    private readonly op: Operation,
    readonly body: Record<string, unknown>,
    readonly principal: Principal,
    readonly requestId: string,
    private readonly idempotencyKey: string | undefined,
  ) {}

  /** The tenant a write acts on (EnterpriseId, or the token's only one), with the same rules as tRPC. */
  scope(permission: Permission) {
    // Mews: "Required when using Portfolio Access Tokens, ignored otherwise."
    const wanted = this.singleEnterprise ? undefined : (this.body.EnterpriseId ?? undefined);
    let tenantLocator: string | undefined;
    if (wanted !== undefined) {
      const parsed = zTenantLocator.safeParse(wanted);
      if (!parsed.success) {
        throw new MewsFailure(400, "BAD_REQUEST", [{ path: "EnterpriseId", rule: "uuid", message: "must be a UUID" }]);
      }
      tenantLocator = parsed.data;
    }
    return {
      ...serviceFor(this.deps, this.principal, tenantLocator, permission, this.requestId),
      automationRules: "mews" as const,
    };
  }

  /** The token is bound to one enterprise: EnterpriseId is then ignored, as Mews ignores it. */
  get singleEnterprise() {
    return this.principal.grants.length === 1;
  }

  /** The operation's parameters in our names; unknown parameters and malformed wrappers are refused here. */
  translate(): Record<string, unknown> {
    const issues: MewsIssue[] = [];
    const out = translate(this.body, REQUESTS[this.op], "", issues, ENVELOPE_KEYS) as Record<string, unknown>;
    if (issues.length) throw new MewsFailure(400, "BAD_REQUEST", issues);
    return out;
  }

  translateWrite(): Record<string, unknown> {
    const out = this.translate();
    if (this.idempotencyKey !== undefined) out.idempotencyKey = this.idempotencyKey;
    return out;
  }
}
