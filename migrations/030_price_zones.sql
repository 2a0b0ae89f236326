-- A price of one availability zone (tally.InstancePrice.Zone): AWS prices
-- spot per zone, and a spot node runs in one. zone is '' for a price of the
-- whole region (every price before this; for AWS spot, the mean over the
-- region's zones, which prices a spot node whose zone is unknown or has no
-- price of its own). Reference data, like prices: not distributed.
ALTER TABLE prices ADD COLUMN zone text NOT NULL DEFAULT '';
ALTER TABLE prices DROP CONSTRAINT prices_pkey;
ALTER TABLE prices ADD PRIMARY KEY (provider, region, instance_type, purchase_option, operating_system, zone, effective_from);
