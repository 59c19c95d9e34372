/**
 * Why a migration (or the check for pending migrations) failed, as the one
 * line an operator reads: PostgreSQL's reason and the SQL an administrator
 * must run. Only PostgreSQL's own errors are translated; anything else is a
 * bug and keeps its stack.
 */

/** Which step failed: reading `drizzle.__drizzle_migrations` (data rights) or applying migrations (owner rights). */
export type MigrationStep = "check" | "migrate";

export interface MigrationErrorContext {
  step: MigrationStep;
  /** The database the process connects to. */
  database: string;
  /** The role the process connects as. */
  role: string;
}

/** The fields of a PostgreSQL error (postgres-js' PostgresError) that the translation reads. */
export interface PgErrorFields {
  code: string;
  message: string;
  hint?: string;
}

/** PostgreSQL's error in `error` or in its chain of causes (drizzle wraps it in a DrizzleQueryError). */
export function pgErrorOf(error: unknown): PgErrorFields | undefined {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const { code, message, severity } = e as { code?: unknown; message?: unknown; severity?: unknown };
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && typeof message === "string" && severity) {
      return e as PgErrorFields;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** An SQL identifier as written in the advice: bare when PostgreSQL would read it unchanged, quoted otherwise. */
export function sqlIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

const quotedName = (message: string, pattern: RegExp) => message.match(pattern)?.[1];

/** The SQL an administrator must run for this PostgreSQL error, if it is a missing extension or right. */
function adminSql(pg: PgErrorFields, ctx: MigrationErrorContext): string | undefined {
  const role = sqlIdent(ctx.role);
  const database = sqlIdent(ctx.database);
  const inDatabase = ` in database "${ctx.database}"`;
  const extension =
    quotedName(pg.message, /extension "([^"]+)"/) ??
    quotedName(pg.message, /extension control file "[^"]*\/([^/"]+)\.control"/);
  if (extension && pg.code === "42501") {
    return `CREATE EXTENSION IF NOT EXISTS ${sqlIdent(extension)};${inDatabase}`;
  }
  if (extension && (pg.code === "0A000" || pg.code === "58P01" || pg.code === "22023")) {
    return `CREATE EXTENSION IF NOT EXISTS ${sqlIdent(extension)};${inDatabase} (after installing PostgreSQL's contrib package on the database server)`;
  }
  if (pg.code !== "42501") return undefined;
  if (/^permission denied for database /.test(pg.message)) {
    return `GRANT CREATE ON DATABASE ${database} TO ${role};`;
  }
  const schema = quotedName(pg.message, /^permission denied for schema (.+)$/);
  if (schema) {
    const rights = ctx.step === "check" ? "USAGE" : "USAGE, CREATE";
    return `GRANT ${rights} ON SCHEMA ${sqlIdent(schema)} TO ${role};${inDatabase}`;
  }
  const table = quotedName(pg.message, /^permission denied for (?:table|relation) (.+)$/);
  if (table && ctx.step === "check") {
    return `GRANT SELECT ON drizzle.${sqlIdent(table)} TO ${role};${inDatabase}`;
  }
  const owned = quotedName(pg.message, /^must be owner of (?:table|relation) (.+)$/);
  if (owned) return `ALTER TABLE ${sqlIdent(owned)} OWNER TO ${role};${inDatabase}`;
  return undefined;
}

/**
 * The one line for a failed migration step, or undefined when `error` is not
 * PostgreSQL's (then it should surface with its stack). For example
 * `holdfast: cannot migrate: permission denied to create extension "btree_gist"; an administrator must run: CREATE EXTENSION IF NOT EXISTS btree_gist; in database "holdfast"`.
 */
export function explainMigrationError(error: unknown, ctx: MigrationErrorContext): string | undefined {
  const pg = pgErrorOf(error);
  if (!pg) return undefined;
  const what = ctx.step === "check" ? "cannot read the applied migrations" : "cannot migrate";
  const sql = adminSql(pg, ctx);
  const reason = pg.message.replace(/\s+/g, " ").trim();
  if (sql) return `holdfast: ${what}: ${reason}; an administrator must run: ${sql}`;
  const hint = pg.hint ? ` (${pg.hint.replace(/\s+/g, " ").trim()})` : "";
  return `holdfast: ${what}: ${reason}${hint} [SQLSTATE ${pg.code}]`;
}
