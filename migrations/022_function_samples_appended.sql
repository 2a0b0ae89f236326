-- Agent batches append their function samples instead of adding them to
-- the hour × container × stack rows. Adding 1,200 samples (30 containers ×
-- 40 stacks, one node's 10 s batch) took an index lookup and an update per
-- row: most of the time the endpoint took to answer. A plain insert is
-- several times cheaper. Appended rows have compacted = false; any number
-- of them may hold one hour × container × stack, and readers sum them with
-- the compacted row. postgres.DB.CompactFunctionSamples (tally serve, each
-- minute) moves them into the compacted rows, one per hour × container ×
-- stack, which the partial unique index keeps unique. Compacting changes
-- no sum, so it makes no hour stale.
--
-- The rows stored before are compacted. Both indexes are built on every
-- partition once, in this migration's transaction.
ALTER TABLE function_samples ADD COLUMN compacted boolean NOT NULL DEFAULT true;
ALTER TABLE function_samples ALTER COLUMN compacted SET DEFAULT false;
ALTER TABLE function_samples DROP CONSTRAINT function_samples_pkey;
CREATE UNIQUE INDEX function_samples_key ON function_samples (cluster_id, hour, pod_uid, container, stack_id)
    WHERE compacted;
CREATE INDEX function_samples_appended ON function_samples (hour) WHERE NOT compacted;
