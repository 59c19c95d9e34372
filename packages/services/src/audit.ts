import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import { AppError, type AuditEventOutput } from "@holdfast/domain";
import { and, asc, eq, sql } from "drizzle-orm";
import { type ActingContext, reader, type ServiceContext } from "./context.ts";
import { writeEventsForChange } from "./events/event-outbox.ts";
import { newLocator } from "./ids.ts";
import { preparedQuery } from "./prepared-query.ts";

export interface AuditEntry {
  /** Null for a security event that belongs to no one tenant (a sign-in, a user's session). */
  tenantId: string | null;
  entityType: string;
  entityId: string;
  action: string;
  before: unknown;
  after: unknown;
  /** The credential the event is about, when it is not the one the request came with (a new session). */
  credentialId?: string | null;
  /** The reason given for a final move (release, discard, terminate, cancel an action). */
  reason?: string | null;
}

// Every change writes one: built once, prepared. A placeholder in a column's place goes through
// the column's encoder, which would turn a null JSON document into the JSON `null`; the documents are
// therefore raw placeholders, sent as JSON text (or SQL NULL) exactly as the plain insert sent them.
const insertAudit = preparedQuery("insert_audit_event", (db) =>
  db.insert(schema.auditEvents).values({
    id: sql.placeholder("id"),
    tenantId: sql.placeholder("tenantId"),
    entityType: sql.placeholder("entityType"),
    entityId: sql.placeholder("entityId"),
    action: sql.placeholder("action"),
    actorType: sql.placeholder("actorType"),
    actorId: sql.placeholder("actorId"),
    actorName: sql.placeholder("actorName"),
    at: sql.placeholder("at"),
    requestId: sql.placeholder("requestId"),
    before: sql`${sql.placeholder("before")}`,
    after: sql`${sql.placeholder("after")}`,
    credentialId: sql.placeholder("credentialId"),
    clientIp: sql.placeholder("clientIp"),
    userAgent: sql.placeholder("userAgent"),
    reason: sql.placeholder("reason"),
  }),
);

const jsonOrNull = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Writes an audit event, and the domain events the change makes (the
 * domain's `eventsForChange`) into the outbox; call it inside the transaction
 * that makes the change. The request's credential, client address and user
 * agent come from `ctx`.
 */
export async function recordAudit(tx: DatabaseOrTransaction, ctx: ActingContext, e: AuditEntry): Promise<void> {
  const at = ctx.clock.now();
  await insertAudit(tx, {
    id: newLocator(),
    tenantId: e.tenantId,
    entityType: e.entityType,
    entityId: e.entityId,
    action: e.action,
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    actorName: ctx.actor.name,
    at,
    requestId: ctx.requestId ?? null,
    before: jsonOrNull(e.before),
    after: jsonOrNull(e.after),
    credentialId: e.credentialId ?? ctx.credentialId ?? null,
    clientIp: ctx.clientIp ?? null,
    userAgent: ctx.userAgent ?? null,
    reason: e.reason ?? null,
  });
  if (e.tenantId === null) return;
  await writeEventsForChange(
    tx,
    { tenantId: e.tenantId, at, requestId: ctx.requestId ?? null },
    {
      entityType: e.entityType,
      entityId: e.entityId,
      action: e.action,
      before: e.before,
      after: e.after,
      actorType: ctx.actor.type,
    },
  );
}

/**
 * An entity's audit events, oldest first. Every entity has at least its
 * create event: none means an unknown entity, or another tenant's (NOT_FOUND).
 */
export async function listEntityHistory(
  ctx: ServiceContext,
  input: { entityType: string; entityId: string },
): Promise<AuditEventOutput[]> {
  const rows = await reader(ctx)
    .select()
    .from(schema.auditEvents)
    .where(
      and(
        eq(schema.auditEvents.tenantId, ctx.tenantId),
        eq(schema.auditEvents.entityType, input.entityType),
        eq(schema.auditEvents.entityId, input.entityId),
      ),
    )
    .orderBy(asc(schema.auditEvents.id));
  if (rows.length === 0) throw AppError.notFound(input.entityType, input.entityId);
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}
