-- Agent intervals already stored, so a batch an agent sends again (it did
-- not see the first answer) does not add its function samples twice.
-- Distribution column: cluster_id.
CREATE TABLE agent_intervals (
    cluster_id     text NOT NULL,
    node_name      text NOT NULL,
    interval_start timestamptz NOT NULL,
    interval_end   timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cluster_id, node_name, interval_start),
    CHECK (interval_end > interval_start)
) PARTITION BY RANGE (interval_start);

INSERT INTO tally_partitioned (parent, grain) VALUES ('agent_intervals', 'day');
