package attribution

import (
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// owner says where a cost line that is not a node's goes.
type owner struct {
	kind      string // tally.Cost…
	container string // "" for namespace-level costs, or __shared__ / __unallocated__
	cluster   tally.ClusterID
	namespace string
}

// classify assigns a non-node line by its tags: a volume, load balancer or
// managed service created for a namespace goes to that namespace; a resource serving a cluster is the
// cluster's shared cost; a line with an owner tag is an external cost of that
// owner; anything else is __unallocated__, as a period charge when it
// spans more than a day.
func (e *Engine) classify(ix *index, l *tally.CostLine) owner {
	tags := normalizeTags(l.Tags)
	cluster := e.clusterOf(ix, l, tags)
	if ns := firstTag(tags, e.policy.NamespaceTags); ns != "" {
		return owner{kind: kindOf(l), cluster: cluster, namespace: ns}
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
	kind := tally.CostOther
	if l.ChargePeriodEnd.Sub(l.ChargePeriodStart) > 24*time.Hour {
		kind = tally.CostPeriod
	}
	return owner{kind: kind, container: tally.UnallocatedName}
}

// kindOf says what a namespace-owned line is: a load balancer, network, a
// volume (a disk nodes mount: an EBS volume, a persistent disk), or else an
// external cost of the namespace (a managed service or bucket it uses: RDS,
// Cloud SQL, S3), as OpenCost's externalCost. The category is FOCUS
// ServiceCategory ("Networking", "Storage") or, from a CUR, the product
// family ("Load Balancer-Network", "Data Transfer", "NAT Gateway"); a GCP
// line has none, and names a disk by its SKU ("SSD backed PD Capacity").
func kindOf(l *tally.CostLine) string {
	sc, svc := strings.ToLower(l.ServiceCategory), strings.ToLower(l.ServiceName)
	switch {
	case strings.Contains(sc, "load balanc") || strings.Contains(svc, "load balanc"):
		return tally.CostLoadBalancer
	case strings.Contains(sc, "network") || strings.Contains(sc, "data transfer") || strings.Contains(sc, "nat gateway") ||
		svc == "networking":
		return tally.CostNetwork
	case isVolume(l, sc, svc):
		return tally.CostPV
	}
	return tally.CostExternal
}

// isVolume reports whether l bills a disk: by its resource (an EBS volume,
// a GCP disk path), as storage of a compute or block-storage service (EBS
// and its snapshots bill under EC2), or by a GCP Compute Engine disk SKU.
func isVolume(l *tally.CostLine, sc, svc string) bool {
	id := l.ResourceID
	switch {
	case strings.HasPrefix(id, "vol-") || strings.Contains(id, ":volume/vol-") || strings.Contains(id, "/disks/"):
		return true
	case strings.Contains(sc, "storage"):
		for _, s := range []string{"elastic compute cloud", "amazonec2", "block store", "compute engine", "disk"} {
			if strings.Contains(svc, s) {
				return true
			}
		}
	case svc == "compute engine":
		d := strings.ToLower(l.ChargeDescription)
		return strings.Contains(d, "pd capacity") || strings.Contains(d, "hyperdisk") || strings.Contains(d, "persistent disk")
	}
	return false
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
