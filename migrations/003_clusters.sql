-- What runs in the clusters. Distribution column: cluster_id.

CREATE TABLE clusters (
    cluster_id         text PRIMARY KEY,
    name               text NOT NULL DEFAULT '',
    provider           text NOT NULL DEFAULT '',
    region             text NOT NULL DEFAULT '',
    billing_account_id text NOT NULL DEFAULT '',  -- the account its nodes are billed to
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- A node's lifetime [valid_from, valid_to); valid_to is NULL while it runs.
CREATE TABLE nodes (
    cluster_id               text NOT NULL REFERENCES clusters,
    node_uid                 text NOT NULL,
    name                     text NOT NULL,
    provider_id              text NOT NULL DEFAULT '',  -- aws:///us-east-1a/i-0abc…
    instance_id              text NOT NULL DEFAULT '',  -- i-0abc…: matches cost_lines.resource_id
    instance_type            text NOT NULL DEFAULT '',
    region                   text NOT NULL DEFAULT '',
    zone                     text NOT NULL DEFAULT '',
    lifecycle                text NOT NULL DEFAULT 'on-demand' CHECK (lifecycle IN ('on-demand', 'spot')),
    cpu_cores                numeric NOT NULL,
    memory_bytes             bigint NOT NULL,
    gpus                     integer NOT NULL DEFAULT 0,
    allocatable_cpu_cores    numeric NOT NULL,
    allocatable_memory_bytes bigint NOT NULL,
    labels                   jsonb NOT NULL DEFAULT '{}',
    valid_from               timestamptz NOT NULL,
    valid_to                 timestamptz,
    PRIMARY KEY (cluster_id, node_uid),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE INDEX nodes_instance ON nodes (instance_id) WHERE instance_id <> '';

CREATE TABLE pods (
    cluster_id  text NOT NULL REFERENCES clusters,
    pod_uid     text NOT NULL,
    namespace   text NOT NULL,
    name        text NOT NULL,
    node_name   text NOT NULL DEFAULT '',
    owner_kind  text NOT NULL DEFAULT '',  -- the workload: Deployment (not its ReplicaSet), StatefulSet, …
    owner_name  text NOT NULL DEFAULT '',
    labels      jsonb NOT NULL DEFAULT '{}',
    annotations jsonb NOT NULL DEFAULT '{}',
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz,
    PRIMARY KEY (cluster_id, pod_uid)
);
CREATE INDEX pods_namespace ON pods (cluster_id, namespace, owner_kind, owner_name);

CREATE TABLE containers (
    cluster_id           text NOT NULL,
    pod_uid              text NOT NULL,
    name                 text NOT NULL,
    container_id         text NOT NULL DEFAULT '',
    image                text NOT NULL DEFAULT '',
    cpu_request_cores    numeric NOT NULL DEFAULT 0,
    cpu_limit_cores      numeric NOT NULL DEFAULT 0,   -- 0: no limit
    memory_request_bytes bigint NOT NULL DEFAULT 0,
    memory_limit_bytes   bigint NOT NULL DEFAULT 0,    -- 0: no limit
    gpu_request          integer NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster_id, pod_uid, name),
    FOREIGN KEY (cluster_id, pod_uid) REFERENCES pods ON DELETE CASCADE
);

-- Exact usage per container per agent interval, from cgroup counters.
-- pod_uid '' with container 'host/<comm>' or 'kernel' is usage outside pods.
CREATE TABLE container_usage (
    cluster_id                   text NOT NULL,
    interval_start               timestamptz NOT NULL,
    interval_end                 timestamptz NOT NULL,
    pod_uid                      text NOT NULL,
    container                    text NOT NULL,
    node_name                    text NOT NULL DEFAULT '',
    cpu_core_seconds             double precision NOT NULL,
    memory_working_set_avg_bytes bigint NOT NULL,
    memory_working_set_max_bytes bigint NOT NULL,
    memory_rss_max_bytes         bigint NOT NULL DEFAULT 0,
    oom_kills                    integer NOT NULL DEFAULT 0,
    cpu_throttled_seconds        double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster_id, pod_uid, container, interval_start),
    CHECK (interval_end > interval_start)
) PARTITION BY RANGE (interval_start);
CREATE INDEX container_usage_start ON container_usage USING brin (interval_start);

-- Stacks are stored once per cluster; samples reference them by a 64-bit hash.
CREATE TABLE stacks (
    cluster_id text NOT NULL,
    stack_id   bigint NOT NULL,
    frames     jsonb NOT NULL,  -- [{"name","module","offset"}], leaf first
    PRIMARY KEY (cluster_id, stack_id)
);

-- CPU samples per hour × container × stack.
CREATE TABLE function_samples (
    cluster_id text NOT NULL,
    hour       timestamptz NOT NULL,
    pod_uid    text NOT NULL,
    container  text NOT NULL,
    stack_id   bigint NOT NULL,
    samples    bigint NOT NULL,
    cpu_nanos  bigint NOT NULL,
    PRIMARY KEY (cluster_id, hour, pod_uid, container, stack_id)
) PARTITION BY RANGE (hour);

INSERT INTO tally_partitioned (parent, grain) VALUES ('container_usage', 'day'), ('function_samples', 'day');
