import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import type { AuditEventOutput } from "@holdfast/domain";
import { and, asc, eq } from "drizzle-orm";
import type { ServiceContext } from "./context.ts";
import { newLocator } from "./ids.ts";

export interface AuditEntry {
  tenantId: string;
  entityType: string;
  entityId: string;
  action: string;
  before: unknown;
  after: unknown;
}

/** Writes an audit event; call it inside the transaction that makes the change. */
export async function recordAudit(tx: DatabaseOrTransaction, ctx: ServiceContext, e: AuditEntry): Promise<void> {
  await tx.insert(schema.auditEvents).values({
    id: newLocator(),
    tenantId: e.tenantId,
    entityType: e.entityType,
    entityId: e.entityId,
    action: e.action,
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    actorName: ctx.actor.name,
    at: ctx.clock.now(),
    requestId: ctx.requestId ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
  });
}

export async function listEntityHistory(
  db: DatabaseOrTransaction,
  tenantId: string,
  entityType: string,
  entityId: string,
): Promise<AuditEventOutput[]> {
  const rows = await db
    .select()
    .from(schema.auditEvents)
    .where(
      and(
        eq(schema.auditEvents.tenantId, tenantId),
        eq(schema.auditEvents.entityType, entityType),
        eq(schema.auditEvents.entityId, entityId),
      ),
    )
    .orderBy(asc(schema.auditEvents.id));
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}
