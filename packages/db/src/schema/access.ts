import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.ts";

/**
 * Dashboard users. Passwords are argon2id hashes; a user made by an admin has
 * none until they follow their set-password link. A disabled user cannot sign
 * in and has no live session.
 */
export const users = pgTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  createdBy: text("created_by"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  passwordChangedAt: timestamp("password_changed_at", { withTimezone: true }),
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
  version: integer("version").notNull().default(1),
});

/**
 * One-time set-password links (there is no mail server: an admin hands the
 * link over). Only a SHA-256 hash of the link's secret is stored.
 */
export const passwordLinks = pgTable(
  "password_links",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    secretHash: text("secret_hash").notNull().unique(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [index("password_links_user_idx").on(t.userId)],
);

/**
 * Failed sign-ins, per key (`email:<address>` or `ip:<address>`): the count
 * in the current run of failures, and until when the key must wait.
 */
export const signInThrottles = pgTable("sign_in_throttles", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  lastFailureAt: timestamp("last_failure_at", { withTimezone: true }).notNull(),
  blockedUntil: timestamp("blocked_until", { withTimezone: true }),
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
    /** Who made it (an actor label); null for tokens made by provisioning. */
    createdBy: text("created_by"),
    /** The absolute end (a session's 12 h, a token's expiresAt, a rolled token's overlap end). */
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** Updated at most once a minute; a session's idle timeout counts from it. */
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    /** The credential this one was rolled into, if any. */
    rolledInto: text("rolled_into"),
    /** Where a session was opened from. */
    clientIp: text("client_ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("credentials_user_idx").on(t.userId), index("credentials_created_by_idx").on(t.createdBy)],
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
