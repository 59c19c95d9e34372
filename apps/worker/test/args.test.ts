import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@holdfast/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { parseWorkerArgs } from "../src/args.ts";
import { query } from "./fixtures.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("parseWorkerArgs", () => {
  it("accepts the options after pnpm's `--` (the README's `start -- --interval-ms 2000`)", () => {
    expect(parseWorkerArgs(["--", "--interval-ms", "2000"])).toEqual({ "interval-ms": "2000" });
    expect(parseWorkerArgs(["--", "--once", "--now", "2027-01-01T00:00:00Z"])).toEqual({
      once: true,
      now: "2027-01-01T00:00:00Z",
    });
  });

  it("accepts them without it, and still refuses a stray positional or an unknown option", () => {
    expect(parseWorkerArgs(["--interval-ms", "2000"])).toEqual({ "interval-ms": "2000" });
    expect(parseWorkerArgs([])).toEqual({});
    expect(() => parseWorkerArgs(["--interval-ms", "2000", "extra"])).toThrow(/positional/i);
    expect(() => parseWorkerArgs(["--intervalms", "2000"])).toThrow(/unknown option/i);
  });
});

describe("the README's worker command, as a process", () => {
  let t: TestDatabase | undefined;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await t?.close();
  });

  it("`pnpm --filter @holdfast/worker start -- --once --interval-ms 2000` runs a tick, registers and stops cleanly", {
    timeout: 120_000,
  }, async () => {
    t = await createTestDatabase();
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: "info" };
    for (const k of ["HOLDFAST_NOW", "WORKER_INTERVAL_MS", "WORKER_BATCH_SIZE"]) delete env[k];
    const proc = spawn("pnpm", ["--filter", "@holdfast/worker", "start", "--", "--once", "--interval-ms", "2000"], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let out = "";
    proc.stdout?.on("data", (d) => {
      out += String(d);
    });
    proc.stderr?.on("data", (d) => {
      out += String(d);
    });
    const code = await new Promise<number | null>((resolve) => proc.on("close", resolve));
    expect(code, out).toBe(0);
    expect(out).not.toMatch(/ERR_PARSE_ARGS/);
    const workers = await query<{ interval_ms: number; ticked: boolean; stopped: boolean }>(
      t.db,
      "select interval_ms, last_tick_at is not null as ticked, stopped_at is not null as stopped from workers",
    );
    expect(workers).toEqual([{ interval_ms: 2000, ticked: true, stopped: true }]);
  });
});
