import { schema } from "@holdfast/db";
import { type AuditListInput, type AuditLogRow, HISTORY_READ_PERMISSION } from "@holdfast/domain";
import { and, desc, eq, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { callerMay, reader, type ServiceContext } from "./context.ts";
import { escapeLike } from "./like.ts";
import { splitPage } from "./paging.ts";
import { getTenant } from "./tenancy/tenants.ts";

/**
 * The entity types whose history the caller may read in the tenant (each
 * needs its read permission, as `audit.history` does). Code acting on its own
 * authority (no grants: the worker, seeds) reads every type.
 */
export function readableEntityTypes(ctx: ServiceContext): string[] {
  return Object.entries(HISTORY_READ_PERMISSION)
    .filter(([, wanted]) => callerMay(ctx, wanted))
    .map(([type]) => type);
}

/**
 * The tenant-wide audit log, newest first, keyset-paged by event id (ULIDs,
 * audit_tenant_idx), or one request's events (audit_request_idx). Only the
 * entity types the caller may read are listed; dates are business dates in
 * the tenant's zone, both included.
 */
export async function listAuditLog(ctx: ServiceContext, input: AuditListInput) {
  const { tenantId } = ctx;
  const db = reader(ctx);
  const a = schema.auditEvents;
  const readable = readableEntityTypes(ctx);
  const types = input.entityType ? readable.filter((t) => t === input.entityType) : readable;
  if (types.length === 0) return { items: [], nextCursor: null, entityTypes: readable };
  const zone = input.from || input.to ? (await getTenant(db, tenantId)).timeZone : "UTC";
  const filters: (SQL | undefined)[] = [
    eq(a.tenantId, tenantId),
    types.length === 1 ? eq(a.entityType, types[0] as string) : inArray(a.entityType, types),
    input.entityId ? eq(a.entityId, input.entityId) : undefined,
    input.actor
      ? or(eq(a.actorId, input.actor), sql`${a.actorName} ilike ${`%${escapeLike(input.actor)}%`}`)
      : undefined,
    input.action ? eq(a.action, input.action) : undefined,
    input.from ? sql`${a.at} >= (${input.from}::date)::timestamp at time zone ${zone}` : undefined,
    input.to ? sql`${a.at} < (${input.to}::date + 1)::timestamp at time zone ${zone}` : undefined,
    input.requestId ? eq(a.requestId, input.requestId) : undefined,
    input.cursor ? lt(a.id, input.cursor) : undefined,
  ];
  const rows = await db
    .select()
    .from(a)
    .where(and(...filters))
    .orderBy(desc(a.id))
    .limit(input.limit + 1);
  const { page, nextCursor } = splitPage(rows, input.limit);
  const items: AuditLogRow[] = page.map((r) => ({
    id: r.id,
    entityType: r.entityType,
    entityId: r.entityId,
    action: r.action,
    actorType: r.actorType,
    actorId: r.actorId,
    actorName: r.actorName,
    at: r.at.toISOString(),
    requestId: r.requestId,
    before: r.before,
    after: r.after,
    reason: r.reason ?? null,
  }));
  return { items, nextCursor, entityTypes: readable };
}
