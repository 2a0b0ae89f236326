package demo

import (
	"slices"

	"github.com/tallyhq/tally"
)

// declareScheduling gives each workload the scheduling constraints its pods
// declare, as the teams of a real organization write them:
//
//   - a replicated StatefulSet (a datastore, a broker) requires pod
//     anti-affinity on kubernetes.io/hostname: one replica per node;
//   - the replicated services of the production cluster spread across
//     zones with a topology spread constraint (maxSkew 1, DoNotSchedule),
//     except the few whose team left it out (chosen from the seed);
//   - everything else declares none: DaemonSets, CronJobs, single
//     replicas, the add-ons in kube-system, and the data and analytics
//     clusters' services.
//
// Every workload gets a non-nil PodScheduling: the demo's agents send the
// constraints, so none of its pods' constraints are unknown.
func (o *org) declareScheduling() {
	for _, c := range o.clusters {
		for _, w := range c.Loads {
			w.Scheduling = o.scheduling(c, w)
		}
	}
}

func (o *org) scheduling(c *cluster, w *workload) *tally.PodScheduling {
	s := &tally.PodScheduling{}
	replicated := w.HPA != nil || w.Replicas > 1
	if w.Kind == kindDaemonSet || w.Cron != nil || !replicated || w.Namespace == "kube-system" {
		return s
	}
	if w.Kind == tally.KindStatefulSet {
		s.AntiAffinity = []string{tally.TopologyHostname}
	}
	if c.ID == ClusterProd && hashKey(o.seed, w.id, strHash("scheduling/zone-spread"))%4 != 0 {
		s.Spread = []tally.TopologySpread{{TopologyKey: tally.TopologyZone, MaxSkew: 1}}
	}
	return s
}

// antiAffinityOnHost reports whether w's pods run one per node.
func (w *workload) antiAffinityOnHost() bool {
	return w.Scheduling != nil && slices.Contains(w.Scheduling.AntiAffinity, tally.TopologyHostname)
}

// podScheduling is a copy of w's constraints, for one pod's agent record.
func (w *workload) podScheduling() *tally.PodScheduling {
	if w.Scheduling == nil {
		return nil
	}
	return &tally.PodScheduling{AntiAffinity: slices.Clone(w.Scheduling.AntiAffinity), Spread: slices.Clone(w.Scheduling.Spread)}
}
