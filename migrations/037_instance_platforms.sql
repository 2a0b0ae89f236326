-- The platform (operating system and licence) a provider bills each node's
-- instance as, read from its API ('tally pricing platforms aws':
-- DescribeInstances UsageOperation and PlatformDetails), so that a node's
-- hours before the bill are estimated at its platform's price rather than
-- Linux's. Nodes join it by instance_id.
CREATE TABLE instance_platforms (
    provider         text NOT NULL,
    instance_id      text NOT NULL CHECK (instance_id <> ''),
    region           text NOT NULL DEFAULT '',
    usage_operation  text NOT NULL CHECK (usage_operation <> ''),
    platform_details text NOT NULL DEFAULT '',
    read_at          timestamptz NOT NULL,
    PRIMARY KEY (provider, instance_id)
);
