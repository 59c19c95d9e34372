import type { Database } from "./client.ts";

export interface ReadReplicaOptions {
  /**
   * Reads go to the primary while the replica is further behind than this, in
   * milliseconds (default 5000): when the primary had reached, longer ago than
   * this, a WAL position the replica has not replayed yet.
   */
  maxLagMs?: number;
  /** How long one look at the replica's replay position serves every read, in milliseconds (default 50). */
  statusCacheMs?: number;
  /** How long a caller's last write position is kept, in milliseconds (default 60 s, at least 2 × maxLagMs). */
  rememberMs?: number;
  /** How long the replica may take to answer that look before it counts as down, in milliseconds (default 1000). */
  probeTimeoutMs?: number;
  /** After the replica failed, reads stay on the primary this long before it is looked at again (default 2000). */
  retryMs?: number;
  /** Monotonic milliseconds (default `performance.now`); tests pass their own. */
  now?: () => number;
}

interface ReplicaStatus {
  /** The replica answered and is in recovery (a standby). */
  up: boolean;
  /** pg_last_wal_replay_lsn(), as a number. */
  replayed: bigint;
  at: number;
}

/** A WAL position of the primary and when it was seen. */
interface Position {
  lsn: bigint;
  at: number;
}

/** The most positions of the primary kept to measure the lag (the oldest unreplayed one is always kept). */
const MAX_SAMPLES = 256;

/** Above every WAL position: a write whose position is unknown. */
const UNKNOWN_POSITION = 2n ** 64n;

/** A WAL position (`16/B374D848`) as a number, to compare. */
export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split("/");
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/** Connection failures and recovery conflicts: a read that failed so on the replica is tried again on the primary. */
export function isReplicaFailure(e: unknown): boolean {
  let cur: unknown = e;
  // Drizzle and tRPC wrap the driver's error: look along the causes.
  for (let i = 0; i < 5 && cur && typeof cur === "object"; i++) {
    const code = (cur as { code?: unknown }).code;
    // postgres.js' own connection codes and the socket's, then SQLSTATE classes 08 (connection), 57P
    // (shutdown) and 40001 (a recovery conflict cancels a standby's query with it).
    if (
      typeof code === "string" &&
      /^(CONNECT|CONNECTION_|ECONN|ETIMEDOUT|EHOSTUNREACH|EPIPE|08|57P|40001)/.test(code)
    ) {
      return true;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Routes reads between the primary and one streaming read replica, in one
 * server process:
 * - read-your-writes: after a caller's write commits, `noteWrite` keeps the
 *   primary's WAL position for that caller (`pg_current_wal_lsn()`); until the
 *   replica has replayed up to it, that caller's reads go to the primary;
 * - bounded staleness: a replica further behind than `maxLagMs` serves no read;
 * - failure: a replica that does not answer serves no read for `retryMs`, then is looked at again.
 * The replica's replay position is read at most once per `statusCacheMs`
 * (concurrent reads share one look). Positions live in this process' memory only.
 */
export class ReadReplica {
  private readonly maxLagMs: number;
  private readonly statusCacheMs: number;
  private readonly rememberMs: number;
  private readonly probeTimeoutMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  /** Per caller: the primary's WAL position after its last write, and when it was noted. */
  private readonly writes = new Map<string, Position>();
  /** Positions of the primary the replica had not replayed when last looked at, oldest first: the lag. */
  private samples: Position[] = [];
  private status: ReplicaStatus | null = null;
  private looking: Promise<ReplicaStatus> | null = null;

  constructor(
    /** The primary's pool (a function: the server may replace its pools after an outage). */
    private readonly primary: () => Database,
    private readonly replica: () => Database,
    opts: ReadReplicaOptions = {},
  ) {
    this.maxLagMs = opts.maxLagMs ?? 5000;
    this.statusCacheMs = opts.statusCacheMs ?? 50;
    this.rememberMs = Math.max(opts.rememberMs ?? 60_000, 2 * this.maxLagMs);
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 1000;
    this.retryMs = opts.retryMs ?? 2000;
    this.now = opts.now ?? (() => performance.now());
  }

  /**
   * After `caller`'s write committed: keep the primary's WAL position for it.
   * When the primary does not tell it, the caller reads from the primary until the entry expires.
   * (The WAL write position covers the caller's commit: with synchronous_commit on, a commit is written before it returns.)
   */
  async noteWrite(caller: string): Promise<void> {
    const seen = await this.primaryPosition();
    this.writes.delete(caller);
    this.writes.set(caller, seen ?? { lsn: UNKNOWN_POSITION, at: this.now() });
  }

  /**
   * The pool `caller`'s reads go to now: the replica when it answers, is not
   * too far behind and has replayed the caller's last write; otherwise null (the primary).
   */
  async dbFor(caller: string | null): Promise<Database | null> {
    const status = await this.currentStatus();
    if (!status.up) return null;
    const oldest = this.samples[0];
    if (oldest && oldest.lsn > status.replayed && this.now() - oldest.at > this.maxLagMs) return null;
    const own = caller === null ? undefined : this.writes.get(caller);
    return own && own.lsn > status.replayed ? null : this.replica();
  }

  /** A read on the replica failed to connect: reads go to the primary, and the replica is looked at again after retryMs. */
  markDown(): void {
    this.status = { up: false, replayed: 0n, at: this.now() };
  }

  /** The primary's WAL position now, kept as a sample of the lag; null when the primary does not answer. */
  private async primaryPosition(): Promise<Position | null> {
    try {
      const [row] = await this.primary().$client<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
      if (!row) return null;
      const seen = { lsn: parseLsn(row.lsn), at: this.now() };
      const last = this.samples.at(-1);
      if (!last || seen.lsn > last.lsn) this.samples.push(seen);
      // Between the oldest and the newest, positions are thinned out: the oldest unreplayed one measures the lag.
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(1, 1);
      return seen;
    } catch {
      return null;
    }
  }

  private async currentStatus(): Promise<ReplicaStatus> {
    const status = this.status;
    const age = status ? this.now() - status.at : Number.POSITIVE_INFINITY;
    if (status && age < (status.up ? this.statusCacheMs : this.retryMs)) return status;
    this.looking ??= this.look().finally(() => {
      this.looking = null;
    });
    // A replica known to be down is looked at in the background: reads do not wait for it.
    return status && !status.up ? status : this.looking;
  }

  /** Where the primary is and what the replica has replayed, both read now (the primary first). */
  private async look(): Promise<ReplicaStatus> {
    let timer: NodeJS.Timeout | undefined;
    await this.primaryPosition();
    try {
      const query = this.replica().$client<{ replayed: string | null; standby: boolean }[]>`
        select pg_last_wal_replay_lsn()::text as replayed, pg_is_in_recovery() as standby`;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the read replica did not answer in time")), this.probeTimeoutMs);
      });
      const [row] = await Promise.race([query, timeout]);
      const replayed = row?.replayed ? parseLsn(row.replayed) : 0n;
      this.status = { up: Boolean(row?.standby && row.replayed), replayed, at: this.now() };
      this.forget(replayed);
    } catch {
      this.markDown();
    } finally {
      clearTimeout(timer);
    }
    return this.status as ReplicaStatus;
  }

  /** Drops the positions the replica has replayed, and callers' positions older than rememberMs. */
  private forget(replayed: bigint): void {
    this.samples = this.samples.filter((p) => p.lsn > replayed);
    const oldest = this.now() - this.rememberMs;
    for (const [caller, w] of this.writes) {
      if (w.lsn <= replayed || w.at < oldest) this.writes.delete(caller);
    }
  }
}
