import { createHash } from "node:crypto";
import { type Database, schema, type Transaction } from "@holdfast/db";
import { AppError } from "@holdfast/domain";
import { and, eq } from "drizzle-orm";
import type { ServiceContext } from "./context.ts";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** What a mutation's idempotency key is bound to, besides the context's tenant. */
export interface MutationOptions {
  /** Names the operation, e.g. "holds.release"; part of what a key is bound to. */
  operation: string;
  idempotencyKey?: string | undefined;
  /** The request body the key is bound to (the idempotency key itself excluded). */
  request: unknown;
}

/**
 * Runs a mutation of the context's tenant in one transaction, with Stripe idempotency semantics:
 * the same key and body return the stored first answer; the same key with
 * another body or operation is refused. Concurrent retries with one key wait
 * for the first to commit (the key's unique index serialises them) and then
 * return its answer. Failed attempts change nothing and store nothing, so a
 * retry runs again.
 */
export async function runMutation<T>(
  ctx: ServiceContext,
  opts: MutationOptions,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const db: Database = ctx.db;
  return db
    .transaction(async (tx) => {
      return runInTransaction(tx);
    })
    .catch((e: unknown) => {
      if (isNotCommitted(e)) throw AppError.notCommitted();
      // Two requests that lock the same rows in opposite orders: PostgreSQL aborts one; it is a conflict, not a fault.
      if (pgCode(e) === "40P01" || pgCode(e) === "40001") {
        throw AppError.concurrentChange();
      }
      throw e;
    });

  async function runInTransaction(tx: Transaction): Promise<T> {
    const key = opts.idempotencyKey;
    if (key === undefined) return fn(tx);
    const requestHash = hashRequest(opts.operation, opts.request);
    const now = ctx.clock.now();
    const table = schema.idempotencyKeys;
    const inserted = await tx
      .insert(table)
      .values({
        tenantId: ctx.tenantId,
        key,
        operation: opts.operation,
        requestHash,
        createdAt: now,
        expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
      })
      .onConflictDoNothing()
      .returning({ key: table.key });
    if (inserted.length === 0) {
      const [stored] = await tx
        .select()
        .from(table)
        .where(and(eq(table.tenantId, ctx.tenantId), eq(table.key, key)));
      if (stored && stored.requestHash !== requestHash) {
        throw new AppError(
          "IDEMPOTENCY_KEY_REUSED",
          `idempotencyKey "${key}" was already used for a different request (${stored.operation}); use a new key`,
          {
            issues: [
              {
                path: "idempotencyKey",
                rule: "reused_with_different_body",
                message: "already used for a different request",
              },
            ],
          },
        );
      }
      if (stored) return stored.response as T;
      // The row vanished (expired and purged) between the two statements: run normally.
      return fn(tx);
    }
    const result = await fn(tx);
    await tx
      .update(table)
      .set({ response: result as object })
      .where(and(eq(table.tenantId, ctx.tenantId), eq(table.key, key)));
    return result;
  }
}

/** The SQLSTATE of a PostgreSQL error, looking through wrappers. */
export function pgCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === "object"; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function hashRequest(operation: string, request: unknown): string {
  return createHash("sha256").update(operation).update("\0").update(stableStringify(request)).digest("hex");
}

function stableStringify(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "undefined";
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(",")}}`;
}

/**
 * A database failure the caller can act on, as an application error: a
 * statement cancelled by the API's `statement_timeout` (57014) is
 * DATABASE_TIMEOUT (503), its transaction rolled back; a transaction the
 * database rolled back at COMMIT is NOT_COMMITTED (503). Null for anything else.
 */
export function databaseAppError(e: unknown): AppError | null {
  if (isNotCommitted(e)) return AppError.notCommitted();
  return pgCode(e) === "57014" ? AppError.databaseTimeout() : null;
}

/**
 * A transaction whose COMMIT the database answered with ROLLBACK (a statement
 * in it had failed): the patched postgres.js `begin` raises COMMIT_ROLLED_BACK.
 */
export function isNotCommitted(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "COMMIT_ROLLED_BACK";
}
