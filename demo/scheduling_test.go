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
	// Read from truth.json as written, as an outside checker does.
	var truth struct {
		Workloads []struct {
			Cluster         tally.ClusterID
			Namespace, Kind string
			Name            string
			Scheduling      *tally.PodScheduling
		}
	}
	if err := json.Unmarshal(readFile(t, fixtureMan.Truth), &truth); err != nil {
		t.Fatal(err)
	}
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
