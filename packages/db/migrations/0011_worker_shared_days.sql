ALTER TABLE "tenant_worker_state" ADD COLUMN "open_pass" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_worker_state" ADD COLUMN "open_step" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_worker_state" ADD COLUMN "pass_closes_date" boolean DEFAULT false NOT NULL;