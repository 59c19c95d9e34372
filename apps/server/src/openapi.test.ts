import { appRouter } from "@holdfast/api";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "./openapi.ts";

describe("the OpenAPI document", () => {
  const doc = buildOpenApiDocument();
  const procedures = Object.keys(
    (appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures,
  );

  it("describes every tRPC procedure, with its input schema generated from the shared zod schema", () => {
    expect(procedures.length).toBeGreaterThan(35);
    for (const name of procedures) expect(Object.keys(doc.paths), name).toContain(`/trpc/${name}`);
    const create = doc.paths["/trpc/holds.create"]?.post as {
      requestBody: {
        content: { "application/json": { schema: { required: string[]; properties: Record<string, unknown> } } };
      };
    };
    expect(create.requestBody.content["application/json"].schema.required).toEqual(
      expect.arrayContaining(["accountLocator", "targets"]),
    );
    const get = doc.paths["/trpc/holds.get"]?.get as { parameters: { name: string }[] };
    expect(get.parameters.map((p) => p.name)).toEqual(["input"]);
  });

  it("describes the compatibility routes of all four vendors at their exact paths and methods", () => {
    const expected: [string, string][] = [
      ["/billing/{tenantLocator}/holds/{locator}", "get"],
      ["/billing/{tenantLocator}/holds/accounts/{accountLocator}/list", "get"],
      ["/billing/{tenantLocator}/holds", "post"],
      ["/billing/{tenantLocator}/holds/{locator}", "patch"],
      ...["validate", "activate", "release", "reset", "discard"].map((m): [string, string] => [
        `/billing/{tenantLocator}/holds/{locator}/${m}`,
        "patch",
      ]),
      ...["getAll", "add", "update", "updateAssignments", "delete"].map((m): [string, string] => [
        `/api/connector/v1/billingAutomations/${m}`,
        "post",
      ]),
      ...["create", "update", "read"].map((m): [string, string] => [`/ormb/hold-requests/${m}`, "post"]),
      ["/crm/subscriptions/extend_grace_period", "post"],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });

  it("describes the CSV export of each list: GET, its filters without the paging keys, text/csv", () => {
    for (const list of ["holds", "subscriptions", "invoices", "automations", "accounts", "worker-ticks", "audit"]) {
      const get = doc.paths[`/export/${list}.csv`]?.get as {
        operationId: string;
        parameters: { name: string; content: { "application/json": { schema: { properties: object } } } }[];
        responses: Record<string, { content?: Record<string, unknown> }>;
      };
      expect(get?.operationId, list).toBe(`export.${list}`);
      const filters = Object.keys(get.parameters[0]?.content["application/json"].schema.properties ?? {});
      expect(filters).toContain("tenantLocator");
      for (const paging of ["cursor", "limit", "direction", "limitation"]) expect(filters).not.toContain(paging);
      expect(Object.keys(get.responses["200"]?.content ?? {})).toEqual(["text/csv"]);
    }
    const holds = doc.paths["/export/holds.csv"]?.get as { parameters: { content: object }[] };
    expect(JSON.stringify(holds.parameters[0]?.content)).toContain("externalTransactionId");
  });

  it("is plain JSON (serialisable) and OpenAPI 3.1", () => {
    const round = JSON.parse(JSON.stringify(doc));
    expect(round.openapi).toBe("3.1.0");
    expect(round.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });
});
