import {
  AppError,
  amendHoldInput,
  createHoldInput,
  type FieldIssue,
  type HoldOutput,
  type HoldProcess,
  isAppError,
  type Permission,
  ULID_RE,
  zTenantLocator,
} from "@holdfast/domain";
import {
  amendHold,
  createActiveHold,
  findAccount,
  getHold,
  getHoldByOrmbId,
  type ServiceContext,
} from "@holdfast/services";
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { CompatEnv } from "../app.ts";
import { readBodyText } from "../body.ts";
import { type CompatDeps, principalFrom, serviceFor } from "../context.ts";
import { toHttpProblem } from "../http-errors.ts";
import { LenientJsonError, parseLenientJson } from "./lenient-json.ts";
import {
  type CreateHoldRequest,
  ENVELOPES,
  type EnvelopeFields,
  type EnvelopeKind,
  envelope,
  holdEnvelopeFields,
  ORMB_ID_RE,
  ormbIssues,
  processOf,
  processOrder,
  type UpdateHoldRequest,
} from "./shapes.ts";

/**
 * The ORMB-style hold-request service (seeds/002), mounted at `/ormb/hold-requests`:
 *
 *   POST /ormb/hold-requests/update   { "UpdateHoldRequest": {…} }   holds:write   → amendHold
 *   POST /ormb/hold-requests/create   { "CreateHoldRequest": {…} }   holds:write   → createActiveHold
 *   POST /ormb/hold-requests/read     { "ReadHoldRequest": { "holdRequestId": "…" } }   holds:read → getHold
 *
 * Bodies are read by the lenient reader (./lenient-json.ts): the samples'
 * repeated `holdProcessData`/`characteristics` keys become lists, and their
 * trailing and missing commas are tolerated. Field mapping: ./shapes.ts.
 *
 * Auth is `Authorization: Bearer <token>`. The tenant is the token's only
 * one, or, for a token bound to several, the `X-Tenant-Locator` header (a
 * UUID); a tenant the token is not bound to answers 404, like any foreign id.
 *
 * Every answer is the route's envelope (`{ "UpdateHoldRequest": {…} }`), with
 * `requestProcessStatus` `Success` or `Failure`:
 *
 *  - 200 Success: the request's fields echoed (update, as the seed's sample:
 *    characteristics it deleted are left out) or the hold's (create, read),
 *    with `holdRequestId` (create and read: the hold's ORMB id; update: as
 *    sent) and, for create and read, `holdRequestStatus` (our
 *    state: draft, validated, active, released, discarded);
 *  - 200 Failure: a business refusal of a well-formed request, with the
 *    request echoed and `errormsg`: "The hold request is not in the active
 *    status." for a hold that is not active, an `entityId` that is not the
 *    hold's account, a rule the result would break (dates, overlaps; then
 *    `issues` lists each), a hold past its end date, a reused
 *    `externalTransactionId` with another body, a `create` whose
 *    `holdRequestId` the tenant already has, a characteristic Delete of one
 *    the hold does not have, a concurrent change;
 *  - 400 malformed input (not readable, wrong envelope, a field's type or
 *    format), 401 no or bad token, 403 missing permission, 413 a body over
 *    1 MiB: Failure with `errormsg` and `issues`, nothing echoed;
 *  - 404 an unknown `holdRequestId` (digits: an ORMB id; a ULID: a locator;
 *    anything else is simply unknown): Failure with the request echoed;
 *  - 405 another method, 404 another path; 500 never with a stack or SQL.
 *
 * `create` makes an ACTIVE hold: one use case creates, validates and
 * activates it in one transaction. When a rule fails, nothing is stored and
 * the answer is a Failure listing every problem, with `holdRequestStatus`
 * "discarded" and no `holdRequestId`. `externalTransactionId` is the
 * idempotency key: a retry after a lost answer gets the first answer again,
 * neither a second hold nor a failure.
 */

export const ORMB_MAX_BODY_BYTES = 1024 * 1024;
export const TENANT_HEADER = "x-tenant-locator";

type Ctx = Context<CompatEnv>;

const tooLarge = () =>
  new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${ORMB_MAX_BODY_BYTES} bytes.`, {
    issues: [{ path: "(body)", rule: "max_size", message: `at most ${ORMB_MAX_BODY_BYTES} bytes` }],
  });

/** A well-formed request the domain refused: 200 with a Failure envelope. */
class BusinessFailure extends Error {
  constructor(
    readonly errormsg: string,
    readonly issues: FieldIssue[] = [],
    readonly extra: EnvelopeFields = {},
  ) {
    super(errormsg);
  }
}

/** Runs a service call; a refusal other than not found becomes a business Failure. */
async function business<T>(fn: () => Promise<T>, processes?: readonly HoldProcess[]): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isAppError(e) && !["NOT_FOUND", "UNAUTHORIZED", "FORBIDDEN"].includes(e.code)) throw failureOf(e, processes);
    throw e;
  }
}

/**
 * A domain refusal in the envelope's terms: its issues' paths, and a message
 * naming them. A hold request the rules refuse (HOLD_INVALID) was not stored:
 * its status is "discarded".
 */
function failureOf(e: AppError, processes?: readonly HoldProcess[]): BusinessFailure {
  const issues = ormbIssues(e.issues, processes);
  if (e.code === "HOLD_INVALID") {
    return new BusinessFailure(
      `The hold request failed validation: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      issues,
      { holdRequestStatus: "discarded" },
    );
  }
  const message =
    e.code === "BAD_REQUEST" && issues.length
      ? issues.map((i) => `${i.path}: ${i.message}`).join("; ")
      : e.message.replace(/^idempotencyKey\b/, "externalTransactionId");
  return new BusinessFailure(message, issues);
}

