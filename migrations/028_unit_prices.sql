-- A machine family's price per unit of one resource (tally.UnitPrice): per
-- vCPU-hour (vcpu), per GiB-hour of memory (memory-gib) or of a custom
-- machine type's extended memory (extended-memory-gib), or per GPU-hour of
-- the GPU model named by family (gpu). GCP prices machine types this way;
-- nodes whose instance type has no row in prices (custom machine types,
-- families without known shapes) are estimated from these times the node's
-- own vCPUs, memory and GPUs. Reference data, like prices: not distributed.
CREATE TABLE unit_prices (
    provider        text NOT NULL,
    region          text NOT NULL,
    family          text NOT NULL,  -- n2, c4, n2-custom, n1-custom; for gpu the model: l4, h100-80gb
    unit            text NOT NULL CHECK (unit IN ('vcpu', 'memory-gib', 'extended-memory-gib', 'gpu')),
    purchase_option text NOT NULL,  -- on-demand, spot
    currency        char(3) NOT NULL,
    unit_price      numeric NOT NULL CHECK (unit_price >= 0),
    effective_from  timestamptz NOT NULL,
    source          text NOT NULL,  -- gcp-catalog
    PRIMARY KEY (provider, region, family, unit, purchase_option, effective_from)
);
