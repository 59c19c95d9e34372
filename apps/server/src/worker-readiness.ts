import type { Database } from "@holdfast/db";
import { publicWorkerId, workerLiveness } from "@holdfast/services";

/** What /readyz says about the worker: whether it is stalled, how many workers are alive, when one last ticked. */
export interface WorkerReadiness {
  stalled: boolean;
  workers: number;
  lastTickAt: string | null;
}

/**
 * The worker's state for /readyz, or null when the database does not answer
 * within `timeoutMs` (the database check reports that).
 */
export async function workerReadiness(db: Database, timeoutMs = 5000): Promise<WorkerReadiness | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const live = await Promise.race([
      workerLiveness(db, publicWorkerId),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return { stalled: live.stalled, workers: live.workers.length, lastTickAt: live.lastTickAt };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /readyz/worker: 200 while some worker ticks, 503 when none has ticked for
 * three intervals or the database does not answer. A load balancer that
 * should route only to a deployment with a working worker asks this one;
 * /readyz answers for the database alone.
 */
export async function workerReadyz(db: Database): Promise<{ status: number; body: object }> {
  const worker = await workerReadiness(db);
  if (!worker) return { status: 503, body: { ok: false, database: "down", worker: null } };
  return { status: worker.stalled ? 503 : 200, body: { ok: !worker.stalled, worker } };
}
