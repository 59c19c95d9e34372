/**
 * DATABASE_READ_URL in a real server process (apps/server/src/main.ts) on a
 * real streaming replica (PostgreSQL 15, `pg_basebackup -R`): while the
 * standby's replay is paused, another caller's tRPC list and CSV export do not
 * show a write, its writer's do (after a tRPC write and after a vendor-route
 * write), and once replay resumes everyone sees it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { closeDb, createDb, type Database, schema } from "@holdfast/db";
import { freePort } from "@holdfast/db/embedded";
import { ALL_PERMISSIONS } from "@holdfast/domain";
import { createAccount, createApiToken, forTenant, newTenantLocator, systemClock } from "@holdfast/services";
import { systemContext } from "@holdfast/testing/harness";
import { type StreamingReplica, startStreamingReplica } from "@holdfast/testing/streaming-replica";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/env.ts";

let pair: StreamingReplica;
let primary: Database;
let server: ChildProcess | undefined;
let exited: Promise<unknown> = Promise.resolve();
let base = "";
let tenantId = "";
let accountLocator = "";
const tokens = { a: "", b: "" };

beforeAll(async () => {
  pair = await startStreamingReplica();
  primary = createDb(pair.primaryUrl, { max: 2 });
  tenantId = newTenantLocator();
  await primary.insert(schema.tenants).values({ id: tenantId, name: "Served", timeZone: "UTC" });
  const system = forTenant(systemContext(primary, systemClock), tenantId);
  accountLocator = (await createAccount(system, { name: "Held", externalId: null })).locator;
  const grants = [{ tenantId, permissions: ALL_PERMISSIONS }];
  tokens.a = (await createApiToken(primary, { name: "A", grants })).secret;
  tokens.b = (await createApiToken(primary, { name: "B", grants })).secret;
  await pair.caughtUp();

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: pair.primaryUrl,
    DATABASE_READ_URL: pair.replicaUrl,
    HOLDFAST_READ_MAX_LAG_MS: "600000",
    PORT: String(port),
    HOST: "127.0.0.1",
    HOLDFAST_NO_WORKER: "1",
    // One process: this suite kills it by its pid and counts its per-process limits and read-your-writes.
    HOLDFAST_SERVER_PROCESSES: "1",
    HOLDFAST_NO_DEMO: "1",
    LOG_LEVEL: "warn",
  };
  delete env.HOLDFAST_NOW;
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "apps/server/src/main.ts")], {
    cwd: path.join(REPO_ROOT, "apps/server"),
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  server = child;
  exited = new Promise((resolve) => child.once("exit", resolve));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 180_000);

afterAll(async () => {
  if (server?.pid && server.exitCode === null) {
    server.kill("SIGTERM");
    const timer = setTimeout(() => server?.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (primary) await closeDb(primary);
  await pair?.stop();
}, 60_000);

async function trpc(token: string, procedure: string, input: unknown, method: "GET" | "POST" = "GET") {
  const url =
    method === "GET"
      ? `${base}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`
      : `${base}/trpc/${procedure}`;
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(method === "POST" ? { body: JSON.stringify(input) } : {}),
  });
  const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
  if (!res.ok) throw new Error(`${procedure}: ${res.status} ${JSON.stringify(body.error)}`);
  return body.result?.data;
}

const accountNames = async (token: string) =>
  ((await trpc(token, "accounts.list", { limit: 100 })) as { items: { name: string }[] }).items.map((a) => a.name);
const holdLocators = async (token: string) =>
  ((await trpc(token, "holds.list", { limit: 100 })) as { items: { locator: string }[] }).items.map((h) => h.locator);

async function exportCsv(token: string) {
  const res = await fetch(`${base}/export/accounts.csv`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

describe("a server with DATABASE_READ_URL", () => {
  it("serves lists and exports from the replica, and a writer's own reads from the primary", async () => {
    await pair.pauseReplay();
    let hold = "";
    try {
      await trpc(tokens.a, "accounts.create", { name: "Made over HTTP" }, "POST");
      expect(await accountNames(tokens.a)).toContain("Made over HTTP");
      expect(await exportCsv(tokens.a)).toContain("Made over HTTP");
      expect(await accountNames(tokens.b)).not.toContain("Made over HTTP");
      expect(await exportCsv(tokens.b)).not.toContain("Made over HTTP");

      // A write on a vendor route counts for its caller's reads too.
      const res = await fetch(`${base}/billing/${tenantId}/holds`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.b}`, "content-type": "application/json" },
        body: JSON.stringify({ accountLocator, targetType: "invoicing" }),
      });
      expect(res.status).toBe(200);
      hold = ((await res.json()) as { locator: string }).locator;
      expect(await holdLocators(tokens.b)).toContain(hold);
    } finally {
      await pair.resumeReplay();
    }
    await pair.caughtUp();
    expect(await accountNames(tokens.b)).toContain("Made over HTTP");
    expect(await exportCsv(tokens.b)).toContain("Made over HTTP");
    expect(await holdLocators(tokens.a)).toContain(hold);
  });
});
