import { describe, expect, it } from "vitest";
import type { BusinessDate } from "../dates.ts";
import {
  type AccountingCategoryAssignment,
  ASSIGNMENT_TARGET_TYPES,
  type AutomationAssignment,
  BILL_AGGREGATION_TYPES,
  COMPANY_RELATIONS,
  CONSUMPTION_PERIODS,
  type CompanyWithRelations,
  type ConsumptionPeriod,
  checkAutomation,
  PREPAYMENT_TYPES,
  ROUTED_ITEM_TYPE_KEYS,
  type RoutedItemTypes,
  TRIGGER_TYPES,
} from "./automation.ts";
import {
  consumptionPeriodContains,
  NO_ROUTE_REASONS,
  type NoRouteReason,
  ORDER_ITEM_TYPES,
  type OrderItem,
  type OrderItemType,
  type Party,
  previewRoute,
  type Reservation,
  type RoutableAutomation,
  type RoutePreview,
} from "./routing.ts";
import { previewRouteInput } from "./schemas.ts";

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

const AUTO = guid(0xa001);
const AUTO_2 = guid(0xa002);
const AUTO_3 = guid(0xa003);
const ASSIGN = guid(0xb001);
const ASSIGN_2 = guid(0xb002);
const SERVICE = guid(0x5001);
const OTHER_SERVICE = guid(0x5002);
const COMPANY = guid(0xc001);
const OTHER_COMPANY = guid(0xc002);
const CUSTOMER = guid(0xd001);
const RESERVATION = guid(0xe001);
const GROUP = guid(0xf001);
const RATE = guid(0x1001);
const OTHER_RATE = guid(0x1002);
const PRODUCT = guid(0x2001);
const OTHER_PRODUCT = guid(0x2002);
const PRODUCT_CATEGORY = guid(0x3001);
const OTHER_PRODUCT_CATEGORY = guid(0x3002);
const ACCOUNTING = guid(0x4001);
const OTHER_ACCOUNTING = guid(0x4002);

const PROCESSING: BusinessDate = "2026-03-15";

const NO_FLAGS: RoutedItemTypes = {
  spaceOrder: false,
  cityTax: false,
  allProducts: false,
  deposits: false,
  additionalExpenses: false,
  allCustomItems: false,
};
const ALL_FLAGS: RoutedItemTypes = {
  spaceOrder: true,
  cityTax: true,
  allProducts: true,
  deposits: true,
  additionalExpenses: true,
  allCustomItems: true,
};
const flags = (on: Partial<RoutedItemTypes>): RoutedItemTypes => ({ ...NO_FLAGS, ...on });

function assignment(overrides: Partial<AutomationAssignment> = {}): AutomationAssignment {
  return {
    id: ASSIGN,
    serviceId: SERVICE,
    routedItemTypes: ALL_FLAGS,
    rateIds: [],
    productCategoryIds: [],
    productIds: [],
    accountingCategoryAssignments: [],
    ...overrides,
  };
}

function company(companyId: string, partnerCompany = true, travelAgency = true): CompanyWithRelations {
  return { companyId, relations: { partnerCompany, travelAgency } };
}

function category(accountingCategoryId: string, products: boolean, customItems: boolean): AccountingCategoryAssignment {
  return { accountingCategoryId, itemTypes: { products, customItems } };
}

/** A valid Continuous CompanyAsOwner automation for COMPANY (either relation), routing everything of SERVICE. */
function automation(overrides: Partial<RoutableAutomation> = {}): RoutableAutomation {
  return {
    id: AUTO,
    name: "Company automation",
    description: null,
    companies: [company(COMPANY)],
    prepayment: "All",
    assignmentTargetType: "CompanyAsOwner",
    triggerType: "Continuous",
    billAggregationType: "OnePerReservation",
    processingStartOffset: null,
    orderItemConsumptionPeriod: null,
    assignments: [assignment()],
    ...overrides,
  };
}

function recurring(period: ConsumptionPeriod, overrides: Partial<RoutableAutomation> = {}): RoutableAutomation {
  return automation({
    triggerType: "Recurring",
    orderItemConsumptionPeriod: period,
    processingStartOffset: "P1D",
    ...overrides,
  });
}

function item(overrides: Partial<OrderItem> = {}): OrderItem {
  return { serviceId: SERVICE, itemType: "SpaceOrder", rateId: RATE, consumptionDate: "2026-03-20", ...overrides };
}

function reservation(overrides: Partial<Reservation> = {}): Reservation {
  return {
    id: RESERVATION,
    ownerId: CUSTOMER,
    companyId: COMPANY,
    companyRelation: "partnerCompany",
    reservationGroupId: GROUP,
    prepaid: false,
    ...overrides,
  };
}

const companyParty = (id = COMPANY): Party => ({ kind: "company", id });
const customerParty = (id = CUSTOMER): Party => ({ kind: "customer", id });

// ---------------------------------------------------------------------------------------------
// Expected outcomes
// ---------------------------------------------------------------------------------------------

type Expected =
  | {
      routed: {
        automationId?: string;
        assignmentId?: string;
        aggregationKey: string;
        owner: Party;
        associatedAccount: Party | null;
      };
    }
  | { rejected: NoRouteReason };

interface RouteCase {
  name: string;
  automation: RoutableAutomation;
  item?: OrderItem;
  reservation?: Reservation;
  processingDate?: BusinessDate;
  expected: Expected;
}

/** The route as the table writes it: the automation's own key/owner/associated account. */
function routed(
  aggregationKey: string,
  owner: Party,
  associatedAccount: Party | null,
  assignmentId = ASSIGN,
): Expected {
  return { routed: { aggregationKey, owner, associatedAccount, assignmentId } };
}
const rejected = (reason: NoRouteReason): Expected => ({ rejected: reason });

