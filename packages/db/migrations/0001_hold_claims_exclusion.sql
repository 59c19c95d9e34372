-- Two validated or active holds of one account may not hold the same process over
-- overlapping dates. Enforced by the database so racing activations cannot both pass.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE "hold_claims" ADD CONSTRAINT "hold_claims_no_overlap"
  EXCLUDE USING gist (
    "account_id" WITH =,
    "process" WITH =,
    daterange("start_date", "end_date", '[]') WITH &&
  );
