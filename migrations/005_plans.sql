-- What Tally concludes: forecasts, recommendations, the commitment portfolio,
-- and credentials. These tables are small; under Citus they are reference
-- tables, so their keys need no distribution column.

CREATE TABLE forecasts (
    scope       text NOT NULL,        -- e.g. spend/account/123456789012, usage/vcpu/aws/us-east-1/m5
    created_at  timestamptz NOT NULL,
    granularity text NOT NULL CHECK (granularity IN ('hour', 'day')),
    model       text NOT NULL,
    params      jsonb NOT NULL DEFAULT '{}',
    history_end timestamptz NOT NULL,
    points      jsonb NOT NULL,       -- [{"t","mean","lo80","hi80","lo95","hi95"}]
    accuracy    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (scope, created_at)
);

CREATE TABLE recommendations (
    recommendation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text NOT NULL,  -- container-rightsizing, node-rightsizing, commitment
    target            text NOT NULL,  -- what it is about, e.g. cluster/namespace/Deployment/name/container
    created_at        timestamptz NOT NULL DEFAULT now(),
    currency          char(3) NOT NULL,
    monthly_savings   numeric NOT NULL,
    current_state     jsonb NOT NULL DEFAULT '{}',
    recommended_state jsonb NOT NULL DEFAULT '{}',
    risk              jsonb NOT NULL DEFAULT '{}',
    explanation       text NOT NULL DEFAULT ''
);
CREATE INDEX recommendations_kind ON recommendations (kind, created_at DESC);

CREATE TABLE commitments (
    billing_account_id   text NOT NULL,
    commitment_id        text NOT NULL,  -- Savings Plan ARN, reservation id, CUD name
    provider             text NOT NULL,
    kind                 text NOT NULL,  -- compute-savings-plan, ec2-instance-savings-plan, reserved-instance, cud-resource, cud-flexible
    scope                jsonb NOT NULL DEFAULT '{}',  -- {"region","family","instanceType",…}
    term_months          integer NOT NULL,
    starts_at            timestamptz NOT NULL,
    ends_at              timestamptz NOT NULL,
    payment_option       text NOT NULL DEFAULT '',     -- No Upfront, Partial Upfront, All Upfront
    currency             char(3) NOT NULL,
    hourly_commitment    numeric,                      -- $/h (Savings Plans, spend-based CUDs)
    quantity             numeric,                      -- instances or vCPUs (RIs, resource CUDs)
    upfront_fee          numeric NOT NULL DEFAULT 0,
    recurring_hourly_fee numeric NOT NULL DEFAULT 0,
    state                text NOT NULL DEFAULT 'active',
    source               text NOT NULL,                -- aws-api, billing
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (billing_account_id, commitment_id),
    CHECK (ends_at > starts_at)
);

-- Bearer tokens: API tokens for people and scripts, agent tokens bound to one
-- cluster that can only ingest. Only a hash of the secret is stored.
CREATE TABLE tokens (
    token_id     text PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('api', 'agent')),
    role         text NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'admin', 'agent')),
    cluster_id   text,
    name         text NOT NULL DEFAULT '',
    secret_hash  bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    CHECK ((kind = 'agent') = (cluster_id IS NOT NULL))
);