const KEY_RESERVATION = `${AUTO}:reservation:${RESERVATION}`;
const OWNER_COMPANY = routed(KEY_RESERVATION, companyParty(), customerParty());

function check(c: RouteCase) {
  const a = c.automation;
  // Every automation in the table is itself valid: routing is previewed only for automations that pass the rules.
  expect(checkAutomation(a)).toEqual([]);
  const preview = previewRoute([a], c.item ?? item(), c.reservation ?? reservation(), c.processingDate ?? PROCESSING);
  if ("routed" in c.expected) {
    const e = c.expected.routed;
    expect(preview).toEqual({
      outcome: "routed",
      route: {
        automationId: e.automationId ?? a.id,
        assignmentId: e.assignmentId ?? ASSIGN,
        bill: {
          aggregationType: a.billAggregationType,
          aggregationKey: e.aggregationKey,
          owner: e.owner,
          associatedAccount: e.associatedAccount,
        },
      },
      rejections: [],
    } satisfies RoutePreview);
  } else {
    expect(preview.outcome).toBe("not_routed");
    expect(preview.rejections).toHaveLength(1);
    expect(preview.rejections[0]?.automationId).toBe(a.id);
    expect(preview.rejections[0]?.reason).toBe(c.expected.rejected);
    expect(preview.rejections[0]?.message.length).toBeGreaterThan(0);
  }
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

const PREPAYMENT_CASES: RouteCase[] = [
  {
    name: "All routes a prepaid reservation",
    automation: automation(),
    reservation: reservation({ prepaid: true }),
    expected: OWNER_COMPANY,
  },
  {
    name: "All routes a reservation that is not prepaid",
    automation: automation(),
    reservation: reservation({ prepaid: false }),
    expected: OWNER_COMPANY,
  },
  {
    name: "Prepaid routes a prepaid reservation",
    automation: automation({ prepayment: "Prepaid" }),
    reservation: reservation({ prepaid: true }),
    expected: OWNER_COMPANY,
  },
  {
    name: "Prepaid does not route a reservation that is not prepaid",
    automation: automation({ prepayment: "Prepaid" }),
    reservation: reservation({ prepaid: false }),
    expected: rejected("prepayment_mismatch"),
  },
];

const TARGET_CASES: RouteCase[] = [
  {
    name: "CompanyAsOwner: the company owns the bill, the customer is the associated account",
    automation: automation({ assignmentTargetType: "CompanyAsOwner" }),
    expected: routed(KEY_RESERVATION, companyParty(), customerParty()),
  },
  {
    name: "CompanyAsDetails: the customer owns the bill, the company is the associated account",
    automation: automation({ assignmentTargetType: "CompanyAsDetails", billAggregationType: "AggregateByCustomer" }),
    expected: routed(`${AUTO}:customer:${CUSTOMER}`, customerParty(), companyParty()),
  },
  {
    name: "CompanyAsDetails without companies, reservation without a company: the customer alone",
    automation: automation({
      assignmentTargetType: "CompanyAsDetails",
      billAggregationType: "AggregateByCustomer",
      companies: [],
    }),
    reservation: reservation({ companyId: null, companyRelation: null }),
    expected: routed(`${AUTO}:customer:${CUSTOMER}`, customerParty(), null),
  },
  {
    name: "NoCompany: the customer owns the bill, with no associated account, even when the reservation has a company",
    automation: automation({
      assignmentTargetType: "NoCompany",
      billAggregationType: "AggregateByCustomer",
      companies: [],
    }),
    expected: routed(`${AUTO}:customer:${CUSTOMER}`, customerParty(), null),
  },
  {
    name: "NoCompany listing the company: still the customer alone",
    automation: automation({ assignmentTargetType: "NoCompany", billAggregationType: "AggregateByCustomer" }),
    expected: routed(`${AUTO}:customer:${CUSTOMER}`, customerParty(), null),
  },
];

const TRIGGER_CASES: RouteCase[] = [
  {
    name: "Continuous ignores the consumption date",
    automation: automation({ triggerType: "Continuous" }),
    item: item({ consumptionDate: "2019-07-04" }),
    expected: OWNER_COMPANY,
  },
  {
    name: "Legacy ignores the consumption date",
    automation: automation({ triggerType: "Legacy" }),
    item: item({ consumptionDate: "2031-12-31" }),
    expected: OWNER_COMPANY,
  },
  {
    name: "Recurring routes an item consumed inside its period",
    automation: recurring("SameMonth"),
    item: item({ consumptionDate: "2026-03-31" }),
    expected: OWNER_COMPANY,
  },
  {
    name: "Recurring does not route an item consumed outside its period",
    automation: recurring("SameMonth"),
    item: item({ consumptionDate: "2026-04-01" }),
    expected: rejected("outside_consumption_period"),
  },
];

const AGGREGATION_CASES: RouteCase[] = [
  {
    name: "OnePerReservation: one bill per reservation",
    automation: automation({ billAggregationType: "OnePerReservation" }),
    expected: routed(`${AUTO}:reservation:${RESERVATION}`, companyParty(), customerParty()),
  },
  {
    name: "AggregateByCustomer: one bill per reservation owner",
    automation: automation({ billAggregationType: "AggregateByCustomer" }),
    expected: routed(`${AUTO}:customer:${CUSTOMER}`, companyParty(), customerParty()),
  },
  {
    name: "AggregateAll: one bill for everything (per bill owner)",
    automation: automation({ billAggregationType: "AggregateAll" }),
    expected: routed(`${AUTO}:all:company:${COMPANY}`, companyParty(), customerParty()),
  },
  {
    name: "AggregatePerReservationGroup: one bill per reservation group",
    automation: automation({ billAggregationType: "AggregatePerReservationGroup" }),
    expected: routed(`${AUTO}:group:${GROUP}`, companyParty(), customerParty()),
  },
  {
    name: "AggregatePerReservationGroup without a group falls back to the reservation",
    automation: automation({ billAggregationType: "AggregatePerReservationGroup" }),
    reservation: reservation({ reservationGroupId: null }),
    expected: routed(`${AUTO}:reservation:${RESERVATION}`, companyParty(), customerParty()),
  },
  {
    name: "AggregatePerReservationGroup with the group left out falls back to the reservation",
    automation: automation({ billAggregationType: "AggregatePerReservationGroup" }),
    reservation: (({ reservationGroupId: _g, ...r }) => r)(reservation()),
    expected: routed(`${AUTO}:reservation:${RESERVATION}`, companyParty(), customerParty()),
  },
];

/** Recurring automations, processing on PROCESSING_DATE, for items consumed on each date. */
const PERIOD_ROUTE_CASES: RouteCase[] = (
  [
    ["MonthBefore", "2026-02-01", true],
    ["MonthBefore", "2026-03-01", false],
    ["SameMonthAndMonthBefore", "2026-02-28", true],
    ["SameMonthAndMonthBefore", "2026-04-01", false],
    ["SameMonth", "2026-03-01", true],
    ["SameMonth", "2026-02-28", false],
    ["SameMonthAndMonthAfter", "2026-04-30", true],
    ["SameMonthAndMonthAfter", "2026-02-28", false],
    ["MonthAfter", "2026-04-01", true],
    ["MonthAfter", "2026-03-31", false],
  ] as const
).map(([period, consumptionDate, inside]) => ({
  name: `Recurring ${period}, processing ${PROCESSING}, consumed ${consumptionDate}`,
  automation: recurring(period),
  item: item({ consumptionDate }),
  expected: inside ? OWNER_COMPANY : rejected("outside_consumption_period"),
}));

/** Each order item type is routed by exactly its own flag. */
const ITEM_TYPE_FLAG: Record<OrderItemType, keyof RoutedItemTypes> = {
  SpaceOrder: "spaceOrder",
  CityTax: "cityTax",
  Product: "allProducts",
  Deposit: "deposits",
  AdditionalExpense: "additionalExpenses",
  CustomItem: "allCustomItems",
};

const ITEM_TYPE_CASES: RouteCase[] = ORDER_ITEM_TYPES.flatMap((itemType) => {
  const flag = ITEM_TYPE_FLAG[itemType];
  return [
    {
      name: `${itemType} is routed by ${flag} alone`,
      automation: automation({ assignments: [assignment({ routedItemTypes: flags({ [flag]: true }) })] }),
      item: item({ itemType }),
      expected: OWNER_COMPANY,
    },
    {
      name: `${itemType} is not routed by every flag but ${flag}`,
      automation: automation({ assignments: [assignment({ routedItemTypes: { ...ALL_FLAGS, [flag]: false } })] }),
      item: item({ itemType }),
      expected: rejected("item_type_not_routed"),
    },
  ];
});

const RELATION_CASES: RouteCase[] = [
  {
    name: "a partner-company automation routes a partner company's reservation",
    automation: automation({ companies: [company(COMPANY, true, false)] }),
    reservation: reservation({ companyRelation: "partnerCompany" }),
    expected: OWNER_COMPANY,
  },
  {
    name: "a partner-company automation does not route the same company as travel agency",
    automation: automation({ companies: [company(COMPANY, true, false)] }),
    reservation: reservation({ companyRelation: "travelAgency" }),
    expected: rejected("no_company_match"),
  },
  {
    name: "a travel-agency automation routes a travel agency's reservation",
    automation: automation({ companies: [company(COMPANY, false, true)] }),
    reservation: reservation({ companyRelation: "travelAgency" }),
    expected: OWNER_COMPANY,
  },
  {
    name: "a travel-agency automation does not route the same company as partner company",
    automation: automation({ companies: [company(COMPANY, false, true)] }),
    reservation: reservation({ companyRelation: "partnerCompany" }),
    expected: rejected("no_company_match"),
  },
  {
    name: "both relations route the company as travel agency",
    automation: automation({ companies: [company(COMPANY, true, true)] }),
    reservation: reservation({ companyRelation: "travelAgency" }),
    expected: OWNER_COMPANY,
  },
  {
    name: "another company is not matched",
    automation: automation({ companies: [company(OTHER_COMPANY)] }),
    expected: rejected("no_company_match"),
  },
  {
    name: "the reservation's company is found among several",
    automation: automation({ companies: [company(OTHER_COMPANY), company(COMPANY, true, false)] }),
    expected: OWNER_COMPANY,
  },
  {
    name: "a reservation without a company is not matched by a company list",
    automation: automation({ assignmentTargetType: "CompanyAsDetails", billAggregationType: "AggregateByCustomer" }),
    reservation: reservation({ companyId: null, companyRelation: null }),
    expected: rejected("no_company_match"),
  },
];

const EMPTY_COMPANIES_CASES: RouteCase[] = [
  { relation: null, companyId: null },
  { relation: "partnerCompany", companyId: COMPANY },
  { relation: "travelAgency", companyId: OTHER_COMPANY },
].flatMap(({ relation, companyId }) =>
  (["CompanyAsDetails", "NoCompany"] as const).map((target) => ({
    name: `${target} with no companies admits a reservation with company ${companyId ?? "none"} (${relation ?? "no relation"})`,
    automation: automation({ assignmentTargetType: target, billAggregationType: "AggregateByCustomer", companies: [] }),
    reservation: reservation({ companyId, companyRelation: relation as Reservation["companyRelation"] }),
    expected: routed(
      `${AUTO}:customer:${CUSTOMER}`,
      customerParty(),
      target === "CompanyAsDetails" && companyId ? companyParty(companyId) : null,
    ),
  })),
);

const CONDITION_CASES: RouteCase[] = [
  // Rates narrow space orders.
  {
    name: "SpaceOrder at a listed rate",
    automation: automation({
      assignments: [assignment({ routedItemTypes: flags({ spaceOrder: true }), rateIds: [OTHER_RATE, RATE] })],
    }),
    item: item({ itemType: "SpaceOrder", rateId: RATE }),
    expected: OWNER_COMPANY,
  },
  {
    name: "SpaceOrder at another rate",
    automation: automation({
      assignments: [assignment({ routedItemTypes: flags({ spaceOrder: true }), rateIds: [OTHER_RATE] })],
    }),
    item: item({ itemType: "SpaceOrder", rateId: RATE }),
    expected: rejected("conditions_not_met"),
  },
  {
    name: "SpaceOrder without a rate against a rate condition",
    automation: automation({
      assignments: [assignment({ routedItemTypes: flags({ spaceOrder: true }), rateIds: [RATE] })],
    }),
    item: item({ itemType: "SpaceOrder", rateId: null }),
    expected: rejected("conditions_not_met"),
  },
  {
    name: "SpaceOrder with no rate condition routes any rate",
    automation: automation({ assignments: [assignment({ routedItemTypes: flags({ spaceOrder: true }) })] }),
    item: item({ itemType: "SpaceOrder", rateId: OTHER_RATE }),
    expected: OWNER_COMPANY,
  },
  {
    name: "SpaceOrder at a listed rate but the space-order flag off",
    automation: automation({
      assignments: [assignment({ routedItemTypes: flags({ cityTax: true }), rateIds: [RATE] })],
    }),
    item: item({ itemType: "SpaceOrder", rateId: RATE }),
    expected: rejected("item_type_not_routed"),
  },

  // Products: by id, by product category, by accounting category (products).
  {
    name: "Product with a listed product id",
    automation: automation({ assignments: [assignment({ routedItemTypes: NO_FLAGS, productIds: [PRODUCT] })] }),
    item: item({ itemType: "Product", rateId: null, productId: PRODUCT }),
    expected: OWNER_COMPANY,
  },
  {
    name: "Product with another product id",
    automation: automation({ assignments: [assignment({ routedItemTypes: NO_FLAGS, productIds: [PRODUCT] })] }),
    item: item({ itemType: "Product", rateId: null, productId: OTHER_PRODUCT }),
    expected: rejected("conditions_not_met"),
  },
  {
    name: "Product in a listed product category",
    automation: automation({
      assignments: [assignment({ routedItemTypes: NO_FLAGS, productCategoryIds: [PRODUCT_CATEGORY] })],
    }),
    item: item({ itemType: "Product", productId: OTHER_PRODUCT, productCategoryId: PRODUCT_CATEGORY }),
    expected: OWNER_COMPANY,
  },
  {
    name: "Product in another product category",
    automation: automation({
      assignments: [assignment({ routedItemTypes: NO_FLAGS, productCategoryIds: [PRODUCT_CATEGORY] })],
    }),
    item: item({ itemType: "Product", productId: OTHER_PRODUCT, productCategoryId: OTHER_PRODUCT_CATEGORY }),
    expected: rejected("conditions_not_met"),
  },
  {
    name: "Product in a listed accounting category routed for products",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(ACCOUNTING, true, false)] }),
      ],
    }),
    item: item({ itemType: "Product", productId: OTHER_PRODUCT, accountingCategoryId: ACCOUNTING }),
    expected: OWNER_COMPANY,
  },
  {
    name: "Product in another accounting category",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(ACCOUNTING, true, false)] }),
      ],
    }),
    item: item({ itemType: "Product", productId: OTHER_PRODUCT, accountingCategoryId: OTHER_ACCOUNTING }),
    expected: rejected("conditions_not_met"),
  },
  {
    name: "Product without ids against product conditions",
    automation: automation({
      assignments: [
        assignment({
          routedItemTypes: NO_FLAGS,
          productIds: [PRODUCT],
          productCategoryIds: [PRODUCT_CATEGORY],
          accountingCategoryAssignments: [category(ACCOUNTING, true, false)],
        }),
      ],
    }),
    item: item({ itemType: "Product", rateId: null }),
    expected: rejected("conditions_not_met"),
  },
  {
    name: "Product in an accounting category routed for custom items only",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(ACCOUNTING, false, true)] }),
      ],
    }),
    item: item({ itemType: "Product", accountingCategoryId: ACCOUNTING }),
    expected: rejected("item_type_not_routed"),
  },
  {
    name: "AllProducts routes every product, whatever its ids",
    automation: automation({
      assignments: [assignment({ routedItemTypes: flags({ allProducts: true }), productIds: [PRODUCT] })],
    }),
    item: item({ itemType: "Product", productId: OTHER_PRODUCT }),
    expected: OWNER_COMPANY,
  },

  // Custom items: by accounting category (custom items).
  {
    name: "CustomItem in a listed accounting category routed for custom items",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(ACCOUNTING, false, true)] }),
      ],
    }),
    item: item({ itemType: "CustomItem", rateId: null, accountingCategoryId: ACCOUNTING }),
    expected: OWNER_COMPANY,
  },
  {
    name: "CustomItem in another accounting category",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(ACCOUNTING, false, true)] }),
      ],
    }),
    item: item({ itemType: "CustomItem", accountingCategoryId: OTHER_ACCOUNTING }),
    expected: rejected("conditions_not_met"),
  },
  {
    name: "CustomItem without an accounting category against an accounting condition",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(ACCOUNTING, false, true)] }),
      ],
    }),
    item: item({ itemType: "CustomItem", accountingCategoryId: null }),
    expected: rejected("conditions_not_met"),
  },
  {
    name: "CustomItem in an accounting category routed for products only",
    automation: automation({
      assignments: [
        assignment({ routedItemTypes: NO_FLAGS, accountingCategoryAssignments: [category(ACCOUNTING, true, false)] }),
      ],
    }),
    item: item({ itemType: "CustomItem", accountingCategoryId: ACCOUNTING }),
    expected: rejected("item_type_not_routed"),
  },
  {
    name: "CustomItem is not routed by product ids",
    automation: automation({ assignments: [assignment({ routedItemTypes: NO_FLAGS, productIds: [PRODUCT] })] }),
    item: item({ itemType: "CustomItem", productId: PRODUCT }),
    expected: rejected("item_type_not_routed"),
  },

  // Services.
  {
    name: "an assignment for another service does not route the item",
    automation: automation({ assignments: [assignment({ serviceId: OTHER_SERVICE })] }),
    expected: rejected("item_type_not_routed"),
  },
  {
    name: "an automation without assignments routes nothing",
    automation: automation({ assignments: [] }),
    expected: rejected("item_type_not_routed"),
  },
  {
    name: "the assignment for the item's service is picked among others",
    automation: automation({
      assignments: [
        assignment({ id: ASSIGN_2, serviceId: OTHER_SERVICE }),
        assignment({ routedItemTypes: flags({ spaceOrder: true }) }),
      ],
    }),
    expected: OWNER_COMPANY,
  },
  {
    name: "the first routing assignment wins within one automation",
    automation: automation({ assignments: [assignment({ id: ASSIGN_2 }), assignment()] }),
    expected: routed(KEY_RESERVATION, companyParty(), customerParty(), ASSIGN_2),
  },
  {
    name: "an assignment whose conditions fail does not hide one that routes",
    automation: automation({
      assignments: [
        assignment({ id: ASSIGN_2, rateIds: [OTHER_RATE] }),
        assignment({ routedItemTypes: flags({ spaceOrder: true }) }),
      ],
    }),
    expected: OWNER_COMPANY,
  },
  {
    name: "conditions_not_met wins over item_type_not_routed when assignments disagree",
    automation: automation({
      assignments: [
        assignment({ id: ASSIGN_2, routedItemTypes: flags({ cityTax: true }) }),
        assignment({ routedItemTypes: flags({ spaceOrder: true }), rateIds: [OTHER_RATE] }),
      ],
    }),
    expected: rejected("conditions_not_met"),
  },
];

