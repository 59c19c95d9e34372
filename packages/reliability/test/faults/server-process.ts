/**
 * The real server as a separate process (node --import tsx apps/server/src/main.ts)
 * against a given DATABASE_URL, without a worker or demo data. Used by the
 * fault suites, which must see how the process itself behaves.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const SERVER_MAIN = path.join(REPO_ROOT, "apps/server/src/main.ts");

export interface ServerProcess {
  readonly pid: number;
  readonly baseUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Null while the process runs; its exit code or signal afterwards. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export async function startServerProcess(opts: {
  databaseUrl: string;
  port: number;
  logLevel?: string;
  startTimeoutMs?: number;
  /** More environment variables for the process. */
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: opts.databaseUrl,
    PORT: String(opts.port),
    HOST: "127.0.0.1",
    HOLDFAST_NO_WORKER: "1",
    // One process: this suite kills it by its pid and counts its per-process limits and read-your-writes.
    HOLDFAST_SERVER_PROCESSES: "1",
    HOLDFAST_NO_DEMO: "1",
    LOG_LEVEL: opts.logLevel ?? "warn",
    NODE_ENV: "production",
    // These suites drive one token far past the per-credential limits (the attacks suite tests those).
    HOLDFAST_RATE_LIMIT_PER_SECOND: "1000000",
    HOLDFAST_RATE_LIMIT_BURST: "1000000",
    HOLDFAST_CONCURRENCY_LIMIT: "10000",
  };
  delete env.HOLDFAST_NOW;
  Object.assign(env, opts.env);
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", SERVER_MAIN], {
    cwd: path.join(REPO_ROOT, "apps/server"),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error("the server process did not start");
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const closed = new Promise<void>((resolve) => {
    child.on("close", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const server: ServerProcess = {
    pid: child.pid,
    baseUrl: `http://127.0.0.1:${opts.port}`,
    output: () => out,
    exit: () => exited,
    stop: async (graceMs = 10_000) => {
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };

  const until = Date.now() + (opts.startTimeoutMs ?? 90_000);
  for (;;) {
    if (exited) throw new Error(`the server exited during start-up: ${JSON.stringify(exited)}\n${out.slice(-3000)}`);
    const ok = await fetch(`${server.baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return server;
    if (Date.now() > until) {
      await server.stop(1000);
      throw new Error(`the server did not answer /healthz in time\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
