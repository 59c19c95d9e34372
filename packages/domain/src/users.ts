import { hasPermission, type Permission } from "./access.ts";

/** The permissions in `wanted` that `granted` does not hold (`admin` holds them all): what a grantor may not hand out. */
export function permissionsExceeding(granted: readonly string[], wanted: readonly Permission[]): Permission[] {
  return wanted.filter((p) => !hasPermission(granted, p));
}
