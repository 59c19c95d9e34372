-- audit_events becomes a table partitioned by month on "at" (issue 14, retention).
-- The old table is renamed, the partitioned one made with the same columns and
-- indexes (the primary key now includes "at", as a partitioned table requires),
-- a DEFAULT partition catches rows of a month with no partition of its own,
-- monthly partitions (UTC months, named audit_events_YYYY_MM) cover the existing
-- rows' months and three months ahead, the rows are copied and the old table dropped.
-- The worker then keeps partitions ahead (ensureAuditPartitions in @holdfast/services).
ALTER TABLE "audit_events" RENAME TO "audit_events_unpartitioned";--> statement-breakpoint
ALTER TABLE "audit_events_unpartitioned" RENAME CONSTRAINT "audit_events_pkey" TO "audit_events_unpartitioned_pkey";--> statement-breakpoint
DROP INDEX "audit_entity_idx";--> statement-breakpoint
DROP INDEX "audit_security_idx";--> statement-breakpoint
DROP INDEX "audit_tenant_idx";--> statement-breakpoint
DROP INDEX "audit_request_idx";--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" text NOT NULL,
	"tenant_id" uuid,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"action" text NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text,
	"before" jsonb,
	"after" jsonb,
	"reason" text,
	"credential_id" text,
	"client_ip" text,
	"user_agent" text,
	CONSTRAINT "audit_events_id_at_pk" PRIMARY KEY("id","at")
) PARTITION BY RANGE ("at");--> statement-breakpoint
CREATE INDEX "audit_entity_idx" ON "audit_events" USING btree ("tenant_id","entity_type","entity_id","id");--> statement-breakpoint
CREATE INDEX "audit_security_idx" ON "audit_events" USING btree ("entity_type","entity_id","id");--> statement-breakpoint
CREATE INDEX "audit_tenant_idx" ON "audit_events" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "audit_request_idx" ON "audit_events" USING btree ("tenant_id","request_id") WHERE "audit_events"."request_id" is not null;--> statement-breakpoint
CREATE TABLE "audit_events_default" PARTITION OF "audit_events" DEFAULT;--> statement-breakpoint
DO $$
DECLARE
	first_month timestamp;
	last_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months';
	m timestamp;
BEGIN
	SELECT date_trunc('month', min("at") AT TIME ZONE 'UTC') INTO first_month FROM "audit_events_unpartitioned";
	m := least(coalesce(first_month, last_month), date_trunc('month', now() AT TIME ZONE 'UTC'));
	WHILE m <= last_month LOOP
		EXECUTE format(
			'CREATE TABLE %I PARTITION OF "audit_events" FOR VALUES FROM (%L) TO (%L)',
			'audit_events_' || to_char(m, 'YYYY_MM'),
			(m AT TIME ZONE 'UTC'),
			((m + interval '1 month') AT TIME ZONE 'UTC')
		);
		m := m + interval '1 month';
	END LOOP;
END
$$;--> statement-breakpoint
INSERT INTO "audit_events" ("id","tenant_id","entity_type","entity_id","action","actor_type","actor_id","actor_name","at","request_id","before","after","reason","credential_id","client_ip","user_agent")
	SELECT "id","tenant_id","entity_type","entity_id","action","actor_type","actor_id","actor_name","at","request_id","before","after","reason","credential_id","client_ip","user_agent"
	FROM "audit_events_unpartitioned";--> statement-breakpoint
DROP TABLE "audit_events_unpartitioned";
