import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { inject } from "vitest";
import { closeDb, createDb, type Database } from "../client.ts";
import { TEMPLATE_DB, withDatabase } from "./global-setup.ts";

export interface TestDatabase {
  db: Database;
  url: string;
  name: string;
  close: () => Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template (~0.3 s). */
export async function createTestDatabase(opts: { max?: number } = {}): Promise<TestDatabase> {
  const adminUrl = inject("holdfastAdminUrl");
  const name = `hf_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: opts.max ?? 10 });
  return {
    db,
    url,
    name,
    close: async () => {
      await closeDb(db);
      const a = postgres(adminUrl, { max: 1, onnotice: () => undefined });
      await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await a.end();
    },
  };
}
