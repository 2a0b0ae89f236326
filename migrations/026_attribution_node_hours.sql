-- The node-hours of each attributed hour (a node with costs in it, billed
-- or estimated, counts one) and how many of them were estimated from the
-- catalog: the dashboard's notice counts estimated node-hours of the
-- node-hours of the hours with estimates, where counting hours with any
-- estimate read one estimated node of 100 as all 100.
--
-- The hours estimated before the columns existed (few: those the bill does
-- not cover yet) are counted from their allocations here; the others,
-- never read by that count, keep node_hours NULL until recomputed.
ALTER TABLE attribution_hours
    ADD COLUMN node_hours int,
    ADD COLUMN estimated_node_hours int NOT NULL DEFAULT 0;

UPDATE attribution_hours h SET node_hours = c.nodes, estimated_node_hours = c.estimated
FROM (
    SELECT hour, count(DISTINCT (cluster_id, node_name)) AS nodes,
        count(DISTINCT (cluster_id, node_name)) FILTER (WHERE estimated) AS estimated
    FROM allocations
    WHERE node_name <> '' AND hour IN (SELECT hour FROM attribution_hours WHERE estimated)
    GROUP BY hour
) c
WHERE h.hour = c.hour;
