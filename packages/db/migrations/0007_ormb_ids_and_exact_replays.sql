CREATE SEQUENCE "public"."holds_ormb_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 10000000000001 CACHE 1;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ALTER COLUMN "response" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "ormb_id" bigint DEFAULT nextval('holds_ormb_id_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "entity_end_date" date;--> statement-breakpoint
CREATE UNIQUE INDEX "holds_tenant_ormb_id_uq" ON "holds" USING btree ("tenant_id","ormb_id");