import { schema } from "@holdfast/db";
import { createTestDatabase } from "@holdfast/db/testing";
import { ALL_PERMISSIONS, type Permission } from "@holdfast/domain";
import {
  authenticate,
  createAccount,
  createApiToken,
  fixedClock,
  forTenant,
  newTenantLocator,
} from "@holdfast/services";
import { createCompatApp } from "../src/app.ts";
import { servicesApi } from "./services-api.ts";

/**
 * A compatibility-route world on a fresh real database: the Hono app answers
 * `request(path, init)` in process (the same app the server mounts), and
 * `api(token)` calls the same use cases directly, for set-up and cross-checks.
 */
export async function createCompatWorld(opts: { now?: string } = {}) {
  const t = await createTestDatabase({ max: 20 });
  const clock = fixedClock(opts.now ?? "2027-03-10T12:00:00Z");
  const app = createCompatApp({ db: t.db, clock });
  const system = { db: t.db, clock, actor: { type: "system" as const, id: "test", name: "test" } };

  async function tenant(name = "Tenant", timeZone = "UTC") {
    const id = newTenantLocator();
    await t.db.insert(schema.tenants).values({ id, name, timeZone });
    return id;
  }
  async function account(tenantId: string, name = "Account", externalId?: string) {
    return createAccount(forTenant(system, tenantId), { name, externalId: externalId ?? null });
  }
  /** A real token (hashed and looked up like any request's); default: every permission in one tenant. */
  async function token(grants: string | { tenantId: string; permissions: Permission[] }[]) {
    const list = typeof grants === "string" ? [{ tenantId: grants, permissions: ALL_PERMISSIONS }] : grants;
    return (await createApiToken(t.db, { name: "compat test", grants: list })).secret;
  }
  async function api(secret: string) {
    const principal = await authenticate(t.db, secret, clock.now());
    if (!principal) throw new Error("the token does not authenticate");
    return servicesApi({ db: t.db, clock }, principal);
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
  return { db: t.db, url: t.url, clock, app, tenant, account, token, api, request, close: t.close };
}

export type CompatWorld = Awaited<ReturnType<typeof createCompatWorld>>;
