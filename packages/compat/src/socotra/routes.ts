import {
  AppError,
  createHoldInput,
  type FieldIssue,
  listAccountHoldsInput,
  moveHoldInput,
  type Permission,
  updateHoldInput,
  zIdempotencyKey,
  zLocator,
  zTenantLocator,
} from "@holdfast/domain";
import {
  activateHold,
  createHold,
  discardHold,
  getHold,
  listAccountHolds,
  releaseHold,
  resetHold,
  type ServiceContext,
  updateHold,
  validateHold,
} from "@holdfast/services";
import { type Context, Hono } from "hono";
import type { CompatEnv } from "../app.ts";
import { jsonTooDeepAt, MAX_JSON_DEPTH, readBodyText } from "../body.ts";
import { type CompatDeps, principalFrom, serviceFor } from "../context.ts";
import { type HttpProblem, toHttpProblem } from "../http-errors.ts";
import {
  retargeted,
  SOCOTRA_TARGET_TYPES,
  toSocotraHold,
  toSocotraList,
  visibleToSocotra,
  zHoldCreateRequest,
  zHoldListQuery,
  zHoldUpdateRequest,
} from "./shapes.ts";

/**
 * Socotra's Billing Holds API (seeds/000), mounted at `/billing`:
 *
 *   GET   /billing/{tenantLocator}/holds/{locator}                            holds:read
 *   GET   /billing/{tenantLocator}/holds/accounts/{accountLocator}/list      holds:list
 *   POST  /billing/{tenantLocator}/holds                                      holds:write
 *   PATCH /billing/{tenantLocator}/holds/{locator}                            holds:write
 *   PATCH /billing/{tenantLocator}/holds/{locator}/validate|activate|release|reset|discard   holds:write
 *
 * Each route calls the same service as the tRPC procedure of the same name
 * (holds.get, holds.listByAccount, holds.create, …) with the same permission,
 * so tenancy, rules, audit and idempotency are the tRPC ones. The list needs
 * `holds:list`, as `holds.listByAccount` does (the seed names `read,list`).
 *
 * Auth: `Authorization: Bearer <token>`. The path's tenantLocator must be a
 * UUID (400) and one of the token's tenants: any other answers 404, exactly
 * like an unknown hold. Mutations take an optional `Idempotency-Key` header
 * (Stripe semantics, as the services implement them). Successful answers are
 * 200 with a HoldResponse or HoldListResponse (see ./shapes.ts).
 *
 * Errors, every one of them, have one body:
 *
 *     { "error": { "status": 409, "code": "INVALID_TRANSITION",
 *                  "message": "Cannot release a hold in state draft; allowed moves: update, validate, discard.",
 *                  "issues": [] } }
 *     { "error": { "status": 400, "code": "BAD_REQUEST", "message": "targetType: Invalid option: …",
 *                  "issues": [ { "path": "targetType", "rule": "invalid_value", "message": "Invalid option: …" } ] } }
 *
 * `status` repeats the HTTP status; `code` is our application error code
 * (BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, INVALID_TRANSITION,
 * HOLD_ENDED, HOLD_INVALID, VERSION_CONFLICT, CONCURRENT_MODIFICATION,
 * IDEMPOTENCY_KEY_REUSED, PAYLOAD_TOO_LARGE, METHOD_NOT_ALLOWED, INTERNAL);
 * `issues` lists field problems (empty when none).
 *
 * Only holds of invoicing or delinquency exist here (see shapes.ts): any
 * other hold is 404 on every route and left out of the list. Statuses: 400 bad input,
 * 401 no or bad token, 403 missing permission, 404 unknown or foreign hold,
 * account or tenant (and unknown route), 405 wrong method on a known path,
 * 409 a move the state does not allow (or a hold past its end date, or a
 * concurrent change), 412 an activation whose re-check fails, 413 a body over
 * 1 MiB, 422 an idempotency key reused with another body, 500 never with a
 * stack or SQL.
 */

