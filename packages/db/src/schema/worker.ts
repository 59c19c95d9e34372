import { date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** One row per worker tick: what it did and what went wrong. */
export const workerTicks = pgTable(
  "worker_ticks",
  {
    id: text("id").primaryKey(),
    workerId: text("worker_id").notNull(),
    status: text("status", { enum: ["running", "succeeded", "failed"] }).notNull(),
    clockAt: timestamp("clock_at", { withTimezone: true }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    counts: jsonb("counts").$type<Record<string, number>>().notNull().default({}),
    errors: jsonb("errors").$type<string[]>().notNull().default([]),
  },
  (t) => [index("worker_ticks_started_idx").on(t.startedAt)],
);

/**
 * What the worker did for a tenant per business day, effect by effect
 * (invoicesIssued, subscriptionsLapsed, …): the overview's chart, without
 * reading every tick. Each tick adds its own per-tenant counts.
 */
export const workerDailyEffects = pgTable(
  "worker_daily_effects",
  {
    tenantId: uuid("tenant_id").notNull(),
    day: date("day").notNull(),
    effect: text("effect").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day, t.effect] })],
);
