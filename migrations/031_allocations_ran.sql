-- When within its hour an allocation ran (tally.Allocation.Ran): a
-- container's, while its pod and node were both alive; a node's idle, while
-- its node was. NULL for the whole hour, which most rows are (and rows of
-- costs outside nodes), so only the hours pods and nodes start or stop in
-- carry them. OpenCost's start, end and minutes of an allocation, and its
-- averages, are over when it ran. Nullable without a default or a CHECK,
-- adding them rewrites and scans no partition. Hours attributed before
-- read as whole (attribution.EngineVersion 3 recomputes them).
ALTER TABLE allocations
    ADD COLUMN ran_start timestamptz,
    ADD COLUMN ran_end   timestamptz;
