/**
 * A revoked token is refused at once on every route family, through a real
 * server process: a token made with tokens.create works on tRPC and on one
 * route of each vendor (Socotra, Mews, ORMB, CRM.COM); once tokens.revoke
 * has answered, each of them answers 401 in its own vendor's error shape.
 */
import { setupWorld } from "@holdfast/api/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  buildFixture,
  FIXTURE_NOW,
  type Fixture,
  type HttpClient,
  httpClient,
  ROUTES,
  type RouteEntry,
  type RunningServer,
  startServer,
  toWire,
  withToken,
} from "./catalog/index.ts";

const w = setupWorld({ now: FIXTURE_NOW });
let fx: Fixture;
let server: RunningServer;
let client: HttpClient;

beforeAll(async () => {
  fx = await buildFixture(w);
  server = await startServer({ databaseUrl: w.url, now: FIXTURE_NOW });
  client = httpClient(server.port, 2);
}, 240_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
});

const json = (text: string) => (text ? (JSON.parse(text) as Record<string, Record<string, unknown>>) : {});

async function trpc(method: "GET" | "POST", name: string, token: string, input?: unknown) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const res =
    method === "GET"
      ? await client.send({ method, path: `/trpc/${name}`, headers })
      : await client.send({ method, path: `/trpc/${name}`, headers, body: JSON.stringify(input) });
  return { status: res.status, json: json(res.text), text: res.text };
}

/** One route per vendor family: a read where it has one (CRM.COM has only its grace-period extension). */
const VENDOR_ROUTES = (["socotra", "mews", "ormb", "crm"] as const).map((vendor) => {
  const routes = Object.values(ROUTES).filter((r) => r.vendor === vendor);
  const entry = (routes.find((r) => r.kind === "query") ?? routes[0]) as RouteEntry;
  return { vendor, entry };
});

function vendorCode(vendor: RouteEntry["vendor"], j: Record<string, Record<string, unknown>>) {
  switch (vendor) {
    case "socotra":
      return j.error?.code;
    case "mews":
      return (j.Details as { Code?: string } | undefined)?.Code;
    case "crm":
      return j.status?.code;
    case "ormb":
      return Object.values(j)[0]?.requestProcessStatus;
  }
}

it("after tokens.revoke, tRPC and every vendor family answer 401 in their own shape", async () => {
  const made = await trpc("POST", "tokens.create", fx.C.token, {
    name: "revoked everywhere",
    permissions: ["admin"],
  });
  expect(made.status, made.text).toBe(200);
  const { secret, locator } = (made.json.result?.data ?? {}) as { secret: string; locator: string };
  expect(VENDOR_ROUTES.map((r) => r.vendor)).toEqual(["socotra", "mews", "ormb", "crm"]);

  const call = async (vendor: RouteEntry["vendor"], entry: RouteEntry) => {
    const res = await client.send(toWire(withToken(vendor, entry.request(fx.C), secret)));
    return { status: res.status, json: json(res.text), text: res.text };
  };

  expect((await trpc("GET", "auth.me", secret)).status).toBe(200);
  for (const { vendor, entry } of VENDOR_ROUTES) {
    const res = await call(vendor, entry);
    expect(res.status, `${vendor}: ${res.text}`).toBe(200);
  }

  const revoked = await trpc("POST", "tokens.revoke", fx.C.token, { locator });
  expect(revoked.status, revoked.text).toBe(200);

  const me = await trpc("GET", "auth.me", secret);
  expect(me.status).toBe(401);
  expect((me.json.error?.data as { code?: string } | undefined)?.code).toBe("UNAUTHORIZED");
  for (const { vendor, entry } of VENDOR_ROUTES) {
    const res = await call(vendor, entry);
    expect(res.status, `${vendor}: ${res.text}`).toBe(401);
    expect(vendorCode(vendor, res.json), `${vendor}: ${res.text}`).toBe(vendor === "ormb" ? "Failure" : "UNAUTHORIZED");
  }
});
