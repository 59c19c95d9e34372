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

/**
 * Rules that a well-formed request breaks (a business rule, or validation
 * against other fields or the stored automation): Mews answers these with 403.
 * A malformed request (JSON, types, formats, lengths, counts of one list,
 * unknown parameters) and an invalid identifier answer 400.
 */
export const MEWS_BUSINESS_RULES: ReadonlySet<string> = new Set([
  "no_company_requires_aggregate_by_customer",
  "aggregation_requires_company_as_owner",
  "companies_required",
  "duplicate_company",
  "duplicate_id",
  "required_for_recurring",
  "trigger_type_fixed",
  "max_items",
]);

/**
 * The status of a refusal by Mews' published convention: 400 a malformed
 * request or an invalid identifier (unknown and foreign ids alike, never 404);
 * 403 only business rules broken (or a missing permission); the others as mapped.
 */
export function mewsStatus(code: string, status: number, issues: readonly { path: string; rule: string }[]): number {
  if (code === "NOT_FOUND") return 400;
  if (code === "BAD_REQUEST" && issues.length > 0 && issues.every((i) => MEWS_BUSINESS_RULES.has(i.rule))) return 403;
  return status;
}
