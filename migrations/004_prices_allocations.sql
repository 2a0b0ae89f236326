-- Prices (reference data) and allocations (the attribution output).

-- An instance type's hourly price under one purchase option.
CREATE TABLE prices (
    provider         text NOT NULL,
    region           text NOT NULL,
    instance_type    text NOT NULL,
    purchase_option  text NOT NULL,  -- on-demand, spot, savings-plan-compute-1y-no-upfront, reserved-1y-no-upfront, cud-1y, …
    operating_system text NOT NULL DEFAULT 'linux',
    currency         char(3) NOT NULL,
    hourly_price     numeric NOT NULL,
    vcpus            numeric NOT NULL,
    memory_bytes     bigint NOT NULL,
    gpus             integer NOT NULL DEFAULT 0,
    effective_from   timestamptz NOT NULL,
    source           text NOT NULL,  -- aws-price-list, gcp-catalog, snapshot:<date>
    PRIMARY KEY (provider, region, instance_type, purchase_option, operating_system, effective_from)
);

-- Allocated cost per hour × container × cost kind. Rows for __idle__,
-- __shared__ and __unallocated__ keep Σ allocations = Σ EffectiveCost.
-- Distribution column: billing_account_id (reconciliation is per account).
CREATE TABLE allocations (
    billing_account_id     text NOT NULL,
    hour                   timestamptz NOT NULL,
    cluster_id             text NOT NULL DEFAULT '',  -- '' outside Kubernetes
    node_name              text NOT NULL DEFAULT '',
    namespace              text NOT NULL DEFAULT '',
    workload_kind          text NOT NULL DEFAULT '',
    workload               text NOT NULL DEFAULT '',
    pod_uid                text NOT NULL DEFAULT '',
    pod                    text NOT NULL DEFAULT '',
    container              text NOT NULL,             -- or __idle__, __shared__, __unallocated__
    cost_kind              text NOT NULL,             -- cpu, ram, gpu, pv, network, load-balancer, shared, idle, external
    currency               char(3) NOT NULL,
    effective_cost         numeric NOT NULL,
    billed_cost            numeric NOT NULL,
    list_cost              numeric NOT NULL,
    estimated              boolean NOT NULL DEFAULT false,
    cpu_core_hours         double precision NOT NULL DEFAULT 0,
    cpu_request_core_hours double precision NOT NULL DEFAULT 0,
    cpu_usage_core_hours   double precision NOT NULL DEFAULT 0,
    ram_byte_hours         double precision NOT NULL DEFAULT 0,
    ram_request_byte_hours double precision NOT NULL DEFAULT 0,
    ram_usage_byte_hours   double precision NOT NULL DEFAULT 0,
    gpu_hours              double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (billing_account_id, hour, cluster_id, node_name, pod_uid, container, cost_kind)
) PARTITION BY RANGE (hour);
CREATE INDEX allocations_hour ON allocations USING brin (hour);

INSERT INTO tally_partitioned (parent, grain) VALUES ('allocations', 'month');
