-- The billing accounts whose node-hours an attributed hour estimated. An
-- hour is recomputed when one of them is billed through it: normally its
-- bill's ingest says so already (ingested after the hour was computed), but
-- an hour computed from a stale view of how far a bill reaches would
-- otherwise stay estimated. Hours attributed before this column name none.
ALTER TABLE attribution_hours ADD COLUMN estimated_accounts text[] NOT NULL DEFAULT '{}';
