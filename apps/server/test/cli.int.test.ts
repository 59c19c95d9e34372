/**
 * The operator CLI as a real process (`node --import tsx src/cli.ts`, what
 * `pnpm holdfast` runs) against a test database: create-tenant reads the
 * password from standard input and refuses it on the command line;
 * create-token prints the secret once, with the permissions and expiry asked
 * for; revoke-token stops it at once; each is audited as system:cli. The
 * command functions' refusals are checked in process.
 */
import { schema } from "@holdfast/db";
import { authenticate, signIn } from "@holdfast/services";
import { runCli } from "@holdfast/testing/cli-process";
import { createTestWorld, NOW, type TestWorld } from "@holdfast/testing/harness";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, parseDuration, runCommand } from "../src/cli-commands.ts";

let w: TestWorld;
beforeAll(async () => {
  w = await createTestWorld();
});
afterAll(async () => {
  await w?.close();
});

/** Runs the CLI as its own process on the test database, with the clock frozen at NOW. */
const cli = (args: string[], stdin = "") => runCli(args, { env: { DATABASE_URL: w.url, HOLDFAST_NOW: NOW }, stdin });

const auditBy = (entityType: string, entityId: string) =>
  w.db
    .select()
    .from(schema.auditEvents)
    .where(and(eq(schema.auditEvents.entityType, entityType), eq(schema.auditEvents.entityId, entityId)));

describe("the CLI as a process", () => {
  let tenantLocator: string;

  it("create-tenant reads the password from standard input", async () => {
    const run = await cli(
      ["create-tenant", "--name", "CLI Insurance", "--email", "ops@cli.test", "--time-zone", "Europe/Prague"],
      "a long cli password\n",
    );
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { tenantLocator: string; userEmail: string; apiToken: string };
    tenantLocator = out.tenantLocator;
    expect(out.userEmail).toBe("ops@cli.test");
    expect(await authenticate(w.db, out.apiToken, new Date(NOW))).not.toBeNull();
    await expect(signIn(w.system, { email: "ops@cli.test", password: "a long cli password" })).resolves.toHaveProperty(
      "token",
    );
    const [created] = await auditBy("tenant", tenantLocator);
    expect(created).toMatchObject({ action: "create", actorType: "system", actorId: "cli" });
  });

  it("create-tenant refuses --password, and a missing password, and creates nothing", async () => {
    const before = await w.db.select().from(schema.tenants);
    const withFlag = await cli([
      "create-tenant",
      "--name",
      "Leaky",
      "--email",
      "x@cli.test",
      "--password",
      "secret-on-argv",
    ]);
    expect(withFlag.code, withFlag.stdout + withFlag.stderr).toBe(2);
    expect(withFlag.stderr).toContain("never read from the command line");
    const empty = await cli(["create-tenant", "--name", "Empty", "--email", "y@cli.test"], "");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("no password");
    expect(await w.db.select().from(schema.tenants)).toHaveLength(before.length);
  });

  it("create-token prints the secret once with the permissions and expiry asked for; revoke-token stops it", async () => {
    const run = await cli([
      "create-token",
      "--tenant",
      tenantLocator,
      "--name",
      "reporting",
      "--permissions",
      "holds:read,holds:list",
      "--expires-in",
      "90d",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const made = JSON.parse(run.stdout) as { locator: string; prefix: string; apiToken: string; expiresAt: string };
    expect(made.expiresAt).toBe(new Date(new Date(NOW).getTime() + 90 * 86_400_000).toISOString());
    const principal = await authenticate(w.db, made.apiToken, new Date(NOW));
    expect(principal?.grants).toEqual([
      { tenantId: tenantLocator, tenantName: "CLI Insurance", permissions: ["holds:read", "holds:list"] },
    ]);
    const [row] = await w.db.select().from(schema.credentials).where(eq(schema.credentials.id, made.locator));
    expect(row?.createdBy).toBe("system:cli");

    const revoked = await cli(["revoke-token", made.prefix]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await authenticate(w.db, made.apiToken, new Date(NOW))).toBeNull();
    const events = await auditBy("token", made.locator);
    expect(events.map((e) => `${e.action} ${e.actorType}:${e.actorId}`).sort()).toEqual([
      "create system:cli",
      "revoke system:cli",
    ]);
    expect(JSON.stringify(events)).not.toContain(made.apiToken);
  });
});

describe("the command functions", () => {
  function io(stdin = ""): CliIo & { text(): string } {
    let text = "";
    return {
      out: (t) => {
        text += `${t}\n`;
      },
      err: (t) => {
        text += `${t}\n`;
      },
      readSecret: async () => stdin,
      text: () => text,
    };
  }
  const deps = (stdin = "") => ({ db: w.db, clock: w.clock, io: io(stdin) });

  it("refuses unknown permissions, bad durations, unknown tenants and prefixes", async () => {
    const tenant = await w.tenant("Function tenant");
    const cases: [string[], number, string][] = [
      [["create-token", "--tenant", tenant, "--name", "n", "--permissions", "holds:fly"], 2, "unknown permission"],
      [
        ["create-token", "--tenant", tenant, "--name", "n", "--permissions", "holds:read", "--expires-in", "soon"],
        2,
        "--expires-in",
      ],
      [["create-token", "--tenant", "not-a-uuid", "--name", "n", "--permissions", "holds:read"], 2, "UUID"],
      [
        ["create-token", "--tenant", "7d1f3c2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f", "--name", "n", "--permissions", "admin"],
        1,
        "not found",
      ],
      [["revoke-token", "hft_abcdef"], 1, "not found"],
      [["revoke-token", "nonsense"], 2, "prefix"],
      [["launch-rockets"], 2, "unknown command"],
      [["create-token", "--bogus"], 2, "usage"],
    ];
    for (const [argv, code, says] of cases) {
      const d = deps();
      expect(await runCommand(argv, d), argv.join(" ")).toBe(code);
      expect(d.io.text()).toContain(says);
    }
  });

  it("parses durations with ms", () => {
    expect(parseDuration("90d")).toBe(90 * 86_400_000);
    expect(parseDuration("12h")).toBe(12 * 3_600_000);
    expect(() => parseDuration("0d")).toThrow();
    expect(() => parseDuration("-1d")).toThrow();
  });
});
