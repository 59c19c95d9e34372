/**
 * What `npm start` prints once everything runs: the dashboard's URL and how to
 * get credentials, on every start; on the first, the demo sign-in and token last,
 * after the worker's start-up lines, so they do not scroll away.
 */
import type { ChildProcess } from "node:child_process";

export interface DemoCredentials {
  email: string;
  password: string;
  token: string;
}

export function startBanner(base: string, demo: DemoCredentials | null, requestLogs: boolean): string {
  const lines = [
    "",
    `  Holdfast is running: dashboard and API at ${base} (tRPC at ${base}/trpc)`,
    "  Credentials: make a tenant with its admin sign-in, then API tokens for it:",
    "    npm run holdfast -- create-tenant --name NAME --email EMAIL",
    "    npm run holdfast -- create-token --tenant TENANT_LOCATOR --name NAME --permissions holds:read,holds:list",
    requestLogs ? "" : "  Request logs are off on a terminal; HOLDFAST_LOG_REQUESTS=1 shows them.",
  ];
  if (demo) {
    lines.push(
      "  First start: demo data created.",
      `    Dashboard:  ${base}   sign in as ${demo.email} / ${demo.password}`,
      `    API token:  ${demo.token}`,
      `    Try:        curl -H 'authorization: Bearer ${demo.token}' '${base}/trpc/holds.list?input=%7B%7D'`,
      "  (The token is shown only once; make more with create-token above.)",
    );
  }
  return `${lines.filter((l, i) => l !== "" || i === 0).join("\n")}\n`;
}

/**
 * Resolves once the worker reports (over IPC) that its first tick is done, or
 * has exited, or after `timeoutMs`: the banner then follows its start-up lines.
 */
export function workerSettled(worker: ChildProcess | null, timeoutMs = 20_000): Promise<void> {
  if (!worker || worker.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("exit", done);
      resolve();
    };
    const onMessage = (m: unknown) => {
      if (m === "holdfast-worker:ready") done();
    };
    const timer = setTimeout(done, timeoutMs);
    worker.on("message", onMessage);
    worker.once("exit", done);
  });
}
