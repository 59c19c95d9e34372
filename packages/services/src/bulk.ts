import { createHash } from "node:crypto";
import type { DatabaseOrTransaction } from "@holdfast/db";
import { AppError, BULK_MAX_ITEMS, type BulkItemError, isAppError } from "@holdfast/domain";
import type { ServiceContext } from "./context.ts";
import { databaseAppError, runMutation } from "./idempotency.ts";

export type BulkItem<K extends string, T> =
  | ({ locator: string; ok: true } & Record<K, T>)
  | { locator: string; ok: false; error: BulkItemError };

export interface BulkOptions<K extends string, T> {
  /** Names the bulk operation, e.g. "holds.releaseMany". */
  operation: string;
  idempotencyKey: string;
  /** The request the key is bound to (the key itself excluded). */
  request: unknown;
  /** The selection: locators as given, or a filter's matches resolved in the bulk call's transaction. */
  selection: { locators?: string[] | undefined; filter?: unknown };
  /** Reads at most `limit` locators matching the filter. */
  resolve: (db: DatabaseOrTransaction, limit: number) => Promise<string[]>;
  expectedCount?: number | undefined;
  /** The field of a successful item that holds its answer (`hold`, `action`). */
  key: K;
  /** Acts on one item, in its own transaction, under its own idempotency key. */
  each: (locator: string, idempotencyKey: string) => Promise<T>;
}

/** The idempotency key of one item of a bulk call: derived from the call's key, so a retry reuses it. */
export function bulkItemKey(operation: string, idempotencyKey: string, locator: string): string {
  const call = createHash("sha256").update(operation).update("\0").update(idempotencyKey).digest("hex").slice(0, 40);
  return `bulk.${call}.${locator}`;
}

function itemError(e: unknown): BulkItemError | null {
  const app = isAppError(e) ? e : databaseAppError(e);
  if (!app) return null;
  const rule = app.issues[0]?.rule;
  return rule === undefined ? { code: app.code, message: app.message } : { code: app.code, message: app.message, rule };
}

/** Thrown to roll back the look-up of a key that holds no answer yet. */
class NotStored extends Error {}

/**
 * Runs one use case per selected item, each in its own transaction (one item's
 * refusal leaves the others done), and answers per item. The whole answer is
 * stored under the call's idempotency key: a retry with the same key and body
 * answers the same items; the same key with another body is refused. Each item
 * also runs under a key derived from the call's, so a retry after a failure
 * part-way does not act twice on an item that was done, and two calls with
 * one key at once answer the same per item.
 *
 * No transaction stays open while the items run (each item takes its own
 * connection, one at a time): the key is looked up first, in a transaction
 * rolled back when it holds no answer, and the answer is stored at the end.
 */
export async function runBulk<K extends string, T>(
  ctx: ServiceContext,
  opts: BulkOptions<K, T>,
): Promise<{ items: BulkItem<K, T>[] }> {
  const { operation, idempotencyKey, request } = opts;
  const mutation = { operation, idempotencyKey, request };
  try {
    return await runMutation<{ items: BulkItem<K, T>[] }>(ctx, mutation, async () => {
      throw new NotStored();
    });
  } catch (e) {
    if (!(e instanceof NotStored)) throw e;
  }
  const answer = await runItems(ctx, opts);
  // A call with the same key that finished first stored its answer: that one is returned.
  return runMutation(ctx, mutation, async () => answer);
}

async function runItems<K extends string, T>(
  ctx: ServiceContext,
  opts: BulkOptions<K, T>,
): Promise<{ items: BulkItem<K, T>[] }> {
  const { operation, idempotencyKey } = opts;
  let locators = opts.selection.locators;
  if (!locators) {
    locators = await opts.resolve(ctx.db, BULK_MAX_ITEMS + 1);
    if (locators.length > BULK_MAX_ITEMS) {
      throw AppError.badRequest([
        {
          path: "selection.filter",
          rule: "too_many_matches",
          message: `the filter matches more than ${BULK_MAX_ITEMS} items, the most one call acts on; select them by locators, ${BULK_MAX_ITEMS} or fewer per call`,
        },
      ]);
    }
  }
  if (opts.expectedCount !== undefined && opts.expectedCount !== locators.length) {
    throw AppError.badRequest([
      {
        path: "expectedCount",
        rule: "count_changed",
        message: `the selection has ${locators.length} items now, not the expected ${opts.expectedCount}; nothing was done`,
      },
    ]);
  }
  const items: BulkItem<K, T>[] = [];
  for (const locator of locators) {
    try {
      const answer = await opts.each(locator, bulkItemKey(operation, idempotencyKey, locator));
      items.push({ locator, ok: true, [opts.key]: answer } as BulkItem<K, T>);
    } catch (e) {
      const error = itemError(e);
      if (!error) throw e;
      items.push({ locator, ok: false, error });
    }
  }
  return { items };
}
