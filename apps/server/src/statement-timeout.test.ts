import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { closeDb, createDb } from "@holdfast/db";
import { type EmbeddedServer, startEmbeddedPostgres } from "@holdfast/db/embedded";
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
});
