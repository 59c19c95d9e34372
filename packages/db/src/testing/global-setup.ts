import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../embedded.ts";
import { migrateDatabase } from "../migrate.ts";

export const TEMPLATE_DB = "holdfast_template";

/**
 * One real PostgreSQL per test run: started here, migrated once into a
 * template database; each test file clones the template (see createTestDatabase).
 * When DATABASE_URL is set, that server is used instead and nothing is started.
 */
export default async function setup(project: TestProject) {
  let stop: () => Promise<void> = async () => undefined;
  let adminUrl = process.env.DATABASE_URL;
  let dir: string | undefined;
  if (!adminUrl) {
    dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-test-pg-"));
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), ephemeral: true });
    adminUrl = server.url("postgres");
    stop = server.stop;
  }
  try {
    const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });
    await sql.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await sql.unsafe(`create database ${TEMPLATE_DB}`);
    await sql.end();
    await migrateDatabase(withDatabase(adminUrl, TEMPLATE_DB));
  } catch (e) {
    await stop();
    throw e;
  }
  project.provide("holdfastAdminUrl", adminUrl);
  return async () => {
    await stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

declare module "vitest" {
  export interface ProvidedContext {
    holdfastAdminUrl: string;
  }
}
