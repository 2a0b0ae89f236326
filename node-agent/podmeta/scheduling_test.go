package podmeta

import (
	"bytes"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tallyhq/tally"
)

// A pod's required anti-affinity and DoNotSchedule topology spread
// constraints over its own workload's pods are sent with it, on the node or
// the zone; constraints over other pods, other topology keys or
// ScheduleAnyway are not (they do not constrain packing its replicas).
func TestAgentPodScheduling(t *testing.T) {
	own := map[string]string{"app": "web", "tier": "front"}
	three := int32(3)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: uidA, Name: "web-1", Namespace: "shop", Labels: own},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "web", Resources: resources("1", "1Gi")}},
			Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{
				{TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
				// Another workload's pods: not the workload's own.
				{TopologyKey: "topology.kubernetes.io/zone", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}},
				// Own pods, but in another namespace only.
				{TopologyKey: "topology.kubernetes.io/zone", Namespaces: []string{"other"}, LabelSelector: &metav1.LabelSelector{MatchLabels: own}},
				// The deprecated zone label, with an expression.
				{TopologyKey: "failure-domain.beta.kubernetes.io/zone", LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "web-canary"}}}}},
				// Own pods selected by the namespace's name label.
				{TopologyKey: "kubernetes.io/hostname", NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "shop"}},
					LabelSelector: &metav1.LabelSelector{MatchLabels: own}},
				// Pods of another value of tier only: not its replicas.
				{TopologyKey: "topology.kubernetes.io/zone", MismatchLabelKeys: []string{"tier"}, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
				// A topology key that does not matter for packing.
				{TopologyKey: "example.com/rack", LabelSelector: &metav1.LabelSelector{MatchLabels: own}},
			}}},
			TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
				{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.DoNotSchedule, MinDomains: &three,
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
				{MaxSkew: 2, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.DoNotSchedule,
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
				{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway,
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
				// No selector: it counts no pod.
				{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.DoNotSchedule},
			},
		},
	}
	m := New(Config{})
	known(m, p)
	ap, ok := m.AgentPod(uidA)
	if !ok {
		t.Fatal("pod not found")
	}
	want := &tally.PodScheduling{
		AntiAffinity: []string{tally.TopologyHostname, tally.TopologyZone},
		Spread: []tally.TopologySpread{
			{TopologyKey: tally.TopologyZone, MaxSkew: 1, MinDomains: 3},
			{TopologyKey: tally.TopologyHostname, MaxSkew: 2},
		},
	}
	if !reflect.DeepEqual(ap.Scheduling, want) {
		t.Errorf("scheduling %+v, want %+v", ap.Scheduling, want)
	}

	// A pod with no constraint says so (not nil: nil is "unknown").
	p2 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: uidB, Name: "api-1", Namespace: "shop"}}
	known(m, p2)
	if ap, _ := m.AgentPod(uidB); ap.Scheduling == nil || len(ap.Scheduling.AntiAffinity)+len(ap.Scheduling.Spread) != 0 {
		t.Errorf("pod without constraints: scheduling %+v, want empty, not nil", ap.Scheduling)
	}
}

// Constraints are read from cluster objects, which Tally does not control:
// values the API server would refuse are left out with one warning per
// pod, and the rest of the pod is still sent.
func TestAgentPodSchedulingBadValues(t *testing.T) {
	var logs bytes.Buffer
	m := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	neg := int32(-2)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: uidA, Name: "web-1", Namespace: "shop", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{
			Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{
				{TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "app", Operator: "Near", Values: []string{"web"}}}}},
				{TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
			}}},
			TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
				{MaxSkew: 0, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.DoNotSchedule,
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
				{MaxSkew: 1, MinDomains: &neg, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.DoNotSchedule,
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
				{MaxSkew: 1 << 30, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.DoNotSchedule,
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
			},
		},
	}
	known(m, p)
	for range 3 {
		ap, ok := m.AgentPod(uidA)
		if !ok {
			t.Fatal("pod not found")
		}
		if want := (&tally.PodScheduling{AntiAffinity: []string{tally.TopologyHostname}}); !reflect.DeepEqual(ap.Scheduling, want) {
			t.Errorf("scheduling %+v, want %+v", ap.Scheduling, want)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "pod scheduling constraints ignored"); n != 1 {
		t.Errorf("%d warnings, want 1 for three conversions:\n%s", n, out)
	}
	for _, want := range []string{"podAntiAffinity required term 0", "topologySpreadConstraints[0]: maxSkew 0", "topologySpreadConstraints[1]: minDomains -2",
		"topologySpreadConstraints[2]: maxSkew 1073741824"} {
		if !strings.Contains(out, want) {
			t.Errorf("warning lacks %q:\n%s", want, out)
		}
	}
}

