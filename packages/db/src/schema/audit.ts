import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Partitioned by month on `at` (migration 0009; the partitions are made
 * ahead by the worker, see ensureAuditPartitions): the primary key therefore
 * includes `at`. Ids are ULIDs, unique on their own in practice.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: text("id").notNull(),
    /** Null for security events that belong to no one tenant (a failed sign-in, a user's session). */
    tenantId: uuid("tenant_id"),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    action: text("action").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    actorName: text("actor_name").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    requestId: text("request_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    /** Why a final move (release, discard, terminate, cancel) was made, as its actor said. */
    reason: text("reason"),
    /** Security events: the credential used (never its secret), the client's address and user agent. */
    credentialId: text("credential_id"),
    clientIp: text("client_ip"),
    userAgent: text("user_agent"),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.at] }),
    index("audit_entity_idx").on(t.tenantId, t.entityType, t.entityId, t.id),
    index("audit_security_idx").on(t.entityType, t.entityId, t.id),
    // The tenant-wide audit log, newest first (ids are ULIDs), and what one request or worker tick changed.
    index("audit_tenant_idx").on(t.tenantId, t.id),
    index("audit_request_idx").on(t.tenantId, t.requestId).where(sql`${t.requestId} is not null`),
  ],
);
