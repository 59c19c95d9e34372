/**
 * The operator commands, apart from how the process starts: each takes its
 * arguments, a database, the clock and the terminal, and answers an exit code.
 * They act as the system actor `cli`, and every change they make is audited.
 */
import { parseArgs } from "node:util";
import type { Database } from "@holdfast/db";
import {
  createTokenInput,
  flattenZodError,
  isAppError,
  isPermission,
  zTenantLocator,
  zTokenPrefix,
} from "@holdfast/domain";
import {
  type ActingContext,
  CLI_ACTOR,
  type Clock,
  createToken,
  operatorTokenContext,
  provisionTenant,
  revokeTokenByPrefix,
} from "@holdfast/services";
import ms from "ms";
import { auditArchiveCommand, auditPartitionsCommand } from "./retention-commands.ts";

export const USAGE = `usage:
  holdfast create-tenant --name NAME --email EMAIL [--time-zone ZONE]
      the admin's password is read from standard input (or prompted for, without echo)
  holdfast create-token --tenant TENANT_LOCATOR --name NAME --permissions holds:read,holds:list [--expires-in 90d]
  holdfast revoke-token PREFIX
  holdfast migrate
      applies the committed database migrations (run it as the role that owns the schema)
  holdfast audit-archive --before YYYY-MM [--out DIR] [--drop]
      writes each audit month before YYYY-MM to DIR/audit-YYYY-MM.jsonl.gz, then detaches it (--drop: drops it)
  holdfast audit-partitions [--months N]
      creates the audit partitions for the current and next N months (default 3)`;

/** The terminal: where answers and errors go, and how a secret is read (never from argv). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** A secret from standard input, or typed at a prompt without echo. */
  readSecret(prompt: string): Promise<string>;
}

export interface CliDeps {
  db: Database;
  clock: Clock;
  io: CliIo;
}

export class UsageError extends Error {}

const OPTIONS = {
  name: { type: "string" },
  email: { type: "string" },
  "time-zone": { type: "string" },
  tenant: { type: "string" },
  permissions: { type: "string" },
  "expires-in": { type: "string" },
  help: { type: "boolean" },
  before: { type: "string" },
  out: { type: "string" },
  drop: { type: "boolean" },
  months: { type: "string" },
} as const;

/** The command named in argv, if it needs a database (help and usage errors do not). */
export function commandOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith("-"));
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

/** `90d`, `12h`, `30m`: a positive duration, in milliseconds. */
export function parseDuration(text: string): number {
  const value = ms(text as ms.StringValue);
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--expires-in must be a positive duration such as 90d, 12h or 30m, got "${text}"`);
  }
  return value;
}

async function createTenant(values: Record<string, string | boolean | undefined>, deps: CliDeps) {
  const name = required(values.name as string | undefined, "--name");
  const email = required(values.email as string | undefined, "--email");
  const password = await deps.io.readSecret(`Password for ${email}: `);
  if (!password) throw new UsageError("no password was given on standard input");
  const timeZone = values["time-zone"] as string | undefined;
  const result = await provisionTenant(
    deps.db,
    { name, email, password, ...(timeZone ? { timeZone } : {}) },
    { clock: deps.clock, actor: CLI_ACTOR },
  );
  deps.io.out(JSON.stringify({ tenantLocator: result.tenantId, userEmail: email, apiToken: result.token }, null, 2));
}

async function createTokenCommand(values: Record<string, string | boolean | undefined>, deps: CliDeps) {
  const tenant = zTenantLocator.safeParse(required(values.tenant as string | undefined, "--tenant"));
  if (!tenant.success) throw new UsageError("--tenant must be a tenant locator (a UUID)");
  const permissions = required(values.permissions as string | undefined, "--permissions")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length) throw new UsageError(`unknown permission(s): ${unknown.join(", ")}`);
  const expiresIn = values["expires-in"] as string | undefined;
  const now = deps.clock.now();
  const input = createTokenInput.safeParse({
    name: required(values.name as string | undefined, "--name"),
    permissions,
    ...(expiresIn ? { expiresAt: new Date(now.getTime() + parseDuration(expiresIn)).toISOString() } : {}),
  });
  if (!input.success) {
    throw new UsageError(
      flattenZodError(input.error)
        .map((i) => `${i.path}: ${i.message}`)
        .join("; "),
    );
  }
  const acting: ActingContext = { db: deps.db, clock: deps.clock, actor: CLI_ACTOR };
  const made = await createToken(await operatorTokenContext(acting, tenant.data), input.data);
  deps.io.out(
    JSON.stringify(
      {
        locator: made.locator,
        name: made.name,
        prefix: made.prefix,
        tenantLocator: tenant.data,
        permissions: made.permissions,
        expiresAt: made.expiresAt,
        apiToken: made.secret,
      },
      null,
      2,
    ),
  );
  deps.io.err("The token is shown only once; only its SHA-256 hash is stored.");
}

async function revokeTokenCommand(positionals: string[], deps: CliDeps) {
  const prefix = zTokenPrefix.safeParse(positionals[1]);
  if (!prefix.success || positionals.length !== 2) {
    throw new UsageError("revoke-token takes one token prefix (hft_ and six characters, as tokens.list shows it)");
  }
  const revoked = await revokeTokenByPrefix({ db: deps.db, clock: deps.clock, actor: CLI_ACTOR }, prefix.data);
  deps.io.out(JSON.stringify(revoked, null, 2));
}

/** Runs one command; answers the process's exit code (0 done, 1 refused, 2 usage). */
export async function runCommand(argv: string[], deps: CliDeps): Promise<number> {
  try {
    if (argv.some((a) => a === "--password" || a.startsWith("--password="))) {
      throw new UsageError(
        "passwords are never read from the command line: pipe it on standard input, or type it at the prompt",
      );
    }
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    switch (positionals[0]) {
      case "create-tenant":
        await createTenant(values, deps);
        return 0;
      case "create-token":
        await createTokenCommand(values, deps);
        return 0;
      case "revoke-token":
        await revokeTokenCommand(positionals, deps);
        return 0;
      case "audit-archive":
        await auditArchiveCommand(values, deps);
        return 0;
      case "audit-partitions":
        await auditPartitionsCommand(values, deps);
        return 0;
      default:
        throw new UsageError(positionals[0] ? `unknown command ${positionals[0]}` : "no command given");
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e)) {
      deps.io.err(`error: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (isAppError(e)) {
      deps.io.err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
