import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError } from "@holdfast/domain";
import { and, eq, or, sql } from "drizzle-orm";
import { recordAudit } from "../audit.ts";
import type { ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";
import { newLocator } from "../ids.ts";
import { preparedQuery } from "../prepared-query.ts";

export type AccountRow = typeof schema.accounts.$inferSelect;

export function toAccountOutput(a: AccountRow) {
  return {
    locator: a.id,
    tenantLocator: a.tenantId,
    name: a.name,
    status: a.status,
    externalId: a.externalId,
    version: a.version,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

// Built once, prepared: every validation and activation looks the account up.
const accountByLocatorOrExternalId = preparedQuery("account_by_locator_or_external_id", (db) =>
  db
    .select()
    .from(schema.accounts)
    .where(
      and(
        eq(schema.accounts.tenantId, sql.placeholder("tenantId")),
        or(eq(schema.accounts.id, sql.placeholder("key")), eq(schema.accounts.externalId, sql.placeholder("key"))),
      ),
    )
    .limit(1),
);

/** Finds an account by locator or external id, only within the tenant. */
export async function findAccount(db: DatabaseOrTransaction, tenantId: string, locatorOrExternalId: string) {
  const [row] = await accountByLocatorOrExternalId(db, { tenantId, key: locatorOrExternalId });
  return row ?? null;
}

export async function createAccount(
  ctx: ServiceContext,
  input: {
    name: string;
    externalId?: string | null | undefined;
    idempotencyKey?: string | undefined;
  },
) {
  const { tenantId } = ctx;
  return runMutation(
    ctx,
    { operation: "accounts.create", idempotencyKey: input.idempotencyKey, request: input },
    async (tx) => {
      if (input.externalId) {
        const clash = await findAccount(tx, tenantId, input.externalId);
        if (clash) {
          throw AppError.badRequest([
            { path: "externalId", rule: "unique", message: `external id ${input.externalId} is already used` },
          ]);
        }
      }
      const now = ctx.clock.now();
      const [row] = await tx
        .insert(schema.accounts)
        .values({
          id: newLocator(),
          tenantId,
          name: input.name,
          externalId: input.externalId ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      const out = toAccountOutput(row);
      await recordAudit(tx, ctx, {
        tenantId,
        entityType: "account",
        entityId: row.id,
        action: "create",
        before: null,
        after: out,
      });
      return out;
    },
  );
}

interface AccountMoveInput {
  locator: string;
  expectedVersion?: number | undefined;
  idempotencyKey?: string | undefined;
}

/** An open account becomes closed: holds and subscriptions can no longer name it. */
export function closeAccount(ctx: ServiceContext, input: AccountMoveInput) {
  return setAccountStatus(ctx, input, "closed");
}

/** A closed account is open again. */
export function reopenAccount(ctx: ServiceContext, input: AccountMoveInput) {
  return setAccountStatus(ctx, input, "open");
}

function setAccountStatus(ctx: ServiceContext, input: AccountMoveInput, status: "open" | "closed") {
  const { tenantId } = ctx;
  return runMutation(
    ctx,
    { operation: `accounts.${status}`, idempotencyKey: input.idempotencyKey, request: { ...input, status } },
    async (tx) => {
      const [current] = await tx
        .select()
        .from(schema.accounts)
        .where(and(eq(schema.accounts.tenantId, tenantId), eq(schema.accounts.id, input.locator)));
      if (!current) throw AppError.notFound("account", input.locator);
      if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
        throw AppError.staleVersion({
          entity: "account",
          locator: input.locator,
          currentVersion: current.version,
          expectedVersion: input.expectedVersion,
        });
      }
      const [row] = await tx
        .update(schema.accounts)
        .set({ status, version: current.version + 1, updatedAt: ctx.clock.now() })
        .where(and(eq(schema.accounts.id, current.id), eq(schema.accounts.version, current.version)))
        .returning();
      if (!row) throw AppError.concurrentChange({ entity: "account", locator: input.locator });
      await recordAudit(tx, ctx, {
        tenantId,
        entityType: "account",
        entityId: row.id,
        action: status === "closed" ? "close" : "reopen",
        before: toAccountOutput(current),
        after: toAccountOutput(row),
      });
      return toAccountOutput(row);
    },
  );
}
