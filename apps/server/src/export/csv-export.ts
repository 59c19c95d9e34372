import type http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type ApiDeps,
  createContext,
  errorData,
  readDbFor,
  readOrFallBack,
  type SessionCookie,
  toTrpcError,
} from "@holdfast/api";
import { jsonTooDeepAt, MAX_JSON_DEPTH, type RequestLimiter } from "@holdfast/compat";
import { AppError, isAppError, zTenantLocator } from "@holdfast/domain";
import {
  databaseAppError,
  type Principal,
  resolveTenantGrant,
  type ServiceContext,
  tenantToday,
} from "@holdfast/services";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { stringify } from "csv-stringify";
import type { Logger } from "pino";
import { ZodError } from "zod";
import { clientIpOf } from "../edge.ts";
import { type Cell, EXPORT_LISTS, type ExportList } from "./lists.ts";

/** Rows read from the list service per query. */
export const EXPORT_PAGE_SIZE = 500;

export interface CsvExportOptions {
  deps: ApiDeps;
  logger: Logger;
  limiter: RequestLimiter | null;
  onPrincipal: (req: http.IncomingMessage, principal: Principal) => void;
  sessionCookie: (req: http.IncomingMessage, res: http.ServerResponse) => SessionCookie;
  pageSize?: number;
}

/**
 * OWASP's CSV injection defence: a text cell a spreadsheet would read as a
 * formula (starting with =, +, -, @, a tab or a carriage return) is prefixed
 * with a single quote. Numbers are written as numbers.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * The CSV export of the registered lists, in this order: the credential
 * (bearer token, else the dashboard's session cookie) is checked (401) and
 * the request admitted by the limiter (429); the list must exist (404) and be
 * read with GET (405); the tenant is resolved and the permission checked
 * (404 for a tenant not the caller's, 403); the filters are parsed with the
 * list's own schema (400 naming the field and rule). The first page is read
 * before the 200 goes out, so a failing database still answers with a status;
 * later pages stream with backpressure (a slow reader pauses the reads, a
 * reader who leaves stops them). An export is a read: it writes no audit
 * row, and the request log says who exported which list and how many rows.
 */
export function createCsvExport(opts: CsvExportOptions) {
  const pageSize = opts.pageSize ?? EXPORT_PAGE_SIZE;
  return async (req: http.IncomingMessage, res: http.ServerResponse, requestId: string) => {
    const url = new URL(req.url ?? "/", "http://holdfast");
    const name = /^\/export\/([a-z-]+)\.csv$/.exec(url.pathname)?.[1];
    const entry = name && Object.hasOwn(EXPORT_LISTS, name) ? EXPORT_LISTS[name] : undefined;
    const path = `export.${entry ? name : "unknown"}`;
    const refuse = (e: unknown) => refuseExport(res, e, { requestId, path, logger: opts.logger });
    try {
      const context = await createContext(opts.deps, {
        authorization: req.headers.authorization,
        requestId,
        sessionCookie: opts.sessionCookie(req, res),
        clientIp: clientIpOf(req),
        userAgent: req.headers["user-agent"],
      });
      const principal = context.principal;
      if (principal) opts.onPrincipal(req, principal);
      if (opts.limiter) {
        const admission = opts.limiter.admit(
          principal ? `credential:${principal.credentialId}` : `ip:${clientIpOf(req)}`,
        );
        for (const [header, value] of Object.entries(admission.headers)) res.setHeader(header, value);
        if (!admission.ok) {
          const wait = admission.headers["Retry-After"] ?? "1";
          return refuse(new AppError("TOO_MANY_REQUESTS", `too many requests; retry after ${wait} s`));
        }
        res.once("close", admission.release);
      }
      if (!principal) return refuse(new AppError("UNAUTHORIZED", "a valid bearer token or session is required"));
      if (!entry) return refuse(new AppError("NOT_FOUND", `no list is exported at ${url.pathname}`));
      if (req.method !== "GET") {
        res.setHeader("Allow", "GET");
        return refuse(new AppError("METHOD_NOT_ALLOWED", "an export is read with GET"));
      }

      const raw = readInput(url.searchParams.get("input"));
      const grant = resolveTenantGrant(principal, raw.tenantLocator as string | undefined, entry.permission);
      const paging = entry.pagingKeys.filter((k) => k in raw);
      if (paging.length) {
        throw AppError.badRequest(
          paging.map((k) => ({ path: k, rule: "export_pages", message: "the export reads every page itself" })),
        );
      }
      const filters = entry.filters.parse(raw);
      const asked: ServiceContext = {
        db: context.db,
        // An export is a read: from the replica when the caller's reads may go there.
        readDb: await readDbFor(opts.deps, principal),
        clock: context.clock,
        actor: principal.actor,
        requestId,
        credentialId: principal.credentialId,
        clientIp: context.clientIp ?? null,
        userAgent: context.userAgent ?? null,
        grants: principal.grants,
        tenantId: grant.tenantId,
      };
      // A replica that fails under the first page leaves the export on the primary.
      const [ctx, [first, today]] = await readOrFallBack(opts.deps, asked, (c) =>
        Promise.all([entry.page(c, filters, null, pageSize), tenantToday(c.db, c.clock, c.tenantId)]),
      );
      res.writeHead(200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${entry.name}-${today}.csv"`,
      });
      const counted = { rows: 0 };
      await pipeline(
        Readable.from(rowsOf(entry, ctx, filters, first, pageSize, counted)),
        stringify({
          header: true,
          columns: entry.columns.map(([header]) => header),
          cast: { string: neutraliseCell, boolean: (b) => (b ? "true" : "false") },
        }),
        res,
      ).then(
        () =>
          opts.logger.info(
            { requestId, export: entry.name, rows: counted.rows, credentialId: principal.credentialId },
            "export",
          ),
        (err: unknown) => opts.logger.warn({ err, requestId, export: entry.name, rows: counted.rows }, "export cut"),
      );
    } catch (e) {
      if (res.headersSent) {
        opts.logger.warn({ err: e, requestId }, "export aborted");
        res.destroy();
        return;
      }
      refuse(e);
    }
  };
}

