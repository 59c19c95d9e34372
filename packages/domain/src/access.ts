/** Permissions per security group (Socotra's `holds` group with read/list/write, and so on). */
export const PERMISSIONS = [
  "holds:read",
  "holds:list",
  "holds:write",
  "automations:read",
  "automations:write",
  "subscriptions:read",
  "subscriptions:write",
  "admin",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ALL_PERMISSIONS: Permission[] = [...PERMISSIONS];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/** `admin` implies every other permission in its tenant. */
export function hasPermission(granted: readonly string[], wanted: Permission): boolean {
  return granted.includes(wanted) || granted.includes("admin");
}

/** Reading an entity's history needs read access to that kind of entity. */
export const HISTORY_READ_PERMISSION: Readonly<Record<string, Permission>> = {
  hold: "holds:read",
  account: "holds:read",
  automation: "automations:read",
  subscription: "subscriptions:read",
  subscription_action: "subscriptions:read",
  invoice: "subscriptions:read",
  tenant: "admin",
  user: "admin",
  token: "admin",
  webhook_endpoint: "admin",
};

/** The permission that reading this kind of entity's history needs; null for an unknown kind. */
export function historyReadPermission(entityType: unknown): Permission | null {
  return typeof entityType === "string" && Object.hasOwn(HISTORY_READ_PERMISSION, entityType)
    ? (HISTORY_READ_PERMISSION[entityType] ?? null)
    : null;
}