export const SOCOTRA_MAX_BODY_BYTES = 1024 * 1024;

const MOVES = {
  validate: validateHold,
  activate: activateHold,
  release: releaseHold,
  reset: resetHold,
  discard: discardHold,
} as const;

type Ctx = Context<CompatEnv>;

function errorResponse(c: Ctx, e: HttpProblem) {
  if (e.status === 401) c.header("WWW-Authenticate", 'Bearer realm="holdfast"');
  return c.json({ error: { status: e.status, code: e.code, message: e.message, issues: e.issues } }, e.status as 400);
}

function badRequest(issues: FieldIssue[]): never {
  throw AppError.badRequest(issues);
}

export function socotraRoutes(deps: CompatDeps) {
  const app = new Hono<CompatEnv>();

  /**
   * Every route: authenticate, check the path's tenant and the permission
   * exactly as tRPC does, run, and turn any error into the one error body.
   */
  const route =
    (permission: Permission, run: (c: Ctx, service: ServiceContext) => Promise<unknown>) => async (c: Ctx) => {
      try {
        const principal = await principalFrom(deps, c, c.req.header("authorization"));
        const tenant = zTenantLocator.safeParse(c.req.param("tenant"));
        if (!tenant.success) {
          badRequest([{ path: "tenantLocator", rule: "uuid", message: "the path's tenantLocator must be a UUID" }]);
        }
        const service = serviceFor(deps, principal, tenant.data, permission, c.get("requestId"));
        return c.json((await run(c, service)) as object, 200);
      } catch (e) {
        const problem = toHttpProblem(e);
        if (problem.status >= 500) {
          deps.logger?.error({ err: e, requestId: c.get("requestId"), path: c.req.path }, "socotra route failed");
        }
        return errorResponse(c, problem);
      }
    };

  app.get(
    "/:tenant/holds/accounts/:accountLocator/list",
    route("holds:list", async (c, service) => {
      const query = zHoldListQuery.parse(queryObject(c));
      const input = listAccountHoldsInput.parse({
        accountLocator: locatorParam(c, "accountLocator", "accountLocator"),
        ...query,
        processes: SOCOTRA_TARGET_TYPES,
      });
      return toSocotraList(await listAccountHolds(service, input), input.extended);
    }),
  );

  app.get(
    "/:tenant/holds/:locator",
    route("holds:read", async (c, service) => toSocotraHold(await getHold(service, { locator: locatorParam(c) }))),
  );

  app.post(
    "/:tenant/holds",
    route("holds:write", async (c, service) => {
      const body = zHoldCreateRequest.parse(await jsonBody(c, { required: true }));
      const input = createHoldInput.parse({
        accountLocator: body.accountLocator,
        targets: [{ process: body.targetType }],
        startDate: body.startDate,
        endDate: body.endDate,
        comments: body.comments,
        idempotencyKey: idempotencyKey(c),
      });
      return toSocotraHold(await createHold(service, input));
    }),
  );

  app.patch(
    "/:tenant/holds/:locator",
    route("holds:write", async (c, service) => {
      const locator = locatorParam(c);
      const body = zHoldUpdateRequest.parse(await jsonBody(c, { required: false }));
      const current = visibleToSocotra(await getHold(service, { locator }));
      const input = updateHoldInput.parse({
        locator,
        accountLocator: body.accountLocator,
        targets: body.targetType ? retargeted(current, body.targetType) : undefined,
        idempotencyKey: idempotencyKey(c),
      });
      return toSocotraHold(await updateHold(service, input));
    }),
  );

  for (const [move, run] of Object.entries(MOVES)) {
    app.patch(
      `/:tenant/holds/:locator/${move}`,
      route("holds:write", async (c, service) => {
        // Socotra's moves take no body; one sent is not read.
        const input = moveHoldInput.parse({ locator: locatorParam(c), idempotencyKey: idempotencyKey(c) });
        visibleToSocotra(await getHold(service, { locator: input.locator }));
        return toSocotraHold(await run(service, input));
      }),
    );
  }

  // Anything else under /billing: 405 on a known path, else 404, in the same error body.
  app.all("*", (c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length) {
      c.header("Allow", allowed.join(", "));
      const message = `${c.req.method} is not allowed here; allowed: ${allowed.join(", ")}`;
      return errorResponse(c, toHttpProblem(new AppError("METHOD_NOT_ALLOWED", message)));
    }
    return errorResponse(c, toHttpProblem(new AppError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`)));
  });

  return app;
}

/** The path's hold (or account) locator: a ULID, else 400 naming the parameter. */
function locatorParam(c: Ctx, param = "locator", name = "locator"): string {
  const parsed = zLocator.safeParse(c.req.param(param));
  if (!parsed.success)
    badRequest([
      { path: name, rule: "ulid", message: `the path's ${name} must be a ULID (26 characters, Crockford base32)` },
    ]);
  return parsed.data;
}

/** The `Idempotency-Key` header, checked like the tRPC `idempotencyKey` field. */
function idempotencyKey(c: Ctx): string | undefined {
  const raw = c.req.header("idempotency-key");
  if (raw === undefined) return undefined;
  const parsed = zIdempotencyKey.safeParse(raw);
  if (!parsed.success) {
    badRequest([
      {
        path: "Idempotency-Key",
        rule: "idempotency_key",
        message: "must be 1 to 255 printable ASCII characters without spaces",
      },
    ]);
  }
  return parsed.data;
}

/** Query parameters as an object; a parameter sent twice is refused. */
function queryObject(c: Ctx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(c.req.queries())) {
    if (values.length > 1)
      badRequest([{ path: key, rule: "repeated", message: `query parameter ${key} is given more than once` }]);
    out[key] = values[0] ?? "";
  }
  return out;
}

