import { AppError, isAppError, type Permission, zTenantLocator } from "@holdfast/domain";
import {
  type ActingContext,
  databaseAppError,
  type PortfolioContext,
  portfolioTenantIds,
  resolveTenantGrant,
  type ServiceContext,
} from "@holdfast/services";
import { getTRPCErrorFromUnknown, initTRPC, type TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import type { Context } from "./context.ts";
import { errorData, toTrpcError } from "./errors.ts";
import { routeReads } from "./read-routing.ts";
import { checkCsrf } from "./session-cookie.ts";

const t = initTRPC.context<Context>().create({
  isDev: false,
  errorFormatter({ shape, error, ctx, path }) {
    const { message, data } = errorData(error);
    if (error.code === "INTERNAL_SERVER_ERROR") {
      ctx?.logger?.error({ err: error.cause ?? error, path, requestId: ctx.requestId }, "procedure failed");
    }
    return {
      message,
      code: shape.code,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        requestId: ctx?.requestId,
        ...data,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Our own errors to their tRPC codes; tRPC's (PARSE_ERROR, METHOD_NOT_SUPPORTED, …) keep their code. */
function mapError(error: TRPCError): never {
  const cause = error.cause;
  const known = isAppError(cause) || cause instanceof ZodError ? cause : databaseAppError(cause);
  throw known ? toTrpcError(known) : error;
}

/**
 * Every procedure, in one middleware (each level of tRPC's middleware chain
 * copies its options): queries may read from the replica, a mutation's caller
 * reads the primary until the replica has its write; then application errors
 * become their tRPC codes, in one place.
 */
const base = t.procedure.use(async ({ ctx, type, next }) => {
  let result: Awaited<ReturnType<typeof next>>;
  try {
    result = await routeReads(ctx, ctx.principal, type, (readDb) => (readDb ? next({ ctx: { readDb } }) : next()));
  } catch (e) {
    mapError(getTRPCErrorFromUnknown(e));
  }
  if (!result.ok) mapError(result.error);
  return result;
});

/** Who acts and from where, before a tenant is chosen: the caller's credential, or anonymous. */
function actingContext(ctx: Context): ActingContext {
  const p = ctx.principal;
  return {
    db: ctx.db,
    readDb: ctx.readDb,
    clock: ctx.clock,
    actor: p?.actor ?? { type: "anonymous", id: ctx.clientIp ?? "unknown", name: "anonymous caller" },
    requestId: ctx.requestId,
    credentialId: p?.credentialId ?? null,
    clientIp: ctx.clientIp ?? null,
    userAgent: ctx.userAgent ?? null,
    ...(p ? { grants: p.grants } : {}),
    secrets: ctx.secrets,
    allowPrivateWebhooks: ctx.allowPrivateWebhooks,
  };
}

/** No credential needed (sign-in, set-password links). `ctx.acting` acts anonymously. */
export const publicProcedure = base.use(({ ctx, next }) => next({ ctx: { acting: actingContext(ctx) } }));

/** The caller's credential, checked (and the anti-CSRF header of a cookie's mutation), and who acts. */
function authenticated(ctx: Context, type: string) {
  const principal = ctx.principal;
  if (!principal) throw new AppError("UNAUTHORIZED", "a valid bearer token is required");
  checkCsrf(ctx, type);
  return { principal, acting: actingContext(ctx) };
}

/** Any valid credential; no tenant involved. `ctx.acting` acts as the caller. */
export const authedProcedure = base.use(({ ctx, type, next }) => next({ ctx: authenticated(ctx, type) }));

/**
 * A tenant-scoped procedure needing one permission. The tenant is the input's
 * `tenantLocator`, or the caller's only tenant. A tenant the caller is not
 * bound to answers NOT_FOUND, like any foreign locator. The credential is
 * checked first, as for `authedProcedure`, in the same middleware.
 */
export function scopedProcedure(permissionFor: Permission | ((rawInput: unknown) => Permission | null)) {
  return base.use(async ({ ctx, type, next, getRawInput }) => {
    const { principal, acting } = authenticated(ctx, type);
    const raw = (await getRawInput()) as { tenantLocator?: unknown } | undefined;
    // null: the input is malformed; any grant in the tenant may proceed to input validation.
    const permission = typeof permissionFor === "function" ? permissionFor(raw) : permissionFor;
    const wanted = raw && typeof raw === "object" ? raw.tenantLocator : undefined;
    if (wanted !== undefined && !zTenantLocator.safeParse(wanted).success) {
      throw AppError.badRequest([{ path: "tenantLocator", rule: "uuid", message: "must be a UUID" }]);
    }
    const grant = resolveTenantGrant(principal, wanted as string | undefined, permission);
    const service: ServiceContext = { ...acting, tenantId: grant.tenantId };
    return next({ ctx: { principal, acting, service } });
  });
}

/**
 * A procedure that may read across every tenant the caller holds this
 * permission in (Mews portfolio access). Tenants without it are left out.
 * `ctx.service` is a portfolio context: the tenants instead of one tenant.
 */
export function portfolioProcedure(permission: Permission) {
  return authedProcedure.use(({ ctx, next }) => {
    const service: PortfolioContext = {
      db: ctx.db,
      readDb: ctx.readDb,
      clock: ctx.clock,
      actor: ctx.principal.actor,
      requestId: ctx.requestId,
      tenantIds: portfolioTenantIds(ctx.principal, permission),
    };
    return next({ ctx: { service } });
  });
}
