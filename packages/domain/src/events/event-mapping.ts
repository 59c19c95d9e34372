import type { EventEntityType, EventType } from "./event-schemas.ts";

/** What an audit entry says about a change: enough to tell which events it makes. */
export interface AuditedChange {
  entityType: string;
  entityId: string;
  action: string;
  before: unknown;
  after: unknown;
  /** Who made it: `worker` for the worker's own changes. */
  actorType: string;
}

export interface EventDraft {
  type: EventType;
  entity: { type: EventEntityType; id: string };
  data: Record<string, unknown>;
}

const HOLD: Readonly<Record<string, EventType>> = {
  create: "hold.created",
  activate: "hold.activated",
  amend: "hold.amended",
  release: "hold.released",
  discard: "hold.discarded",
};

const SUBSCRIPTION: Readonly<Record<string, EventType[]>> = {
  startGracePeriod: ["subscription.grace_started"],
  pauseGracePeriod: ["subscription.grace_paused"],
  resumeGracePeriod: ["subscription.grace_resumed"],
  extendGracePeriod: ["subscription.grace_extended"],
  // An extension that brings a lapsed subscription back is both.
  extendGracePeriodAndReactivate: ["subscription.grace_extended", "subscription.reactivated"],
  lapse: ["subscription.lapsed"],
  terminate: ["subscription.terminated"],
};

/**
 * The events an audited change makes, in order (usually one, often none):
 * the one mapping from audit actions to event types, used by every write
 * path (recordAudit and the worker's set-based writes). `data` is the
 * entity's new state, the audit entry's `after` (a deleted automation's: its
 * last state, `before`). Changes without a
 * published type (a draft's edit, a reset, a grace period closed after
 * payment, directory names) make none.
 */
export function eventsForChange(c: AuditedChange): EventDraft[] {
  const doc = (v: unknown) => (v && typeof v === "object" ? (v as Record<string, unknown>) : null);
  const after = doc(c.after);
  const one = (type: EventType, entityType: EventEntityType, data: Record<string, unknown> | null): EventDraft[] =>
    data ? [{ type, entity: { type: entityType, id: c.entityId }, data }] : [];
  switch (c.entityType) {
    case "hold": {
      if (c.action === "validate") {
        return after?.holdState === "validated" ? one("hold.validated", "hold", after) : [];
      }
      const type = HOLD[c.action];
      if (!type || !after) return [];
      if (type !== "hold.released") return one(type, "hold", after);
      const releasedByWorker = c.actorType === "worker";
      const reason = typeof after.releaseReason === "string" ? after.releaseReason : "released";
      return one(type, "hold", { ...after, reason, releasedByWorker });
    }
    case "subscription":
      return (SUBSCRIPTION[c.action] ?? []).flatMap((t) => one(t, "subscription", after));
    case "invoice":
      if (c.action === "issue") return one("invoice.issued", "invoice", after);
      return c.action === "recordPayment" && after?.status === "paid" ? one("invoice.paid", "invoice", after) : [];
    case "automation":
      if (c.action === "create") return one("automation.added", "automation", after);
      // A deleted automation's data is its state as it was deleted.
      if (c.action === "delete") return one("automation.deleted", "automation", doc(c.before));
      return one("automation.updated", "automation", after);
    default:
      return [];
  }
}