// Whatever a pod's constraints hold, converting them does not panic and
// keeps only usable values.
func FuzzPodScheduling(f *testing.F) {
	f.Add("kubernetes.io/hostname", "app", "In", "web", int32(1), int32(0), "DoNotSchedule")
	f.Add("topology.kubernetes.io/zone", "app", "Exists", "", int32(-1), int32(-5), "DoNotSchedule")
	f.Add("", "", "", "", int32(0), int32(0), "")
	f.Fuzz(func(t *testing.T, key, label, op, value string, skew, minDomains int32, when string) {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Labels: map[string]string{label: value}},
			Spec: corev1.PodSpec{
				Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{
					{TopologyKey: key, LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
						{Key: label, Operator: metav1.LabelSelectorOperator(op), Values: []string{value}}}}},
				}}},
				TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
					{MaxSkew: skew, MinDomains: &minDomains, TopologyKey: key, WhenUnsatisfiable: corev1.UnsatisfiableConstraintAction(when),
						LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{label: value}}},
				},
			},
		}
		s, _ := podScheduling(p)
		if s == nil {
			t.Fatal("nil scheduling")
		}
		for _, k := range s.AntiAffinity {
			if k != tally.TopologyHostname && k != tally.TopologyZone {
				t.Errorf("anti-affinity key %q kept", k)
			}
		}
		for _, c := range s.Spread {
			if why := c.Check(); why != "" {
				t.Errorf("spread %+v kept: %s", c, why)
			}
		}
	})
}

// Each anti-affinity term alone: whether it is read as one over the pod's
// own workload.
func TestPodSchedulingAntiAffinityTerms(t *testing.T) {
	own := map[string]string{"app": "web", "tier": "front"}
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tests := []struct {
		name string
		term corev1.PodAffinityTerm
		want []string
	}{
		{"own labels", corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname", LabelSelector: sel}, []string{tally.TopologyHostname}},
		{"no selector selects no pod", corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname"}, nil},
		{"empty selector selects every pod, its own too", corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{}},
			[]string{tally.TopologyHostname}},
		{"own namespace by its name label", corev1.PodAffinityTerm{TopologyKey: "topology.kubernetes.io/zone", LabelSelector: sel,
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "shop"}}}, []string{tally.TopologyZone}},
		{"namespaces by another label: cannot tell", corev1.PodAffinityTerm{TopologyKey: "topology.kubernetes.io/zone", LabelSelector: sel,
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "shop"}}}, nil},
		{"every namespace", corev1.PodAffinityTerm{TopologyKey: "topology.kubernetes.io/zone", LabelSelector: sel,
			NamespaceSelector: &metav1.LabelSelector{}}, []string{tally.TopologyZone}},
		{"own namespace named", corev1.PodAffinityTerm{TopologyKey: "topology.kubernetes.io/zone", LabelSelector: sel,
			Namespaces: []string{"other", "shop"}}, []string{tally.TopologyZone}},
		{"mismatchLabelKeys of its own label: other workloads only", corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname", LabelSelector: sel,
			MismatchLabelKeys: []string{"tier"}}, nil},
		{"another workload's labels", corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname",
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}, nil},
	}
	for _, tt := range tests {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Labels: own},
			Spec: corev1.PodSpec{Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{tt.term}}}}}
		s, problems := podScheduling(p)
		if !reflect.DeepEqual(s.AntiAffinity, tt.want) || len(problems) > 0 {
			t.Errorf("%s: anti-affinity %q (problems %q), want %q", tt.name, s.AntiAffinity, problems, tt.want)
		}
	}
}
