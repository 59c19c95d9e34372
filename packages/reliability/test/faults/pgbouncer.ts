/**
 * A real PgBouncer (Debian's `pgbouncer` package, /usr/sbin/pgbouncer) in
 * transaction mode on 127.0.0.1, in front of one database of the test
 * PostgreSQL, configured as the README's "Behind a connection pooler"
 * section says: two entries for the same database, `holdfast` (workers, CLI)
 * and `holdfast_api` (API servers: its server connections set the API's
 * statement_timeout with connect_query, since PgBouncer refuses it as a
 * startup parameter). Unlike production, clients are not authenticated
 * (`auth_type = any`, loopback only): the entries log in with the test
 * database's credentials. Started in a mkdtemp directory; stop() ends it by
 * its PID and removes the directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "@holdfast/db/embedded";

export const PGBOUNCER_BIN = "/usr/sbin/pgbouncer";

export interface Pgbouncer {
  readonly pid: number;
  readonly port: number;
  /** A URL through the pooler to one of its databases (`holdfast` or `holdfast_api`), marked `?pgbouncer=true`. */
  url(database: "holdfast" | "holdfast_api"): string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts PgBouncer in front of `databaseUrl` (a direct URL to the test PostgreSQL); resolves once it accepts connections. */
export async function startPgbouncer(databaseUrl: string, opts: { statementTimeoutMs: number }): Promise<Pgbouncer> {
  if (!existsSync(PGBOUNCER_BIN)) {
    throw new Error(`${PGBOUNCER_BIN} is missing: install Debian's pgbouncer package (npm test does so as root)`);
  }
  const target = new URL(databaseUrl);
  const dir = await mkdtemp(path.join(os.tmpdir(), "holdfast-pgbouncer-"));
  // PgBouncer will not run as root: it drops to the postgres user (-u), which must read the config.
  await chmod(dir, 0o755);
  const port = await freePort();
  const server = [
    `host=${target.hostname}`,
    `port=${target.port || 5432}`,
    `dbname=${target.pathname.slice(1)}`,
    `user=${decodeURIComponent(target.username)}`,
    `password=${decodeURIComponent(target.password)}`,
  ].join(" ");
  const ini = `[databases]
holdfast = ${server}
holdfast_api = ${server} connect_query='SET statement_timeout = ${opts.statementTimeoutMs}'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
`;
  const config = path.join(dir, "pgbouncer.ini");
  await writeFile(config, ini, { mode: 0o644 });
  const args = process.getuid?.() === 0 ? ["-u", "postgres", config] : [config];
  const child: ChildProcess = spawn(PGBOUNCER_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error("pgbouncer did not start");
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  let exited = false;
  const closed = new Promise<void>((resolve) => {
    child.on("close", () => {
      exited = true;
      resolve();
    });
  });
  const bouncer: Pgbouncer = {
    pid: child.pid,
    port,
    url: (database) => {
      const u = new URL(databaseUrl);
      u.port = String(port);
      u.pathname = `/${database}`;
      u.search = "?pgbouncer=true";
      return u.toString();
    },
    output: () => out,
    stop: async () => {
      if (!exited) {
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await closed;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  const until = Date.now() + 10_000;
  while (!/listening on 127\.0\.0\.1/.test(out)) {
    if (exited || Date.now() > until) {
      await bouncer.stop();
      throw new Error(`pgbouncer did not start listening\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return bouncer;
}
