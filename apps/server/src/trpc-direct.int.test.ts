/**
 * The direct path for single mutations (trpc-direct.ts) answers exactly what
 * tRPC's Fetch adapter answers: the same requests to two real servers on one
 * database, one with the direct path and one without, give the same status,
 * body and headers (the success bodies differ only by the hold moved).
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { createAccount, createApiToken, fixedClock, forTenant, provisionTenant } from "@holdfast/services";
import { seedHold } from "@holdfast/testing/seed";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpServer } from "./http.ts";

const clock = fixedClock("2030-06-10T12:00:00Z");
let testDb: TestDatabase;
const servers: http.Server[] = [];
let direct = "";
let adapter = "";
let token = "";
const holds: string[] = [];

async function serve(trpcDirect: boolean): Promise<string> {
  const server = createHttpServer({
    db: testDb.db,
    clock,
    logger: pino({ level: "silent" }),
    edge: { trpcDirect, rateLimits: null },
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  testDb = await createTestDatabase({ max: 5 });
  const { tenantId } = await provisionTenant(testDb.db, {
    name: "Direct tenant",
    email: "d@direct.test",
    password: "correct horse battery staple",
  });
  token = (await createApiToken(testDb.db, { name: "t", grants: [{ tenantId, permissions: ALL_PERMISSIONS }] })).secret;
  const system = forTenant({ db: testDb.db, clock, actor: { type: "system", id: "test", name: "test" } }, tenantId);
  for (let i = 0; i < 4; i++) {
    const account = await createAccount(system, { name: `Direct account ${i}` });
    const h = await seedHold(
      system,
      { accountLocator: account.locator, targets: [{ process: "invoicing" }] },
      "validated",
    );
    holds.push(h.locator);
  }
  [direct, adapter] = [await serve(true), await serve(false)];
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await testDb?.close();
});

const HEADERS = ["content-type", "vary", "cache-control", "x-content-type-options", "retry-after"];

async function call(base: string, path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "same-request-id", ...headers },
    body,
  });
  return {
    status: res.status,
    body: await res.text(),
    headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)])),
  };
}

const auth = () => ({ authorization: `Bearer ${token}` });

describe("single mutations without the Fetch adapter", () => {
  it.each([
    ["no credential", "holds.activate", () => JSON.stringify({ locator: holds[0] }), () => ({})],
    ["a missing field", "holds.activate", () => "{}", auth],
    ["an unknown hold", "holds.activate", () => JSON.stringify({ locator: "01J00000000000000000000000" }), auth],
    ["a wrong type", "holds.activate", () => JSON.stringify({ locator: 42 }), auth],
    ["a query sent as POST", "holds.get", () => JSON.stringify({ locator: holds[0] }), auth],
    ["an unknown procedure", "holds.nope", () => "{}", auth],
    ["a body that is not JSON", "holds.activate", () => "{not json", auth],
  ])("answer like the adapter for %s", async (_, path, body, headers) => {
    const a = await call(direct, path, body(), headers());
    const b = await call(adapter, path, body(), headers());
    expect(a.status).toBeGreaterThanOrEqual(400);
    expect(a).toEqual(b);
  });

  it("moves a hold and answers the adapter's shape; a second move is refused alike", async () => {
    const [h0, h1] = [holds[1] as string, holds[2] as string];
    const a = await call(direct, "holds.activate", JSON.stringify({ locator: h0 }), auth());
    const b = await call(adapter, "holds.activate", JSON.stringify({ locator: h1 }), auth());
    expect(a.status).toBe(200);
    expect(a.headers).toEqual(b.headers);
    const da = JSON.parse(a.body).result.data;
    expect(a.body).toContain('"active"');
    expect(Object.keys(da)).toEqual(Object.keys(JSON.parse(b.body).result.data));
    // The same answer once the hold's own fields are set aside.
    const strip = (s: string, id: string) =>
      s
        .replaceAll(id, "<hold>")
        .replace(/"(createdAt|updatedAt|activatedAt|validatedAt|accountLocator)":"[^"]*"|"ormbId":\d+/g, "");
    expect(strip(a.body, h0)).toEqual(strip(b.body, h1));
    const again = await call(direct, "holds.activate", JSON.stringify({ locator: h0 }), auth());
    const againAdapter = await call(adapter, "holds.activate", JSON.stringify({ locator: h1 }), auth());
    expect(again.status).toBe(againAdapter.status);
    expect(again.body.replaceAll(h0, "<hold>")).toEqual(againAdapter.body.replaceAll(h1, "<hold>"));
  });
});
