-- What each attributed hour was computed from, so that data committed after
-- its read makes it stale however late the data lands and however the
-- writer's commit and the job's read interleave.
--
-- An hour records the snapshot (pg_current_snapshot()) taken before the job
-- read its data. Each writer of data attribution reads records its
-- transaction id (pg_current_xact_id()): a billing period its ingest's, an
-- agent interval that of the batch that stored (or re-sent) it. The hour is
-- stale when a transaction its snapshot does not see wrote data of the hour.
-- Timestamps cannot say that: a writer stamps its rows before it commits,
-- and a job that starts reading in between neither sees the rows nor
-- records a time before the stamp.
ALTER TABLE attribution_hours ADD COLUMN read_snapshot pg_snapshot;
ALTER TABLE billing_periods ADD COLUMN ingest_xid xid8;
ALTER TABLE agent_intervals ADD COLUMN xid xid8;

-- StaleHours looks, per hour, for the intervals starting in it that a
-- transaction the hour's snapshot does not see wrote: one that began after
-- it (xid ≥ its xmax) or was running when it was taken (one of its xip).
-- A few index descents per hour, whatever the size of the fleet.
CREATE INDEX agent_intervals_hour_xid ON agent_intervals ((date_trunc('hour', interval_start AT TIME ZONE 'UTC')), xid);

-- Hours attributed before read as if just before this migration ('X:X:', X
-- its transaction id): rows written before it are seen, rows it marks with
-- X are not. It marks what made hours stale by the rule it replaces:
-- billing periods ingested after an hour they cover was computed, and agent
-- intervals received after their hour was (received_at was the start of
-- the batch's transaction: close enough for what is already stored).
UPDATE attribution_hours
SET read_snapshot = (pg_current_xact_id()::text || ':' || pg_current_xact_id()::text || ':')::pg_snapshot;
ALTER TABLE attribution_hours ALTER COLUMN read_snapshot SET NOT NULL;

UPDATE billing_periods p SET ingest_xid = pg_current_xact_id()
WHERE EXISTS (
    SELECT 1 FROM attribution_hours a
    WHERE a.computed_at < p.ingested_at
      AND ((a.hour >= p.billing_period_start AND a.hour < p.billing_period_start + interval '1 month')
        OR (a.hour < p.charge_span_end AND a.hour + interval '1 hour' > p.charge_span_start)));

UPDATE agent_intervals i SET xid = pg_current_xact_id()
FROM attribution_hours a
WHERE a.hour = date_trunc('hour', i.interval_start, 'UTC') AND i.received_at > a.computed_at;
