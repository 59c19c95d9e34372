import type { DatabaseOrTransaction } from "@holdfast/db";

interface Executable<R> {
  execute(values?: Record<string, unknown>): Promise<R>;
}

/**
 * A hot statement built by Drizzle ONCE per process (with `sql.placeholder`s
 * for its values) and prepared by name, then run on whichever pool or
 * transaction is passed in.
 *
 * Why: building a query with Drizzle's builders (SQL chunks, selection,
 * parameter objects) cost more CPU than the rest of the request's database
 * work of a hold move (see bench/HISTORY.md). Drizzle's
 * postgres.js prepared query keeps only its SQL text, parameters, result
 * mapping and the postgres.js client it runs on; the built query is reused
 * with the given pool's or transaction's own client, so the statement runs
 * exactly where it did before (inside the transaction when given one).
 * Being named, postgres.js describes it once per connection and then sends
 * it in one round trip.
 */
export function preparedQuery<R>(
  name: string,
  build: (db: DatabaseOrTransaction) => { prepare(name: string): Executable<R> },
): (db: DatabaseOrTransaction, values: Record<string, unknown>) => Promise<R> {
  let built: (Executable<R> & { client?: unknown }) | undefined;
  return (db, values) => {
    const client = (db as unknown as { session?: { client?: unknown } }).session?.client;
    if (!built) built = build(db).prepare(name);
    // Not a postgres.js-backed Drizzle (no client to swap): build and run it here.
    if (client === undefined || !("client" in built)) return build(db).prepare(name).execute(values);
    const bound: Executable<R> = Object.create(built, { client: { value: client } });
    return bound.execute(values);
  };
}
