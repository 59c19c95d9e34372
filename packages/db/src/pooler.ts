/**
 * Running behind a transaction pooler (PgBouncer `pool_mode = transaction`):
 * consecutive transactions of one client may run on different server
 * connections, so nothing may rely on session state. Two things do:
 * - named prepared statements (postgres.js prepares by name per connection):
 *   switched off behind a pooler;
 * - session advisory locks (migrations, worker days): taken on a direct
 *   connection to PostgreSQL (`DATABASE_DIRECT_URL`) instead.
 *
 * The rule, in one place:
 * - `DATABASE_URL` goes through a pooler when it has `?pgbouncer=true`, or
 *   when its port is 6432 (PgBouncer's) and it has no `?pgbouncer=false`.
 *   `pgbouncer` is Holdfast's own parameter; it is removed before the URL
 *   reaches postgres.js (PostgreSQL would refuse it as a startup parameter).
 * - Statements are prepared unless `HOLDFAST_DB_PREPARE=false`, the URL has
 *   `?prepare=false`, or the URL goes through a pooler.
 *   `HOLDFAST_DB_PREPARE=true` forces preparation on.
 * - Session locks use `DATABASE_DIRECT_URL`, else `DATABASE_URL`; a process
 *   that takes session locks refuses to start when `DATABASE_URL` goes
 *   through a pooler and no direct URL is given.
 */

/** PgBouncer's default port: a URL with it is taken to go through a pooler. */
export const POOLER_PORT = 6432;

export interface ConnectionSettings {
  /** The URL to hand to postgres.js: Holdfast's own parameters removed. */
  url: string;
  /** The URL goes through a transaction pooler. */
  pooled: boolean;
  /** Use named prepared statements. */
  prepare: boolean;
}

/** A configuration the process cannot run with; its message is one line for the operator. */
export class DatabaseConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseConfigError";
  }
}

/**
 * For an entry point: a DatabaseConfigError (a pooler without DATABASE_DIRECT_URL)
 * ends the process with one line, `<who>: <message>`, and exit code 2; anything else is thrown.
 */
export function refuseToStart(who: string): (e: unknown) => never {
  return (e) => {
    if (!(e instanceof DatabaseConfigError)) throw e;
    console.error(`${who}: ${e.message}`);
    process.exit(2);
  };
}

/** `HOLDFAST_DB_PREPARE` as a setting: true, false, or undefined (decide from the URL). */
export function prepareSetting(value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new DatabaseConfigError(`HOLDFAST_DB_PREPARE must be true or false, not "${value}"`);
}

/** How to connect to `url` (see the rule above); `prepare` is HOLDFAST_DB_PREPARE when set. */
export function connectionSettings(url: string, prepare?: boolean): ConnectionSettings {
  const q = url.indexOf("?");
  const base = q < 0 ? url : url.slice(0, q);
  const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  const flag = params.get("pgbouncer");
  params.delete("pgbouncer");
  const pooled = flag !== null ? flag === "true" || flag === "1" : portsOf(base).includes(POOLER_PORT);
  const urlPrepare = params.get("prepare");
  const query = params.toString();
  return {
    url: query ? `${base}?${query}` : base,
    pooled,
    prepare: prepare ?? (urlPrepare === "false" || urlPrepare === "disable" ? false : !pooled),
  };
}

/** The ports of a postgres URL's host list (`host1:5432,host2:6432`); 5432 where none is given. */
function portsOf(base: string): number[] {
  const afterScheme = base.slice(base.indexOf("://") + 3);
  const authority = afterScheme.split("/")[0] ?? "";
  const hosts = authority.slice(authority.lastIndexOf("@") + 1);
  return hosts.split(",").map((h) => {
    const m = /:(\d+)$/.exec(h);
    return m ? Number(m[1]) : 5432;
  });
}

/**
 * The URL session advisory locks are taken on: `directUrl` when given, else
 * `url` unless that goes through a pooler (then there is no safe choice, and
 * the process refuses to start).
 */
export function sessionLockUrl(url: string, directUrl: string | undefined): string {
  if (directUrl) return connectionSettings(directUrl).url;
  const settings = connectionSettings(url);
  if (settings.pooled) {
    throw new DatabaseConfigError(
      "DATABASE_URL goes through a connection pooler (port 6432 or ?pgbouncer=true): set DATABASE_DIRECT_URL to a direct PostgreSQL URL for the migration and worker locks",
    );
  }
  return settings.url;
}
