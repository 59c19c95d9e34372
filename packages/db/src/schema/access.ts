import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.ts";

/** Dashboard users. Passwords are argon2id hashes. */
export const users = pgTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const userMemberships = pgTable(
  "user_memberships",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    permissions: text("permissions").array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.tenantId] })],
);

/**
 * Bearer credentials: API tokens for services and sessions for dashboard users.
 * Only a SHA-256 hash of the secret is stored. A token's grants live in
 * token_grants; a session's come from its user's memberships.
 */
export const credentials = pgTable(
  "credentials",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["api_token", "session"] }).notNull(),
    name: text("name").notNull(),
    secretHash: text("secret_hash").notNull().unique(),
    prefix: text("prefix").notNull(),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("credentials_user_idx").on(t.userId)],
);

export const tokenGrants = pgTable(
  "token_grants",
  {
    credentialId: text("credential_id")
      .notNull()
      .references(() => credentials.id, { onDelete: "cascade" }),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    permissions: text("permissions").array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.credentialId, t.tenantId] })],
);
