import type { BusinessDate } from "../dates.ts";
import type {
  AssignmentTargetType,
  AutomationAssignment,
  AutomationFields,
  BillAggregationType,
  CompanyRelation,
  ConsumptionPeriod,
} from "./automation.ts";

/** Kinds of order item, each routed by one RoutedItemTypes flag. */
export const ORDER_ITEM_TYPES = [
  "SpaceOrder",
  "CityTax",
  "Product",
  "Deposit",
  "AdditionalExpense",
  "CustomItem",
] as const;
export type OrderItemType = (typeof ORDER_ITEM_TYPES)[number];

const FLAG_FOR: Record<OrderItemType, keyof AutomationAssignment["routedItemTypes"]> = {
  SpaceOrder: "spaceOrder",
  CityTax: "cityTax",
  Product: "allProducts",
  Deposit: "deposits",
  AdditionalExpense: "additionalExpenses",
  CustomItem: "allCustomItems",
};

export interface OrderItem {
  serviceId: string;
  itemType: OrderItemType;
  rateId?: string | null;
  productId?: string | null;
  productCategoryId?: string | null;
  accountingCategoryId?: string | null;
  consumptionDate: BusinessDate;
}

export interface Reservation {
  id: string;
  /** The reservation's owner (the customer). */
  ownerId: string;
  companyId?: string | null;
  /** How the company is attached to the reservation. */
  companyRelation?: CompanyRelation | null;
  reservationGroupId?: string | null;
  prepaid: boolean;
}

export interface RoutableAutomation extends Omit<AutomationFields, "assignments"> {
  id: string;
  assignments: AutomationAssignment[];
}

export const NO_ROUTE_REASONS = [
  "no_company_match",
  "prepayment_mismatch",
  "outside_consumption_period",
  "item_type_not_routed",
  "conditions_not_met",
] as const;
export type NoRouteReason = (typeof NO_ROUTE_REASONS)[number];

export interface Party {
  kind: "company" | "customer";
  id: string;
}

export interface RouteMatch {
  automationId: string;
  assignmentId: string;
  bill: {
    aggregationType: BillAggregationType;
    /** Items with the same key go to the same bill. */
    aggregationKey: string;
    owner: Party;
    associatedAccount: Party | null;
  };
}

export type RoutePreview =
  | { outcome: "routed"; route: RouteMatch; rejections: Rejection[] }
  | { outcome: "conflict"; routes: RouteMatch[]; rejections: Rejection[] }
  | { outcome: "not_routed"; rejections: Rejection[] };

export interface Rejection {
  automationId: string;
  reason: NoRouteReason;
  message: string;
}

/** The months a Recurring automation routes, relative to the processing date's month. */
const PERIOD_MONTHS: Record<ConsumptionPeriod, number[]> = {
  MonthBefore: [-1],
  SameMonthAndMonthBefore: [-1, 0],
  SameMonth: [0],
  SameMonthAndMonthAfter: [0, 1],
  MonthAfter: [1],
};

function monthIndex(date: BusinessDate): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

export function consumptionPeriodContains(
  period: ConsumptionPeriod,
  processingDate: BusinessDate,
  consumption: BusinessDate,
) {
  const offset = monthIndex(consumption) - monthIndex(processingDate);
  return PERIOD_MONTHS[period].includes(offset);
}

/** Does the automation's company list admit this reservation? An empty list admits every reservation. */
function companyMatches(a: RoutableAutomation, r: Reservation): boolean {
  if (a.companies.length === 0) return true;
  if (!r.companyId || !r.companyRelation) return false;
  const relation = r.companyRelation;
  return a.companies.some((c) => c.companyId === r.companyId && c.relations[relation]);
}

