CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL,
	"interval_ms" integer NOT NULL,
	"last_tick_at" timestamp with time zone,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "workers_heartbeat_idx" ON "workers" USING btree ("heartbeat_at");--> statement-breakpoint
CREATE INDEX "worker_ticks_running_idx" ON "worker_ticks" USING btree ("worker_id") WHERE "worker_ticks"."status" = 'running';