-- Attribution output: hourly allocations gain the dimensions of costs outside
-- nodes, daily rollups so queries never scan hourly rows, dollars per stack,
-- and the bookkeeping that says which hours must be recomputed.

-- Allocations are replaced a window at a time by the engine, which guarantees
-- uniqueness; a primary key would only slow COPY. Distribution column:
-- billing_account_id.
ALTER TABLE allocations DROP CONSTRAINT allocations_pkey;
ALTER TABLE allocations
    ADD COLUMN service     text NOT NULL DEFAULT '',
    ADD COLUMN resource_id text NOT NULL DEFAULT '',
    ADD COLUMN labels      jsonb;

-- Daily rollup at workload × container-name level (pods collapsed), kept
-- incrementally: replacing an hour subtracts its old rows and adds its new
-- ones, so every sum here is additive (hourly_rows counts the hourly rows
-- behind a row; at zero the row is gone). Distribution column: billing_account_id.
CREATE TABLE allocations_daily (
    billing_account_id     text NOT NULL,
    day                    date NOT NULL,
    cluster_id             text NOT NULL,
    node_name              text NOT NULL,
    namespace              text NOT NULL,
    workload_kind          text NOT NULL,
    workload               text NOT NULL,
    container              text NOT NULL,
    cost_kind              text NOT NULL,
    service                text NOT NULL,
    currency               char(3) NOT NULL,
    effective_cost         numeric NOT NULL,
    billed_cost            numeric NOT NULL,
    list_cost              numeric NOT NULL,
    hourly_rows            integer NOT NULL,
    estimated_rows         integer NOT NULL,
    cpu_core_hours         double precision NOT NULL,
    cpu_request_core_hours double precision NOT NULL,
    cpu_usage_core_hours   double precision NOT NULL,
    ram_byte_hours         double precision NOT NULL,
    ram_request_byte_hours double precision NOT NULL,
    ram_usage_byte_hours   double precision NOT NULL,
    gpu_hours              double precision NOT NULL,
    labels                 jsonb NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (day);
CREATE UNIQUE INDEX allocations_daily_key ON allocations_daily (billing_account_id, day, cluster_id, node_name, namespace,
    workload_kind, workload, container, cost_kind, service, currency, labels);
CREATE INDEX allocations_daily_day ON allocations_daily (day, namespace);

-- Dollars per stack: a container's CPU cost in an hour split by its CPU
-- samples, summed per day and workload. Distribution column: cluster_id.
CREATE TABLE stack_costs (
    cluster_id     text NOT NULL,
    day            date NOT NULL,
    namespace      text NOT NULL,
    workload_kind  text NOT NULL,
    workload       text NOT NULL,
    container      text NOT NULL,
    image          text NOT NULL,
    stack_id       bigint NOT NULL,
    currency       char(3) NOT NULL,
    effective_cost numeric NOT NULL,
    samples        bigint NOT NULL
) PARTITION BY RANGE (day);
CREATE INDEX stack_costs_workload ON stack_costs (namespace, workload, day);

-- The end of each period's latest hourly usage line, recorded at ingest:
-- attribution estimates node-hours after it and takes the rest from the bill.
ALTER TABLE billing_periods ADD COLUMN billed_through timestamptz;

-- One row per attributed hour: when, from which bill, and whether estimated.
CREATE TABLE attribution_hours (
    hour        timestamptz PRIMARY KEY,
    computed_at timestamptz NOT NULL,
    estimated   boolean NOT NULL,  -- some node-hours were priced from the catalog
    allocations integer NOT NULL
);

INSERT INTO tally_partitioned (parent, grain) VALUES ('allocations_daily', 'month'), ('stack_costs', 'month');