const ORDER_CASES: RouteCase[] = [
  {
    name: "company is checked before prepayment, period and item type",
    automation: recurring("MonthAfter", {
      companies: [company(OTHER_COMPANY)],
      prepayment: "Prepaid",
      assignments: [assignment({ serviceId: OTHER_SERVICE })],
    }),
    expected: rejected("no_company_match"),
  },
  {
    name: "prepayment is checked before period and item type",
    automation: recurring("MonthAfter", {
      prepayment: "Prepaid",
      assignments: [assignment({ serviceId: OTHER_SERVICE })],
    }),
    expected: rejected("prepayment_mismatch"),
  },
  {
    name: "the period is checked before the item type",
    automation: recurring("MonthAfter", { assignments: [assignment({ serviceId: OTHER_SERVICE })] }),
    expected: rejected("outside_consumption_period"),
  },
];

const TABLE: { group: string; cases: RouteCase[] }[] = [
  { group: "prepayment", cases: PREPAYMENT_CASES },
  { group: "assignment target type", cases: TARGET_CASES },
  { group: "trigger type", cases: TRIGGER_CASES },
  { group: "bill aggregation type", cases: AGGREGATION_CASES },
  { group: "consumption period", cases: PERIOD_ROUTE_CASES },
  { group: "order item type", cases: ITEM_TYPE_CASES },
  { group: "company relation", cases: RELATION_CASES },
  { group: "empty companies", cases: EMPTY_COMPANIES_CASES },
  { group: "conditions", cases: CONDITION_CASES },
  { group: "reason order", cases: ORDER_CASES },
];

