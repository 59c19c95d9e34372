import { appRouter } from "@holdfast/api";
import { z } from "zod";
import { EXPORT_LISTS, exportPath } from "./export/lists.ts";
import { eventComponentSchemas } from "./openapi-events.ts";

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

const bearer = [{ bearer: [] }];
const problem = (description: string) => ({
  description,
  content: { "application/json": { schema: { type: "object" } } },
});
const errors = {
  "400": problem("Bad input: names the field and the rule; nothing changed"),
  "401": problem("No or unknown token"),
  "403": problem("The token lacks the permission"),
  "404": problem("Unknown, or another tenant's"),
  "409": problem("A move the current state does not allow, or a concurrent change"),
};

function toSchema(schema: unknown, io: "input" | "output"): JsonSchema {
  if (!(schema instanceof z.ZodType)) return {};
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/**
 * Every tRPC procedure as an HTTP operation, generated from the same zod
 * schemas that validate it (zod's own JSON Schema generator): queries are
 * `GET /trpc/{path}?input={json}`, mutations `POST /trpc/{path}` with a JSON body.
 */
function trpcPaths(): Record<string, Record<string, Operation>> {
  const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: ProcedureDef }> } })._def
    .procedures;
  const paths: Record<string, Record<string, Operation>> = {};
  for (const [name, proc] of Object.entries(procedures).sort(([a], [b]) => a.localeCompare(b))) {
    const def = proc._def;
    const input = def.inputs[0] ? toSchema(def.inputs[0], "input") : undefined;
    const output = {
      type: "object",
      properties: { result: { type: "object", properties: { data: toSchema(def.output, "output") } } },
    };
    const tag = `tRPC: ${name.split(".")[0]}`;
    const common = {
      operationId: name,
      tags: [tag],
      security: name === "auth.signIn" ? [] : bearer,
      responses: { "200": { description: "OK", content: { "application/json": { schema: output } } }, ...errors },
    };
    paths[`/trpc/${name}`] =
      def.type === "query"
        ? {
            get: {
              ...common,
              parameters: input
                ? [
                    {
                      name: "input",
                      in: "query",
                      description: "The input as JSON",
                      content: { "application/json": { schema: input } },
                    },
                  ]
                : [],
            },
          }
        : {
            post: {
              ...common,
              requestBody: input ? { content: { "application/json": { schema: input } } } : undefined,
            },
          };
  }
  return paths;
}
interface ProcedureDef {
  type: "query" | "mutation" | "subscription";
  inputs: unknown[];
  output?: unknown;
}

