CREATE TYPE "public"."hold_process" AS ENUM('invoicing', 'delinquency', 'autopay', 'funding', 'overdue', 'refund');--> statement-breakpoint
CREATE TYPE "public"."hold_state" AS ENUM('draft', 'validated', 'active', 'released', 'discarded');--> statement-breakpoint
CREATE TYPE "public"."account_status" AS ENUM('open', 'closed');--> statement-breakpoint
CREATE TABLE "credentials" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"secret_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"user_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "credentials_secret_hash_unique" UNIQUE("secret_hash")
);
--> statement-breakpoint
CREATE TABLE "token_grants" (
	"credential_id" text NOT NULL,
	"tenant_id" uuid NOT NULL,
	"permissions" text[] NOT NULL,
	CONSTRAINT "token_grants_credential_id_tenant_id_pk" PRIMARY KEY("credential_id","tenant_id")
);
--> statement-breakpoint
CREATE TABLE "user_memberships" (
	"user_id" text NOT NULL,
	"tenant_id" uuid NOT NULL,
	"permissions" text[] NOT NULL,
	CONSTRAINT "user_memberships_user_id_tenant_id_pk" PRIMARY KEY("user_id","tenant_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"action" text NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
CREATE TABLE "hold_characteristics" (
	"hold_id" text NOT NULL,
	"type" text NOT NULL,
	"value" text NOT NULL,
	"effective_date" date,
	CONSTRAINT "hold_characteristics_hold_id_type_pk" PRIMARY KEY("hold_id","type")
);
--> statement-breakpoint
CREATE TABLE "hold_claims" (
	"hold_id" text NOT NULL,
	"tenant_id" uuid NOT NULL,
	"account_id" text NOT NULL,
	"process" "hold_process" NOT NULL,
	"start_date" date,
	"end_date" date,
	CONSTRAINT "hold_claims_hold_id_process_pk" PRIMARY KEY("hold_id","process")
);
--> statement-breakpoint
CREATE TABLE "hold_targets" (
	"hold_id" text NOT NULL,
	"process" "hold_process" NOT NULL,
	"start_date" date,
	"end_date" date,
	CONSTRAINT "hold_targets_hold_id_process_pk" PRIMARY KEY("hold_id","process")
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"account_id" text NOT NULL,
	"state" "hold_state" DEFAULT 'draft' NOT NULL,
	"start_date" date,
	"end_date" date,
	"comments" text,
	"source_system" text,
	"external_source_id" text,
	"external_transaction_id" text,
	"validation_result" jsonb,
	"release_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	"validated_at" timestamp with time zone,
	"validated_by" text,
	"activated_at" timestamp with time zone,
	"activated_by" text,
	"released_at" timestamp with time zone,
	"released_by" text,
	"discarded_at" timestamp with time zone,
	"discarded_by" text
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"tenant_id" uuid NOT NULL,
	"key" text NOT NULL,
	"operation" text NOT NULL,
	"request_hash" text NOT NULL,
	"response" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_tenant_id_key_pk" PRIMARY KEY("tenant_id","key")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"status" "account_status" DEFAULT 'open' NOT NULL,
	"external_id" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "worker_ticks" (
	"id" text PRIMARY KEY NOT NULL,
	"worker_id" text NOT NULL,
	"status" text NOT NULL,
	"clock_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "credentials" ADD CONSTRAINT "credentials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "token_grants" ADD CONSTRAINT "token_grants_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "token_grants" ADD CONSTRAINT "token_grants_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_memberships" ADD CONSTRAINT "user_memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_memberships" ADD CONSTRAINT "user_memberships_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hold_characteristics" ADD CONSTRAINT "hold_characteristics_hold_id_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."holds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hold_claims" ADD CONSTRAINT "hold_claims_hold_id_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."holds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hold_targets" ADD CONSTRAINT "hold_targets_hold_id_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."holds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credentials_user_idx" ON "credentials" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "audit_entity_idx" ON "audit_events" USING btree ("tenant_id","entity_type","entity_id","id");--> statement-breakpoint
CREATE INDEX "holds_account_idx" ON "holds" USING btree ("tenant_id","account_id","id");--> statement-breakpoint
CREATE INDEX "holds_tenant_state_idx" ON "holds" USING btree ("tenant_id","state","id");--> statement-breakpoint
CREATE INDEX "holds_tenant_id_idx" ON "holds" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "holds_due_release_idx" ON "holds" USING btree ("end_date") WHERE "holds"."state" = 'active' and "holds"."end_date" is not null;--> statement-breakpoint
CREATE INDEX "idempotency_expires_idx" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_tenant_external_id_uq" ON "accounts" USING btree ("tenant_id","external_id") WHERE "accounts"."external_id" is not null;--> statement-breakpoint
CREATE INDEX "worker_ticks_started_idx" ON "worker_ticks" USING btree ("started_at");