describe.each(TABLE)("previewRoute: $group", ({ cases }) => {
  it.each(cases)("$name", (c) => check(c));
});

describe("the table covers every enum value and every reason", () => {
  const all = TABLE.flatMap((g) => g.cases);
  const routedCases = all.filter((c) => "routed" in c.expected);

  it("every prepayment, target, trigger, aggregation and consumption period appears in a routed case", () => {
    expect(new Set(routedCases.map((c) => c.automation.prepayment))).toEqual(new Set(PREPAYMENT_TYPES));
    expect(new Set(routedCases.map((c) => c.automation.assignmentTargetType))).toEqual(
      new Set(ASSIGNMENT_TARGET_TYPES),
    );
    expect(new Set(routedCases.map((c) => c.automation.triggerType))).toEqual(new Set(TRIGGER_TYPES));
    expect(new Set(routedCases.map((c) => c.automation.billAggregationType))).toEqual(new Set(BILL_AGGREGATION_TYPES));
    expect(new Set(routedCases.map((c) => c.automation.orderItemConsumptionPeriod).filter((x) => x !== null))).toEqual(
      new Set(CONSUMPTION_PERIODS),
    );
  });

  it("every order item type, flag and relation appears", () => {
    expect(new Set(routedCases.map((c) => (c.item ?? item()).itemType))).toEqual(new Set(ORDER_ITEM_TYPES));
    expect(new Set(Object.values(ITEM_TYPE_FLAG))).toEqual(new Set(ROUTED_ITEM_TYPE_KEYS));
    expect(
      new Set(routedCases.map((c) => (c.reservation ?? reservation()).companyRelation).filter((x) => x != null)),
    ).toEqual(new Set(COMPANY_RELATIONS));
  });

  it("every reason for no route appears", () => {
    const reasons = all.flatMap((c) => ("rejected" in c.expected ? [c.expected.rejected] : []));
    expect(new Set(reasons)).toEqual(new Set(NO_ROUTE_REASONS));
    expect(NO_ROUTE_REASONS).toEqual([
      "no_company_match",
      "prepayment_mismatch",
      "outside_consumption_period",
      "item_type_not_routed",
      "conditions_not_met",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Consumption periods at the month edges, year boundaries included
// ---------------------------------------------------------------------------------------------

/** [period, processing date, consumption date, contained] */
const PERIOD_EDGES: [ConsumptionPeriod, BusinessDate, BusinessDate, boolean][] = [
  // Mid-year, processing 2026-03-15.
  ["MonthBefore", "2026-03-15", "2026-01-31", false],
  ["MonthBefore", "2026-03-15", "2026-02-01", true],
  ["MonthBefore", "2026-03-15", "2026-02-28", true],
  ["MonthBefore", "2026-03-15", "2026-03-01", false],
  ["SameMonthAndMonthBefore", "2026-03-15", "2026-01-31", false],
  ["SameMonthAndMonthBefore", "2026-03-15", "2026-02-01", true],
  ["SameMonthAndMonthBefore", "2026-03-15", "2026-03-31", true],
  ["SameMonthAndMonthBefore", "2026-03-15", "2026-04-01", false],
  ["SameMonth", "2026-03-15", "2026-02-28", false],
  ["SameMonth", "2026-03-15", "2026-03-01", true],
  ["SameMonth", "2026-03-15", "2026-03-31", true],
  ["SameMonth", "2026-03-15", "2026-04-01", false],
  ["SameMonthAndMonthAfter", "2026-03-15", "2026-02-28", false],
  ["SameMonthAndMonthAfter", "2026-03-15", "2026-03-01", true],
  ["SameMonthAndMonthAfter", "2026-03-15", "2026-04-30", true],
  ["SameMonthAndMonthAfter", "2026-03-15", "2026-05-01", false],
  ["MonthAfter", "2026-03-15", "2026-03-31", false],
  ["MonthAfter", "2026-03-15", "2026-04-01", true],
  ["MonthAfter", "2026-03-15", "2026-04-30", true],
  ["MonthAfter", "2026-03-15", "2026-05-01", false],
  // Processing on the first and last day of a month.
  ["SameMonth", "2026-03-01", "2026-03-31", true],
  ["SameMonth", "2026-03-31", "2026-03-01", true],
  ["MonthBefore", "2026-03-01", "2026-02-28", true],
  ["MonthAfter", "2026-03-31", "2026-04-01", true],
  // Leap February.
  ["MonthBefore", "2028-03-01", "2028-02-29", true],
  ["MonthAfter", "2028-01-31", "2028-02-29", true],
  // Year boundary, processing in January: the month before is last year's December.
  ["MonthBefore", "2026-01-10", "2025-11-30", false],
  ["MonthBefore", "2026-01-10", "2025-12-01", true],
  ["MonthBefore", "2026-01-10", "2025-12-31", true],
  ["MonthBefore", "2026-01-10", "2026-01-01", false],
  ["SameMonthAndMonthBefore", "2026-01-10", "2025-12-01", true],
  ["SameMonthAndMonthBefore", "2026-01-10", "2026-01-31", true],
  ["SameMonthAndMonthBefore", "2026-01-10", "2025-11-30", false],
  ["SameMonthAndMonthBefore", "2026-01-10", "2026-02-01", false],
  ["SameMonth", "2026-01-10", "2025-12-31", false],
  ["SameMonth", "2026-01-10", "2026-01-01", true],
  // Year boundary, processing in December: the month after is next year's January.
  ["MonthAfter", "2025-12-20", "2025-12-31", false],
  ["MonthAfter", "2025-12-20", "2026-01-01", true],
  ["MonthAfter", "2025-12-20", "2026-01-31", true],
  ["MonthAfter", "2025-12-20", "2026-02-01", false],
  ["SameMonthAndMonthAfter", "2025-12-20", "2025-12-01", true],
  ["SameMonthAndMonthAfter", "2025-12-20", "2026-01-31", true],
  ["SameMonthAndMonthAfter", "2025-12-20", "2025-11-30", false],
  ["SameMonthAndMonthAfter", "2025-12-20", "2026-02-01", false],
  ["SameMonth", "2025-12-20", "2026-01-01", false],
  ["SameMonth", "2025-12-20", "2025-12-31", true],
  // The same month of another year is not the same month.
  ["SameMonth", "2026-03-15", "2025-03-15", false],
  ["SameMonth", "2026-03-15", "2027-03-15", false],
  ["MonthBefore", "2026-03-15", "2025-02-15", false],
  ["MonthAfter", "2026-03-15", "2027-04-15", false],
  // December → January, the month after a year apart.
  ["MonthAfter", "2025-12-20", "2027-01-01", false],
  ["MonthBefore", "2026-01-10", "2024-12-31", false],
];

describe("consumptionPeriodContains at the month edges", () => {
  it("every period is covered, in and out, across a year boundary", () => {
    for (const period of CONSUMPTION_PERIODS) {
      const rows = PERIOD_EDGES.filter(([p]) => p === period);
      expect(rows.some(([, , , inside]) => inside)).toBe(true);
      expect(rows.some(([, , , inside]) => !inside)).toBe(true);
      expect(rows.some(([, d, c]) => d.slice(0, 4) !== c.slice(0, 4))).toBe(true);
    }
  });

  it.each(PERIOD_EDGES)("%s processing %s, consumed %s: %s", (period, processing, consumption, inside) => {
    expect(consumptionPeriodContains(period, processing, consumption)).toBe(inside);
    // The preview agrees.
    const preview = previewRoute(
      [recurring(period)],
      item({ consumptionDate: consumption }),
      reservation(),
      processing,
    );
    expect(preview.outcome).toBe(inside ? "routed" : "not_routed");
    if (!inside) expect(preview.rejections.map((r) => r.reason)).toEqual(["outside_consumption_period"]);
  });

  it("a rejection names the consumption date, the period and the processing date", () => {
    const preview = previewRoute(
      [recurring("MonthBefore")],
      item({ consumptionDate: "2026-01-05" }),
      reservation(),
      "2026-03-15",
    );
    expect(preview.rejections[0]?.message).toContain("2026-01-05");
    expect(preview.rejections[0]?.message).toContain("MonthBefore");
    expect(preview.rejections[0]?.message).toContain("2026-03-15");
  });
});

// ---------------------------------------------------------------------------------------------
// Aggregation keys group items as the type says
// ---------------------------------------------------------------------------------------------

describe("aggregation keys put items on the same bill exactly when they should", () => {
  const R2 = guid(0xe002);
  const CUSTOMER_2 = guid(0xd002);
  const GROUP_2 = guid(0xf002);
  const keyFor = (a: RoutableAutomation, r: Reservation) => {
    const preview = previewRoute([a], item(), r, PROCESSING);
    if (preview.outcome !== "routed") throw new Error(`expected a route, got ${preview.outcome}`);
    return preview.route.bill.aggregationKey;
  };

  /** [aggregation, second reservation, same bill as the first?] */
  const PAIRS: [(typeof BILL_AGGREGATION_TYPES)[number], string, Partial<Reservation>, boolean][] = [
    ["OnePerReservation", "another reservation, same customer and group", { id: R2 }, false],
    ["OnePerReservation", "the same reservation", {}, true],
    ["AggregateByCustomer", "another reservation of the same customer", { id: R2, reservationGroupId: GROUP_2 }, true],
    ["AggregateByCustomer", "another customer's reservation", { id: R2, ownerId: CUSTOMER_2 }, false],
    [
      "AggregateAll",
      "another reservation of another customer and group",
      { id: R2, ownerId: CUSTOMER_2, reservationGroupId: GROUP_2 },
      true,
    ],
    ["AggregatePerReservationGroup", "another reservation in the same group", { id: R2, ownerId: CUSTOMER_2 }, true],
    ["AggregatePerReservationGroup", "a reservation in another group", { id: R2, reservationGroupId: GROUP_2 }, false],
    [
      "AggregatePerReservationGroup",
      "another reservation without a group",
      { id: R2, reservationGroupId: null },
      false,
    ],
  ];

  it.each(PAIRS)("%s: %s → same bill: %s", (aggregation, _name, second, same) => {
    const a = automation({ billAggregationType: aggregation });
    const first = keyFor(a, reservation());
    const other = keyFor(a, reservation(second));
    if (same) expect(other).toBe(first);
    else expect(other).not.toBe(first);
  });

  it("AggregatePerReservationGroup without a group bills the reservation alone, like OnePerReservation", () => {
    const r = reservation({ reservationGroupId: null });
    expect(keyFor(automation({ billAggregationType: "AggregatePerReservationGroup" }), r)).toBe(
      keyFor(automation({ billAggregationType: "OnePerReservation" }), r),
    );
  });

  it("two automations never share a bill", () => {
    for (const aggregation of BILL_AGGREGATION_TYPES) {
      expect(keyFor(automation({ billAggregationType: aggregation }), reservation())).not.toBe(
        keyFor(automation({ id: AUTO_2, billAggregationType: aggregation }), reservation()),
      );
    }
  });

  it("AggregateAll with a company owner puts two companies' items on different bills", () => {
    const a = automation({
      billAggregationType: "AggregateAll",
      companies: [company(COMPANY), company(OTHER_COMPANY)],
    });
    expect(keyFor(a, reservation())).not.toBe(keyFor(a, reservation({ id: R2, companyId: OTHER_COMPANY })));
  });
});

// ---------------------------------------------------------------------------------------------
// Several automations: conflicts and rejections
// ---------------------------------------------------------------------------------------------

describe("previewRoute over several automations", () => {
  it("reports a conflict when two automations route the same item, with both routes in order", () => {
    const first = automation({ id: AUTO });
    const second = automation({
      id: AUTO_2,
      assignmentTargetType: "CompanyAsDetails",
      billAggregationType: "AggregateByCustomer",
      assignments: [assignment({ id: ASSIGN_2, routedItemTypes: flags({ spaceOrder: true }) })],
    });
    const preview = previewRoute([first, second], item(), reservation(), PROCESSING);
    expect(preview).toEqual({
      outcome: "conflict",
      routes: [
        {
          automationId: AUTO,
          assignmentId: ASSIGN,
          bill: {
            aggregationType: "OnePerReservation",
            aggregationKey: KEY_RESERVATION,
            owner: companyParty(),
            associatedAccount: customerParty(),
          },
        },
        {
          automationId: AUTO_2,
          assignmentId: ASSIGN_2,
          bill: {
            aggregationType: "AggregateByCustomer",
            aggregationKey: `${AUTO_2}:customer:${CUSTOMER}`,
            owner: customerParty(),
            associatedAccount: companyParty(),
          },
        },
      ],
      rejections: [],
    } satisfies RoutePreview);
  });

  it("a conflict lists the automations that did not route it as rejections", () => {
    const preview = previewRoute(
      [automation({ id: AUTO }), automation({ id: AUTO_2, prepayment: "Prepaid" }), automation({ id: AUTO_3 })],
      item(),
      reservation({ prepaid: false }),
      PROCESSING,
    );
    expect(preview.outcome).toBe("conflict");
    if (preview.outcome !== "conflict") return;
    expect(preview.routes.map((r) => r.automationId)).toEqual([AUTO, AUTO_3]);
    expect(preview.rejections.map((r) => [r.automationId, r.reason])).toEqual([[AUTO_2, "prepayment_mismatch"]]);
  });

  it("one route among rejections is routed, with every rejection and its reason", () => {
    const preview = previewRoute(
      [
        automation({ id: AUTO, companies: [company(OTHER_COMPANY)] }),
        automation({ id: AUTO_2, assignments: [assignment({ routedItemTypes: flags({ cityTax: true }) })] }),
        automation({ id: AUTO_3 }),
      ],
      item(),
      reservation(),
      PROCESSING,
    );
    expect(preview.outcome).toBe("routed");
    if (preview.outcome !== "routed") return;
    expect(preview.route.automationId).toBe(AUTO_3);
    expect(preview.rejections.map((r) => [r.automationId, r.reason])).toEqual([
      [AUTO, "no_company_match"],
      [AUTO_2, "item_type_not_routed"],
    ]);
  });

  it("nothing routes: every automation's reason, in order", () => {
    const preview = previewRoute(
      [
        automation({ id: AUTO, companies: [company(COMPANY, false, true)] }),
        recurring("MonthAfter", { id: AUTO_2 }),
        automation({ id: AUTO_3, assignments: [assignment({ rateIds: [OTHER_RATE] })] }),
      ],
      item(),
      reservation({ companyRelation: "partnerCompany" }),
      PROCESSING,
    );
    expect(preview).toEqual({
      outcome: "not_routed",
      rejections: [
        { automationId: AUTO, reason: "no_company_match", message: expect.any(String) as unknown as string },
        {
          automationId: AUTO_2,
          reason: "outside_consumption_period",
          message: expect.any(String) as unknown as string,
        },
        { automationId: AUTO_3, reason: "conditions_not_met", message: expect.any(String) as unknown as string },
      ],
    });
  });

  it("no automations: not routed, with no rejections", () => {
    expect(previewRoute([], item(), reservation(), PROCESSING)).toEqual({ outcome: "not_routed", rejections: [] });
  });

  it("does not change the automations, item or reservation", () => {
    const automations = [automation(), automation({ id: AUTO_2 })];
    const i = item();
    const r = reservation();
    const before = structuredClone({ automations, i, r });
    previewRoute(automations, i, r, PROCESSING);
    expect({ automations, i, r }).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Through the preview schema
// ---------------------------------------------------------------------------------------------

describe("previewRouteInput feeds previewRoute", () => {
  it("ids sent in upper case still match the stored (lower-case) automation", () => {
    const input = previewRouteInput.parse({
      orderItem: {
        serviceId: SERVICE.toUpperCase(),
        itemType: "SpaceOrder",
        rateId: RATE.toUpperCase(),
        consumptionDate: "2026-03-20",
      },
      reservation: {
        id: RESERVATION.toUpperCase(),
        ownerId: CUSTOMER.toUpperCase(),
        companyId: COMPANY.toUpperCase(),
        companyRelation: "travelAgency",
        prepaid: true,
      },
      processingDate: PROCESSING,
    });
    const preview = previewRoute(
      [automation({ assignments: [assignment({ rateIds: [RATE] })] })],
      input.orderItem,
      input.reservation,
      PROCESSING,
    );
    expect(preview.outcome).toBe("routed");
    if (preview.outcome === "routed") expect(preview.route.bill.owner).toEqual(companyParty());
  });

  it("refuses a company without a relation, and a relation without a company", () => {
    const base = { orderItem: item(), reservation: reservation() };
    expect(previewRouteInput.safeParse(base).success).toBe(true);
    for (const r of [reservation({ companyRelation: null }), reservation({ companyId: null })]) {
      const result = previewRouteInput.safeParse({ ...base, reservation: r });
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["reservation.companyRelation"]);
    }
  });

  it.each(["2026-02-30", "26-03-01", "1899-12-31", ""])("refuses consumption date %j", (consumptionDate) => {
    const result = previewRouteInput.safeParse({ orderItem: item({ consumptionDate }), reservation: reservation() });
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["orderItem.consumptionDate"]);
  });

  it("refuses an unknown item type", () => {
    const result = previewRouteInput.safeParse({
      orderItem: { ...item(), itemType: "Service" },
      reservation: reservation(),
    });
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["orderItem.itemType"]);
  });
});
