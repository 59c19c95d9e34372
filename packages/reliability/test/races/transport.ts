/**
 * Two ways to reach the real API from the reliability suites, behind one
 * interface so a race or a retry storm can run over both:
 * - "caller": the real tRPC router called in process (createCaller), with a
 *   real bearer token authenticated like any request's;
 * - "http": the real HTTP server (createHttpServer from apps/server, the one
 *   `npm start` runs) listening on an ephemeral port, called with the
 *   product's own client (@holdfast/client) over real sockets.
 * Every call carries a request id of the test's choosing (the x-request-id
 * header over HTTP), so the audit trail can be matched to the exact call that
 * made each change. Answers and refusals are normalised to one shape.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { createCaller } from "@holdfast/api";
import { createHoldfastClient, TRPCClientError } from "@holdfast/client";
import type { Database } from "@holdfast/db";
import { ALL_PERMISSIONS, isAppError } from "@holdfast/domain";
import { createHttpServer } from "@holdfast/server/http";
import { createLogger } from "@holdfast/server/logger";
import { authenticate, type Clock, createApiToken, type Principal } from "@holdfast/services";
import { TRPCError } from "@trpc/server";

export type TransportKind = "caller" | "http";

/** A refusal as any client sees it: the tRPC code, the application code, the message and details. */
export interface Refusal {
  code: string;
  appCode: string;
  message: string;
  details: Record<string, unknown>;
  issues: { path: string; rule: string }[];
}

/** One call's result: the answer, or the refusal; with the client and request id that made it. */
export type Outcome<T = unknown> =
  | { ok: true; value: T; client: number; requestId: string }
  | { ok: false; error: Refusal; client: number; requestId: string };

/** One API client (its own token): its credential id (the audit actor id) and a way to call it. */
export interface RaceClient {
  index: number;
  credentialId: string;
  /** Calls a mutation ("holds.release") with this request id; resolves to the answer or rejects. */
  mutate(path: string, input: unknown, requestId: string): Promise<unknown>;
  query(path: string, input: unknown, requestId: string): Promise<unknown>;
}

/** A real HTTP server on an ephemeral port over the given database and clock. */
export async function startHttpServer(db: Database, clock: Clock): Promise<{ url: string; close(): Promise<void> }> {
  const server: http.Server = createHttpServer({ db, clock, logger: createLogger("reliability-test", "silent") });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Turns whatever a call threw into a Refusal; anything that is not an API refusal is rethrown. */
export function refusalOf(e: unknown): Refusal {
  if (e instanceof TRPCError) {
    const cause = e.cause;
    return {
      code: e.code,
      appCode: isAppError(cause) ? cause.code : "NONE",
      message: isAppError(cause) ? cause.message : e.message,
      details: isAppError(cause) ? cause.details : {},
      issues: isAppError(cause) ? cause.issues.map(({ path, rule }) => ({ path, rule })) : [],
    };
  }
  if (e instanceof TRPCClientError) {
    const data = (e.data ?? {}) as {
      code?: string;
      appCode?: string;
      details?: Record<string, unknown>;
      issues?: { path: string; rule: string }[];
    };
    return {
      code: data.code ?? "NONE",
      appCode: data.appCode ?? "NONE",
      message: e.message,
      details: data.details ?? {},
      issues: (data.issues ?? []).map(({ path, rule }) => ({ path, rule })),
    };
  }
  throw e;
}

/** Runs a call and records its outcome (never rejects with an API refusal). */
export async function attempt<T>(client: number, requestId: string, call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call(), client, requestId };
  } catch (e) {
    return { ok: false, error: refusalOf(e), client, requestId };
  }
}

function procedure(root: unknown, path: string): Record<string, unknown> {
  let cur = root as Record<string, unknown>;
  for (const part of path.split(".")) cur = cur[part] as Record<string, unknown>;
  return cur;
}

/** A new API token with every permission in the tenant; its secret and the principal it authenticates as. */
export async function newToken(db: Database, clock: Clock, tenantId: string, name: string) {
  const token = await createApiToken(db, { name, grants: [{ tenantId, permissions: ALL_PERMISSIONS }] });
  const principal = (await authenticate(db, token.secret, clock.now())) as Principal;
  if (!principal) throw new Error("a fresh token did not authenticate");
  return { secret: token.secret, principal };
}

/**
 * n clients, each with its own token in the tenant, over the given transport.
 * `clock` is the API's clock (for callers; the HTTP server has its own).
 */
export async function makeClients(opts: {
  kind: TransportKind;
  db: Database;
  clock: Clock;
  tenantId: string;
  n: number;
  /** The HTTP server's base URL (kind "http"). */
  url?: string;
}): Promise<RaceClient[]> {
  const { kind, db, clock, tenantId, n, url } = opts;
  const tokens = await Promise.all(
    Array.from({ length: n }, (_, i) => newToken(db, clock, tenantId, `${kind} client ${i}`)),
  );
  return tokens.map(({ secret, principal }, index) => {
    const call =
      (how: "mutate" | "query") =>
      (path: string, input: unknown, requestId: string): Promise<unknown> => {
        if (kind === "caller") {
          const caller = createCaller({ db, clock, principal, requestId });
          const fn = procedure(caller, path) as unknown as (input: unknown) => Promise<unknown>;
          return fn(input);
        }
        if (!url) throw new Error("an http client needs the server's url");
        // One client object per call, so each call carries its own x-request-id.
        const client = createHoldfastClient({
          url,
          token: secret,
          batch: false,
          fetch: (input, init) => {
            const headers = new Headers(init?.headers);
            headers.set("x-request-id", requestId);
            return fetch(input, { ...init, headers });
          },
        });
        const fn = procedure(client, path)[how] as (input: unknown) => Promise<unknown>;
        return fn(input);
      };
    return { index, credentialId: principal.credentialId, mutate: call("mutate"), query: call("query") };
  });
}

/** Resolves after ms milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
