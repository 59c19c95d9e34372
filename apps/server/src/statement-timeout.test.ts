import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { APP_TO_TRPC } from "@holdfast/api";
import { toHttpProblem } from "@holdfast/compat";
import { closeDb, createDb } from "@holdfast/db";
import { type EmbeddedServer, startEmbeddedPostgres } from "@holdfast/db/embedded";
import { databaseAppError } from "@holdfast/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir = "";
let pg: EmbeddedServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-statement-timeout-"));
  pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), ephemeral: true });
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("the API pool's statement_timeout", () => {
  it("cancels a longer statement (57014) on the server's pool only", async () => {
    const api = createDb(pg.url(), { name: "holdfast-server", max: 1, statementTimeoutMs: 200 });
    const other = createDb(pg.url(), { name: "holdfast-worker", max: 1 });
    try {
      const [setting] = await api.$client`select current_setting('statement_timeout') as v`;
      expect(setting?.v).toBe("200ms");
      await expect(api.$client`select pg_sleep(1)`).rejects.toMatchObject({ code: "57014" });
      await expect(other.$client`select pg_sleep(0.3)`).resolves.toBeDefined();
    } finally {
      await closeDb(api);
      await closeDb(other);
    }
  });

  it("a cancelled statement is DATABASE_TIMEOUT: 503 on the vendor routes, SERVICE_UNAVAILABLE (503) on tRPC, never a 500", async () => {
    const api = createDb(pg.url(), { name: "holdfast-server", max: 1, statementTimeoutMs: 100 });
    try {
      const cancelled = await api.$client`select pg_sleep(1)`.then(
        () => null,
        (e: unknown) => e,
      );
      const known = databaseAppError(cancelled);
      expect(known?.code).toBe("DATABASE_TIMEOUT");
      expect(APP_TO_TRPC.DATABASE_TIMEOUT).toBe("SERVICE_UNAVAILABLE");
      expect(toHttpProblem(cancelled)).toMatchObject({ status: 503, code: "DATABASE_TIMEOUT" });
      expect(toHttpProblem(cancelled).message).not.toMatch(/pg_sleep|select|57014/i);
      // Any other error stays internal.
      expect(databaseAppError(new Error("boom"))).toBeNull();
      expect(toHttpProblem(new Error("boom")).status).toBe(500);
    } finally {
      await closeDb(api);
    }
  });
});
