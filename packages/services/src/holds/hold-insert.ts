import { schema, type Transaction } from "@holdfast/db";
import { AppError, type CreateHoldInput, type HoldOutput } from "@holdfast/domain";
import { recordAudit } from "../audit.ts";
import { actorLabel, type ServiceContext } from "../context.ts";
import { newLocator } from "../ids.ts";
import { findAccount } from "../tenancy/accounts.ts";
import { tenantToday } from "../tenancy/tenants.ts";
import { type HoldRow, replaceChildren, toHoldOutput, toRecord } from "./hold-store.ts";

/** The account a hold is for, in this tenant, by its locator; refused (`accountLocator`) otherwise. */
export async function requireAccount(tx: Transaction, tenantId: string, accountLocator: string) {
  const account = await findAccount(tx, tenantId, accountLocator);
  if (!account || account.id !== accountLocator) {
    throw AppError.badRequest([
      {
        path: "accountLocator",
        rule: "account_not_found",
        message: `account ${accountLocator} does not exist in this tenant`,
      },
    ]);
  }
  return account;
}

/** Inserts a draft hold with its targets and characteristics, and its audit event. */
export async function insertDraft(tx: Transaction, ctx: ServiceContext, input: CreateHoldInput): Promise<HoldOutput> {
  const { tenantId } = ctx;
  await requireAccount(tx, tenantId, input.accountLocator);
  const today = await tenantToday(tx, ctx.clock, tenantId);
  const now = ctx.clock.now();
  const by = actorLabel(ctx.actor);
  const values = {
    id: newLocator(),
    tenantId,
    accountId: input.accountLocator,
    state: "draft" as const,
    startDate: input.startDate ?? null,
    endDate: input.endDate ?? null,
    comments: input.comments ?? null,
    sourceSystem: input.sourceSystem ?? null,
    externalSourceId: input.externalSourceId ?? null,
    externalTransactionId: input.externalTransactionId ?? null,
    entityEndDate: input.entityEndDate ?? null,
    createdAt: now,
    updatedAt: now,
    createdBy: by,
    updatedBy: by,
  };
  const row = await insertWithOrmbId(tx, values, input.ormbId);
  const targets = input.targets.map((t) => ({
    process: t.process,
    startDate: t.startDate ?? null,
    endDate: t.endDate ?? null,
  }));
  const characteristics = (input.characteristics ?? []).map((c) => ({
    ...c,
    effectiveDate: c.effectiveDate ?? null,
  }));
  await replaceChildren(tx, row.id, targets, characteristics);
  const out = toHoldOutput(toRecord(row, targets, characteristics), today);
  await recordAudit(tx, ctx, {
    tenantId,
    entityType: "hold",
    entityId: row.id,
    action: "create",
    before: null,
    after: out,
  });
  return out;
}

/**
 * Inserts the hold with the ORMB id given, or else the sequence's next one.
 * A given id the tenant already has is refused (`ormbId`, `ormb_id_taken`);
 * a sequence value a migrated hold already took is skipped.
 */
async function insertWithOrmbId(
  tx: Transaction,
  values: typeof schema.holds.$inferInsert,
  ormbId: number | undefined,
): Promise<HoldRow> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const [row] = await tx
      .insert(schema.holds)
      .values(ormbId === undefined ? values : { ...values, ormbId })
      .onConflictDoNothing({ target: [schema.holds.tenantId, schema.holds.ormbId] })
      .returning();
    if (row) return row;
    if (ormbId !== undefined) {
      throw AppError.badRequest([
        {
          path: "ormbId",
          rule: "ormb_id_taken",
          message: `hold request id ${ormbId} is already a hold of this tenant`,
        },
      ]);
    }
  }
  throw new Error("no free ORMB id after 20 sequence values");
}
