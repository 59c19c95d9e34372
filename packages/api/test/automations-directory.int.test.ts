/**
 * The directory of services and companies behind the automation pickers:
 * the ids the tenant's automations use and the names an admin set, named
 * ones first; setting and removing names is admin only, audited, idempotent,
 * tenant-scoped; the answer is bounded.
 */
import type { AutomationInput, Permission } from "@holdfast/domain";
import { issuesOfTrpcError, rulesOf } from "@holdfast/testing/issues";
import { describe, expect, it } from "vitest";
import { expectTrpcError, setupWorld } from "./harness.ts";

const SERVICE = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";
const COMPANY = "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f";
const OTHER_COMPANY = "0e7c8c36-6b8e-4c59-9d0c-4b6f0f0c1a01";
const NEW_SERVICE = "5a0f3b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const FLAGS = {
  spaceOrder: true,
  cityTax: false,
  allProducts: false,
  deposits: false,
  additionalExpenses: false,
  allCustomItems: false,
};

function automation(name: string, companyId = COMPANY): AutomationInput {
  return {
    name,
    companies: [{ companyId, relations: { partnerCompany: true, travelAgency: false } }],
    prepayment: "All",
    assignmentTargetType: "CompanyAsOwner",
    triggerType: "Continuous",
    billAggregationType: "AggregateAll",
    assignments: [{ serviceId: SERVICE, routedItemTypes: FLAGS }],
  };
}

const w = setupWorld({ tenantName: "Directory tenant" });

async function auditOf(entityId: string) {
  return w.db.$client<{ action: string; before: unknown; after: unknown }[]>`
    select action, before, after from audit_events
     where tenant_id = ${w.tenantId}::uuid and entity_type = 'directory_name' and entity_id = ${entityId}
     order by id`;
}

describe("automations.directory", () => {
  it("lists the ids the automations use, unnamed, with how many use each; then names them", async () => {
    await w.api.automations.add({ automations: [automation("First"), automation("Second", OTHER_COMPANY)] });
    const before = await w.api.automations.directory({});
    expect(before.truncated).toBe(false);
    expect(before.entries).toEqual(
      [
        { kind: "company", id: OTHER_COMPANY, name: null, automations: 1 },
        { kind: "service", id: SERVICE, name: null, automations: 2 },
        { kind: "company", id: COMPANY, name: null, automations: 1 },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );

    await w.api.settings.setDirectoryName({ kind: "company", id: COMPANY, name: "  Acme Travel " });
    await w.api.settings.setDirectoryName({ kind: "service", id: SERVICE, name: "Accommodation" });
    await w.api.settings.setDirectoryName({ kind: "service", id: NEW_SERVICE, name: "Breakfast" });
    const after = await w.api.automations.directory({});
    expect(after.entries).toEqual([
      { kind: "service", id: SERVICE, name: "Accommodation", automations: 2 },
      { kind: "company", id: COMPANY, name: "Acme Travel", automations: 1 },
      { kind: "service", id: NEW_SERVICE, name: "Breakfast", automations: 0 },
      { kind: "company", id: OTHER_COMPANY, name: null, automations: 1 },
    ]);
    const services = await w.api.automations.directory({ kind: "service" });
    expect(services.entries.map((e) => e.name)).toEqual(["Accommodation", "Breakfast"]);
  });

  it("is bounded: at most `limit` entries (500 at most), and says when more exist", async () => {
    const two = await w.api.automations.directory({ limit: 2 });
    expect(two.entries).toHaveLength(2);
    expect(two.truncated).toBe(true);
    const err = await expectTrpcError(w.api.automations.directory({ limit: 501 }), "BAD_REQUEST");
    expect(rulesOf(issuesOfTrpcError(err))).toEqual([{ path: "limit", rule: "too_big" }]);
  });

  it("another tenant sees none of it", async () => {
    const other = await w.tenant("Directory other");
    const api = await w.caller(other);
    expect((await api.automations.directory({})).entries).toEqual([]);
    await expectTrpcError(api.settings.removeDirectoryName({ kind: "company", id: COMPANY }), "NOT_FOUND");
  });
});

describe("settings.setDirectoryName and removeDirectoryName", () => {
  it("renaming and removing are audited with before and after", async () => {
    await w.api.settings.setDirectoryName({ kind: "company", id: COMPANY, name: "Acme Travel Ltd" });
    await w.api.settings.removeDirectoryName({ kind: "service", id: NEW_SERVICE });
    expect(await auditOf(`company:${COMPANY}`)).toEqual([
      { action: "nameDirectoryEntry", before: null, after: { kind: "company", id: COMPANY, name: "Acme Travel" } },
      {
        action: "renameDirectoryEntry",
        before: { kind: "company", id: COMPANY, name: "Acme Travel" },
        after: { kind: "company", id: COMPANY, name: "Acme Travel Ltd" },
      },
    ]);
    expect((await auditOf(`service:${NEW_SERVICE}`)).map((e) => [e.action, e.after])).toEqual([
      ["nameDirectoryEntry", { kind: "service", id: NEW_SERVICE, name: "Breakfast" }],
      ["removeDirectoryName", null],
    ]);
    // Removed and used by no automation: it is no longer known.
    const ids = (await w.api.automations.directory({})).entries.map((e) => e.id);
    expect(ids).not.toContain(NEW_SERVICE);
    await expectTrpcError(w.api.settings.removeDirectoryName({ kind: "service", id: NEW_SERVICE }), "NOT_FOUND");
  });

  it("a repeated idempotency key answers the first result and writes once", async () => {
    const input = { kind: "company" as const, id: OTHER_COMPANY, name: "Globex", idempotencyKey: "dir-1" };
    const first = await w.api.settings.setDirectoryName(input);
    const again = await w.api.settings.setDirectoryName(input);
    expect(again).toEqual(first);
    expect(await auditOf(`company:${OTHER_COMPANY}`)).toHaveLength(1);
  });

  it("bad input names the field and the rule", async () => {
    const cases: [unknown, string, string][] = [
      [{ kind: "hotel", id: COMPANY, name: "x" }, "kind", "invalid_value"],
      [{ kind: "company", id: "acme", name: "x" }, "id", "invalid_format"],
      [{ kind: "company", id: COMPANY, name: "   " }, "name", "too_small"],
      [{ kind: "company", id: COMPANY, name: "n".repeat(201) }, "name", "too_big"],
    ];
    for (const [input, path, rule] of cases) {
      const err = await expectTrpcError(
        w.api.settings.setDirectoryName(input as Parameters<typeof w.api.settings.setDirectoryName>[0]),
        "BAD_REQUEST",
      );
      expect(rulesOf(issuesOfTrpcError(err)), JSON.stringify(input)).toEqual([{ path, rule }]);
    }
  });

  it("only an admin names; a reader of automations lists", async () => {
    const permissions: Permission[] = ["automations:read", "automations:write"];
    const writer = await w.caller([{ tenantId: w.tenantId, permissions }]);
    await expectTrpcError(writer.settings.setDirectoryName({ kind: "company", id: COMPANY, name: "x" }), "FORBIDDEN");
    await expectTrpcError(writer.settings.removeDirectoryName({ kind: "company", id: COMPANY }), "FORBIDDEN");
    expect((await writer.automations.directory({})).entries.length).toBeGreaterThan(0);
    const holdsOnly = await w.caller([{ tenantId: w.tenantId, permissions: ["holds:read"] }]);
    await expectTrpcError(holdsOnly.automations.directory({}), "FORBIDDEN");
  });
});