const tooLarge = () =>
  new AppError("PAYLOAD_TOO_LARGE", `the request body is larger than ${SOCOTRA_MAX_BODY_BYTES} bytes`, {
    issues: [{ path: "(body)", rule: "max_size", message: `at most ${SOCOTRA_MAX_BODY_BYTES} bytes` }],
  });

/**
 * The JSON body, read once the token has authenticated, up to the limit and
 * at most {@link MAX_JSON_DEPTH} deep. A body that is not JSON is 400; an
 * empty one is `{}` unless required.
 */
async function jsonBody(c: Ctx, opts: { required: boolean }): Promise<unknown> {
  const text = await readBodyText(c, { maxBytes: SOCOTRA_MAX_BODY_BYTES, tooLarge });
  if (jsonTooDeepAt(text) >= 0) {
    badRequest([{ path: "(body)", rule: "max_depth", message: `nested deeper than ${MAX_JSON_DEPTH} levels` }]);
  }
  if (text.trim() === "") {
    if (opts.required) badRequest([{ path: "(body)", rule: "required", message: "a JSON body is required" }]);
    return {};
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return badRequest([
      { path: "(body)", rule: "json", message: `the body is not valid JSON: ${(e as Error).message}` },
    ]);
  }
}

const KNOWN_PATHS: { re: RegExp; methods: string[] }[] = [
  { re: /\/holds$/, methods: ["POST"] },
  { re: /\/holds\/accounts\/[^/]+\/list$/, methods: ["GET"] },
  { re: /\/holds\/[^/]+\/(validate|activate|release|reset|discard)$/, methods: ["PATCH"] },
  { re: /\/holds\/[^/]+$/, methods: ["GET", "PATCH"] },
];

function allowedMethods(path: string): string[] {
  const rest = path.replace(/^\/billing\/[^/]+/, "");
  if (rest === path) return [];
  return KNOWN_PATHS.find((p) => p.re.test(rest))?.methods ?? [];
}
