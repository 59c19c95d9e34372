/**
 * What one audit event changed, field by field, with the values before and
 * after: `end date 2026-12-11 → 2026-12-21`, not "changed endDate". Nested
 * objects are compared leaf by leaf (`grace end`); lists are compared whole.
 * The history timeline and the audit log both show changes this way.
 */

export interface FieldChange {
  /** The field's path in the record, e.g. `endDate`, `grace.end`. */
  field: string;
  /** The field's name for people, e.g. "end date", "grace end". */
  label: string;
  before: string;
  after: string;
}

/** Bookkeeping every move changes: never listed. */
const ALWAYS_IGNORED = /^(version|id|tenantId|allowedMoves)$|(At|By|Utc)$/;
const MAX_VALUE_LENGTH = 160;

/**
 * The fields whose values differ between the two snapshots, in the order the
 * later one lists them. A creation or deletion (one side not a record) has
 * nothing to compare, unless `whole` asks for its fields as set from or to none.
 */
export function fieldChanges(
  before: unknown,
  after: unknown,
  ignore: readonly string[] = [],
  { whole = false }: { whole?: boolean } = {},
): FieldChange[] {
  if (!isRecord(before) && !isRecord(after)) return [];
  if ((!isRecord(before) || !isRecord(after)) && !whole) return [];
  const b = flatten(isRecord(before) ? before : {});
  const a = flatten(isRecord(after) ? after : {});
  const skip = new Set(ignore);
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  return fields
    .filter((f) => !skip.has(f) && !skip.has(f.split(".")[0] ?? f) && !f.split(".").some((p) => ALWAYS_IGNORED.test(p)))
    .filter((f) => JSON.stringify(a.get(f) ?? null) !== JSON.stringify(b.get(f) ?? null))
    .map((f) => ({ field: f, label: fieldLabel(f), before: formatValue(b.get(f)), after: formatValue(a.get(f)) }));
}

/** `endDate` → "end date", `grace.pausedOn` → "grace paused on". */
export function fieldLabel(field: string): string {
  return field
    .split(".")
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase())
    .join(" ");
}

/** A value as one short line: "—" for none, lists joined with ", ", objects as `key value` pairs. */
export function formatValue(value: unknown): string {
  const text = describe(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

function describe(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map(describe).join(", ");
  if (isRecord(value)) {
    const parts = Object.entries(value)
      .filter(([k, v]) => v !== null && v !== undefined && v !== "" && !ALWAYS_IGNORED.test(k))
      .map(([k, v]) => `${fieldLabel(k)} ${describe(v)}`);
    return parts.length ? `(${parts.join("; ")})` : "—";
  }
  return String(value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Plain objects one level down become dotted fields; everything else is a value. */
function flatten(record: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(record)) {
    if (isRecord(v)) for (const [kk, vv] of Object.entries(v)) out.set(`${k}.${kk}`, vv);
    else out.set(k, v);
  }
  return out;
}
