-- Where a pod's spec declares each container: its place in its list,
-- counted from 1 (spec.initContainers for kind 'init' and 'sidecar',
-- spec.containers for the others), which a custom kind's JSON patch
-- addresses it by (rightsizing.ContainerResult.Position). NULL: unknown
-- (agents before this did not send it). A batch that does not know leaves
-- a known position as it is. The column is in no key: the table stays
-- distributed by cluster_id under Citus.
ALTER TABLE containers ADD COLUMN position int CHECK (position > 0);
