import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../apps/server");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `holdfast <args>` as its own process (what `npm run holdfast --` runs), with
 * `env` over this process's environment (LOG_LEVEL warn unless given) and
 * `stdin` written to its standard input.
 */
export function runCli(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      cwd: SERVER_DIR,
      env: { ...process.env, LOG_LEVEL: "warn", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += String(d);
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}
