package attribution

import (
	"strings"

	"github.com/tallyhq/tally"
)

// owner says where a cost line that is not a node's goes.
type owner struct {
	kind      string // tally.Cost…
	container string // "" for namespace-level costs, or __shared__ / __unallocated__
	cluster   tally.ClusterID
	namespace string
}

// classify assigns a non-node line by its tags: a volume or service created
// for a namespace goes to that namespace; a resource serving a cluster is the
// cluster's shared cost; a line with an owner tag is an external cost of that
// owner; anything else is __unallocated__.
func (e *Engine) classify(ix *index, l *tally.CostLine) owner {
	tags := normalizeTags(l.Tags)
	cluster := e.clusterOf(ix, l, tags)
	if ns := firstTag(tags, e.policy.NamespaceTags); ns != "" {
		return owner{kind: kindOf(l, tally.CostPV), cluster: cluster, namespace: ns}
	}
	if svc := firstTag(tags, e.policy.ServiceTags); svc != "" {
		ns, _, _ := strings.Cut(svc, "/")
		return owner{kind: tally.CostLoadBalancer, cluster: cluster, namespace: ns}
	}
	if cluster != "" {
		return owner{kind: tally.CostShared, container: tally.SharedName, cluster: cluster}
	}
	if firstTag(tags, e.policy.OwnerTags) != "" {
		return owner{kind: tally.CostExternal}
	}
	return owner{kind: tally.CostOther, container: tally.UnallocatedName}
}

// kindOf refines a namespace-owned line's kind: storage lines are volumes,
// networking lines are network or load balancers. The category is FOCUS
// ServiceCategory ("Networking", "Storage") or, from a CUR, the product
// family ("Load Balancer-Network", "Data Transfer", "NAT Gateway").
func kindOf(l *tally.CostLine, fallback string) string {
	sc, svc := strings.ToLower(l.ServiceCategory), strings.ToLower(l.ServiceName)
	switch {
	case strings.Contains(sc, "load balanc") || strings.Contains(svc, "load balanc"):
		return tally.CostLoadBalancer
	case strings.Contains(sc, "network") || strings.Contains(sc, "data transfer") || strings.Contains(sc, "nat gateway"):
		return tally.CostNetwork
	case strings.Contains(sc, "storage"):
		return tally.CostPV
	}
	return fallback
}

// clusterOf finds the cluster a billed resource serves: from cluster tags
// (kubernetes.io/cluster/NAME, eks:cluster-name, …), or an EKS/GKE cluster
// resource itself (its control-plane fee).
func (e *Engine) clusterOf(ix *index, l *tally.CostLine, tags map[string]string) tally.ClusterID {
	for _, key := range e.policy.ClusterTags {
		if strings.HasSuffix(key, "/") {
			prefix := normalizeKey(key)
			for k := range tags {
				if name, ok := strings.CutPrefix(k, prefix); ok {
					if c, ok := ix.byNormalName[name]; ok {
						return c.ID
					}
				}
			}
			continue
		}
		if v := tags[normalizeKey(key)]; v != "" {
			if c, ok := ix.byName[v]; ok {
				return c.ID
			}
		}
	}
	if strings.Contains(l.ResourceID, ":cluster/") || strings.Contains(l.ResourceID, "/clusters/") {
		if c, ok := ix.byName[instanceKey(l.ResourceID)]; ok {
			return c.ID
		}
	}
	return ""
}

// firstTag returns the value of the first of keys present in tags (which
// normalizeTags made).
func firstTag(tags map[string]string, keys []string) string {
	for _, k := range keys {
		if v := tags[normalizeKey(k)]; v != "" {
			return v
		}
	}
	return ""
}

// normalizeKey folds the forms providers rewrite tag keys into: legacy CUR
// "user:team", CUR 2.0 "user_kubernetes_io_created_for_pvc_namespace", GCP
// label "kubernetes-io-created-for-pvc-namespace" and the original
// "kubernetes.io/created-for/pvc/namespace" all become the last form's
// lower-case letters and digits joined by "_".
func normalizeKey(k string) string {
	k = strings.ToLower(k)
	for _, p := range []string{"resourcetags/", "user:", "user_"} {
		k = strings.TrimPrefix(k, p)
	}
	var b strings.Builder
	under := false
	for _, r := range k {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	return b.String()
}

// normalizeTags returns tags with normalized keys.
func normalizeTags(tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		out[normalizeKey(k)] = v
	}
	return out
}
