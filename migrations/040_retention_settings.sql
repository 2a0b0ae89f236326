-- How far the hourly and raw data (retention.pruned_before) and the function
-- samples (retention.samples_pruned_before) were pruned exist from the
-- start, at the zero time (nothing pruned): writers of hours and samples read
-- them FOR SHARE and a prune updates them before it drops anything, so the
-- two always wait for each other, on the first prune too, when the rows
-- would otherwise not exist yet for a writer to lock.
INSERT INTO settings (key, value, updated_by) VALUES
    ('retention.pruned_before', to_jsonb('0001-01-01T00:00:00Z'::timestamptz), 'migration'),
    ('retention.samples_pruned_before', to_jsonb('0001-01-01T00:00:00Z'::timestamptz), 'migration')
ON CONFLICT (key) DO NOTHING;
