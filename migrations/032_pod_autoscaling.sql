-- What scales a pod's workload's replica count (tally.PodAutoscaling, JSON),
-- as its agent saw it: {"hpa": {...}} with the autoscaling/v2
-- HorizontalPodAutoscaler whose scaleTargetRef is the workload (its name,
-- minReplicas, maxReplicas, the cpu and memory Resource metrics' target
-- averageUtilization in percent, and otherMetrics when it scales on
-- others too); '{}': no HPA targets it; NULL: unknown (agents before this
-- did not send it, or could not list HPAs). A batch that does not know
-- leaves a known value as it is; one that knows replaces it (an HPA
-- deleted since is '{}').
ALTER TABLE pods ADD COLUMN autoscaling jsonb;
