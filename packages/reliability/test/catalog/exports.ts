/**
 * Every CSV export (keyed by its OpenAPI operationId, `export.<list>`): the
 * permission it needs (null: any member of the tenant) and filters that name
 * a tenant's objects. The suites enumerate the exports from the OpenAPI
 * document and fail when one has no entry here. Adding a list is one line.
 */
import type { Permission } from "@holdfast/domain";
import type { TenantObjects } from "./fixtures.ts";

export interface ExportEntry {
  path: string;
  permission: Permission | null;
  /** Filters naming this tenant's objects (the export's `input`). */
  filters(t: TenantObjects): Record<string, unknown>;
}

const entry = (list: string, permission: Permission | null, filters: ExportEntry["filters"]): [string, ExportEntry] => [
  `export.${list}`,
  { path: `/export/${list}.csv`, permission, filters },
];

export const EXPORTS: Record<string, ExportEntry> = Object.fromEntries([
  entry("holds", "holds:list", (t) => ({ accountLocator: t.accounts.main })),
  entry("subscriptions", "subscriptions:read", (t) => ({ accountLocator: t.accounts.main })),
  entry("invoices", "subscriptions:read", (t) => ({ accountLocator: t.accounts.main })),
  entry("automations", "automations:read", (t) => ({ automationIds: [t.automations.get] })),
  entry("accounts", "holds:list", () => ({})),
  entry("worker-ticks", null, () => ({})),
  entry("audit", null, (t) => ({ entityId: t.holds.get })),
]);
