import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "@holdfast/db/embedded";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function signsIn(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}

describe("the embedded PostgreSQL's password", () => {
  it("is generated, kept with mode 0600 beside the data, and an old cluster's fixed one is replaced", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-pg-password-"));
    dirs.push(dir);
    const dataDir = path.join(dir, "pg");
    const file = path.join(dir, "pg-password");

    let pg = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    const password = (await readFile(file, "utf8")).trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(pg.url()).toContain(password);
    const oldUrl = pg.url().replace(encodeURIComponent(password), "holdfast");
    expect(await signsIn(pg.url())).toBe(true);
    expect(await signsIn(oldUrl)).toBe(false);

    // A cluster as made before: the fixed password, no file.
    const sql = postgres(pg.url(), { max: 1, onnotice: () => undefined });
    await sql.unsafe("alter role holdfast password 'holdfast'");
    await sql.end();
    await pg.stop();
    await rm(file);

    pg = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    try {
      const adopted = (await readFile(file, "utf8")).trim();
      expect(adopted).not.toBe("holdfast");
      expect(existsSync(`${file}.new`)).toBe(false);
      expect(await signsIn(pg.url())).toBe(true);
      expect(await signsIn(pg.url().replace(encodeURIComponent(adopted), "holdfast"))).toBe(false);
    } finally {
      await pg.stop();
    }

    // Started again: the same password.
    pg = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    try {
      expect(await signsIn(pg.url())).toBe(true);
    } finally {
      await pg.stop();
    }
  }, 180_000);
});
