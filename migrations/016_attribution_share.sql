-- The share basis (max, request or usage) each attributed hour was computed
-- with. The basis is a stored setting (settings key 'attribution') that
-- tally serve's scheduler and tally attribute both use; an hour of another
-- basis is stale, so changing the setting recomputes the hours instead of
-- leaving them mixed. Hours attributed before count as max: tally serve
-- always used it (tally attribute --share --force could have used another).
ALTER TABLE attribution_hours ADD COLUMN share text NOT NULL DEFAULT 'max';
