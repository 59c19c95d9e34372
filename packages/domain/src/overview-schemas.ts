import { z } from "zod";
import { AUDITED_ENTITIES, auditEventOutput } from "./audit-schemas.ts";
import { zBusinessDate, zLocator, zScope, zText } from "./common-schemas.ts";
import { ruleCheck } from "./rule-issues.ts";

/** How many days ahead the overview's lapses and back its worker effects reach. */
export const OVERVIEW_DAYS = 30;
/** Overdue invoices by days past their due date: 1-30, 31-60, 61-90, over 90. */
export const OVERDUE_BUCKETS = ["1-30", "31-60", "61-90", "90+"] as const;

export const overviewInput = z.strictObject({ ...zScope }).default({});

const dayCount = z.object({ day: z.string(), count: z.number().int() });

export const overviewOutput = z.object({
  /** The tenant's business date the figures are for. */
  today: z.string(),
  timeZone: z.string(),
  /** Effective subscriptions whose running (not paused) grace period ends on each of the next 30 days, today first; they lapse the day after unless paid. */
  lapsesDue: z.array(dayCount),
  grace: z.object({ running: z.number().int(), paused: z.number().int() }),
  /** Active holds in effect today, per process, and the accounts they hold. */
  heldToday: z.array(z.object({ process: z.string(), accounts: z.number().int(), holds: z.number().int() })),
  /** Open invoices past their due date, by age bucket and currency; amounts are what is still unpaid, in minor units. */
  overdue: z.array(
    z.object({
      bucket: z.enum(OVERDUE_BUCKETS),
      count: z.number().int(),
      amounts: z.array(z.object({ currency: z.string(), amountMinor: z.number().int() })),
    }),
  ),
  worker: z.object({
    /** Effects per business day over the last 30 days (today included), oldest first; days without effects are left out. */
    effects: z.array(z.object({ day: z.string(), effects: z.record(z.string(), z.number().int()) })),
    processedThrough: z.string().nullable(),
    lagDays: z.number().int().nullable(),
    lagSeconds: z.number().nullable(),
    /** No worker has ticked for longer than three intervals (see worker.status). */
    stalled: z.boolean(),
  }),
});
export type OverviewOutput = z.infer<typeof overviewOutput>;

export const MAX_PAGE = 200;

export const workerTicksInput = z
  .strictObject({
    ...zScope,
    /** The last tick id of the previous page. */
    cursor: zLocator.nullish(),
    /** Sent by the dashboard's infinite queries; pages only go forward. */
    direction: z.enum(["forward", "backward"]).optional(),
    limit: z.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .default({ limit: 50 });

export const workerTickOutput = z.object({
  id: z.string(),
  workerId: z.string(),
  status: z.string(),
  clockAt: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  counts: z.record(z.string(), z.number()),
  errors: z.array(z.string()),
});

export const workerTicksOutput = z.object({ items: z.array(workerTickOutput), nextCursor: z.string().nullable() });

/** The live workers (heartbeat fresh, not stopped) by their opaque ids, and whether any of them is ticking. */
export const workerLivenessOutput = z.object({
  workers: z.array(
    z.object({
      id: z.string(),
      lastTickAt: z.string().nullable(),
      heartbeatAt: z.string(),
      intervalMs: z.number().int(),
    }),
  ),
  /** No worker has ticked for longer than three of its intervals (none started, all dead, or all stuck). */
  stalled: z.boolean(),
  /** When any worker last finished a tick. */
  lastTickAt: z.string().nullable(),
});

export const workerStatusOutput = z.object({
  now: z.string(),
  today: z.string(),
  processedThrough: z.string().nullable(),
  lagDays: z.number().int().nullable(),
  lagSeconds: z.number().nullable(),
  /** Subscriptions the worker would invoice today (accounts held for invoicing left out, as the worker does). */
  dueInvoices: z.number().int(),
  ticks: z.array(workerTickOutput),
  ...workerLivenessOutput.shape,
});

export const auditListInput = z
  .strictObject({
    ...zScope,
    entityType: z.enum(AUDITED_ENTITIES).optional(),
    entityId: zText(64).min(1).optional(),
    /** An actor's id (exactly) or a part of its name (any case). */
    actor: zText(200).min(1).optional(),
    action: zText(64).min(1).optional(),
    /** Business dates in the tenant's zone, both included. */
    from: zBusinessDate.optional(),
    to: zBusinessDate.optional(),
    requestId: zText(200).min(1).optional(),
    /** The last event id of the previous page. */
    cursor: zLocator.nullish(),
    /** Sent by the dashboard's infinite queries; pages only go forward. */
    direction: z.enum(["forward", "backward"]).optional(),
    limit: z.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .refine(
    (v) => v.from === undefined || v.to === undefined || v.from <= v.to,
    ruleCheck("from_before_to", "must be on or before to", ["from"]),
  );
export type AuditListInput = z.output<typeof auditListInput>;

export const auditLogRow = auditEventOutput.extend({ reason: z.string().nullable() });
export type AuditLogRow = z.infer<typeof auditLogRow>;
export const auditListOutput = z.object({
  items: z.array(auditLogRow),
  nextCursor: z.string().nullable(),
  /** The entity types the caller may read, the only ones listed. */
  entityTypes: z.array(z.string()),
});

export const workerDailyEffectsInput = z
  .strictObject({ ...zScope, days: z.number().int().min(1).max(90).default(OVERVIEW_DAYS) })
  .default({ days: OVERVIEW_DAYS });

/** Effects per business day, oldest first; days without effects are left out. */
export const workerDailyEffectsOutput = z.object({
  today: z.string(),
  days: z.array(z.object({ day: z.string(), effects: z.record(z.string(), z.number().int()) })),
});
