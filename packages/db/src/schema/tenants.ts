import { sql } from "drizzle-orm";
import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  timeZone: text("time_zone").notNull().default("UTC"),
  /** Days of grace once an invoice is overdue. */
  graceDays: integer("grace_days").notNull().default(14),
  version: integer("version").notNull().default(1),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const accountStatus = pgEnum("account_status", ["open", "closed"]);

export const accounts = pgTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    status: accountStatus("status").notNull().default("open"),
    externalId: text("external_id"),
    version: integer("version").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Search: by name (trigram, any part) and by external id (prefix).
    index("accounts_name_trgm_idx").using("gin", sql`lower(${t.name}) gin_trgm_ops`),
    index("accounts_external_id_prefix_idx").on(t.tenantId, t.externalId.op("text_pattern_ops")),
    uniqueIndex("accounts_tenant_external_id_uq").on(t.tenantId, t.externalId).where(sql`${t.externalId} is not null`),
  ],
);
