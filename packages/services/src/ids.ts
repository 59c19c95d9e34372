import { randomUUID } from "node:crypto";
import { monotonicFactory } from "ulid";

const ulid = monotonicFactory();

/** A new ULID locator (time-ordered, so keyset paging by locator follows creation order). */
export function newLocator(): string {
  return ulid();
}

export function newTenantLocator(): string {
  return randomUUID();
}
