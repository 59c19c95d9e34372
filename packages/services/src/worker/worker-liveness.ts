import { type Database, schema } from "@holdfast/db";
import { and, desc, eq, sql } from "drizzle-orm";

/**
 * Worker liveness. Each worker process has a row in `workers` and beats on
 * its own timer (not once per tick, so a long tick does not look like a dead
 * worker). Every time here is the database's `now()`: heartbeats are written
 * and compared on one clock, whatever the hosts' clocks or a frozen business
 * clock (HOLDFAST_NOW) say.
 */

/** A worker's pause between ticks unless WORKER_INTERVAL_MS says otherwise. */
export const DEFAULT_INTERVAL_MS = 5000;
/** A worker's heartbeat period unless WORKER_HEARTBEAT_MS says otherwise. */
export const DEFAULT_HEARTBEAT_MS = 5000;
/** The longest heartbeat period a worker may use: the server judges liveness with it. */
export const MAX_HEARTBEAT_MS = 5000;
/** A worker whose heartbeat is older than this many periods is dead. */
export const MISSED_HEARTBEATS = 3;
/** No tick for this many of a worker's intervals: it is stalled. */
export const STALLED_INTERVALS = 3;
/** Rows of workers dead this long are deleted. */
export const DEAD_WORKER_RETENTION_MS = 7 * 24 * 3600_000;

const w = schema.workers;
const t = schema.workerTicks;
const ms = (n: number) => sql`make_interval(secs => ${n / 1000}::double precision)`;

/**
 * A worker process announces itself at start. A running tick left under its
 * own id (the same host name and process id in an earlier life, as in a
 * restarted container) cannot be this process's: it is marked failed.
 */
export async function registerWorker(db: Database, { workerId, intervalMs }: { workerId: string; intervalMs: number }) {
  await db
    .insert(w)
    .values({ id: workerId, startedAt: sql`now()`, heartbeatAt: sql`now()`, intervalMs })
    .onConflictDoUpdate({
      target: w.id,
      set: { startedAt: sql`now()`, heartbeatAt: sql`now()`, intervalMs, lastTickAt: null, stoppedAt: null },
    });
  await failTicks(db, and(eq(t.status, "running"), eq(t.workerId, workerId)));
}

/** Makes sure a ticking worker has a live row (also for ticks run in-process, without registerWorker). */
export async function touchWorker(db: Database, { workerId, intervalMs }: { workerId: string; intervalMs: number }) {
  await db
    .insert(w)
    .values({ id: workerId, startedAt: sql`now()`, heartbeatAt: sql`now()`, intervalMs })
    .onConflictDoUpdate({ target: w.id, set: { heartbeatAt: sql`now()`, stoppedAt: null } });
}

/** One heartbeat. */
export async function beatWorker(db: Database, workerId: string) {
  await db.update(w).set({ heartbeatAt: sql`now()` }).where(eq(w.id, workerId));
}

/** A tick finished (whatever its outcome). */
export async function markWorkerTicked(db: Database, workerId: string) {
  await db.update(w).set({ lastTickAt: sql`now()`, heartbeatAt: sql`now()` }).where(eq(w.id, workerId));
}

/** A clean exit: the worker is gone, its ticks are all finished. */
export async function markWorkerStopped(db: Database, workerId: string) {
  await db.update(w).set({ stoppedAt: sql`now()`, heartbeatAt: sql`now()` }).where(eq(w.id, workerId));
}

/**
 * Beats every `periodMs` until stopped; a beat waits for the previous one.
 * A failed beat (the database is away) is reported and the next one tried.
 */
export function startHeartbeat(
  db: Database,
  workerId: string,
  periodMs: number,
  onError: (e: unknown) => void = () => undefined,
): () => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    last = last.then(() => beatWorker(db, workerId)).catch(onError);
  }, periodMs);
  return async () => {
    clearInterval(timer);
    await last;
  };
}

async function failTicks(db: Database, where: ReturnType<typeof and>) {
  await db
    .update(t)
    .set({ status: "failed", finishedAt: new Date(), errors: ["the worker stopped before finishing this tick"] })
    .where(where);
}

/**
 * Ticks left "running" by a worker that died (SIGKILL, crash) are marked
 * failed once its heartbeat is older than three of `heartbeatMs` (the
 * checking worker's own period) or its row says it stopped or is gone. Their
 * uncommitted batches were rolled back by PostgreSQL and their rows are
 * claimed again. Rows of workers dead for a week are deleted.
 */
export async function closeAbandonedTicks(db: Database, workerId: string, heartbeatMs = DEFAULT_HEARTBEAT_MS) {
  await failTicks(
    db,
    and(
      eq(t.status, "running"),
      sql`${t.workerId} <> ${workerId}`,
      // Qualified by hand: drizzle leaves column names bare inside a subquery.
      sql`not exists (select 1 from workers w where w.id = worker_ticks.worker_id and w.stopped_at is null
            and w.heartbeat_at > now() - ${ms(MISSED_HEARTBEATS * heartbeatMs)})`,
    ),
  );
  await db.delete(w).where(sql`${w.heartbeatAt} < now() - ${ms(DEAD_WORKER_RETENTION_MS)}`);
}

export interface WorkerLiveness {
  /** Live workers (heartbeat within three of the longest periods, not stopped), by their opaque ids. */
  workers: { id: string; lastTickAt: string | null; heartbeatAt: string; intervalMs: number }[];
  /**
   * No worker has ticked for longer than three of its intervals. A worker
   * that started less than three intervals ago, or is alive and inside a
   * tick, counts as ticking.
   */
  stalled: boolean;
  /** When a tick last finished, in any worker. */
  lastTickAt: string | null;
}

/** Who is alive and whether anyone is ticking (publicId hides the host name and pid). */
export async function workerLiveness(db: Database, publicId: (id: string) => string): Promise<WorkerLiveness> {
  const live = sql<boolean>`(${w.stoppedAt} is null and ${w.heartbeatAt} > now() - ${ms(MISSED_HEARTBEATS * MAX_HEARTBEAT_MS)})`;
  const rows = await db
    .select({
      id: w.id,
      lastTickAt: w.lastTickAt,
      heartbeatAt: w.heartbeatAt,
      intervalMs: w.intervalMs,
      live,
      ticking: sql<boolean>`(greatest(${w.lastTickAt}, ${w.startedAt}) > now() - ${w.intervalMs} * ${STALLED_INTERVALS} * interval '1 millisecond'
        or (${live} and exists (select 1 from worker_ticks k where k.worker_id = workers.id and k.status = 'running')))`,
    })
    .from(w)
    .orderBy(desc(w.heartbeatAt));
  const last = Math.max(...rows.map((r) => r.lastTickAt?.getTime() ?? 0));
  return {
    workers: rows
      .filter((r) => r.live)
      .map((r) => ({
        id: publicId(r.id),
        lastTickAt: r.lastTickAt?.toISOString() ?? null,
        heartbeatAt: r.heartbeatAt.toISOString(),
        intervalMs: r.intervalMs,
      })),
    stalled: !rows.some((r) => r.ticking),
    lastTickAt: last > 0 ? new Date(last).toISOString() : null,
  };
}