const list = <T>(v: T[] | undefined) => v ?? [];

export function ormbRoutes(deps: CompatDeps) {
  const app = new Hono<CompatEnv>();

  const route =
    <K extends EnvelopeKind>(
      kind: K,
      permission: Permission,
      run: (
        req: z.output<(typeof ENVELOPES)[K]["schema"]>,
        service: ServiceContext,
        echo: EnvelopeFields,
      ) => Promise<object>,
    ) =>
    async (c: Ctx) => {
      // What the answer echoes: set once the request is known to be well formed.
      const echo: EnvelopeFields = {};
      let wellFormed = false;
      try {
        const principal = await principalFrom(deps, c, c.req.header("authorization"));
        const header = c.req.header(TENANT_HEADER);
        const tenant = header === undefined ? undefined : zTenantLocator.safeParse(header);
        if (tenant && !tenant.success) {
          throw AppError.badRequest([{ path: "X-Tenant-Locator", rule: "uuid", message: "must be a UUID" }]);
        }
        const service = serviceFor(deps, principal, tenant?.data, permission, c.get("requestId"));
        const req = readEnvelope(kind, await readBodyText(c, { maxBytes: ORMB_MAX_BODY_BYTES, tooLarge }));
        Object.assign(echo, req);
        wellFormed = true;
        return c.json(await run(req, service, echo), 200);
      } catch (e) {
        if (e instanceof BusinessFailure) {
          return c.json(
            envelope(kind, "Failure", { ...echo, ...e.extra }, { errormsg: e.errormsg, issues: e.issues }),
            200,
          );
        }
        const problem = toHttpProblem(e);
        if (problem.status >= 500) {
          deps.logger?.error({ err: e, requestId: c.get("requestId"), path: c.req.path }, "ormb route failed");
        }
        const issues = ormbIssues(problem.issues);
        const errormsg =
          e instanceof z.ZodError ? issues.map((i) => `${i.path}: ${i.message}`).join("; ") : problem.message;
        if (problem.status === 401) c.header("WWW-Authenticate", 'Bearer realm="holdfast"');
        // Only a well-formed request is echoed: a 404 for an unknown holdRequestId.
        const fields = wellFormed && problem.status === 404 ? echo : {};
        return c.json(envelope(kind, "Failure", fields, { errormsg, issues }), problem.status as 400);
      }
    };

  app.post(
    "/update",
    route("update", "holds:write", async (req, service, echo) => {
      // The shared schema first: a malformed amendment is 400 whatever the hold.
      const amendment = amendHoldInput.omit({ locator: true }).parse(amendmentOf(req));
      const hold = await holdByRequestId(service, req.holdRequestId);
      await requireEntity(service, req.entityId, hold);
      const input = { ...amendment, locator: hold.locator };
      const processes = processOrder([
        ...hold.targets.map((t) => t.process),
        ...list(input.targets).map((t) => t.process),
      ]);
      await business(() => amendHold(service, input), processes);
      // As the seed's success sample: the characteristics it deleted are no longer listed.
      return envelope("update", "Success", {
        ...echo,
        characteristics: list(req.characteristics).filter((ch) => ch.action !== "Delete"),
      });
    }),
  );

  app.post(
    "/create",
    route("create", "holds:write", async (req, service, echo) => {
      // The shared schema first: a malformed hold request is 400 whatever the entity.
      const creation = createHoldInput.omit({ accountLocator: true }).parse(creationOf(req));
      const account = await findAccount(service.db, service.tenantId, req.entityId);
      if (!account) {
        const message = `entityId ${req.entityId} is not an account of this tenant`;
        throw new BusinessFailure(message, [{ path: "entityId", rule: "account_not_found", message }]);
      }
      const input = { ...creation, accountLocator: account.id };
      const processes = processOrder(input.targets.map((t) => t.process));
      const hold = await business(() => createActiveHold(service, input), processes);
      return envelope("create", "Success", {
        ...echo,
        holdRequestId: String(hold.ormbId),
        holdRequestStatus: hold.holdState,
      });
    }),
  );

  app.post(
    "/read",
    route("read", "holds:read", async (req, service) => {
      const hold = await holdByRequestId(service, req.holdRequestId);
      const account = await findAccount(service.db, service.tenantId, hold.accountLocator);
      return envelope("read", "Success", holdEnvelopeFields(hold, account?.externalId ?? hold.accountLocator));
    }),
  );

  app.all("*", (c) => {
    const kind = kindOfPath(c.req.path);
    if (kind) {
      c.header("Allow", "POST");
      return c.json(envelope(kind, "Failure", {}, { errormsg: `${c.req.method} is not allowed here; use POST.` }), 405);
    }
    return c.json(
      {
        HoldRequest: {
          requestProcessStatus: "Failure",
          errormsg: `No route ${c.req.method} ${c.req.path}; use /update, /create or /read.`,
        },
      },
      404,
    );
  });

  return app;
}

