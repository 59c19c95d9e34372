import { ACTION_FIELDS, type ActionOutput, extendGracePeriodInput } from "@holdfast/domain";

/**
 * CRM.COM's snake_case parameters (seed 003) ↔ the camelCase fields of the
 * shared `extendGracePeriodInput`. The table is derived from the shared
 * schema itself, so a field added there is accepted here under its
 * snake_case name; only CRM.COM's own spelling of one name is written out.
 */
const SPELLED_OUT: Record<string, string> = {
  endGracePeriodAfterDays: "end_grace_period_after_specific_days",
};

/** camelCase → snake_case, digits as their own word: udfString1 → udf_string_1. */
export function toSnake(camel: string): string {
  return (
    SPELLED_OUT[camel] ??
    camel
      .replace(/([A-Z])/g, "_$1")
      .replace(/(\d+)/g, "_$1")
      .toLowerCase()
  );
}

/** Sent in a header, not as a parameter. */
const HEADER_FIELDS = new Set(["idempotencyKey"]);

/** snake_case parameter → our field. */
export const PARAMS: ReadonlyMap<string, string> = new Map(
  Object.keys(extendGracePeriodInput.shape)
    .filter((k) => !HEADER_FIELDS.has(k))
    .map((k) => [toSnake(k), k]),
);

/** CRM.COM parameters Holdfast has no model for: refused by name rather than silently dropped. */
export const NOT_SUPPORTED = new Set([
  "action_type_identifier",
  "sub_action_type_identifier",
  "classification_identifier",
]);

/** Numbers CRM.COM clients may send as strings ("10"). */
const isNumberField = (field: string) => field === "endGracePeriodAfterDays" || field.startsWith("udfFloat");
const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

/** fields_set names (snake_case action fields) → our action field names. */
const ACTION_FIELD_BY_PARAM: ReadonlyMap<string, string> = new Map(ACTION_FIELDS.map((f) => [toSnake(f), f]));
export const FIELDS_SET_NAMES = ACTION_FIELDS.map(toSnake);

export interface CrmIssue {
  field: string;
  rule: string;
  message: string;
}

/**
 * The request's parameters in our names. Values pass as they are (the shared
 * schema checks them), except: `null` means "not sent"; a numeric string is a
 * number where a number is expected; fields_set may be a comma-separated
 * string (as CRM.COM sends it) or a list, and an empty one means "all fields".
 */
export function toExtendInput(body: Record<string, unknown>, issues: CrmIssue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [param, value] of Object.entries(body)) {
    if (param === "token") continue;
    if (NOT_SUPPORTED.has(param)) {
      issues.push({
        field: param,
        rule: "not_supported",
        message: "subscription action types and classifications are not supported; leave it out",
      });
      continue;
    }
    const field = PARAMS.get(param);
    if (!field) {
      issues.push({
        field: param,
        rule: "unrecognized_parameter",
        message: `${param} is not a parameter of extend_grace_period`,
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    if (field === "fieldsSet") {
      const names =
        typeof value === "string"
          ? value
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : value;
      if (Array.isArray(names) && names.length === 0) continue;
      out.fieldsSet = Array.isArray(names)
        ? names.map((n) => (typeof n === "string" ? (ACTION_FIELD_BY_PARAM.get(n.trim()) ?? n) : n))
        : names;
      continue;
    }
    out[field] = isNumberField(field) && typeof value === "string" && NUMERIC.test(value) ? Number(value) : value;
  }
  return out;
}

/** Our field path (`subscriptionIdentifier.id`, `fieldsSet[2]`) in CRM.COM's names. */
export function toCrmField(ourPath: string): string {
  if (ourPath === "(input)" || ourPath === "") return "";
  return ourPath.replace(/^[A-Za-z0-9]+/, (head) => toSnake(head));
}

/** The action as CRM.COM-style data: snake_case keys (user-defined fields too), projected as the service projected it. */
export function toCrmData(action: Partial<ActionOutput>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(action)) {
    data[toSnake(key)] =
      key === "udf" && value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [toSnake(k), v]))
        : value;
  }
  return data;
}
