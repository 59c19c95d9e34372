/**
 * A real server process (apps/server/src/main.ts) on a test database, and a
 * keep-alive HTTP client for it. The suites talk to the process only through
 * HTTP, exactly as a client would.
 */
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_SECRET_KEY } from "@holdfast/testing/harness";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const SERVER_MAIN = path.join(REPO_ROOT, "apps/server/src/main.ts");

export interface RunningServer {
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  /** stdout and stderr of the process (warnings and errors only, at LOG_LEVEL=warn). */
  output(): string;
  /** True while the process has not exited. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Starts `node --import tsx apps/server/src/main.ts` against this database
 * (no worker, no demo data, a frozen clock) and waits for /healthz.
 */
export async function startServer(opts: {
  databaseUrl: string;
  now: string;
  /** More environment for the process (it overrides the defaults below). */
  env?: Record<string, string>;
}): Promise<RunningServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", SERVER_MAIN], {
    // tsx resolves from the server package, as `pnpm --filter @holdfast/server serve` runs it.
    cwd: path.join(REPO_ROOT, "apps/server"),
    env: {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      HOLDFAST_NO_WORKER: "1",
      // One process: this suite kills it by its pid and counts its per-process limits and read-your-writes.
      HOLDFAST_SERVER_PROCESSES: "1",
      HOLDFAST_NO_DEMO: "1",
      HOLDFAST_NOW: opts.now,
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      // The suites drive one token far past the per-credential limits (the attacks suite sets its own).
      HOLDFAST_RATE_LIMIT_PER_SECOND: "1000000",
      HOLDFAST_RATE_LIMIT_BURST: "1000000",
      HOLDFAST_CONCURRENCY_LIMIT: "10000",
      // Webhook secrets are sealed with the test worlds' key; receivers of the suites listen on 127.0.0.1.
      HOLDFAST_SECRET_KEY: TEST_SECRET_KEY,
      HOLDFAST_WEBHOOKS_ALLOW_PRIVATE: "1",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    // Bounded: a misbehaving server must not grow the test's memory without end.
    if (out.length < 2_000_000) out += chunk.toString("utf8");
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const server: RunningServer = {
    pid: child.pid ?? -1,
    port,
    baseUrl,
    output: () => out,
    alive: () => !exited,
    stop: async () => {
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`the server exited during start-up:\n${out}`);
    const ok = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the server did not become healthy within 90 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface HttpRequest {
  method: string;
  /** Path and query, already encoded as they go on the wire. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpAnswer {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

/** A keep-alive HTTP/1.1 client with at most `sockets` requests on the wire at once. */
export function httpClient(port: number, sockets = 8) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  function send(req: HttpRequest): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...(req.headers ?? {}) };
      if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body, "utf8");
      const r = http.request({ host: "127.0.0.1", port, method: req.method, path: req.path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), headers: res.headers }),
        );
        res.on("error", reject);
      });
      r.on("error", reject);
      r.setTimeout(60_000, () => r.destroy(new Error(`timeout: ${req.method} ${req.path.slice(0, 200)}`)));
      if (req.body !== undefined) r.write(req.body, "utf8");
      r.end();
    });
  }
  return { send, close: () => agent.destroy() };
}

export type HttpClient = ReturnType<typeof httpClient>;

/** Runs `work` over the items with `concurrency` in flight; results in item order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T, i: number) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await work(items[i] as T, i);
    }
  });
  await Promise.all(runners);
  return results;
}
