-- A coarser daily rollup: per billing account, day, cluster, namespace and
-- class of row (container '' for workloads, or __idle__, __shared__,
-- __unallocated__), kept in the same statement as allocations_daily. Cluster
-- and namespace views over weeks read a few thousand rows from it instead
-- of a million. Distribution column: billing_account_id.
CREATE TABLE allocations_owner_daily (
    billing_account_id     text NOT NULL,
    day                    date NOT NULL,
    cluster_id             text NOT NULL,
    namespace              text NOT NULL,
    container              text NOT NULL,
    cost_kind              text NOT NULL,
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
    gpu_hours              double precision NOT NULL
) PARTITION BY RANGE (day);
CREATE UNIQUE INDEX allocations_owner_daily_key ON allocations_owner_daily (billing_account_id, day, cluster_id, namespace,
    container, cost_kind, currency);

INSERT INTO tally_partitioned (parent, grain) VALUES ('allocations_owner_daily', 'month');

-- Existing allocations: the same rollup of the finer one.
SELECT tally_create_partitions('allocations_owner_daily', min(day)::timestamptz, (max(day) + 1)::timestamptz)
FROM allocations_daily HAVING count(*) > 0;

INSERT INTO allocations_owner_daily
SELECT billing_account_id, day, cluster_id, namespace,
    CASE WHEN container IN ('__idle__', '__shared__', '__unallocated__') THEN container ELSE '' END,
    cost_kind, currency, sum(effective_cost), sum(billed_cost), sum(list_cost), sum(hourly_rows), sum(estimated_rows),
    sum(cpu_core_hours), sum(cpu_request_core_hours), sum(cpu_usage_core_hours),
    sum(ram_byte_hours), sum(ram_request_byte_hours), sum(ram_usage_byte_hours), sum(gpu_hours)
FROM allocations_daily
GROUP BY 1, 2, 3, 4, 5, 6, 7;
