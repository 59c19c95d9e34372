import { createTestWorld } from "@holdfast/testing/harness";
import { createCompatApp } from "../src/app.ts";
import { servicesApi } from "./services-api.ts";

/**
 * A compatibility-route world on the shared test world
 * (`@holdfast/testing/harness`): the Hono app answers `request(path, init)` in
 * process (the same app the server mounts), `token(grants)` makes a real
 * token, and `api(token)` calls the same use cases directly, for set-up and
 * cross-checks.
 */
export async function createCompatWorld(opts: { now?: string } = {}) {
  const world = await createTestWorld({ now: opts.now, max: 20, tokenName: "compat test" });
  const { db, clock } = world;
  const app = createCompatApp({ db, clock });
  async function api(secret: string) {
    const principal = await world.principal(secret);
    if (!principal) throw new Error("the token does not authenticate");
    return servicesApi({ db, clock }, principal);
  }
  /** An HTTP request to the compatibility app; body objects are sent as JSON, strings as they are. */
  async function request(
    path: string,
    init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await app.request(path, { method: init.method ?? (body ? "POST" : "GET"), headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json: json as Record<string, unknown>, text, headers: res.headers };
  }
  return {
    db,
    url: world.url,
    clock,
    app,
    tenant: world.tenant,
    account: world.account,
    token: world.token,
    api,
    request,
    close: world.close,
  };
}

export type CompatWorld = Awaited<ReturnType<typeof createCompatWorld>>;
