import { index, json, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Stripe-style idempotency keys, scoped to a tenant. Kept at least 24 hours. */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    tenantId: uuid("tenant_id").notNull(),
    key: text("key").notNull(),
    operation: text("operation").notNull(),
    requestHash: text("request_hash").notNull(),
    /** The first answer as it was written (`json`, not `jsonb`: a replay returns its keys in the same order). */
    response: json("response"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] }), index("idempotency_expires_idx").on(t.expiresAt)],
);
