import type { Database } from "@holdfast/db";
import type { Clock } from "./clock.ts";

export interface Actor {
  type: "user" | "token" | "worker" | "system";
  id: string;
  name: string;
}

/** What every service call needs: the database, the clock, and who is acting. */
export interface ServiceContext {
  db: Database;
  clock: Clock;
  actor: Actor;
  requestId?: string | null;
}

/** The label stored in `createdBy`, `releasedBy` and friends. */
export function actorLabel(actor: Actor): string {
  return `${actor.type}:${actor.id}`;
}
