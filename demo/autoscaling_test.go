package demo_test

import (
	"reflect"
	"testing"

	"github.com/tallyhq/tally"
)

// TestAgentBatchesDeclareHPAs: the demo's agents sent no pod's autoscaling,
// so `tally rightsize` saw the HPA-scaled Deployments' replicas vary and
// asked for --hpa. Every pod's batch record carries what scales its
// workload, as truth.json states it: the seven Deployments an HPA scales
// on CPU utilization (their min, max and target), none for the others
// (known, not unknown).
func TestAgentBatchesDeclareHPAs(t *testing.T) {
	truth := truthWorkloads(t)
	type key struct {
		cluster   tally.ClusterID
		ns, name  string
		ownerKind string
	}
	hpas := map[string]tally.PodHPA{ // namespace/name → its HPA, as org.go declares them
		"ingress-nginx/ingress-nginx-controller": {MinReplicas: 3, MaxReplicas: 8, CPUUtilization: 65},
		"frontend/web":                           {MinReplicas: 3, MaxReplicas: 12, CPUUtilization: 60},
		"frontend/bff":                           {MinReplicas: 2, MaxReplicas: 8, CPUUtilization: 60},
		"checkout/checkout-api":                  {MinReplicas: 4, MaxReplicas: 16, CPUUtilization: 60},
		"catalog/image-resizer":                  {MinReplicas: 1, MaxReplicas: 6, CPUUtilization: 70},
		"data-pipeline/ingest-consumer":          {MinReplicas: 3, MaxReplicas: 10, CPUUtilization: 65},
		"analytics/query-api":                    {MinReplicas: 2, MaxReplicas: 8, CPUUtilization: 60},
	}
	want := map[key]*tally.PodAutoscaling{}
	scaled := map[string]bool{}
	for _, w := range truth.Workloads {
		a := w.Autoscaling
		if a == nil {
			t.Errorf("truth: %s/%s/%s/%s: no autoscaling stated", w.Cluster, w.Namespace, w.Kind, w.Name)
			continue
		}
		want[key{w.Cluster, w.Namespace, w.Name, w.Kind}] = a
		h, ok := hpas[w.Namespace+"/"+w.Name]
		switch {
		case ok:
			h.Name = w.Name
			if w.Kind != tally.KindDeployment || a.HPA == nil || *a.HPA != h {
				t.Errorf("truth: %s/%s/%s/%s: autoscaling %+v, want the Deployment's HPA %+v", w.Cluster, w.Namespace, w.Kind, w.Name, a.HPA, h)
			}
			scaled[w.Namespace+"/"+w.Name] = true
		case a.HPA != nil:
			t.Errorf("truth: %s/%s/%s/%s: HPA %+v, want none", w.Cluster, w.Namespace, w.Kind, w.Name, a.HPA)
		}
	}
	if len(scaled) != len(hpas) {
		t.Errorf("truth states %d of the %d HPAs", len(scaled), len(hpas))
	}
	records := 0
	for i, b := range agentBatches(t) {
		for _, p := range b.Pods {
			records++
			k := key{b.Cluster, p.Namespace, p.OwnerName, p.OwnerKind}
			if p.Autoscaling == nil {
				t.Fatalf("%s: pod %s/%s sent without its autoscaling (unknown)", fixtureMan.Agent[i].Path, p.Namespace, p.Name)
			}
			if w, ok := want[k]; !ok || !reflect.DeepEqual(p.Autoscaling, w) {
				t.Fatalf("%s: pod %s/%s: autoscaling %+v, truth %+v", fixtureMan.Agent[i].Path, p.Namespace, p.Name, p.Autoscaling, w)
			}
		}
	}
	if records == 0 {
		t.Fatal("no pods in the agent batches")
	}
}
