-- The bill, normalized to FOCUS columns. Distribution column: billing_account_id.

CREATE TABLE billing_accounts (
    billing_account_id text PRIMARY KEY,
    provider           text NOT NULL,
    name               text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- One row per ingest attempt. A run that dies leaves status 'running' behind
-- and nothing else: its cost lines were in a transaction that never committed.
CREATE TABLE ingest_runs (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source        text NOT NULL,                 -- focus, aws-cur, gcp-billing
    status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'committed', 'failed')),
    files         jsonb NOT NULL DEFAULT '[]',   -- [{"path","sha256","bytes","rows"}]
    rows          bigint NOT NULL DEFAULT 0,
    rejected_rows bigint NOT NULL DEFAULT 0,
    totals        jsonb NOT NULL DEFAULT '{}',   -- {"USD":{"Usage":{"billed":"…","effective":"…","rows":n}}}
    periods       jsonb NOT NULL DEFAULT '[]',   -- [{"billingAccountId","billingPeriodStart"}]
    error         text NOT NULL DEFAULT '',
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);

-- Rows rejected under --skip-bad-rows, with the reason.
CREATE TABLE ingest_rejects (
    run_id  bigint NOT NULL REFERENCES ingest_runs ON DELETE CASCADE,
    file    text NOT NULL,
    line    bigint NOT NULL,
    col     text NOT NULL DEFAULT '',
    value   text NOT NULL DEFAULT '',
    reason  text NOT NULL,
    PRIMARY KEY (run_id, file, line)
);

-- The version of each billing period of each source that readers see. A
-- re-ingest replaces the period's lines and this row in one transaction.
CREATE TABLE billing_periods (
    billing_account_id   text NOT NULL REFERENCES billing_accounts,
    billing_period_start timestamptz NOT NULL,
    source               text NOT NULL,
    run_id               bigint NOT NULL REFERENCES ingest_runs,
    rows                 bigint NOT NULL,
    ingested_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (billing_account_id, billing_period_start, source)
);

CREATE TABLE cost_lines (
    billing_account_id           text NOT NULL,
    billing_period_start         timestamptz NOT NULL,
    source                       text NOT NULL,
    run_id                       bigint NOT NULL,
    provider                     text NOT NULL,
    billing_account_name         text NOT NULL DEFAULT '',
    sub_account_id               text NOT NULL DEFAULT '',
    sub_account_name             text NOT NULL DEFAULT '',
    billing_period_end           timestamptz NOT NULL,
    charge_period_start          timestamptz NOT NULL,
    charge_period_end            timestamptz NOT NULL,
    charge_category              text NOT NULL CHECK (charge_category IN ('Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment')),
    charge_class                 text NOT NULL DEFAULT '',
    charge_description           text NOT NULL DEFAULT '',
    charge_frequency             text NOT NULL DEFAULT '',
    billing_currency             char(3) NOT NULL,
    billed_cost                  numeric NOT NULL,
    effective_cost               numeric NOT NULL,
    list_cost                    numeric NOT NULL,
    contracted_cost              numeric NOT NULL,
    pricing_quantity             numeric,
    pricing_unit                 text NOT NULL DEFAULT '',
    consumed_quantity            numeric,
    consumed_unit                text NOT NULL DEFAULT '',
    pricing_category             text NOT NULL DEFAULT '',
    service_name                 text NOT NULL DEFAULT '',
    service_category             text NOT NULL DEFAULT '',
    sku_id                       text NOT NULL DEFAULT '',
    sku_price_id                 text NOT NULL DEFAULT '',
    region_id                    text NOT NULL DEFAULT '',
    availability_zone            text NOT NULL DEFAULT '',
    resource_id                  text NOT NULL DEFAULT '',
    resource_name                text NOT NULL DEFAULT '',
    resource_type                text NOT NULL DEFAULT '',
    commitment_discount_id       text NOT NULL DEFAULT '',
    commitment_discount_category text NOT NULL DEFAULT '',
    commitment_discount_type     text NOT NULL DEFAULT '',
    commitment_discount_status   text NOT NULL DEFAULT '',
    tags                         jsonb,
    extras                       jsonb
) PARTITION BY RANGE (billing_period_start);

CREATE INDEX cost_lines_charge_period ON cost_lines USING brin (charge_period_start);
CREATE INDEX cost_lines_period_source ON cost_lines (billing_account_id, billing_period_start, source);
CREATE INDEX cost_lines_resource ON cost_lines (resource_id, charge_period_start) WHERE resource_id <> '';

INSERT INTO tally_partitioned (parent, grain) VALUES ('cost_lines', 'month');
