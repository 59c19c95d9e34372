import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError, isValidTimeZone, type updateSettingsInput } from "@holdfast/domain";
import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { recordAudit } from "../audit.ts";
import type { ServiceContext } from "../context.ts";
import { runMutation } from "../idempotency.ts";
import { getTenant } from "./tenants.ts";

type TenantRow = typeof schema.tenants.$inferSelect;

const toSettingsOutput = (t: TenantRow) => ({
  tenantLocator: t.id,
  name: t.name,
  timeZone: t.timeZone,
  graceDays: t.graceDays,
  version: t.version,
});

async function readSettings(db: DatabaseOrTransaction, tenantId: string) {
  return toSettingsOutput(await getTenant(db, tenantId));
}

/** The tenant's settings: its name, time zone and grace days. */
export function getTenantSettings(ctx: ServiceContext) {
  return readSettings(ctx.db, ctx.tenantId);
}

/** Changes the grace days and the time zone; only the fields sent change. */
export function updateTenantSettings(ctx: ServiceContext, input: z.output<typeof updateSettingsInput>) {
  const { tenantId } = ctx;
  const { idempotencyKey, ...request } = input;
  return runMutation(ctx, { operation: "settings.update", idempotencyKey, request }, async (tx) => {
    const before = await readSettings(tx, tenantId);
    if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
      throw AppError.staleVersion({
        entity: "tenant",
        locator: tenantId,
        currentVersion: before.version,
        expectedVersion: input.expectedVersion,
      });
    }
    if (input.timeZone !== undefined && !isValidTimeZone(input.timeZone)) {
      throw AppError.badRequest([{ path: "timeZone", rule: "iana_time_zone", message: "must be an IANA time zone" }]);
    }
    const [row] = await tx
      .update(schema.tenants)
      .set({
        ...(input.graceDays !== undefined ? { graceDays: input.graceDays } : {}),
        ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
        version: before.version + 1,
      })
      .where(and(eq(schema.tenants.id, tenantId), eq(schema.tenants.version, before.version)))
      .returning();
    if (!row) throw AppError.concurrentChange({ entity: "tenant", locator: tenantId });
    const after = toSettingsOutput(row);
    await recordAudit(tx, ctx, {
      tenantId,
      entityType: "tenant",
      entityId: tenantId,
      action: "updateSettings",
      before,
      after,
    });
    return after;
  });
}
