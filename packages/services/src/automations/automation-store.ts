import { type DatabaseOrTransaction, schema } from "@holdfast/db";
import type { AutomationAssignment, AutomationFields, AutomationOutput } from "@holdfast/domain";
import { asc, inArray } from "drizzle-orm";

export type AutomationRow = typeof schema.automations.$inferSelect;

/** An automation with its companies and assignments: the aggregate the rules work on. */
export interface AutomationRecord extends Omit<AutomationFields, "assignments"> {
  row: AutomationRow;
  id: string;
  assignments: AutomationAssignment[];
}

export async function loadAutomationRecords(
  db: DatabaseOrTransaction,
  rows: AutomationRow[],
): Promise<AutomationRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [companies, assignments] = await Promise.all([
    db
      .select()
      .from(schema.automationCompanies)
      .where(inArray(schema.automationCompanies.automationId, ids))
      .orderBy(asc(schema.automationCompanies.position)),
    db
      .select()
      .from(schema.automationAssignments)
      .where(inArray(schema.automationAssignments.automationId, ids))
      .orderBy(asc(schema.automationAssignments.position)),
  ]);
  return rows.map((row) => ({
    row,
    id: row.id,
    name: row.name,
    description: row.description,
    prepayment: row.prepayment,
    assignmentTargetType: row.assignmentTargetType,
    triggerType: row.triggerType,
    billAggregationType: row.billAggregationType,
    processingStartOffset: row.processingStartOffset,
    orderItemConsumptionPeriod: row.orderItemConsumptionPeriod,
    companies: companies
      .filter((c) => c.automationId === row.id)
      .map((c) => ({
        companyId: c.companyId,
        relations: { partnerCompany: c.partnerCompany, travelAgency: c.travelAgency },
      })),
    assignments: assignments
      .filter((s) => s.automationId === row.id)
      .map((s) => ({
        id: s.id,
        serviceId: s.serviceId,
        routedItemTypes: s.routedItemTypes,
        rateIds: s.rateIds,
        productCategoryIds: s.productCategoryIds,
        productIds: s.productIds,
        accountingCategoryAssignments: s.accountingCategoryAssignments,
      })),
  }));
}

/** Writes the automation's companies and assignments as given (replacing what was there). */
export async function saveAutomationChildren(
  tx: DatabaseOrTransaction,
  automationId: string,
  a: Pick<AutomationRecord, "companies" | "assignments">,
) {
  await tx.delete(schema.automationCompanies).where(inArray(schema.automationCompanies.automationId, [automationId]));
  await tx
    .delete(schema.automationAssignments)
    .where(inArray(schema.automationAssignments.automationId, [automationId]));
  if (a.companies.length) {
    await tx.insert(schema.automationCompanies).values(
      a.companies.map((c, position) => ({
        automationId,
        companyId: c.companyId,
        position,
        partnerCompany: c.relations.partnerCompany,
        travelAgency: c.relations.travelAgency,
      })),
    );
  }
  if (a.assignments.length) {
    await tx
      .insert(schema.automationAssignments)
      .values(a.assignments.map((s, position) => ({ ...s, automationId, position })));
  }
}

export function toAutomationOutput(a: AutomationRecord): AutomationOutput {
  return {
    id: a.id,
    enterpriseId: a.row.tenantId,
    name: a.name,
    description: a.description,
    companies: a.companies,
    prepayment: a.prepayment,
    assignmentTargetType: a.assignmentTargetType,
    triggerType: a.triggerType,
    billAggregationType: a.billAggregationType,
    createdUtc: a.row.createdAt.toISOString(),
    updatedUtc: a.row.updatedAt.toISOString(),
    processingStartOffset: a.processingStartOffset,
    orderItemConsumptionPeriod: a.orderItemConsumptionPeriod,
    version: a.row.version,
    assignments: a.assignments.map((s) => ({ ...s, automationId: a.id })),
  };
}
