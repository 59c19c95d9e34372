import { schema } from "@holdfast/db";
import { AppError, type GetAllAutomationsInput, previewRoute, type previewRouteInput } from "@holdfast/domain";
import { and, asc, desc, eq, exists, gt, inArray, lt, sql } from "drizzle-orm";
import type { z } from "zod";
import { type PortfolioContext, reader, type ServiceContext } from "../context.ts";
import { splitPage } from "../paging.ts";
import { tenantToday } from "../tenancy/tenants.ts";
import { loadAutomationRecords, toAutomationOutput } from "./automation-store.ts";

/**
 * Mews getAll: filters by enterprise (tenant), company and automation ids,
 * paged by a cursor (the last returned id; ids are UUIDv7 so the order is creation order).
 * The dashboard may sort by name or last change instead (`sort`, `order`); the cursor is still the last id.
 * The context's `tenantIds` are the tenants the caller may read; asking for another is NOT_FOUND.
 */
export async function getAllAutomations(ctx: PortfolioContext, input: GetAllAutomationsInput) {
  const { tenantIds } = ctx;
  const db = reader(ctx);
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
        input.limitation.cursor ? afterCursor(input, input.limitation.cursor) : undefined,
      ),
    )
    .orderBy(...orderOf(input))
    .limit(input.limitation.count + 1);
  const { page, nextCursor } = splitPage(rows, input.limitation.count);
  const records = await loadAutomationRecords(db, page);
  return { automations: records.map(toAutomationOutput), cursor: nextCursor };
}

const SORT_COLUMNS = { name: "name", updated: "updated_at" } as const;

/** The sort's order: its column, then the id (unique), both ascending or both descending. */
function orderOf(input: GetAllAutomationsInput) {
  const a = schema.automations;
  const dir = input.order === "desc" ? desc : asc;
  if (!input.sort || input.sort === "created") return [dir(a.id)];
  return [dir(input.sort === "name" ? a.name : a.updatedAt), dir(a.id)];
}

/**
 * The keyset condition after the cursor (the last id of the previous page):
 * past that automation's sort key and id, in the sort's direction. A cursor
 * whose automation was deleted meanwhile ends the list.
 */
function afterCursor(input: GetAllAutomationsInput, cursor: string) {
  const a = schema.automations;
  const op = input.order === "desc" ? sql.raw("<") : sql.raw(">");
  if (!input.sort || input.sort === "created") return input.order === "desc" ? lt(a.id, cursor) : gt(a.id, cursor);
  const column = sql.raw(SORT_COLUMNS[input.sort]);
  return sql`(${a[input.sort === "name" ? "name" : "updatedAt"]}, ${a.id}) ${op} (select c.${column}, c.id from automations c where c.id = ${cursor})`;
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
