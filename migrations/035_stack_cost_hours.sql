-- Stack costs by hour. stack_costs held only daily sums, so attributing one
-- hour meant computing its whole day again to rewrite them. Each attributed
-- hour now stores what it adds to its day in stack_cost_hours; attributing
-- the hour again replaces its rows and moves stack_costs by the difference.
-- Distribution column: cluster_id.
CREATE TABLE stack_cost_hours (
    cluster_id     text NOT NULL,
    hour           timestamptz NOT NULL,
    namespace      text NOT NULL,
    workload_kind  text NOT NULL,
    workload       text NOT NULL,
    container      text NOT NULL,
    image          text NOT NULL,
    stack_id       bigint NOT NULL,
    currency       char(3) NOT NULL,
    effective_cost numeric NOT NULL,
    samples        bigint NOT NULL
) PARTITION BY RANGE (hour);
CREATE INDEX stack_cost_hours_hour ON stack_cost_hours (hour);
INSERT INTO tally_partitioned (parent, grain) VALUES ('stack_cost_hours', 'month');

-- How many rows of stack_cost_hours a daily row sums. Rows written before
-- this migration, by jobs that computed whole days, have 0: they are
-- replaced the first time an hour of their day is attributed, when the job
-- computes every hour of that day attributed before (stacks_by_hour false).
ALTER TABLE stack_costs ADD COLUMN hours integer NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX stack_costs_key
    ON stack_costs (cluster_id, day, namespace, workload_kind, workload, container, image, stack_id, currency);

-- Whether the hour's stack costs are in stack_cost_hours.
ALTER TABLE attribution_hours ADD COLUMN stacks_by_hour boolean NOT NULL DEFAULT false;
