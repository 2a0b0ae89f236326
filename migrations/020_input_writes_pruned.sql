-- input_writes (019) only grew: every bulk write added a row that
-- StaleHours scanned for ever. A row is deleted once it can make no hour
-- stale: every attributed hour its span overlaps was read from a snapshot
-- that sees its transaction (an hour never attributed is stale anyway).
-- SaveHours prunes so, in its transaction.
--
-- That is not enough on its own: a job that took its read snapshot before
-- the writer committed may still be computing, and record the span's hours
-- from that snapshot after the row is gone. So the last prune records its
-- own transaction id (pruned_by) and the greatest transaction id it or an
-- earlier prune deleted (pruned_through). A snapshot that sees pruned_by
-- was taken after that prune, so it sees every write it deleted, which
-- committed before; one whose xmin is above pruned_through sees every
-- deleted write too. SaveHours records an hour read from any other
-- snapshot as written by its own transaction, which that snapshot cannot
-- see: the hour is stale, and the next run reads it again. SaveHours locks
-- the row for that check and its prune, at the end of its transaction:
-- saves take their turns there, each seeing what the one before recorded
-- and pruned.
--
-- One row; a reference table under Citus, as input_writes.
CREATE TABLE input_writes_pruned (
    one            boolean PRIMARY KEY DEFAULT true CHECK (one),
    pruned_by      xid8 NOT NULL,
    pruned_through xid8 NOT NULL
);
INSERT INTO input_writes_pruned (pruned_by, pruned_through) VALUES ('0', '0');
