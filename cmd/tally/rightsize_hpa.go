package main

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/rightsizing"
)

// hpaFlag is one --hpa: the workload it names and its autoscaler.
type hpaFlag struct {
	spec      string          // as given
	cluster   tally.ClusterID // "" for every cluster
	namespace string
	kind      string // matched in any case
	name      string
	hpa       *rightsizing.HPA
	matched   bool
}

func (f *hpaFlag) matches(w tally.WorkloadRef) bool {
	return (f.cluster == "" || f.cluster == w.Cluster) && f.namespace == w.Namespace && strings.EqualFold(f.kind, w.Kind) && f.name == w.Name
}

// hpaFor returns the autoscaler of w: that of the last --hpa naming it, or nil.
func hpaFor(flags []*hpaFlag, w tally.WorkloadRef) *rightsizing.HPA {
	var h *rightsizing.HPA
	for _, f := range flags {
		if f.matches(w) {
			f.matched, h = true, f.hpa
		}
	}
	return h
}

// workloadHPA returns the autoscaler of w and where it came from: that of
// the last --hpa naming it (the flag overrides the agents), else the HPA
// its agents last reported on pod (the workload's pod whose agent last
// knew: reportedLater), else nil.
func workloadHPA(flags []*hpaFlag, pod *tally.Pod, w tally.WorkloadRef) (*rightsizing.HPA, string) {
	if h := hpaFor(flags, w); h != nil {
		return h, rightsizing.HPASourceFlag
	}
	if pod != nil && pod.Autoscaling != nil && pod.Autoscaling.HPA != nil {
		return rightsizing.HPAOf(pod.Autoscaling.HPA), rightsizing.HPASourceAgent
	}
	return nil, ""
}

// reportedLater reports whether p's agent reported it after q's did: a
// running pod (no end) is reported on every batch, an ended one last at its
// end; of two that end together, the one that started later. The newest pod
// is not the one: an HPA scaling down ends the newest pods first, and the
// HPA they were sent with may since have been edited.
func reportedLater(p, q *tally.Pod) bool {
	pe, qe := p.ValidTo, q.ValidTo
	switch {
	case pe.IsZero() != qe.IsZero():
		return pe.IsZero()
	case !pe.Equal(qe):
		return pe.After(qe)
	}
	return p.ValidFrom.After(q.ValidFrom)
}

// unmatchedHPA fails on the first --hpa that named no workload.
func unmatchedHPA(flags []*hpaFlag, o rightsizeOptions) error {
	for _, f := range flags {
		if f.matched {
			continue
		}
		scope := ""
		if o.Cluster != "" {
			scope += " in cluster " + string(o.Cluster)
		}
		if o.Namespace != "" {
			scope += " in namespace " + o.Namespace
		}
		return tally.Errorf(tally.EInvalid, "--hpa %q: no workload %s/%s/%s%s has usage between %s and %s (want [CLUSTER/]NAMESPACE/KIND/NAME of a listed workload, e.g. shop/Deployment/api)",
			f.spec, f.namespace, f.kind, f.name, scope, o.Window.Start.Format(time.RFC3339), o.Window.End.Format(time.RFC3339))
	}
	return nil
}

// parseHPAs reads --hpa [CLUSTER/]NS/KIND/NAME=cpu:70[,memory:80].
func parseHPAs(specs []string) ([]*hpaFlag, error) {
	var out []*hpaFlag
	for _, s := range specs {
		target, metrics, ok := strings.Cut(s, "=")
		parts := strings.Split(target, "/")
		if !ok || len(parts) < 3 || len(parts) > 4 || slices.Contains(parts, "") {
			return nil, tally.Errorf(tally.EInvalid, "--hpa %q: want [CLUSTER/]NAMESPACE/KIND/NAME=cpu:PCT[,memory:PCT]", s)
		}
		f := &hpaFlag{spec: s, hpa: &rightsizing.HPA{}}
		if len(parts) == 4 {
			f.cluster, parts = tally.ClusterID(parts[0]), parts[1:]
		}
		f.namespace, f.kind, f.name = parts[0], parts[1], parts[2]
		for _, m := range strings.Split(metrics, ",") {
			name, v, _ := strings.Cut(m, ":")
			pct, err := strconv.ParseFloat(v, 64)
			if err != nil || pct <= 0 || pct > 100 {
				return nil, tally.Errorf(tally.EInvalid, "--hpa %q: %q: want cpu:PCT or memory:PCT with 0 < PCT ≤ 100", s, m)
			}
			switch name {
			case "cpu":
				f.hpa.CPUTargetUtilization = pct / 100
			case "memory":
				f.hpa.MemoryTargetUtilization = pct / 100
			default:
				return nil, tally.Errorf(tally.EInvalid, "--hpa %q: metric %q: want cpu or memory", s, name)
			}
		}
		out = append(out, f)
	}
	return out, nil
}
