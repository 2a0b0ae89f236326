-- A node by its name at a time: hourly allocations name their node, and
-- filters on its labels (nodeLabel) or provider ID (provider) look up the
-- node of that name alive in the allocation's hour, the one started last.
CREATE INDEX nodes_name ON nodes (cluster_id, name, valid_from);
