/** One field an audit event changed: its path (`grace.end`) and its value before and after, as text. */
export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A value as shown in a diff: "—" for none, JSON for lists. */
function show(v: unknown): string {
  if (v === undefined || v === null) return "—";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/**
 * The fields that differ between an audit event's before and after
 * snapshots, nested objects flattened to dotted paths, in the order they
 * first appear. A create (no before) lists every field of after; a delete
 * every field of before.
 */
export function changedFields(before: unknown, after: unknown, prefix = ""): FieldChange[] {
  if (!isObject(before) && !isObject(after)) {
    return JSON.stringify(before ?? null) === JSON.stringify(after ?? null)
      ? []
      : [{ field: prefix || "value", before: show(before), after: show(after) }];
  }
  const b = isObject(before) ? before : {};
  const a = isObject(after) ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const out: FieldChange[] = [];
  for (const k of keys) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (isObject(b[k]) || isObject(a[k])) out.push(...changedFields(b[k], a[k], path));
    else if (JSON.stringify(b[k] ?? null) !== JSON.stringify(a[k] ?? null))
      out.push({ field: path, before: show(b[k]), after: show(a[k]) });
  }
  return out;
}

/** The dashboard page of an audited entity, when it has one. */
export function entityHref(entityType: string, entityId: string): string | null {
  const id = encodeURIComponent(entityId);
  switch (entityType) {
    case "hold":
      return `/holds/${id}`;
    case "subscription":
      return `/subscriptions/${id}`;
    case "automation":
      return `/automations/${id}`;
    case "account":
      return `/accounts/${id}`;
    case "tenant":
      return "/settings/tenant";
    case "user":
      return "/settings/users";
    case "token":
      return "/settings/tokens";
    default:
      return null;
  }
}
