-- The version of the attribution rules each hour was computed by
-- (attribution.EngineVersion). An hour computed by another version is stale,
-- so an upgrade whose rules changed recomputes the stored hours instead of
-- leaving history under the old rules (tally serve recomputes its last 40
-- days; tally attribute the window it is given). Hours attributed before
-- the column existed are version 1.
ALTER TABLE attribution_hours ADD COLUMN engine_version int NOT NULL DEFAULT 1;
