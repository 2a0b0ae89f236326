package podmeta

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/tallyhq/tally"
)

// hpaStore makes m know the HPAs as the synced informer's store does.
func hpaStore(t *testing.T, m *Meta, hs ...*autoscalingv2.HorizontalPodAutoscaler) {
	t.Helper()
	store := cache.NewIndexer(cache.MetaNamespaceKeyFunc, hpaIndexers)
	for _, h := range hs {
		if err := store.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	m.hpas = store
}

func ptr[T any](v T) *T { return &v }

func utilization(name corev1.ResourceName, pct int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: name, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(pct)}}}
}

func testHPA(ns, name, kind, target string, min *int32, max int32, metrics ...autoscalingv2.MetricSpec) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: kind, Name: target},
			MinReplicas:    min, MaxReplicas: max, Metrics: metrics,
		},
	}
}

// ownedPod is a pod of namespace ns whose controller is kind/name (a
// Deployment's ReplicaSet "<name>-<hash>" when kind is ReplicaSet).
func ownedPod(uid, ns, kind, name string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: types.UID(uid), Name: name + "-x", Namespace: ns, Labels: map[string]string{"pod-template-hash": "7d9f"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: types.UID("owner-" + uid), Controller: ptr(true)}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: resources("1", "1Gi")}}},
	}
	if kind == "ReplicaSet" {
		p.OwnerReferences[0].Name = name + "-7d9f"
	}
	return p
}

// A pod is sent with the HPA whose scaleTargetRef is its workload (a
// Deployment through its ReplicaSet, a StatefulSet): its replica bounds,
// its cpu and memory Resource metrics' target utilization, and whether it
// scales on other metrics too; an HPA without metrics or minReplicas has
// the API server's defaults. A workload no HPA targets is sent with none;
// while the HPAs are unknown, with nil.
func TestAgentPodAutoscaling(t *testing.T) {
	external := autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("30"))}}}
	cpuByValue := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("500m"))}}}
	var logs bytes.Buffer
	m := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	m.owners = newOwners(nil) // no API: a ReplicaSet's Deployment from the names
	pods := map[string]*corev1.Pod{
		"web":    ownedPod("u-web", "shop", "ReplicaSet", "web"),
		"db":     ownedPod("u-db", "shop", tally.KindStatefulSet, "db"),
		"worker": ownedPod("u-worker", "shop", "ReplicaSet", "worker"),
		"plain":  ownedPod("u-plain", "shop", "ReplicaSet", "plain"),
		"twice":  ownedPod("u-twice", "shop", "ReplicaSet", "twice"),
		"bare":   {ObjectMeta: metav1.ObjectMeta{UID: "u-bare", Name: "debug", Namespace: "shop"}},
	}
	for _, p := range pods {
		known(m, p)
	}
	if ap, _ := m.AgentPod("u-web"); ap.Autoscaling != nil {
		t.Fatalf("before the HPAs synced: %+v, want nil (unknown)", ap.Autoscaling)
	}
	hpaStore(t, m,
		testHPA("shop", "web", tally.KindDeployment, "web", ptr(int32(2)), 10, utilization(corev1.ResourceCPU, 70), utilization(corev1.ResourceMemory, 80), external),
		testHPA("shop", "db", tally.KindStatefulSet, "db", nil, 5),
		testHPA("shop", "worker", tally.KindDeployment, "worker", ptr(int32(1)), 4, cpuByValue),
		// The same name in another namespace, and another kind of the same name.
		testHPA("other", "plain", tally.KindDeployment, "plain", nil, 3, utilization(corev1.ResourceCPU, 50)),
		testHPA("shop", "plain", tally.KindStatefulSet, "plain", nil, 3, utilization(corev1.ResourceCPU, 50)),
		// Two HPAs on one workload, and one out of range.
		testHPA("shop", "twice-b", tally.KindDeployment, "twice", nil, 3, utilization(corev1.ResourceCPU, 50)),
		testHPA("shop", "twice-a", tally.KindDeployment, "twice", ptr(int32(4)), 3, utilization(corev1.ResourceCPU, 2000)),
	)
	want := map[string]*tally.PodAutoscaling{
		"web":    {HPA: &tally.PodHPA{Name: "web", MinReplicas: 2, MaxReplicas: 10, CPUUtilization: 70, MemoryUtilization: 80, OtherMetrics: true}},
		"db":     {HPA: &tally.PodHPA{Name: "db", MinReplicas: 1, MaxReplicas: 5, CPUUtilization: 80}},
		"worker": {HPA: &tally.PodHPA{Name: "worker", MinReplicas: 1, MaxReplicas: 4, OtherMetrics: true}},
		"plain":  {},
		"twice":  {HPA: &tally.PodHPA{Name: "twice-a", OtherMetrics: true}},
		"bare":   {},
	}
	for name, p := range pods {
		ap, ok := m.AgentPod(string(p.UID))
		if !ok {
			t.Fatalf("%s: not found", name)
		}
		if !reflect.DeepEqual(ap.Autoscaling, want[name]) {
			t.Errorf("%s (%s/%s): autoscaling %s, want %s", name, ap.OwnerKind, ap.OwnerName, autoscalingText(ap.Autoscaling), autoscalingText(want[name]))
		}
	}
	for _, s := range []string{"2 HPAs target Deployment/twice", "sent twice-a", "minReplicas 4 and maxReplicas 3", "cpuUtilization: 2000"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log %q, want %q", logs.String(), s)
		}
	}
	// Logged once per workload, not every batch.
	m.AgentPod("u-twice")
	if n := strings.Count(logs.String(), "workload autoscaler values ignored"); n != 1 {
		t.Errorf("warned %d times, want once", n)
	}
}

func autoscalingText(a *tally.PodAutoscaling) string {
	switch {
	case a == nil:
		return "nil"
	case a.HPA == nil:
		return "none"
	}
	return fmt.Sprintf("%+v", *a.HPA)
}
