import type { AutomationOutput } from "@holdfast/domain";

/** ISO 8601 in UTC to the second, as Mews writes it: "2017-01-31T10:58:06Z". */
export function mewsUtc(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
}

/** Our automation as Mews' "Billing automation" object, with exactly the seed's fields, in its order. */
export function toMewsAutomation(a: AutomationOutput) {
  return {
    Id: a.id,
    EnterpriseId: a.enterpriseId,
    Name: a.name,
    Description: a.description,
    CompaniesWithRelations: a.companies.map((c) => ({
      CompanyId: c.companyId,
      CompanyRelations: { PartnerCompany: c.relations.partnerCompany, TravelAgency: c.relations.travelAgency },
    })),
    Prepayment: a.prepayment,
    AssignmentTargetType: a.assignmentTargetType,
    TriggerType: a.triggerType,
    BillAggregationType: a.billAggregationType,
    CreatedUtc: mewsUtc(a.createdUtc),
    ProcessingStartOffset: a.processingStartOffset,
    OrderItemConsumptionPeriod: a.orderItemConsumptionPeriod,
    Assignments: a.assignments.map((s) => ({
      Id: s.id,
      BillingAutomationId: s.automationId,
      ServiceId: s.serviceId,
      RoutedItemTypes: {
        SpaceOrder: s.routedItemTypes.spaceOrder,
        CityTax: s.routedItemTypes.cityTax,
        AllProducts: s.routedItemTypes.allProducts,
        Deposits: s.routedItemTypes.deposits,
        AdditionalExpenses: s.routedItemTypes.additionalExpenses,
        AllCustomItems: s.routedItemTypes.allCustomItems,
      },
      RateIds: s.rateIds,
      ProductCategoryIds: s.productCategoryIds,
      ProductIds: s.productIds,
      AccountingCategoryAssignments: s.accountingCategoryAssignments.map((c) => ({
        AccountingCategoryId: c.accountingCategoryId,
        ItemTypes: { Products: c.itemTypes.products, CustomItems: c.itemTypes.customItems },
      })),
    })),
  };
}

export type MewsAutomation = ReturnType<typeof toMewsAutomation>;