function kindOfPath(path: string): EnvelopeKind | undefined {
  const last = path.replace(/\/+$/, "").split("/").at(-1);
  return last === "update" || last === "create" || last === "read" ? last : undefined;
}

/** The lenient body, then the route's envelope: `{ "<Kind>HoldRequest": {…} }` and nothing else. */
function readEnvelope<K extends EnvelopeKind>(kind: K, text: string): z.output<(typeof ENVELOPES)[K]["schema"]> {
  const { key, schema } = ENVELOPES[kind];
  if (text.trim() === "") {
    throw AppError.badRequest([
      { path: "(body)", rule: "required", message: `a body { "${key}": { … } } is required` },
    ]);
  }
  let raw: unknown;
  try {
    raw = parseLenientJson(text, { maxLength: ORMB_MAX_BODY_BYTES });
  } catch (e) {
    if (e instanceof LenientJsonError) {
      throw AppError.badRequest([
        { path: "(body)", rule: `json_${e.rule}`, message: `the body cannot be read: ${e.message}` },
      ]);
    }
    throw e;
  }
  const outer = z.strictObject({ [key]: z.unknown() }).safeParse(raw);
  if (!outer.success || outer.data[key] === undefined) {
    throw AppError.badRequest([
      { path: "(body)", rule: "envelope", message: `the body must be one object { "${key}": { … } } and nothing else` },
    ]);
  }
  return schema.parse(outer.data[key]) as z.output<(typeof ENVELOPES)[K]["schema"]>;
}

/** A hold of the tenant by its ORMB id (digits) or its locator (a ULID); any other id is simply not found. */
async function holdByRequestId(service: ServiceContext, holdRequestId: string): Promise<HoldOutput> {
  const notFound = AppError.notFound("hold request", holdRequestId);
  const ormbId = ORMB_ID_RE.test(holdRequestId) ? Number(holdRequestId) : undefined;
  if (ormbId === undefined && !ULID_RE.test(holdRequestId)) throw notFound;
  try {
    if (ormbId !== undefined) {
      if (ormbId > Number.MAX_SAFE_INTEGER) throw notFound;
      return await getHoldByOrmbId(service, { ormbId });
    }
    return await getHold(service, { locator: holdRequestId });
  } catch (e) {
    throw isAppError(e) && e.code === "NOT_FOUND" ? notFound : e;
  }
}

/** `entityId`, when sent, must name the hold's account (by external id or locator). */
async function requireEntity(service: ServiceContext, entityId: string | undefined, hold: HoldOutput) {
  if (entityId === undefined) return;
  const account = await findAccount(service.db, service.tenantId, entityId);
  if (!account || account.id !== hold.accountLocator) {
    const message = `entityId ${entityId} is not the account of hold request ${hold.locator}`;
    throw new BusinessFailure(message, [{ path: "entityId", rule: "entity_mismatch", message }]);
  }
}

function amendmentOf(req: UpdateHoldRequest) {
  return {
    idempotencyKey: req.externalTransactionId,
    endDate: req.holdEndDate ?? req.entityEndDate,
    entityEndDate: req.entityEndDate,
    sourceSystem: req.sourceSystem,
    externalSourceId: req.externalSourceId,
    comments: req.holdComments,
    targets: req.holdProcessData?.map((p) => ({
      process: processOf(p.holdProcess),
      startDate: p.holdProcessStartDate,
      endDate: p.holdProcessEndDate,
    })),
    characteristics: req.characteristics?.map((ch) => ({
      action: ch.action,
      type: ch.characteristicType,
      value: ch.characteristicValue,
      effectiveDate: ch.effectiveDate,
    })),
  };
}

function creationOf(req: CreateHoldRequest) {
  return {
    idempotencyKey: req.externalTransactionId,
    targets: req.holdProcessData.map((p) => ({
      process: processOf(p.holdProcess),
      startDate: p.holdProcessStartDate,
      endDate: p.holdProcessEndDate,
    })),
    startDate: req.holdStartDate,
    endDate: req.holdEndDate ?? req.entityEndDate,
    entityEndDate: req.entityEndDate,
    ormbId: req.holdRequestId === undefined ? undefined : Number(req.holdRequestId),
    comments: req.holdComments,
    characteristics: req.characteristics?.map((ch) => ({
      type: ch.characteristicType,
      value: ch.characteristicValue,
      effectiveDate: ch.effectiveDate,
    })),
    sourceSystem: req.sourceSystem,
    externalSourceId: req.externalSourceId,
    externalTransactionId: req.externalTransactionId,
  };
}
