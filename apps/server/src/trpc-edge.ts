import type http from "node:http";
import {
  type ApiDeps,
  appRouter,
  type Context,
  createContext,
  responseHeadersFor,
  type SessionCookie,
} from "@holdfast/api";
import { jsonTooDeepAt, MAX_JSON_DEPTH, type RequestLimiter, UNAUTHENTICATED_BODY_BYTES } from "@holdfast/compat";
import type { AppErrorCode, FieldIssue } from "@holdfast/domain";
import type { Principal } from "@holdfast/services";
import type { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { Logger } from "pino";
import { clientIpOf } from "./edge.ts";
import { callDirect } from "./trpc-direct.ts";

/** The most calls one tRPC batch may hold. */
export const MAX_BATCH_CALLS = 20;

export interface TrpcEdgeOptions {
  deps: ApiDeps;
  logger: Logger;
  /** The largest body of an authenticated request; without a valid credential, UNAUTHENTICATED_BODY_BYTES. */
  maxBodyBytes: number;
  limiter: RequestLimiter | null;
  /** Told who the request's credential is, for the request log. */
  onPrincipal: (req: http.IncomingMessage, principal: Principal) => void;
  /** The dashboard's session cookie on this request (read, set, cleared). */
  sessionCookie: (req: http.IncomingMessage, res: http.ServerResponse) => SessionCookie;
  /** Single mutations skip tRPC's Fetch adapter (trpc-direct.ts); default true. */
  direct?: boolean;
}

/**
 * /trpc behind the edge's checks, in this order: a batch of more than
 * {@link MAX_BATCH_CALLS} calls is refused (400) before anything runs; the
 * request's context is made (its credential checked); the limiter admits the
 * request under its credential (or its client address) at one unit per call
 * (429 past the limit); the body is read as a stream up to the cap (1 MB with
 * a valid credential, 8 KB without: 413 beyond) and its nesting checked (400
 * past 64 levels; a query's `input` too); then tRPC runs with that context and body.
 */
export function createTrpcEdge(opts: TrpcEdgeOptions) {
  const contexts = new WeakMap<http.IncomingMessage, Promise<Context>>();
  const contextOf = (req: http.IncomingMessage, res: http.ServerResponse, requestId: string) => {
    let ctx = contexts.get(req);
    if (!ctx) {
      const input = {
        authorization: req.headers.authorization,
        requestId,
        sessionCookie: opts.sessionCookie(req, res),
        clientIp: clientIpOf(req),
        userAgent: req.headers["user-agent"],
      };
      ctx = createContext(opts.deps, input);
      contexts.set(req, ctx);
    }
    return ctx;
  };
  const onError = ({ error, path }: { error: TRPCError; path: string | undefined }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") opts.logger.error({ err: error.cause ?? error, path }, "trpc error");
  };
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    maxBodySize: opts.maxBodyBytes,
    maxBatchSize: MAX_BATCH_CALLS,
    createContext: ({ req, res }) => contextOf(req, res, String(res.getHeader("x-request-id"))),
    responseMeta: ({ errors }) => ({ headers: responseHeadersFor(errors) }),
    onError,
  });

  return async (req: http.IncomingMessage, res: http.ServerResponse, requestId: string) => {
    const url = new URL(req.url ?? "/", "http://holdfast");
    const paths = url.pathname.slice("/trpc/".length).split(",");
    const batch = url.searchParams.get("batch") === "1";
    const calls = batch ? paths.length : 1;
    const refuse = (
      status: number,
      code: TRPC_ERROR_CODE_KEY,
      appCode: AppErrorCode,
      message: string,
      issues: FieldIssue[] = [],
    ) =>
      refuseTrpc(res, {
        status,
        code,
        appCode,
        message,
        issues,
        requestId,
        batch,
        paths: calls <= MAX_BATCH_CALLS ? paths : [],
      });
    if (batch && calls > MAX_BATCH_CALLS) {
      return refuse(
        400,
        "BAD_REQUEST",
        "BAD_REQUEST",
        `a batch holds at most ${MAX_BATCH_CALLS} calls; this one has ${calls}`,
        [{ path: "(batch)", rule: "max_batch", message: `at most ${MAX_BATCH_CALLS} calls` }],
      );
    }
    const context = await contextOf(req, res, requestId).then(
      (ctx) => ctx,
      () => null,
    );
    const principal = context?.principal ?? null;
    if (principal) opts.onPrincipal(req, principal);
    if (opts.limiter) {
      const admission = opts.limiter.admit(
        principal ? `credential:${principal.credentialId}` : `ip:${clientIpOf(req)}`,
        calls,
      );
      for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
      if (!admission.ok) {
        const wait = admission.headers["Retry-After"] ?? "1";
        return refuse(429, "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS", `too many requests; retry after ${wait} s`);
      }
      res.once("close", admission.release);
    }
    /** Refuses an input nested too deep, and says whether it did (tRPC must then not run). */
    const tooDeep = (text: string): boolean => {
      if (jsonTooDeepAt(text) < 0) return false;
      refuse(400, "BAD_REQUEST", "BAD_REQUEST", `the input is nested deeper than ${MAX_JSON_DEPTH} levels`, [
        { path: "(input)", rule: "max_depth", message: `at most ${MAX_JSON_DEPTH} levels of nesting` },
      ]);
      return true;
    };
    if (req.method === "POST") {
      const cap = principal ? opts.maxBodyBytes : UNAUTHENTICATED_BODY_BYTES;
      const text = await readCapped(req, cap);
      if (text === null) {
        res.setHeader("Connection", "close");
        const why = principal ? "" : " without a valid credential";
        return refuse(
          413,
          "PAYLOAD_TOO_LARGE",
          "PAYLOAD_TOO_LARGE",
          `the request body is larger than ${cap} bytes${why}`,
          [{ path: "(body)", rule: "max_size", message: `at most ${cap} bytes${why}` }],
        );
      }
      if (tooDeep(text)) return;
      if (context && opts.direct !== false) {
        const done = await callDirect(
          req,
          res,
          { pathname: url.pathname, search: url.search, body: text, ctx: context },
          { onError },
        );
        if (done) return;
      }
      // tRPC's node adapter takes a body already read from `req.body`.
      (req as http.IncomingMessage & { body?: string }).body = text;
    } else if (tooDeep(url.searchParams.get("input") ?? "")) {
      return;
    }
    trpc(req, res);
  };
}

