import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/stray-rejections.ts");

/** A Node process that installs the handler, rejects a promise nobody waits for, and then lives 200 ms more. */
function run(code: string) {
  const script = `
    const { surviveStrayPoolRejections } = await import(${JSON.stringify(MODULE)});
    const logged = [];
    surviveStrayPoolRejections({ warn: (o, m) => console.log("warn", o.code, m), fatal: (o, m) => console.log("fatal", m) });
    Promise.reject(Object.assign(new Error("gone"), { code: ${JSON.stringify(code)} }));
    setTimeout(() => console.log("still running"), 200);
  `;
  return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    cwd: path.dirname(MODULE),
  });
}

describe("stray rejections of a replaced database pool", () => {
  it("a query rejected by the pool's teardown (CONNECTION_DESTROYED) is logged and the server lives on", () => {
    const r = run("CONNECTION_DESTROYED");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("warn CONNECTION_DESTROYED");
    expect(r.stdout).toContain("still running");
  });

  it("any other unhandled rejection still ends the process with 1", () => {
    const r = run("SOMETHING_ELSE");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("fatal unhandled rejection");
    expect(r.stdout).not.toContain("still running");
  });
});
