package demo_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/demo"
)

// TestAgentBatchesDeclareScheduling: the demo's agents sent no pod's
// scheduling constraints, so every demo pod's were unknown and the node
// plans showed only the rule for unknown constraints. Every pod's batch
// record carries its workload's constraints, as truth.json states them: the
// replicated StatefulSets run one per node (required anti-affinity on the
// hostname), most of the production cluster's replicated services spread
// over zones (maxSkew 1, DoNotSchedule), and the rest declare none (known,
// not unknown). The simulated scheduler keeps the anti-affinity.
func TestAgentBatchesDeclareScheduling(t *testing.T) {
	truth := truthWorkloads(t) // as an outside checker reads it
	type key struct {
		cluster   tally.ClusterID
		ns, name  string
		ownerKind string
	}
	want := map[key]*tally.PodScheduling{}
	hostname := &tally.PodScheduling{AntiAffinity: []string{tally.TopologyHostname}}
	zoneSpread := []tally.TopologySpread{{TopologyKey: tally.TopologyZone, MaxSkew: 1}}
	spreading, notSpreading := 0, 0
	for _, w := range truth.Workloads {
		s := w.Scheduling
		if s == nil {
			t.Errorf("truth: %s/%s/%s/%s: no scheduling constraints stated", w.Cluster, w.Namespace, w.Kind, w.Name)
			continue
		}
		want[key{w.Cluster, w.Namespace, w.Name, w.Kind}] = s
		switch {
		case w.Kind == tally.KindStatefulSet && slices.Contains([]string{"elasticsearch", "kafka", "clickhouse"}, w.Name):
			if !reflect.DeepEqual(s.AntiAffinity, hostname.AntiAffinity) {
				t.Errorf("truth: %s/%s/%s: anti-affinity %v, want one replica per node", w.Cluster, w.Namespace, w.Name, s.AntiAffinity)
			}
		case w.Kind == tally.KindCronJob || w.Kind == tally.KindDaemonSet || w.Namespace == "kube-system" || w.Cluster != demo.ClusterProd:
			if len(s.AntiAffinity) > 0 || len(s.Spread) > 0 {
				t.Errorf("truth: %s/%s/%s/%s: %+v, want none", w.Cluster, w.Namespace, w.Kind, w.Name, s)
			}
		case w.Kind == tally.KindDeployment:
			switch {
			case reflect.DeepEqual(s.Spread, zoneSpread) && len(s.AntiAffinity) == 0:
				spreading++
			case len(s.Spread) == 0 && len(s.AntiAffinity) == 0:
				notSpreading++
			default:
				t.Errorf("truth: %s/%s/%s: %+v, want a zone spread of maxSkew 1 or none", w.Cluster, w.Namespace, w.Name, s)
			}
		}
	}
	if spreading < 6 || notSpreading > spreading/2 {
		t.Errorf("truth: %d of the production cluster's Deployments spread over zones, %d do not: want most to", spreading, notSpreading)
	}

	type nodeHour struct {
		node  string
		owner key
		start time.Time
	}
	together := map[nodeHour]map[string]float64{} // seconds each pod of a one-per-node workload ran on a node in an hour
	records := 0
	for i, b := range agentBatches(t) {
		pods := map[string]key{}
		for _, p := range b.Pods {
			records++
			k := key{b.Cluster, p.Namespace, p.OwnerName, p.OwnerKind}
			pods[p.UID] = k
			w, ok := want[k]
			if !ok {
				t.Fatalf("%s: pod %s/%s of %+v not in the truth", fixtureMan.Agent[i].Path, p.Namespace, p.Name, k)
			}
			if p.Scheduling == nil {
				t.Fatalf("%s: pod %s/%s sent without its scheduling constraints (unknown)", fixtureMan.Agent[i].Path, p.Namespace, p.Name)
			}
			if !reflect.DeepEqual(p.Scheduling, w) {
				t.Fatalf("%s: pod %s/%s: scheduling %+v, truth %+v", fixtureMan.Agent[i].Path, p.Namespace, p.Name, p.Scheduling, w)
			}
		}
		for _, iv := range b.Intervals {
			for _, u := range iv.Containers {
				k, ok := pods[u.PodUID]
				if !ok || len(want[k].AntiAffinity) == 0 {
					continue
				}
				nh := nodeHour{b.Node.Name, k, iv.Start}
				if together[nh] == nil {
					together[nh] = map[string]float64{}
				}
				together[nh][u.PodUID] = max(together[nh][u.PodUID], u.Seconds)
			}
		}
	}
	if records == 0 {
		t.Fatal("no pods in the agent batches")
	}
	for nh, pods := range together {
		secs := 0.0
		for _, s := range pods {
			secs += s
		}
		if secs > 3600+1e-6 {
			t.Errorf("%s %s: %d pods of %s/%s ran %.0f seconds on one node in an hour: its anti-affinity allows one at a time", nh.start.Format(time.RFC3339), nh.node, len(pods), nh.owner.ns, nh.owner.name, secs)
		}
	}
}

