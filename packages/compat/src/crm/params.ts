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

/** Numbers CRM.COM clients may send as strings ("10"). */
const isNumberField = (field: string) => field === "endGracePeriodAfterDays" || field.startsWith("udfFloat");
const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

/** A nested parameter's snake_case key → our name: alternative_code → alternativeCode. */
const toCamel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The user-defined fields' names, each a fields_set name of its own. */
const UDF_PARAMS = [...PARAMS.keys()].filter((p) => p.startsWith("udf_"));

/**
 * fields_set names, as CRM.COM names them: `id` (the action's locator), each
 * action field in snake_case, and each `udf_*` on its own (`udf` is all of them).
 */
export const FIELDS_SET_NAMES = ["id", ...ACTION_FIELDS.map(toSnake), ...UDF_PARAMS];
const FIELDS_SET_KNOWN = new Set(FIELDS_SET_NAMES);

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
      const names = fieldsSetNames(value, issues);
      if (names?.length) out.fieldsSet = names;
      continue;
    }
    if (param.endsWith("_identifier") && isPlainObject(value)) {
      // Identifier keys as CRM.COM spells them (alternative_code); ours are camelCase.
      out[field] = Object.fromEntries(Object.entries(value).map(([k, v]) => [toCamel(k), v]));
      continue;
    }
    out[field] = isNumberField(field) && typeof value === "string" && NUMERIC.test(value) ? Number(value) : value;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** fields_set as a list of names: a comma-separated string or a list; every name known, else an issue each. */
function fieldsSetNames(value: unknown, issues: CrmIssue[]): string[] | undefined {
  const names =
    typeof value === "string"
      ? value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : value;
  if (!Array.isArray(names)) {
    issues.push({ field: "fields_set", rule: "invalid_type", message: "must be a comma-separated string or a list" });
    return undefined;
  }
  if (names.length > FIELDS_SET_NAMES.length) {
    issues.push({ field: "fields_set", rule: "too_big", message: `at most ${FIELDS_SET_NAMES.length} names` });
    return undefined;
  }
  const out: string[] = [];
  names.forEach((n, i) => {
    const name = typeof n === "string" ? n.trim() : n;
    if (typeof name === "string" && FIELDS_SET_KNOWN.has(name)) out.push(name);
    else
      issues.push({
        field: `fields_set[${i}]`,
        rule: "invalid_value",
        message: `must be one of: ${FIELDS_SET_NAMES.join(", ")}`,
      });
  });
  return out;
}

/** Our field path (`performedByUserIdentifier.alternativeCode`, `fieldsSet[2]`) in CRM.COM's names. */
export function toCrmField(ourPath: string): string {
  if (ourPath === "(input)" || ourPath === "") return "";
  return ourPath.replace(/[A-Za-z][A-Za-z0-9]*/g, (part) => toSnake(part));
}

/** Our field names in a message (`endGracePeriodOn`) as the client sent them (`end_grace_period_on`). */
export function toCrmText(message: string): string {
  return message.replace(/\b[a-z]+(?:[A-Z][a-z0-9]*)+\b/g, (word) =>
    PARAMS_BY_FIELD.has(word) ? toSnake(word) : word,
  );
}
const PARAMS_BY_FIELD = new Set(PARAMS.values());

/** The CRM.COM data projected by fields_set names: `id` is the locator, a `udf_*` its value (null when not given). */
export function projectCrmData(data: Record<string, unknown>, names: readonly string[] | undefined) {
  if (!names) return data;
  const udf = (data.udf ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    names.map((n) => [n, n === "id" ? data.locator : n.startsWith("udf_") ? (udf[n] ?? null) : data[n]]),
  );
}

/** The action as CRM.COM-style data: snake_case keys (user-defined fields too), projected as the service projected it. */
export function toCrmData(action: Partial<ActionOutput>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(action)) {
    // The user-defined fields and the identifiers have their keys in snake_case too (alternative_code).
    data[toSnake(key)] = isPlainObject(value)
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [toSnake(k), v]))
      : value;
  }
  return data;
}
