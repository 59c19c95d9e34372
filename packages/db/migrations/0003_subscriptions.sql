CREATE TYPE "public"."subscription_action_status" AS ENUM('scheduled', 'executed', 'cancelled', 'failed');--> statement-breakpoint
CREATE TYPE "public"."billing_period" AS ENUM('monthly', 'quarterly', 'semiannual', 'annual');--> statement-breakpoint
CREATE TYPE "public"."invoice_status" AS ENUM('open', 'paid', 'void');--> statement-breakpoint
CREATE TYPE "public"."payment_model" AS ENUM('pay_before_bill', 'pay_after_bill');--> statement-breakpoint
CREATE TYPE "public"."subscription_state" AS ENUM('draft', 'effective', 'not_effective', 'terminated');--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"subscription_id" text NOT NULL,
	"account_id" text NOT NULL,
	"number" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"paid_minor" bigint DEFAULT 0 NOT NULL,
	"currency" text NOT NULL,
	"periods" integer NOT NULL,
	"first_period_index" integer NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"issued_on" date NOT NULL,
	"due_on" date NOT NULL,
	"status" "invoice_status" DEFAULT 'open' NOT NULL,
	"paid_on" date,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscription_actions" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"subscription_id" text NOT NULL,
	"type" text NOT NULL,
	"status" "subscription_action_status" NOT NULL,
	"scheduled_date" date,
	"applied_on" date,
	"transaction_reference_number" text,
	"request_hash" text NOT NULL,
	"request" jsonb NOT NULL,
	"previous_grace_end" date,
	"new_grace_end" date,
	"reactivated" integer DEFAULT 0 NOT NULL,
	"failure" jsonb,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"executed_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"account_id" text NOT NULL,
	"number" text NOT NULL,
	"state" "subscription_state" DEFAULT 'draft' NOT NULL,
	"payment_model" "payment_model" NOT NULL,
	"price_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"billing_period" "billing_period" NOT NULL,
	"anchor_date" date NOT NULL,
	"next_period_index" integer DEFAULT 0 NOT NULL,
	"next_billing_date" date NOT NULL,
	"payment_term_days" integer NOT NULL,
	"grace_start" date,
	"grace_end" date,
	"grace_paused_on" date,
	"lapsed_on" date,
	"lapse_reason" text,
	"activated_on" date,
	"terminated_on" date,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_worker_state" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"processed_through" date NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "grace_days" integer DEFAULT 14 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_actions" ADD CONSTRAINT "subscription_actions_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_worker_state" ADD CONSTRAINT "tenant_worker_state_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_subscription_period_uq" ON "invoices" USING btree ("subscription_id","first_period_index");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_tenant_number_uq" ON "invoices" USING btree ("tenant_id","number");--> statement-breakpoint
CREATE INDEX "invoices_tenant_id_idx" ON "invoices" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "invoices_open_due_idx" ON "invoices" USING btree ("tenant_id","due_on") WHERE "invoices"."status" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_actions_tenant_trn_uq" ON "subscription_actions" USING btree ("tenant_id","transaction_reference_number") WHERE "subscription_actions"."transaction_reference_number" is not null;--> statement-breakpoint
CREATE INDEX "subscription_actions_subscription_idx" ON "subscription_actions" USING btree ("subscription_id","id");--> statement-breakpoint
CREATE INDEX "subscription_actions_due_idx" ON "subscription_actions" USING btree ("tenant_id","scheduled_date") WHERE "subscription_actions"."status" = 'scheduled';--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_tenant_number_uq" ON "subscriptions" USING btree ("tenant_id","number");--> statement-breakpoint
CREATE INDEX "subscriptions_tenant_id_idx" ON "subscriptions" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "subscriptions_account_idx" ON "subscriptions" USING btree ("tenant_id","account_id");--> statement-breakpoint
CREATE INDEX "subscriptions_due_invoice_idx" ON "subscriptions" USING btree ("tenant_id","next_billing_date") WHERE "subscriptions"."state" = 'effective';--> statement-breakpoint
CREATE INDEX "subscriptions_grace_end_idx" ON "subscriptions" USING btree ("tenant_id","grace_end") WHERE "subscriptions"."state" = 'effective' and "subscriptions"."grace_end" is not null;