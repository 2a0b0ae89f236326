-- What of a pod's spec constrains where its workload's replicas run
-- relative to one another (tally.PodScheduling, JSON): its required pod
-- anti-affinity and DoNotSchedule topology spread constraints over its own
-- workload, on the node (kubernetes.io/hostname) or the zone
-- (topology.kubernetes.io/zone). NULL: unknown (agents before this did not
-- send it; node plans then assume a StatefulSet's replicas run apart);
-- '{}': none. A batch of an older agent leaves a known value as it is.
ALTER TABLE pods ADD COLUMN scheduling jsonb;
