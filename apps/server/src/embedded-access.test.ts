import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { blockedAt, type EmbeddedServer, mayEnter, startEmbeddedPostgres } from "@holdfast/db/embedded";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";

const PG: { uid: number; gid: number } = { uid: 101, gid: 104 };
const dir = (mode: number, uid = 0, gid = 0) => ({ mode: 0o040000 | mode, uid, gid });

describe("the postgres user's reachability check", () => {
  it("reads the owner, group or other search bit, whichever applies", () => {
    expect(mayEnter(dir(0o700), PG)).toBe(false);
    expect(mayEnter(dir(0o755), PG)).toBe(true);
    expect(mayEnter(dir(0o750), PG)).toBe(false);
    expect(mayEnter(dir(0o750, 0, PG.gid), PG)).toBe(true);
    expect(mayEnter(dir(0o700, PG.uid, 0), PG)).toBe(true);
    // The owner's bits apply to the owner even when "other" could enter.
    expect(mayEnter(dir(0o005, PG.uid, 0), PG)).toBe(false);
    expect(mayEnter(dir(0o700), { uid: 0, gid: 0 })).toBe(true);
  });

  it("names the first directory on the way that the user cannot enter", () => {
    const modes: Record<string, ReturnType<typeof dir>> = {
      "/": dir(0o755),
      "/tmp": dir(0o1777),
      "/tmp/x": dir(0o700),
      "/tmp/x/repo": dir(0o755),
    };
    const stat = (p: string) => {
      const m = modes[p];
      if (!m) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return m;
    };
    expect(blockedAt("/tmp/x/repo/node_modules", PG, stat)).toBe("/tmp/x");
    expect(blockedAt("/tmp", PG, stat)).toBeNull();
    modes["/tmp/x"] = dir(0o711);
    expect(blockedAt("/tmp/x/repo/node_modules", PG, stat)).toBeNull();
  });
});

const root = process.getuid?.() === 0;
const cleanup: string[] = [];
let server: EmbeddedServer | undefined;
afterAll(async () => {
  await server?.stop();
  for (const d of cleanup) await rm(d, { recursive: true, force: true });
});

describe.runIf(root)("the embedded PostgreSQL run as root from a directory others cannot enter", () => {
  it("copies the binaries and places the data where postgres can reach them, and answers a query", async () => {
    // A checkout in a 0700 directory: the binaries (a copy of the platform package's) and the data dir inside it.
    const checkout = await mkdtemp(path.join(os.tmpdir(), "holdfast-0700-"));
    const shared = await mkdtemp(path.join(os.tmpdir(), "holdfast-shared-"));
    cleanup.push(checkout, shared);
    await chmod(shared, 0o755);
    expect((await stat(checkout)).mode & 0o777).toBe(0o700);
    const { packagedBinaries } = await import("@holdfast/db/embedded-access");
    const nativeDir = path.join(checkout, "node_modules", "native");
    await mkdir(path.dirname(nativeDir), { recursive: true });
    await cp(packagedBinaries().nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true });
    const dataDir = path.join(checkout, ".data", "pg");
    const access = {
      nativeDir,
      version: "test",
      cacheRoot: path.join(shared, "cache"),
      dataRoot: path.join(shared, "lib"),
    };
    expect(blockedAt(nativeDir, PG)).toBe(checkout);

    server = await startEmbeddedPostgres({ dataDir, ephemeral: true, access });
    const sql = postgres(server.url(), { max: 1, onnotice: () => undefined });
    const [row] = await sql`select current_setting('data_directory') as dir, 42 as answer`;
    await sql.end();
    expect(row?.answer).toBe(42);
    expect(row?.dir).toMatch(new RegExp(`^${shared}/lib/[0-9a-f]{16}/pg$`));
    expect(server.notes.join("\n")).toContain(path.join(shared, "cache", "postgres-test"));
    // The user's directory keeps its mode; the pointer file says where the data is; the password stays beside it.
    expect((await stat(checkout)).mode & 0o777).toBe(0o700);
    expect((await readFile(`${dataDir}.location`, "utf8")).split("\n")[0]).toBe(row?.dir);
    expect((await stat(path.join(checkout, ".data", "pg-password"))).mode & 0o777).toBe(0o600);

    // A second start finds the same cluster through the pointer file.
    await server.stop();
    server = await startEmbeddedPostgres({ dataDir, ephemeral: true, access });
    const again = postgres(server.url(), { max: 1, onnotice: () => undefined });
    const [row2] = await again`select current_setting('data_directory') as dir`;
    await again.end();
    expect(row2?.dir).toBe(row?.dir);
  });
});