/** The compatibility routes, in their vendors' shapes (their paths are also the route labels of /metrics). */
export function compatPaths(): Record<string, Record<string, Operation>> {
  const tenant = { name: "tenantLocator", in: "path", required: true, schema: { type: "string", format: "uuid" } };
  const locator = { name: "locator", in: "path", required: true, schema: { type: "string", description: "ULID" } };
  const socotra = (summary: string, extra: Operation = {}) => ({
    tags: ["Socotra: billing holds"],
    summary,
    security: bearer,
    responses: { "200": problem("HoldResponse"), ...errors },
    ...extra,
  });
  const move = (m: string) => ({
    patch: socotra(`${m[0]?.toUpperCase()}${m.slice(1)} a hold`, {
      operationId: `socotra.${m}`,
      parameters: [tenant, locator],
    }),
  });
  const mews = (op: string, summary: string) => ({
    post: {
      tags: ["Mews: billing automations"],
      operationId: `mews.${op}`,
      summary,
      description:
        "PascalCase body with ClientToken, AccessToken (a Holdfast token), Client; EnterpriseId for portfolio tokens.",
      requestBody: { content: { "application/json": { schema: { type: "object" } } } },
      parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string" } }],
      responses: {
        "200": problem("Mews response"),
        "400": problem(
          "Bad request, or an unknown id: { Message, RequestId, Details: { Code, Errors: [{ Path, Rule, Message }] } }",
        ),
        "401": problem("Bad or missing AccessToken"),
        "403": problem("Forbidden"),
        "409": problem("Changed concurrently"),
        "413": problem("Body too large"),
        "422": problem("Idempotency-Key reused with another body"),
      },
    },
  });
  const ormb = (op: string, summary: string) => ({
    post: {
      tags: ["ORMB: hold requests"],
      operationId: `ormb.${op}`,
      summary,
      description:
        "The UpdateHoldRequest envelope; repeated holdProcessData/characteristics keys are read as lists, and trailing or missing commas are tolerated, as real clients send them.",
      security: bearer,
      requestBody: { content: { "application/json": { schema: { type: "object" } } } },
      responses: { "200": problem("Envelope with requestProcessStatus Success or Failure (errormsg)"), ...errors },
    },
  });
  return {
    "/billing/{tenantLocator}/holds": {
      post: socotra("Create a hold", { operationId: "socotra.create", parameters: [tenant] }),
    },
    "/billing/{tenantLocator}/holds/{locator}": {
      get: socotra("Fetch a hold", { operationId: "socotra.fetch", parameters: [tenant, locator] }),
      patch: socotra("Update a draft hold", { operationId: "socotra.update", parameters: [tenant, locator] }),
    },
    "/billing/{tenantLocator}/holds/accounts/{accountLocator}/list": {
      get: socotra("Fetch all holds for an account", {
        operationId: "socotra.list",
        parameters: [
          tenant,
          { name: "accountLocator", in: "path", required: true, schema: { type: "string" } },
          {
            name: "state",
            in: "query",
            schema: { type: "string", enum: ["draft", "validated", "active", "discarded", "released"] },
          },
          { name: "offset", in: "query", schema: { type: "integer", minimum: 0 } },
          { name: "count", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } },
          { name: "extended", in: "query", schema: { type: "boolean" } },
        ],
        responses: { "200": problem("HoldListResponse { listCompleted, items }"), ...errors },
      }),
    },
    ...Object.fromEntries(
      ["validate", "activate", "release", "reset", "discard"].map((m) => [
        `/billing/{tenantLocator}/holds/{locator}/${m}`,
        move(m),
      ]),
    ),
    "/api/connector/v1/billingAutomations/getAll": mews("getAll", "Get all billing automations (cursor paging)"),
    "/api/connector/v1/billingAutomations/add": mews("add", "Add billing automations (up to 100, all or none)"),
    "/api/connector/v1/billingAutomations/update": mews("update", "Update billing automations ({ Value } wrappers)"),
    "/api/connector/v1/billingAutomations/updateAssignments": mews(
      "updateAssignments",
      "Add, update and remove assignments",
    ),
    "/api/connector/v1/billingAutomations/delete": mews("delete", "Delete billing automations"),
    "/ormb/hold-requests/create": ormb("create", "Create a hold request"),
    "/ormb/hold-requests/update": ormb("update", "Amend an active hold request"),
    "/ormb/hold-requests/read": ormb("read", "Read a hold request"),
    "/crm/subscriptions/extend_grace_period": {
      post: {
        tags: ["CRM.COM: subscriptions"],
        operationId: "crm.extendGracePeriod",
        summary: "Extend a subscription's grace period, now or on a scheduled date",
        description:
          "snake_case parameters of CRM.COM; `token` in the body or an Authorization header; `tenant_locator` names the tenant for portfolio tokens; `fields_set` is a comma-separated list of answer fields, `id` (the locator) and each `udf_*`.",
        requestBody: { content: { "application/json": { schema: { type: "object" } } } },
        responses: {
          "200": problem("{ status: { code: OK, message, description: null }, data }"),
          ...errors,
          "413": problem("Body too large"),
          "422": problem("transaction_reference_number or Idempotency-Key reused with another body"),
        },
      },
    },
  };
}

/** Each list's CSV export: the list's filters as JSON in `input` (without paging), every matching row streamed. */
export function exportPaths(): Record<string, Record<string, Operation>> {
  return Object.fromEntries(
    Object.values(EXPORT_LISTS).map((entry) => {
      const schema = toSchema(entry.filters, "input");
      const properties = { ...(schema.properties as Record<string, unknown> | undefined) };
      for (const key of entry.pagingKeys) delete properties[key];
      const get = {
        tags: ["CSV export"],
        operationId: `export.${entry.name}`,
        summary: `Every ${entry.name} row matching the filters, as CSV`,
        description: `Needs ${entry.permission ?? "any role"} in the tenant. A bearer token, or the dashboard's session cookie. Streamed in pages; money in integer minor units with its currency; dates ISO 8601; a text cell starting with = + - @ is prefixed with '.`,
        security: bearer,
        parameters: [
          {
            name: "input",
            in: "query",
            description: "The list's filters as JSON (its paging keys are refused)",
            content: { "application/json": { schema: { ...schema, properties } } },
          },
        ],
        responses: {
          "200": { description: "CSV with a header row", content: { "text/csv": { schema: { type: "string" } } } },
          ...errors,
        },
      };
      return [exportPath(entry.name), { get }];
    }),
  );
}

/** The OpenAPI 3.1 document served at /openapi.json. */
export function buildOpenApiDocument(serverUrl?: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Holdfast API",
      version: "1.0.0",
      description:
        "Typed tRPC procedures (holds, automations, subscriptions, invoices, settings, audit, worker, auth) drop-in compatibility routes for Socotra, Mews, ORMB-style hold requests and CRM.COM, and CSV exports of the lists. Authenticate with `Authorization: Bearer <token>`.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: eventComponentSchemas(),
    },
    paths: { ...trpcPaths(), ...compatPaths(), ...exportPaths() },
  };
}
