import { pathSegments } from "@holdfast/domain";

/**
 * The Mews request shapes (seed 001) as a renaming table from Mews'
 * PascalCase names to the camelCase names of our shared input schemas. One
 * table serves both directions: requests are translated by it before the
 * shared schema parses them, and the field paths of the schema's (and the
 * services') errors are renamed back by it, so every rule lives in the domain
 * and every error still names the field the client sent.
 *
 * Translation is structural only: values are passed on as they are, so a
 * wrong type or value is reported by the shared schema, at the right path.
 */
export type Node = { kind: "value" } | { kind: "object"; fields: Record<string, Field> } | { kind: "array"; of: Node };

export interface Field {
  /** Our camelCase name. */
  to: string;
  node: Node;
  /** Sent as `{ "Value": … }`; a missing or null wrapper means "not updated". */
  wrapped?: boolean;
}

export const VALUE: Node = { kind: "value" };
const obj = (fields: Record<string, Field>): Node => ({ kind: "object", fields });
const arr = (of: Node = VALUE): Node => ({ kind: "array", of });
const f = (to: string, node: Node = VALUE): Field => ({ to, node });
const w = (to: string, node: Node = VALUE): Field => ({ to, node, wrapped: true });

const companyRelations = obj({ PartnerCompany: f("partnerCompany"), TravelAgency: f("travelAgency") });
const company = obj({ CompanyId: f("companyId"), CompanyRelations: f("relations", companyRelations) });

const ROUTED_ITEM_TYPES = {
  SpaceOrder: "spaceOrder",
  CityTax: "cityTax",
  AllProducts: "allProducts",
  Deposits: "deposits",
  AdditionalExpenses: "additionalExpenses",
  AllCustomItems: "allCustomItems",
} as const;
const routedItemTypes = obj(Object.fromEntries(Object.entries(ROUTED_ITEM_TYPES).map(([m, o]) => [m, f(o)])));
const routedItemTypesUpdate = obj(Object.fromEntries(Object.entries(ROUTED_ITEM_TYPES).map(([m, o]) => [m, w(o)])));

const accountingCategory = obj({
  AccountingCategoryId: f("accountingCategoryId"),
  ItemTypes: f("itemTypes", obj({ Products: f("products"), CustomItems: f("customItems") })),
});

const assignmentAdd = obj({
  ServiceId: f("serviceId"),
  RoutedItemTypes: f("routedItemTypes", routedItemTypes),
  RateIds: f("rateIds", arr()),
  ProductCategoryIds: f("productCategoryIds", arr()),
  ProductIds: f("productIds", arr()),
  AccountingCategories: f("accountingCategoryAssignments", arr(accountingCategory)),
});

const assignmentUpdate = obj({
  BillingAutomationAssignmentId: f("id"),
  RoutedItemTypes: f("routedItemTypes", routedItemTypesUpdate),
  RateIds: w("rateIds", arr()),
  ProductCategoryIds: w("productCategoryIds", arr()),
  ProductIds: w("productIds", arr()),
  AccountingCategories: w("accountingCategoryAssignments", arr(accountingCategory)),
});

const automationAdd = obj({
  Name: f("name"),
  Description: f("description"),
  CompaniesWithRelations: f("companies", arr(company)),
  Prepayment: f("prepayment"),
  AssignmentTargetType: f("assignmentTargetType"),
  TriggerType: f("triggerType"),
  BillAggregationType: f("billAggregationType"),
  ProcessingStartOffset: f("processingStartOffset"),
  OrderItemConsumptionPeriod: f("orderItemConsumptionPeriod"),
  Assignments: f("assignments", arr(assignmentAdd)),
});

const automationUpdate = obj({
  BillingAutomationId: f("automationId"),
  Name: w("name"),
  Description: w("description"),
  Companies: w("companies", arr(company)),
  Prepayment: w("prepayment"),
  AssignmentTargetType: w("assignmentTargetType"),
  BillAggregationType: w("billAggregationType"),
  OrderItemConsumptionPeriod: w("orderItemConsumptionPeriod"),
  ProcessingStartOffset: w("processingStartOffset"),
  // Not a Mews update parameter: passed on so the shared schema says why it cannot change.
  TriggerType: w("triggerType"),
});

