/**
 * Checks before `npm start` opens anything, each failing with one line that
 * says what to change (exit 1):
 * - another Holdfast already runs on this data directory: a pid file
 *   (`holdfast.pid` in HOLDFAST_DATA_DIR: pid, URL, the process's start time)
 *   names it; a file whose process is gone is stale and replaced;
 * - the HTTP port (PORT) or the embedded PostgreSQL's port (HOLDFAST_PG_PORT) is taken.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { EmbeddedAccessError } from "@holdfast/db/embedded";
import type { Env } from "./env.ts";

export interface PidFile {
  pid: number;
  url: string;
  /** The process's start time (/proc/<pid>/stat, field 22), so a reused pid is not taken for it. */
  started: string | null;
}

export const pidFilePath = (dataDir: string) => path.join(dataDir, "holdfast.pid");

/** The dashboard's URL for this environment. */
export const baseUrl = (env: Pick<Env, "HOST" | "PORT">) =>
  `http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${env.PORT}`;

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The Holdfast the pid file names, if that process still runs (the same process, not a reused pid). */
export function runningHoldfast(dataDir: string): PidFile | null {
  let file: PidFile;
  try {
    file = JSON.parse(readFileSync(pidFilePath(dataDir), "utf8")) as PidFile;
  } catch {
    return null;
  }
  if (!Number.isInteger(file.pid) || file.pid === process.pid || !alive(file.pid)) return null;
  if (file.started && processStart(file.pid) !== file.started) return null;
  return file;
}

/** Writes this process's pid file; it is removed when the process exits. */
export function claimPidFile(dataDir: string, url: string) {
  mkdirSync(dataDir, { recursive: true });
  const file = pidFilePath(dataDir);
  const mine: PidFile = { pid: process.pid, url, started: processStart(process.pid) };
  writeFileSync(file, `${JSON.stringify(mine)}\n`);
  process.on("exit", () => {
    try {
      if ((JSON.parse(readFileSync(file, "utf8")) as PidFile).pid === process.pid) unlinkSync(file);
    } catch {
      // Already gone.
    }
  });
}

/** Can a server listen on this host and port right now? */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

export const portInUse = (port: number, variable: string, what: string, free = port + 1) =>
  `Port ${port} (${what}) is in use: set ${variable} to a free port, e.g. ${variable}=${free} npm start.`;

/** The first port after `port` that is free on `host` (for the suggestion in the message). */
export async function nextFreePort(host: string, port: number): Promise<number> {
  for (let p = port + 1; p < Math.min(port + 100, 65536); p++) if (await portFree(host, p)) return p;
  return port + 1;
}

/** Stops the start with one line on standard error and exit code 1. */
export function refuse(line: string): never {
  console.error(line);
  process.exit(1);
}

/** The one-line reason for a failed start: the message of an error meant for the operator, else the error. */
export function failStart(e: unknown): never {
  if (e instanceof EmbeddedAccessError) refuse(e.message);
  console.error(e);
  refuse("Holdfast did not start (the error is above).");
}

/** Runs every check; on success this process owns the pid file. */
export async function guardStart(env: Env): Promise<void> {
  const url = baseUrl(env);
  const running = runningHoldfast(env.HOLDFAST_DATA_DIR);
  if (running) refuse(`Holdfast is already running at ${running.url} (pid ${running.pid}).`);
  if (env.PORT !== 0 && !(await portFree(env.HOST, env.PORT))) {
    refuse(portInUse(env.PORT, "PORT", "HTTP", await nextFreePort(env.HOST, env.PORT)));
  }
  const pgPort = env.HOLDFAST_PG_PORT;
  if (!env.DATABASE_URL && !(await portFree("127.0.0.1", pgPort))) {
    refuse(portInUse(pgPort, "HOLDFAST_PG_PORT", "the embedded PostgreSQL", await nextFreePort("127.0.0.1", pgPort)));
  }
  claimPidFile(env.HOLDFAST_DATA_DIR, url);
}
