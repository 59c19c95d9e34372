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
