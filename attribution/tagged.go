package attribution

import "github.com/tallyhq/tally"

// billedElsewhere reports whether line l, which bills node n's instance,
// names in its tags a known cluster other than n's. EKS managed node
// groups tag their instances with their cluster (eks:cluster-name,
// kubernetes.io/cluster/NAME), GKE its VMs (goog-k8s-cluster-name): the
// bill, not the agent, then says whose instance it is. An agent token of
// one cluster can report another cluster's instance before that cluster's
// own agent does (the ingest then refuses the real node), and no second
// claim contests it; such a line goes to the tagged cluster, like any
// resource serving it, and never to the claiming node.
func (e *Engine) billedElsewhere(ix *index, n *tally.Node, l *tally.CostLine, warn func(string, ...any)) bool {
	if len(l.Tags) == 0 {
		return false
	}
	c, ok := ix.taggedCluster[l]
	if !ok {
		c = e.clusterOf(ix, l, normalizeTags(l.Tags))
		ix.taggedCluster[l] = c
	}
	if c == "" || c == n.Cluster {
		return false
	}
	warn("instance %s is billed to cluster %s (its tags say so) but reported by node %s of cluster %s: its cost goes to %s, not to the node "+
		"(check the agent token of cluster %s)", instanceKey(l.ResourceID), c, n.Name, n.Cluster, c, n.Cluster)
	return true
}
