import { AppError, isAppError, type Permission, zTenantLocator } from "@holdfast/domain";
import {
  type ActingContext,
  databaseAppError,
  type PortfolioContext,
  portfolioTenantIds,
  resolveTenantGrant,
  type ServiceContext,
} from "@holdfast/services";
import { initTRPC } from "@trpc/server";
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

/** Every procedure: application errors become their tRPC codes, in one place. */
const mapped = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    // Unwrap only our own errors; tRPC's (PARSE_ERROR, METHOD_NOT_SUPPORTED, …) keep their code.
    const cause = result.error.cause;
    const known = isAppError(cause) || cause instanceof ZodError ? cause : databaseAppError(cause);
    throw known ? toTrpcError(known) : result.error;
  }
  return result;
});

/** Queries may read from the replica; a mutation's caller reads the primary until the replica has its write. */
const base = mapped.use(({ ctx, type, next }) =>
  routeReads(ctx, ctx.principal, type, (readDb) => (readDb ? next({ ctx: { readDb } }) : next())),
);

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
export const publicProcedure = base.use(({ ctx, next }) => next({ ctx: { ...ctx, acting: actingContext(ctx) } }));

/** Any valid credential; no tenant involved. `ctx.acting` acts as the caller. */
export const authedProcedure = base.use(({ ctx, type, next }) => {
  if (!ctx.principal) throw new AppError("UNAUTHORIZED", "a valid bearer token is required");
  checkCsrf(ctx, type);
  return next({ ctx: { ...ctx, principal: ctx.principal, acting: actingContext(ctx) } });
});

/**
 * A tenant-scoped procedure needing one permission. The tenant is the input's
 * `tenantLocator`, or the caller's only tenant. A tenant the caller is not
 * bound to answers NOT_FOUND, like any foreign locator.
 */
export function scopedProcedure(permissionFor: Permission | ((rawInput: unknown) => Permission | null)) {
  return authedProcedure.use(async ({ ctx, next, getRawInput }) => {
    const raw = (await getRawInput()) as { tenantLocator?: unknown } | undefined;
    // null: the input is malformed; any grant in the tenant may proceed to input validation.
    const permission = typeof permissionFor === "function" ? permissionFor(raw) : permissionFor;
    const wanted = raw && typeof raw === "object" ? raw.tenantLocator : undefined;
    if (wanted !== undefined && !zTenantLocator.safeParse(wanted).success) {
      throw AppError.badRequest([{ path: "tenantLocator", rule: "uuid", message: "must be a UUID" }]);
    }
    const grant = resolveTenantGrant(ctx.principal, wanted as string | undefined, permission);
    const service: ServiceContext = { ...ctx.acting, tenantId: grant.tenantId };
    return next({ ctx: { ...ctx, service } });
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
    return next({ ctx: { ...ctx, service } });
  });
}
