-- Where a pod's spec declares each container: '' for spec.containers, 'init'
-- for a classic init container (runs to completion before the others;
-- attribution charges it its usage, not its request for the pod's
-- lifetime; right-sizing leaves it alone), 'sidecar' for a native sidecar
-- (spec.initContainers with restartPolicy Always: it runs for the pod's
-- lifetime beside the containers, and its patch goes under
-- initContainers). Agents before this sent spec.containers only.
ALTER TABLE containers ADD COLUMN kind text NOT NULL DEFAULT '' CHECK (kind IN ('', 'init', 'sidecar'));
