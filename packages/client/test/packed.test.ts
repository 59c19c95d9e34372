// Packs @holdfast/client as another repository would receive it, installs the tarball with npm into a
// fresh project outside the workspace, and type-checks (tsc --strict, nodenext) a small service that
// uses it; a second file with a wrong input type must fail the check. The compiled service then runs
// under node to verify a webhook signed here. Prints how long packing and npm install took.
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const installed = (name: string) =>
  JSON.parse(readFileSync(path.join(pkgDir, "node_modules", name, "package.json"), "utf8")).version as string;

let work: string;
let project: string;
let tarball: string;

/** The environment of a process outside the workspace: without the npm_config_* settings pnpm passes down. */
const outsideEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...outsideEnv, ...env }, maxBuffer: 64 << 20 });
}
const tsc = (args: string[]) => run(process.execPath, ["node_modules/typescript/bin/tsc", ...args], project);
function ok(result: SpawnSyncReturns<string>): string {
  if (result.status !== 0) throw new Error(`exit ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}
const timed = <T>(label: string, f: () => T): T => {
  const started = performance.now();
  const value = f();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return value;
};

const SERVICE = `
import { createHoldfastClient, TRPCClientError, verifyWebhook, type AppRouter, type DomainEvent, type EventType } from "@holdfast/client";

const holdfast = createHoldfastClient({ url: process.env.HOLDFAST_URL ?? "http://127.0.0.1:1", token: "hf_test" });

/** Whether billing may invoice this account today. */
export async function mayInvoice(accountLocator: string): Promise<boolean> {
  try {
    const effect = await holdfast.holds.effect.query({ accountLocator, process: "invoicing" });
    const held: boolean = effect.held;
    const locators: string[] = effect.holdLocators;
    return !held && locators.length === 0;
  } catch (err) {
    if (err instanceof TRPCClientError) {
      const e = err as TRPCClientError<AppRouter>;
      const httpStatus: number | undefined = e.data?.httpStatus;
      const rules: string[] = (e.data?.issues ?? []).map((i) => i.rule);
      console.error("holdfast refused", httpStatus, e.data?.appCode, rules, e.message);
      return false;
    }
    throw err;
  }
}

/** A webhook receiver's core: verify, then act on the typed event. */
export function receive(secret: string, headers: Headers | Record<string, string>, rawBody: string): string {
  const event: DomainEvent = verifyWebhook(secret, headers, rawBody);
  const type: EventType = event.type;
  // data narrows by type: a released hold carries its reason and who released it.
  if (event.type === "hold.released") {
    const byWorker: boolean = event.data.releasedByWorker;
    const reason: string = event.data.reason;
    void byWorker;
    void reason;
  }
  return type + " " + event.entity.type + " " + event.entity.id;
}

if (process.env.WEBHOOK_CASE) {
  const { secret, headers, body } = JSON.parse(process.env.WEBHOOK_CASE) as { secret: string; headers: Record<string, string>; body: string };
  console.log(receive(secret, new Headers(headers), body));
  try {
    receive(secret, headers, body.replace("H-1", "H-2"));
    console.log("tampered body accepted");
  } catch (err) {
    console.log("tampered body refused: " + (err as Error).message);
  }
}
`;

const WRONG = `
import { createHoldfastClient } from "@holdfast/client";

const holdfast = createHoldfastClient({ url: "http://127.0.0.1:1", token: "hf_test" });
export const effect = holdfast.holds.effect.query({ accountLocator: 42, process: "invoicing" });
`;

const tsconfig = (files: string[], skipLibCheck: boolean) =>
  JSON.stringify({
    compilerOptions: {
      strict: true,
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      types: ["node"],
      outDir: "dist",
      skipLibCheck,
    },
    files,
  });

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "holdfast-client-packed-"));
  project = path.join(work, "service");
  timed("pnpm pack (build + pack)", () => ok(run("pnpm", ["pack", "--pack-destination", work], pkgDir)));
  const packed = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!packed) throw new Error("pnpm pack made no tarball");
  tarball = path.join(work, packed);
  console.log(`tarball ${packed}: ${(statSync(tarball).size / 1024).toFixed(1)} KiB`);
  ok(run("mkdir", [project], work));
  ok(run("npm", ["init", "-y"], project));
  ok(run("npm", ["pkg", "set", "type=module"], project));
  timed("npm install", () =>
    ok(
      run(
        "npm",
        [
          "install",
          "--prefer-offline",
          "--no-audit",
          "--no-fund",
          tarball,
          `typescript@${installed("typescript")}`,
          `@types/node@${installed("@types/node")}`,
        ],
        project,
      ),
    ),
  );
  writeFileSync(path.join(project, "service.ts"), SERVICE);
  writeFileSync(path.join(project, "wrong.ts"), WRONG);
  writeFileSync(path.join(project, "tsconfig.json"), tsconfig(["service.ts"], true));
  writeFileSync(path.join(project, "tsconfig.wrong.json"), tsconfig(["wrong.ts"], false));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed @holdfast/client in a fresh npm project", () => {
  it("ships built JavaScript and self-contained declarations, with real dependency versions", () => {
    const listing = ok(run("tar", ["-tzf", tarball], work))
      .split("\n")
      .filter(Boolean)
      .sort();
    expect(listing).toEqual([
      "package/dist/index.cjs",
      "package/dist/index.d.cts",
      "package/dist/index.d.ts",
      "package/dist/index.js",
      "package/package.json",
    ]);
    const root = path.join(project, "node_modules/@holdfast/client");
    const manifest = readFileSync(path.join(root, "package.json"), "utf8");
    expect(manifest).not.toMatch(/"(catalog|workspace):/);
    const pkg = JSON.parse(manifest);
    for (const dep of ["@trpc/client", "@trpc/server", "standardwebhooks", "zod"]) {
      expect(pkg.dependencies[dep]).toBe(readCatalog(dep));
    }
    expect(pkg.exports["."].import.types).toBe("./dist/index.d.ts");
    const declarations = readFileSync(path.join(root, "dist/index.d.ts"), "utf8");
    expect(declarations).not.toContain("@holdfast/");
    expect(declarations).toContain('"hold.created"');
  });

  it("type-checks a service that queries holds.effect, handles TRPCClientError and verifies a webhook", () => {
    const result = timed("tsc service.ts", () => tsc(["-p", "tsconfig.json"]));
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  // This check also reads every declaration file (skipLibCheck false): the client's own declarations
  // have no error. @trpc/server's declarations name the optional `ws` package, absent here.
  it("fails the type check of a wrong input type (a number for holds.effect's accountLocator)", () => {
    const result = tsc(["-p", "tsconfig.wrong.json", "--noEmit"]);
    expect(result.status).not.toBe(0);
    const errors = result.stdout.split("\n").filter((l) => l.includes("error TS"));
    expect(errors.filter((l) => l.startsWith("wrong.ts"))).toEqual([
      expect.stringMatching(/^wrong\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/),
    ]);
    const others = errors.filter((l) => !l.startsWith("wrong.ts"));
    expect(others.filter((l) => !/^node_modules\/@trpc\/server\/.*Cannot find module 'ws'/.test(l))).toEqual([]);
  });

  it("runs the compiled service under node: a signed delivery verifies, a tampered one is refused", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = JSON.stringify({
      id: "01JEVENT0000000000000000000",
      type: "hold.released",
      version: 1,
      tenantLocator: "acme",
      entity: { type: "hold", id: "H-1" },
      occurredAt: new Date().toISOString(),
      requestId: null,
      data: {},
    });
    const now = new Date();
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign("msg_1", now, body),
    };
    const out = ok(
      run("node", ["dist/service.js"], project, { WEBHOOK_CASE: JSON.stringify({ secret, headers, body }) }),
    );
    expect(out.trim().split("\n")).toEqual([
      "hold.released hold H-1",
      "tampered body refused: No matching signature found",
    ]);
    const cjs = ok(
      run(
        "node",
        [
          "-e",
          "const c = require('@holdfast/client'); console.log(typeof c.verifyWebhook, typeof c.createHoldfastClient)",
        ],
        project,
      ),
    );
    expect(cjs.trim()).toBe("function function");
  });
});

function readCatalog(name: string): string {
  const yaml = readFileSync(path.join(pkgDir, "../../pnpm-workspace.yaml"), "utf8");
  const line = yaml
    .split("\n")
    .find((l) => l.trim().startsWith(`${JSON.stringify(name)}:`) || l.trim().startsWith(`${name}:`));
  if (!line) throw new Error(`${name} is not in the catalog`);
  return line.slice(line.indexOf(":") + 1).trim();
}
