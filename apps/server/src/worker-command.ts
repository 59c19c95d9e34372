import path from "node:path";
import { REPO_ROOT } from "./env.ts";

/**
 * node's arguments for the worker that `start` runs beside the server: the built
 * worker (apps/worker/dist/main.js) when this server is itself the build from
 * `pnpm build`, otherwise the worker's TypeScript source through tsx.
 */
export function workerArgs(moduleUrl: string = import.meta.url): string[] {
  if (moduleUrl.endsWith(".js")) return [path.join(REPO_ROOT, "apps/worker/dist/main.js")];
  return ["--import", "tsx", path.join(REPO_ROOT, "apps/worker/src/main.ts")];
}
