-- Re-attributing an hour (its bill landed, or was restated) deletes the
-- hour's rows among a month of others. The BRIN index on hour is not used
-- for that (the planner's statistics of a partition being filled are
-- always stale, and unsummarized ranges are scanned anyway), so the delete
-- scanned the whole month partition: 4–5 s at 30 million rows. A b-tree on
-- hour finds the rows directly; deduplication keeps it small (an hour has
-- tens of thousands of rows).
CREATE INDEX allocations_hour_btree ON allocations (hour);
DROP INDEX allocations_hour;