/** The rows of every page, read one page at a time as the CSV stream asks for more. */
async function* rowsOf(
  entry: ExportList,
  ctx: ServiceContext,
  filters: unknown,
  first: { items: unknown[]; nextCursor: string | null },
  pageSize: number,
  counted: { rows: number },
): AsyncGenerator<Cell[]> {
  let page = first;
  for (;;) {
    for (const item of page.items) {
      counted.rows++;
      yield entry.columns.map(([, value]) => value(item));
    }
    if (!page.nextCursor) return;
    page = await entry.page(ctx, filters, page.nextCursor, pageSize);
  }
}

/** The `input` parameter: a JSON object of the list's filters ({} when absent). */
function readInput(text: string | null): Record<string, unknown> {
  if (text === null || text === "") return {};
  if (jsonTooDeepAt(text) >= 0) {
    throw AppError.badRequest([
      { path: "input", rule: "max_depth", message: `at most ${MAX_JSON_DEPTH} levels of nesting` },
    ]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw AppError.badRequest([{ path: "input", rule: "json", message: "must be JSON" }]);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw AppError.badRequest([{ path: "input", rule: "object", message: "must be a JSON object of the filters" }]);
  }
  const raw = value as Record<string, unknown>;
  if (raw.tenantLocator !== undefined && !zTenantLocator.safeParse(raw.tenantLocator).success) {
    throw AppError.badRequest([{ path: "tenantLocator", rule: "uuid", message: "must be a UUID" }]);
  }
  return raw;
}

/** A refusal in the tRPC error shape, so clients read one error format from the API. */
function refuseExport(
  res: http.ServerResponse,
  e: unknown,
  where: { requestId: string; path: string; logger: Logger },
): void {
  const known = isAppError(e) || e instanceof ZodError ? e : (databaseAppError(e) ?? e);
  const error = toTrpcError(known);
  if (error.code === "INTERNAL_SERVER_ERROR") {
    where.logger.error({ err: e, path: where.path, requestId: where.requestId }, "export failed");
  }
  const { message, data } = errorData(error);
  const status = getHTTPStatusCodeFromError(error);
  res.writeHead(status, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      error: {
        message,
        code: TRPC_ERROR_CODES_BY_KEY[error.code],
        data: { code: error.code, httpStatus: status, path: where.path, requestId: where.requestId, ...data },
      },
    }),
  );
}
