import type { AccountingCategoryAssignment, RoutedItemTypes } from "@holdfast/domain";
import {
  ASSIGNMENT_TARGET_TYPES,
  BILL_AGGREGATION_TYPES,
  CONSUMPTION_PERIODS,
  PREPAYMENT_TYPES,
  TRIGGER_TYPES,
} from "@holdfast/domain";
import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { tenants } from "./tenants.ts";

export const prepaymentType = pgEnum("automation_prepayment", PREPAYMENT_TYPES);
export const assignmentTargetType = pgEnum("automation_target_type", ASSIGNMENT_TARGET_TYPES);
export const triggerType = pgEnum("automation_trigger_type", TRIGGER_TYPES);
export const billAggregationType = pgEnum("automation_aggregation_type", BILL_AGGREGATION_TYPES);
export const consumptionPeriod = pgEnum("automation_consumption_period", CONSUMPTION_PERIODS);

/** Mews billing automations. Ids are UUIDv7, so paging by id follows creation order. */
export const automations = pgTable(
  "automations",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    description: text("description"),
    prepayment: prepaymentType("prepayment").notNull(),
    assignmentTargetType: assignmentTargetType("assignment_target_type").notNull(),
    triggerType: triggerType("trigger_type").notNull(),
    billAggregationType: billAggregationType("bill_aggregation_type").notNull(),
    processingStartOffset: text("processing_start_offset"),
    orderItemConsumptionPeriod: consumptionPeriod("order_item_consumption_period"),
    version: integer("version").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("automations_tenant_id_idx").on(t.tenantId, t.id),
    // Search: by name (trigram, any part).
    index("automations_name_trgm_idx").using("gin", sql`lower(${t.name}) gin_trgm_ops`),
  ],
);

export const automationCompanies = pgTable(
  "automation_companies",
  {
    automationId: uuid("automation_id")
      .notNull()
      .references(() => automations.id, { onDelete: "cascade" }),
    companyId: uuid("company_id").notNull(),
    position: integer("position").notNull(),
    partnerCompany: boolean("partner_company").notNull(),
    travelAgency: boolean("travel_agency").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.automationId, t.companyId] }),
    index("automation_companies_company_idx").on(t.companyId),
  ],
);

export const automationAssignments = pgTable(
  "automation_assignments",
  {
    id: uuid("id").primaryKey(),
    automationId: uuid("automation_id")
      .notNull()
      .references(() => automations.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    serviceId: uuid("service_id").notNull(),
    routedItemTypes: jsonb("routed_item_types").$type<RoutedItemTypes>().notNull(),
    rateIds: uuid("rate_ids").array().notNull(),
    productCategoryIds: uuid("product_category_ids").array().notNull(),
    productIds: uuid("product_ids").array().notNull(),
    accountingCategoryAssignments: jsonb("accounting_category_assignments")
      .$type<AccountingCategoryAssignment[]>()
      .notNull(),
  },
  (t) => [index("automation_assignments_automation_idx").on(t.automationId, t.position)],
);

/**
 * Names for the services and companies (Mews ids) that automations refer to,
 * so that people pick them by name. An admin sets them; an id without a name
 * is still offered (by its id) when one of the tenant's automations uses it.
 */
export const directoryNames = pgTable(
  "directory_names",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    kind: text("kind", { enum: ["service", "company"] }).notNull(),
    id: uuid("id").notNull(),
    name: text("name").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.kind, t.id] })],
);
