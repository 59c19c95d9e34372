import type http from "node:http";
import { appRouter, type Context, responseHeadersFor } from "@holdfast/api";
import {
  type AnyProcedure,
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  type TRPCError,
  type TRPCResponse,
  transformTRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";

/** What the direct path needs from the edge: tRPC's own error hook. */
export interface DirectCallOptions {
  onError: (o: { error: TRPCError; path: string }) => void;
}

const config = appRouter._def._config;

/**
 * One mutation called over POST (`/trpc/<path>`, no batch, a JSON body) without
 * tRPC's Fetch adapter: the node:http request is not turned into a Fetch
 * Request (URL, Headers, AbortController, body stream) nor the answer into a
 * Response piped back through a WritableStream. The procedure runs with its
 * middlewares, input and output validation as under the adapter, and the
 * answer has the adapter's body, status and headers (a Content-Length instead
 * of chunks). Anything else (batches, queries, other content types, a body that
 * is not JSON, a context that failed) answers false: the caller hands the
 * request to the adapter, which sees it exactly as before.
 */
export async function callDirect(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  r: { pathname: string; search: string; body: string; ctx: Context },
  opts: DirectCallOptions,
): Promise<boolean> {
  if (req.method !== "POST" || r.search !== "" || r.body === "") return false;
  if (!isJsonContentType(req.headers["content-type"])) return false;
  if (req.headers["trpc-accept"] !== undefined || acceptsJsonl(req.headers.accept)) return false;
  let path: string;
  try {
    path = decodeURIComponent(r.pathname.slice("/trpc/".length));
  } catch {
    return false;
  }
  if (path.includes(",")) return false;
  const proc = (await getProcedureAtPath(appRouter, path)) as AnyProcedure | null;
  if (proc?._def.type !== "mutation") return false;
  let input: unknown;
  try {
    input = config.transformer.input.deserialize(JSON.parse(r.body));
  } catch {
    return false;
  }
  let body: TRPCResponse;
  let errors: TRPCError[] = [];
  try {
    const data = await proc({
      path,
      getRawInput: async () => input,
      ctx: r.ctx,
      type: "mutation",
      signal: undefined,
      batchIndex: 0,
    });
    body = { result: { data } };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    opts.onError({ error, path });
    errors = [error];
    body = { error: getErrorShape({ config, ctx: r.ctx, error, input, path, type: "mutation" }) };
  }
  const status = getHTTPStatusCode([body]);
  const text = JSON.stringify(transformTRPCResponse(config, body));
  res.statusCode = status;
  res.setHeader("vary", "trpc-accept, accept");
  res.setHeader("content-type", "application/json");
  for (const [k, v] of Object.entries(responseHeadersFor(errors))) res.setHeader(k, v);
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
  return true;
}

/** tRPC's test: the media type, lower-cased, before any parameter, is application/json. */
function isJsonContentType(v: string | undefined): boolean {
  return v?.toLowerCase().split(";", 1)[0]?.trim() === "application/json";
}

function acceptsJsonl(v: string | undefined): boolean {
  return v?.split(",").some((t) => t.trim() === "application/jsonl") ?? false;
}