/** The body as text, or null once it passes `cap` bytes (the rest is left unread; the connection then closes). */
function readCapped(req: http.IncomingMessage, cap: number): Promise<string | null> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > cap) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (value: string | null) => {
      req.off("data", onData).off("end", onEnd).off("error", onError);
      if (value === null) req.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) return done(null);
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks, size).toString("utf8"));
    const onError = (e: Error) => {
      req.off("data", onData).off("end", onEnd);
      reject(e);
    };
    req.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

/** A refusal in tRPC's error shape (one per call for a batch), as the procedures' errorFormatter writes it. */
function refuseTrpc(
  res: http.ServerResponse,
  r: {
    status: number;
    code: TRPC_ERROR_CODE_KEY;
    appCode: AppErrorCode;
    message: string;
    issues: FieldIssue[];
    requestId: string;
    batch: boolean;
    paths: string[];
  },
) {
  const error = (path?: string) => ({
    error: {
      message: r.message,
      code: TRPC_ERROR_CODES_BY_KEY[r.code],
      data: {
        code: r.code,
        httpStatus: r.status,
        path,
        requestId: r.requestId,
        appCode: r.appCode,
        issues: r.issues,
        details: {},
      },
    },
  });
  const body =
    r.batch && r.paths.length ? r.paths.map((p) => error(p)) : error(r.paths.length === 1 ? r.paths[0] : undefined);
  res.writeHead(r.status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