// TestSimulatedSchedulerSpreadsOverZones: the simulated scheduler kept
// anti-affinity but not the zone spreads the production services declare
// (maxSkew 1), so their replicas sat wherever a node had the most free CPU:
// in 46% of the hours when all of a spread workload's pods ran throughout,
// its counts per zone of its node group were more than 1 apart. Each
// placement now keeps the skew; what is left (about 11%) is what Kubernetes
// leaves too, since nothing moves running pods: a node group's new zone
// counts 0 until pods are placed, a scale-down stops the newest replicas
// wherever they run, and a rollout's surge places the new pods beside the
// old.
func TestSimulatedSchedulerSpreadsOverZones(t *testing.T) {
	type key struct{ ns, name string }
	spread := map[key]bool{}
	truth := truthWorkloads(t)
	for _, w := range truth.Workloads {
		if w.Cluster == demo.ClusterProd && w.Kind == tally.KindDeployment && w.Scheduling != nil && len(w.Scheduling.Spread) > 0 {
			spread[key{w.Namespace, w.Name}] = true
		}
	}
	type poolHour struct {
		pool string
		hour time.Time
	}
	type workloadHour struct {
		w    key
		hour time.Time
	}
	domains := map[poolHour]map[string]bool{} // zones with a node of the group in the hour
	full := map[workloadHour]map[string]int{} // pods that ran all the hour, by zone
	partial := map[workloadHour]bool{}        // a pod of the workload ran part of the hour
	pools := map[workloadHour]string{}
	for _, b := range agentBatches(t) {
		if b.Cluster != demo.ClusterProd {
			continue
		}
		pool, zone := b.Node.Labels["eks.amazonaws.com/nodegroup"], b.Node.Labels["topology.kubernetes.io/zone"]
		owners := map[string]key{}
		for _, p := range b.Pods {
			owners[p.UID] = key{p.Namespace, p.OwnerName}
		}
		for _, iv := range b.Intervals {
			hour := iv.Start.Truncate(time.Hour)
			ph := poolHour{pool, hour}
			if domains[ph] == nil {
				domains[ph] = map[string]bool{}
			}
			domains[ph][zone] = true
			secs := map[string]float64{}
			for _, u := range iv.Containers {
				if k := owners[u.PodUID]; spread[k] {
					secs[u.PodUID] = max(secs[u.PodUID], u.Seconds)
				}
			}
			for uid, s := range secs {
				wh := workloadHour{owners[uid], hour}
				pools[wh] = pool
				if s < 3599 {
					partial[wh] = true
					continue
				}
				if full[wh] == nil {
					full[wh] = map[string]int{}
				}
				full[wh][zone]++
			}
		}
	}
	hours, uneven := 0, 0
	for wh, byZone := range full {
		if partial[wh] {
			continue
		}
		lo, hi := 1<<30, 0
		for z := range domains[poolHour{pools[wh], wh.hour}] {
			lo, hi = min(lo, byZone[z]), max(hi, byZone[z])
		}
		hours++
		if hi-lo > 1 {
			uneven++
		}
	}
	if hours < 1000 {
		t.Fatalf("%d workload-hours of spread production services whose pods all ran the whole hour, want more to judge", hours)
	}
	share := float64(uneven) / float64(hours)
	t.Logf("%d of %d workload-hours (%.1f%%) skewed over maxSkew 1", uneven, hours, 100*share)
	if share > 0.2 {
		t.Errorf("%d of %d workload-hours (%.1f%%) of the spread production services have zones more than 1 pod apart, want at most 20%%", uneven, hours, 100*share)
	}
}

// truthWorkloads reads the workloads of the fixture's truth.json as
// written, as an outside checker does: what identifies each, and the
// scheduling constraints and autoscaling its agents send.
func truthWorkloads(t *testing.T) (truth struct {
	Workloads []struct {
		Cluster         tally.ClusterID
		Namespace, Kind string
		Name            string
		Scheduling      *tally.PodScheduling
		Autoscaling     *tally.PodAutoscaling
	}
}) {
	t.Helper()
	if err := json.Unmarshal(readFile(t, fixtureMan.Truth), &truth); err != nil {
		t.Fatal(err)
	}
	return truth
}
