/**
 * HOLDFAST_SERVER_PROCESSES=2: the real main.ts forks two server processes on
 * one port; requests over separate connections succeed and both processes hold
 * some of them; SIGTERM to the primary stops every process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@holdfast/db/embedded";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let testDb: TestDatabase;
let child: ChildProcess;
let exited: Promise<unknown>;
let port = 0;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The Node processes running main.ts whose parent is `pid` (Linux /proc; tsx's esbuild is left out). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return parent === pid && readFileSync(`/proc/${d}/cmdline`, "utf8").includes("main.ts");
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The socket inodes of the server's established connections on `port` (Linux /proc/net/tcp). */
function establishedInodes(): Set<string> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const lines = readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1);
  return new Set(
    lines
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === "01")
      .map((f) => f[9] as string),
  );
}

function socketInodesOf(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) out.push(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

beforeAll(async () => {
  testDb = await createTestDatabase({ max: 2 });
  port = await freePort();
  child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      DATABASE_URL: testDb.url,
      PORT: String(port),
      HOST: "127.0.0.1",
      HOLDFAST_SERVER_PROCESSES: "2",
      HOLDFAST_NO_WORKER: "1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  exited = new Promise((resolve) => child.once("exit", resolve));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);

afterAll(async () => {
  const pids = child?.pid ? childrenOf(child.pid) : [];
  if (child?.pid && child.exitCode === null) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
  await testDb?.close();
});

it("serves from two processes on one port, and SIGTERM stops them all", async () => {
  const workers = childrenOf(child.pid as number);
  expect(workers).toHaveLength(2);
  // Eight keep-alive connections, each answered, held open while the processes' sockets are read
  // (again with new ones while the second process may still be starting to listen).
  const unused = new Set(workers);
  for (let round = 0; round < 50 && unused.size > 0; round++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port, path: "/readyz", agent }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          })
          .on("error", reject);
      });
    const statuses = await Promise.all(Array.from({ length: 8 }, get));
    expect(statuses).toEqual(Array(8).fill(200));
    const established = establishedInodes();
    for (const pid of workers) if (socketInodesOf(pid).some((i) => established.has(i))) unused.delete(pid);
    agent.destroy();
    if (unused.size > 0) await new Promise((r) => setTimeout(r, 100));
  }
  expect([...unused], "processes that answered no connection").toEqual([]);

  child.kill("SIGTERM");
  await exited;
  expect(child.exitCode).toBe(0);
  for (const pid of workers) {
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  }
}, 60_000);