/** Every operation's own parameters (the envelope — tokens, Client, EnterpriseId — is read apart). */
export const REQUESTS = {
  getAll: obj({
    EnterpriseIds: f("enterpriseIds", arr()),
    CompanyIds: f("companyIds", arr()),
    BillingAutomationIds: f("automationIds", arr()),
    Limitation: f("limitation", obj({ Count: f("count"), Cursor: f("cursor") })),
  }),
  add: obj({ BillingAutomations: f("automations", arr(automationAdd)) }),
  update: obj({ BillingAutomationUpdates: f("updates", arr(automationUpdate)) }),
  updateAssignments: obj({
    BillingAutomationId: f("automationId"),
    AssignmentsToAdd: f("assignmentsToAdd", arr(assignmentAdd)),
    AssignmentsToUpdate: f("assignmentsToUpdate", arr(assignmentUpdate)),
    AssignmentIdsToRemove: f("assignmentIdsToRemove", arr()),
  }),
  delete: obj({ BillingAutomationIds: f("automationIds", arr()) }),
} satisfies Record<string, Node>;

/** For the routing of errors in updateAssignments' merged assignment list back to the request. */
export const ASSIGNMENT_ADD = assignmentAdd;
export const ASSIGNMENT_UPDATE = assignmentUpdate;

/** The envelope every Mews request carries; these keys are not operation parameters. */
export const ENVELOPE_KEYS = new Set([
  "ClientToken",
  "AccessToken",
  "Client",
  "LanguageCode",
  "CultureCode",
  "EnterpriseId",
]);

/** A problem found while translating, already in Mews' names. */
export interface MewsIssue {
  path: string;
  rule: string;
  message: string;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Mews' request → our input. Unknown keys are reported (a misspelt field
 * must not be silently ignored); `null` on an optional field means "not
 * sent", as .NET clients serialise it; a `{ "Value": null }` wrapper on a list
 * clears the list.
 */
export function translate(value: unknown, node: Node, path: string, issues: MewsIssue[], skip?: Set<string>): unknown {
  if (node.kind === "array") {
    return Array.isArray(value) ? value.map((item, i) => translate(item, node.of, `${path}[${i}]`, issues)) : value;
  }
  if (node.kind === "value" || !isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (skip?.has(key)) continue;
    const field = Object.hasOwn(node.fields, key) ? node.fields[key] : undefined;
    const at = path ? `${path}.${key}` : key;
    if (!field) {
      issues.push({ path: at, rule: "unrecognized_key", message: `${key} is not a parameter of this operation` });
      continue;
    }
    if (raw === null || raw === undefined) continue;
    if (!field.wrapped) {
      out[field.to] = translate(raw, field.node, at, issues);
      continue;
    }
    if (!isPlainObject(raw) || !Object.keys(raw).every((k) => k === "Value")) {
      issues.push({
        path: at,
        rule: "value_wrapper",
        message: `must be an object { "Value": … }, or null when not updated`,
      });
      continue;
    }
    if (!Object.hasOwn(raw, "Value")) continue;
    const inner = raw.Value;
    out[field.to] =
      inner === null && field.node.kind === "array" ? [] : translate(inner, field.node, `${at}.Value`, issues);
  }
  return out;
}

/**
 * Our field path (as the shared schema or a service names it) → Mews' name
 * for it. Segments the table does not know keep their name in PascalCase.
 */
export function toMewsPath(ourPath: string, root: Node): string {
  if (ourPath === "(input)" || ourPath === "") return "";
  let node: Node | undefined = root;
  let out = "";
  // Inside a `{ "Value": … }` wrapper: the wrapper itself is the field; what lies inside it is under .Value.
  let insideWrapper = false;
  for (const seg of pathSegments(ourPath)) {
    if (insideWrapper) out += ".Value";
    insideWrapper = false;
    if (typeof seg === "number") {
      out += `[${seg}]`;
      node = node?.kind === "array" ? node.of : undefined;
      continue;
    }
    const entry: [string, Field] | undefined =
      node?.kind === "object" ? Object.entries(node.fields).find(([, fl]) => fl.to === seg) : undefined;
    if (!entry) {
      out += `${out ? "." : ""}${seg.charAt(0).toUpperCase()}${seg.slice(1)}`;
      node = undefined;
      continue;
    }
    const [mews, field] = entry;
    out += `${out ? "." : ""}${mews}`;
    insideWrapper = field.wrapped === true;
    node = field.node;
  }
  return out;
}
