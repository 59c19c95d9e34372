CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TABLE "directory_names" (
	"tenant_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "directory_names_tenant_id_kind_id_pk" PRIMARY KEY("tenant_id","kind","id")
);
--> statement-breakpoint
CREATE TABLE "worker_daily_effects" (
	"tenant_id" uuid NOT NULL,
	"day" date NOT NULL,
	"effect" text NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "worker_daily_effects_tenant_id_day_effect_pk" PRIMARY KEY("tenant_id","day","effect")
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "discard_reason" text;--> statement-breakpoint
ALTER TABLE "subscription_actions" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "termination_reason" text;--> statement-breakpoint
ALTER TABLE "directory_names" ADD CONSTRAINT "directory_names_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_tenant_idx" ON "audit_events" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "audit_request_idx" ON "audit_events" USING btree ("tenant_id","request_id") WHERE "audit_events"."request_id" is not null;--> statement-breakpoint
CREATE INDEX "automations_name_trgm_idx" ON "automations" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "hold_claims_tenant_process_idx" ON "hold_claims" USING btree ("tenant_id","process","start_date","end_date");--> statement-breakpoint
CREATE INDEX "holds_external_transaction_idx" ON "holds" USING btree ("tenant_id","external_transaction_id" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "invoices_number_prefix_idx" ON "invoices" USING btree ("tenant_id","number" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "subscriptions_number_prefix_idx" ON "subscriptions" USING btree ("tenant_id","number" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "accounts_name_trgm_idx" ON "accounts" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "accounts_external_id_prefix_idx" ON "accounts" USING btree ("tenant_id","external_id" text_pattern_ops);