/**
 * /readyz and /readyz/worker over real HTTP on a real database: /readyz is
 * driven by the database alone and reports the worker in its body;
 * /readyz/worker answers 503 while no worker ticks and 200 once one does.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { fixedClock, registerWorker, runTick } from "@holdfast/services";
import { sql } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpServer } from "./http.ts";

let testDb: TestDatabase;
let server: http.Server;
let base = "";

beforeAll(async () => {
  testDb = await createTestDatabase({ max: 5 });
  server = createHttpServer({
    db: testDb.db,
    clock: fixedClock("2030-06-10T12:00:00Z"),
    logger: pino({ level: "silent" }),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await testDb?.close();
});

const get = async (path: string) => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("/readyz and /readyz/worker", () => {
  it("with no worker: /readyz is 200 (the database is up) and says stalled; /readyz/worker is 503", async () => {
    expect(await get("/readyz")).toEqual({
      status: 200,
      body: { ok: true, database: "up", worker: { stalled: true, workers: 0, lastTickAt: null } },
    });
    expect(await get("/readyz/worker")).toEqual({
      status: 503,
      body: { ok: false, worker: { stalled: true, workers: 0, lastTickAt: null } },
    });
  });

  it("with a worker ticking: both 200; once it has not ticked for three intervals, /readyz/worker is 503 again", async () => {
    await registerWorker(testDb.db, { workerId: "readyz-host-1", intervalMs: 1000 });
    await runTick(testDb.db, fixedClock("2030-06-10T12:00:00Z"), "readyz-host-1");
    const ready = await get("/readyz/worker");
    expect(ready).toMatchObject({ status: 200, body: { ok: true, worker: { stalled: false, workers: 1 } } });
    expect((await get("/readyz")).body).toMatchObject({ worker: { stalled: false, workers: 1 } });

    await testDb.db.execute(
      sql`update workers set started_at = started_at - interval '1 hour', heartbeat_at = heartbeat_at - interval '1 hour',
            last_tick_at = last_tick_at - interval '1 hour'`,
    );
    expect(await get("/readyz/worker")).toMatchObject({
      status: 503,
      body: { ok: false, worker: { stalled: true, workers: 0 } },
    });
    expect((await get("/readyz")).status).toBe(200);
  });
});
