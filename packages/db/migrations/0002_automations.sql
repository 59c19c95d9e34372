CREATE TYPE "public"."automation_target_type" AS ENUM('CompanyAsDetails', 'CompanyAsOwner', 'NoCompany');--> statement-breakpoint
CREATE TYPE "public"."automation_aggregation_type" AS ENUM('OnePerReservation', 'AggregateByCustomer', 'AggregateAll', 'AggregatePerReservationGroup');--> statement-breakpoint
CREATE TYPE "public"."automation_consumption_period" AS ENUM('MonthBefore', 'SameMonthAndMonthBefore', 'SameMonth', 'SameMonthAndMonthAfter', 'MonthAfter');--> statement-breakpoint
CREATE TYPE "public"."automation_prepayment" AS ENUM('All', 'Prepaid');--> statement-breakpoint
CREATE TYPE "public"."automation_trigger_type" AS ENUM('Continuous', 'Recurring', 'Legacy');--> statement-breakpoint
CREATE TABLE "automation_assignments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"automation_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"service_id" uuid NOT NULL,
	"routed_item_types" jsonb NOT NULL,
	"rate_ids" uuid[] NOT NULL,
	"product_category_ids" uuid[] NOT NULL,
	"product_ids" uuid[] NOT NULL,
	"accounting_category_assignments" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "automation_companies" (
	"automation_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"partner_company" boolean NOT NULL,
	"travel_agency" boolean NOT NULL,
	CONSTRAINT "automation_companies_automation_id_company_id_pk" PRIMARY KEY("automation_id","company_id")
);
--> statement-breakpoint
CREATE TABLE "automations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"prepayment" "automation_prepayment" NOT NULL,
	"assignment_target_type" "automation_target_type" NOT NULL,
	"trigger_type" "automation_trigger_type" NOT NULL,
	"bill_aggregation_type" "automation_aggregation_type" NOT NULL,
	"processing_start_offset" text,
	"order_item_consumption_period" "automation_consumption_period",
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "automation_assignments" ADD CONSTRAINT "automation_assignments_automation_id_automations_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."automations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_companies" ADD CONSTRAINT "automation_companies_automation_id_automations_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."automations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automations" ADD CONSTRAINT "automations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "automation_assignments_automation_idx" ON "automation_assignments" USING btree ("automation_id","position");--> statement-breakpoint
CREATE INDEX "automation_companies_company_idx" ON "automation_companies" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "automations_tenant_id_idx" ON "automations" USING btree ("tenant_id","id");