/** Whether the assignment routes the item: "type" when the item type is not routed at all, "conditions" when its conditions fail. */
function assignmentVerdict(s: AutomationAssignment, item: OrderItem): "routes" | "type" | "conditions" {
  const flag = s.routedItemTypes[FLAG_FOR[item.itemType]];
  const byAccounting = (kind: "products" | "customItems") =>
    s.accountingCategoryAssignments.filter((c) => c.itemTypes[kind]);
  switch (item.itemType) {
    case "SpaceOrder":
      if (!flag) return "type";
      return s.rateIds.length === 0 || (item.rateId != null && s.rateIds.includes(item.rateId))
        ? "routes"
        : "conditions";
    case "Product": {
      if (flag) return "routes";
      const cats = byAccounting("products");
      const hasConditions = s.productIds.length > 0 || s.productCategoryIds.length > 0 || cats.length > 0;
      if (!hasConditions) return "type";
      const met =
        (item.productId != null && s.productIds.includes(item.productId)) ||
        (item.productCategoryId != null && s.productCategoryIds.includes(item.productCategoryId)) ||
        (item.accountingCategoryId != null && cats.some((c) => c.accountingCategoryId === item.accountingCategoryId));
      return met ? "routes" : "conditions";
    }
    case "CustomItem": {
      if (flag) return "routes";
      const cats = byAccounting("customItems");
      if (cats.length === 0) return "type";
      return item.accountingCategoryId != null && cats.some((c) => c.accountingCategoryId === item.accountingCategoryId)
        ? "routes"
        : "conditions";
    }
    default:
      return flag ? "routes" : "type";
  }
}

function parties(target: AssignmentTargetType, r: Reservation): { owner: Party; associatedAccount: Party | null } {
  const customer: Party = { kind: "customer", id: r.ownerId };
  const company: Party | null = r.companyId ? { kind: "company", id: r.companyId } : null;
  switch (target) {
    case "CompanyAsOwner":
      return company ? { owner: company, associatedAccount: customer } : { owner: customer, associatedAccount: null };
    case "CompanyAsDetails":
      return { owner: customer, associatedAccount: company };
    case "NoCompany":
      return { owner: customer, associatedAccount: null };
  }
}

function aggregationKey(a: RoutableAutomation, r: Reservation, owner: Party): string {
  switch (a.billAggregationType) {
    case "OnePerReservation":
      return `${a.id}:reservation:${r.id}`;
    case "AggregateByCustomer":
      return `${a.id}:customer:${r.ownerId}`;
    case "AggregateAll":
      return `${a.id}:all:${owner.kind}:${owner.id}`;
    case "AggregatePerReservationGroup":
      return r.reservationGroupId ? `${a.id}:group:${r.reservationGroupId}` : `${a.id}:reservation:${r.id}`;
  }
}

/**
 * Which automation and assignment route an order item, to which bill, with
 * which owner and associated account; or why none does. When several
 * automations route it, the preview reports the conflict.
 */
export function previewRoute(
  automations: readonly RoutableAutomation[],
  item: OrderItem,
  reservation: Reservation,
  processingDate: BusinessDate,
): RoutePreview {
  const routes: RouteMatch[] = [];
  const rejections: Rejection[] = [];
  const reject = (a: RoutableAutomation, reason: NoRouteReason, message: string) =>
    rejections.push({ automationId: a.id, reason, message });

  for (const a of automations) {
    if (!companyMatches(a, reservation)) {
      reject(a, "no_company_match", "the reservation's company and relation are not among the automation's companies");
      continue;
    }
    if (a.prepayment === "Prepaid" && !reservation.prepaid) {
      reject(a, "prepayment_mismatch", "the automation routes prepaid reservations only");
      continue;
    }
    if (a.triggerType === "Recurring" && a.orderItemConsumptionPeriod) {
      if (!consumptionPeriodContains(a.orderItemConsumptionPeriod, processingDate, item.consumptionDate)) {
        reject(
          a,
          "outside_consumption_period",
          `consumption on ${item.consumptionDate} is outside ${a.orderItemConsumptionPeriod} relative to ${processingDate}`,
        );
        continue;
      }
    }
    const forService = a.assignments.filter((s) => s.serviceId === item.serviceId);
    const verdicts = forService.map((s) => ({ s, v: assignmentVerdict(s, item) }));
    const hit = verdicts.find((x) => x.v === "routes");
    if (!hit) {
      if (verdicts.some((x) => x.v === "conditions")) {
        reject(
          a,
          "conditions_not_met",
          "an assignment routes this item type only for other rates, products or categories",
        );
      } else {
        reject(a, "item_type_not_routed", `no assignment for this service routes ${item.itemType} items`);
      }
      continue;
    }
    const { owner, associatedAccount } = parties(a.assignmentTargetType, reservation);
    routes.push({
      automationId: a.id,
      assignmentId: hit.s.id,
      bill: {
        aggregationType: a.billAggregationType,
        aggregationKey: aggregationKey(a, reservation, owner),
        owner,
        associatedAccount,
      },
    });
  }
  const [only, ...more] = routes;
  if (!only) return { outcome: "not_routed", rejections };
  if (more.length) return { outcome: "conflict", routes, rejections };
  return { outcome: "routed", route: only, rejections };
}
