import { sql } from "drizzle-orm";
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
  (t) => [
    index("worker_ticks_started_idx").on(t.startedAt),
    // The abandoned-tick check reads only running ticks: a handful, whatever the table's size.
    index("worker_ticks_running_idx").on(t.workerId).where(sql`${t.status} = 'running'`),
  ],
);

/**
 * One row per worker process: its heartbeat is how other workers and the
 * server know it is alive (a pooler changes connection names, so
 * `application_name` cannot tell).
 */
export const workers = pgTable(
  "workers",
  {
    /** The worker's own id (host name and process id); shown to tenants only as its hash. */
    id: text("id").primaryKey(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull(),
    /** The pause between its ticks, in milliseconds: "no tick for three intervals" is measured with it. */
    intervalMs: integer("interval_ms").notNull(),
    lastTickAt: timestamp("last_tick_at", { withTimezone: true }),
    stoppedAt: timestamp("stopped_at", { withTimezone: true }),
  },
  (t) => [index("workers_heartbeat_idx").on(t.heartbeatAt)],
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
