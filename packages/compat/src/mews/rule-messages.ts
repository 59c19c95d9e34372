/**
 * The automation rules in Mews' own terms: its field and enum names, as its
 * API speaks to integrators. The domain's messages are written for people
 * (the dashboard); the Mews routes answer these rules, by rule code, in
 * these words instead. Other issues keep the domain's message.
 */
const MEWS_RULE_MESSAGES: Record<string, (path: string) => string> = {
  no_company_requires_aggregate_by_customer: () =>
    "with AssignmentTargetType NoCompany the BillAggregationType must be AggregateByCustomer",
  aggregation_requires_company_as_owner: () =>
    "a BillAggregationType other than AggregateByCustomer requires AssignmentTargetType CompanyAsOwner",
  companies_required: () => "Companies may be empty only with AssignmentTargetType CompanyAsDetails or NoCompany",
  duplicate_company: () => "company listed twice",
  relation_required: () => "at least one of PartnerCompany or TravelAgency must be true",
  required_for_recurring: (path) =>
    `a Recurring automation needs ${path.endsWith("ProcessingStartOffset") ? "a ProcessingStartOffset" : "an OrderItemConsumptionPeriod"}`,
  only_for_recurring: () => "applies only to Recurring automations",
  iso_duration: () => "must be an ISO 8601 duration such as P1D or P0M5DT0H",
  routes_nothing: () => "the assignment routes no item type and has no product or accounting condition",
};

/** The message of an issue (at its Mews path) as the Mews routes answer it. */
export function mewsRuleMessage(issue: { path: string; rule: string; message: string }): string {
  return MEWS_RULE_MESSAGES[issue.rule]?.(issue.path) ?? issue.message;
}
