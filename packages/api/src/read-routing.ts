import { type Database, isReplicaFailure, type ReadReplica } from "@holdfast/db";

type Outcome = { ok: true } | { ok: false; error: { cause?: unknown } };

/** The pool a caller's reads may go to now (see `ReadReplica`); undefined: the primary. */
export async function readDbFor(
  deps: { readReplica?: ReadReplica | undefined },
  principal: { credentialId: string } | null,
): Promise<Database | undefined> {
  return (await deps.readReplica?.dbFor(principal?.credentialId ?? null)) ?? undefined;
}

/**
 * Runs one procedure with its reads routed: a query may read from the replica
 * (`readDb`), and is run once more on the primary if the replica failed under
 * it; a mutation reads and writes the primary only, and once it has succeeded
 * the primary's WAL position is kept for the caller, whose reads stay on the
 * primary until the replica has replayed it. Without a replica, runs it as is.
 */
export async function routeReads<R extends Outcome>(
  deps: { readReplica?: ReadReplica | undefined },
  principal: { credentialId: string } | null,
  type: string,
  run: (readDb: Database | undefined) => Promise<R>,
): Promise<R> {
  const replica = deps.readReplica;
  if (!replica) return run(undefined);
  if (type !== "query") {
    const result = await run(undefined);
    if (result.ok && principal) await replica.noteWrite(principal.credentialId);
    return result;
  }
  const readDb = await readDbFor(deps, principal);
  if (!readDb) return run(undefined);
  const result = await run(readDb);
  if (result.ok || !isReplicaFailure(result.error.cause)) return result;
  replica.markDown();
  return run(undefined);
}

/**
 * Runs a read outside tRPC (the CSV export's first page) on `ctx`; when it
 * failed on the replica for want of a connection, the replica counts as down
 * and the read runs again on the primary. Answers the context the read
 * succeeded on (for the reads that follow) and its answer.
 */
export async function readOrFallBack<C extends { readDb?: Database | undefined }, T>(
  deps: { readReplica?: ReadReplica | undefined },
  ctx: C,
  read: (ctx: C) => Promise<T>,
): Promise<[C, T]> {
  try {
    return [ctx, await read(ctx)];
  } catch (e) {
    if (!ctx.readDb || !isReplicaFailure(e)) throw e;
    deps.readReplica?.markDown();
    const primary = { ...ctx, readDb: undefined };
    return [primary, await read(primary)];
  }
}
