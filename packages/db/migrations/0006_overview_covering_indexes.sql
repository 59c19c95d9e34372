DROP INDEX "hold_claims_tenant_process_idx";--> statement-breakpoint
DROP INDEX "invoices_open_due_idx";--> statement-breakpoint
DROP INDEX "subscriptions_grace_end_idx";--> statement-breakpoint
CREATE INDEX "hold_claims_tenant_process_idx" ON "hold_claims" USING btree ("tenant_id","process","start_date","end_date","hold_id");--> statement-breakpoint
CREATE INDEX "invoices_open_due_idx" ON "invoices" USING btree ("tenant_id","due_on","currency","amount_minor","paid_minor") WHERE "invoices"."status" = 'open';--> statement-breakpoint
CREATE INDEX "subscriptions_grace_end_idx" ON "subscriptions" USING btree ("tenant_id","grace_end","grace_paused_on") WHERE "subscriptions"."state" = 'effective' and "subscriptions"."grace_end" is not null;