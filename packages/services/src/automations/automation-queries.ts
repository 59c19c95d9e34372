import { schema } from "@holdfast/db";
import { AppError, type GetAllAutomationsInput, previewRoute, type previewRouteInput } from "@holdfast/domain";
import { and, asc, eq, exists, gt, inArray } from "drizzle-orm";
import type { z } from "zod";
import type { PortfolioContext, ServiceContext } from "../context.ts";
import { splitPage } from "../paging.ts";
import { tenantToday } from "../tenancy/tenants.ts";
import { loadAutomationRecords, toAutomationOutput } from "./automation-store.ts";

/**
 * Mews getAll: filters by enterprise (tenant), company and automation ids,
 * paged by a cursor (the last returned id; ids are UUIDv7 so the order is creation order).
 * The context's `tenantIds` are the tenants the caller may read; asking for another is NOT_FOUND.
 */
export async function getAllAutomations(ctx: PortfolioContext, input: GetAllAutomationsInput) {
  const { db, tenantIds } = ctx;
  let scope = tenantIds;
  if (input.enterpriseIds?.length) {
    const foreign = input.enterpriseIds.findIndex((id) => !tenantIds.includes(id));
    if (foreign >= 0) {
      throw new AppError(
        "NOT_FOUND",
        `enterpriseIds[${foreign}]: enterprise ${input.enterpriseIds[foreign]} was not found`,
        {
          issues: [{ path: `enterpriseIds[${foreign}]`, rule: "not_found", message: "enterprise was not found" }],
        },
      );
    }
    scope = input.enterpriseIds;
  }
  const a = schema.automations;
  const rows = await db
    .select()
    .from(a)
    .where(
      and(
        inArray(a.tenantId, scope),
        input.automationIds?.length ? inArray(a.id, input.automationIds) : undefined,
        input.companyIds?.length
          ? exists(
              db
                .select({ one: schema.automationCompanies.automationId })
                .from(schema.automationCompanies)
                .where(
                  and(
                    eq(schema.automationCompanies.automationId, a.id),
                    inArray(schema.automationCompanies.companyId, input.companyIds),
                  ),
                ),
            )
          : undefined,
        input.limitation.cursor ? gt(a.id, input.limitation.cursor) : undefined,
      ),
    )
    .orderBy(asc(a.id))
    .limit(input.limitation.count + 1);
  const { page, nextCursor } = splitPage(rows, input.limitation.count);
  const records = await loadAutomationRecords(db, page);
  return { automations: records.map(toAutomationOutput), cursor: nextCursor };
}

/** The routing preview over the tenant's automations. */
export async function previewOrderItemRoute(ctx: ServiceContext, input: z.output<typeof previewRouteInput>) {
  const { db, clock, tenantId } = ctx;
  const processingDate = input.processingDate ?? (await tenantToday(db, clock, tenantId));
  const rows = await db
    .select()
    .from(schema.automations)
    .where(eq(schema.automations.tenantId, tenantId))
    .orderBy(asc(schema.automations.id));
  const automations = await loadAutomationRecords(db, rows);
  const names = new Map(automations.map((a) => [a.id, a.name]));
  const named = <T extends { automationId: string }>(x: T) => ({
    ...x,
    automationName: names.get(x.automationId) ?? "",
  });
  const result = previewRoute(automations, input.orderItem, input.reservation, processingDate);
  const routes = result.outcome === "routed" ? [result.route] : result.outcome === "conflict" ? result.routes : [];
  return {
    processingDate,
    outcome: result.outcome,
    route: result.outcome === "routed" ? named(result.route) : null,
    routes: routes.map(named),
    rejections: result.rejections.map(named),
  };
}
