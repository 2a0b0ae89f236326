package attribution

import (
	"strings"

	"github.com/tallyhq/tally"
)

// billedElsewhere reports whether line l, which bills node n's instance,
// names in its tags a known cluster other than n's. EKS managed node
// groups tag their instances with their cluster (eks:cluster-name,
// kubernetes.io/cluster/NAME), GKE its VMs (goog-k8s-cluster-name): the
// bill, not the agent, then says whose instance it is. An agent token of
// one cluster can report another cluster's instance before that cluster's
// own agent does (the ingest then refuses the real node), and no second
// claim contests it; such a line goes to the tagged cluster, like any
// resource serving it, and never to the claiming node.
//
// Tags name a cluster by its cloud name, unique only within a provider's
// account and region, and Tally knows clusters by what they were
// registered as. So a line whose tags also name n's cluster stays n's,
// and so does one whose tagged cluster could not own the instance: of
// another provider, region or billing account than the line.
func (e *Engine) billedElsewhere(ix *index, n *tally.Node, l *tally.CostLine, warn func(string, ...any)) bool {
	if len(l.Tags) == 0 {
		return false
	}
	c, ok := ix.taggedCluster[l]
	if !ok {
		c = e.taggedOwner(ix, l, n.Cluster)
		ix.taggedCluster[l] = c
	}
	if c == "" || c == n.Cluster {
		return false
	}
	warn("instance %s is billed to cluster %s (its tags say so) but reported by node %s of cluster %s: its cost goes to %s, not to the node "+
		"(check the agent token of cluster %s)", instanceKey(l.ResourceID), c, n.Name, n.Cluster, c, n.Cluster)
	return true
}

// taggedOwner is the cluster node line l's tags name ("": none that can own
// the instance), claimant if they name it among others.
func (e *Engine) taggedOwner(ix *index, l *tally.CostLine, claimant tally.ClusterID) tally.ClusterID {
	tags := normalizeTags(l.Tags)
	if cl := ix.clusters[claimant]; cl != nil {
		for _, name := range []string{string(cl.ID), cl.Name} {
			if name != "" && e.tagsName(tags, name) {
				return claimant
			}
		}
	}
	c := ix.clusters[e.clusterOf(ix, l, tags)]
	switch {
	case c == nil:
		return ""
	case c.Provider != "" && l.Provider != "" && !strings.EqualFold(c.Provider, l.Provider):
		return ""
	case c.Region != "" && l.RegionID != "" && !strings.HasPrefix(c.Region, l.RegionID) && !strings.HasPrefix(l.RegionID, c.Region):
		return "" // a zonal cluster's region may be its zone
	case c.BillingAccountID != "" && c.BillingAccountID != l.BillingAccountID && c.BillingAccountID != l.SubAccountID:
		return ""
	}
	return c.ID
}

// tagsName reports whether tags (which normalizeTags made) name the cluster
// called name by one of the policy's cluster tags.
func (e *Engine) tagsName(tags map[string]string, name string) bool {
	for _, key := range e.policy.ClusterTags {
		if strings.HasSuffix(key, "/") {
			if _, ok := tags[normalizeKey(key)+normalizeKey(name)]; ok {
				return true
			}
		} else if tags[normalizeKey(key)] == name {
			return true
		}
	}
	return false
}
