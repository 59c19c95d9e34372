/**
 * A real primary and a streaming standby made with `pg_basebackup -R`, for the
 * read-replica tests: Debian's PostgreSQL 15 (the same binaries for both; the
 * embedded package ships no pg_basebackup), loopback only, data under
 * os.tmpdir(). As root, PostgreSQL runs as the `postgres` user. `stop` stops
 * both servers by their PIDs and removes the data.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { migrateDatabase } from "@holdfast/db";
import { freePort } from "@holdfast/db/embedded";
import postgres from "postgres";

const run = promisify(execFile);

/** Where Debian's PostgreSQL 15 is (scripts/bootstrap.mjs installs it), unless HOLDFAST_PG15_BIN says otherwise. */
export const PG15_BIN = process.env.HOLDFAST_PG15_BIN ?? "/usr/lib/postgresql/15/bin";

export interface StreamingReplica {
  /** The primary's and the standby's URLs of the migrated `holdfast` database (superuser `holdfast`, no password). */
  primaryUrl: string;
  replicaUrl: string;
  /** Stops replaying WAL on the standby (it keeps receiving it), and starts again. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Waits until the standby has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>;
  /** Stops the standby only (the primary keeps running). */
  stopReplica(): Promise<void>;
  /** Stops both servers and removes their data. */
  stop(): Promise<void>;
}

async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Starts a primary and its streaming standby; the primary's `holdfast` database is migrated first. */
export async function startStreamingReplica(): Promise<StreamingReplica> {
  if (!existsSync(path.join(PG15_BIN, "pg_basebackup"))) {
    throw new Error(`no PostgreSQL 15 at ${PG15_BIN}: apt-get install postgresql-15 (scripts/bootstrap.mjs does)`);
  }
  const owner = await postgresUser();
  const dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-replica-"));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const pg = (bin: string, args: string[]) =>
    owner
      ? run("runuser", ["-u", "postgres", "--", path.join(PG15_BIN, bin), ...args])
      : run(path.join(PG15_BIN, bin), args);
  const primaryDir = path.join(dir, "primary");
  const standbyDir = path.join(dir, "standby");
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const start = (dataDir: string, port: number) =>
    pg("pg_ctl", [
      "-D",
      dataDir,
      "-l",
      `${dataDir}.log`,
      "-w",
      "-t",
      "60",
      "-o",
      `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on`,
      "start",
    ]);
  const started: string[] = [];
  const stopOne = async (dataDir: string) => {
    if (!started.includes(dataDir)) return;
    started.splice(started.indexOf(dataDir), 1);
    const pid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0]);
    await pg("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
    // pg_ctl stops the postmaster by the PID in its pid file; if it could not, the PID is signalled here.
    if (pid > 0) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  const stop = async () => {
    await stopOne(standbyDir);
    await stopOne(primaryDir);
    await rm(dir, { recursive: true, force: true });
  };
  const url = (port: number, database: string) => `postgres://holdfast@127.0.0.1:${port}/${database}`;
  try {
    await pg("initdb", ["-D", primaryDir, "-U", "holdfast", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    await start(primaryDir, primaryPort);
    started.push(primaryDir);
    const admin = postgres(url(primaryPort, "postgres"), { max: 1, onnotice: () => undefined });
    await admin.unsafe("create database holdfast");
    await admin.end();
    await migrateDatabase(url(primaryPort, "holdfast"));
    await pg("pg_basebackup", [
      ...["-h", "127.0.0.1", "-p", String(primaryPort), "-U", "holdfast", "-D", standbyDir],
      ...["-R", "-X", "stream", "-c", "fast", "--no-sync"],
    ]);
    await start(standbyDir, standbyPort);
    started.push(standbyDir);
  } catch (e) {
    await stop();
    throw e;
  }
  const onStandby = async (query: string) => {
    const sql = postgres(url(standbyPort, "holdfast"), { max: 1, onnotice: () => undefined });
    try {
      return await sql.unsafe(query);
    } finally {
      await sql.end();
    }
  };
  return {
    primaryUrl: url(primaryPort, "holdfast"),
    replicaUrl: url(standbyPort, "holdfast"),
    pauseReplay: async () => {
      await onStandby("select pg_wal_replay_pause()");
    },
    resumeReplay: async () => {
      await onStandby("select pg_wal_replay_resume()");
    },
    async caughtUp() {
      const primary = postgres(url(primaryPort, "holdfast"), { max: 1, onnotice: () => undefined });
      const [row] = await primary`select pg_current_wal_lsn()::text as lsn`;
      await primary.end();
      for (;;) {
        const [standby] = await onStandby(`select pg_last_wal_replay_lsn() >= '${row?.lsn}'::pg_lsn as done`);
        if (standby?.done) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stopReplica: () => stopOne(standbyDir),
    stop,
  };
}
