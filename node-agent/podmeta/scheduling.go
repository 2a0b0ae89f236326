package podmeta

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/tallyhq/tally"
)

// zoneKeys are the topology keys read as the zone (the second is the
// deprecated beta label, still set on older nodes).
var zoneKeys = []string{tally.TopologyZone, "failure-domain.beta.kubernetes.io/zone"}

// topologyKey maps a constraint's topology key to tally.TopologyHostname
// or tally.TopologyZone, or "" for keys that do not matter for packing
// (a rack, a custom domain).
func topologyKey(k string) string {
	if k == tally.TopologyHostname {
		return k
	}
	for _, z := range zoneKeys {
		if k == z {
			return tally.TopologyZone
		}
	}
	return ""
}

// podScheduling reduces pod p's scheduling constraints to what the backend
// packs by (tally.PodScheduling): required pod anti-affinity terms and
// DoNotSchedule topology spread constraints on the node or the zone whose
// label selector selects p's own labels in p's namespace — "the pod's
// workload". Terms that select other pods, namespaces it cannot tell, or
// other topology keys are left out. Values the API server would have
// refused (a selector that does not parse, a maxSkew below 1) are left out
// too, each with a reason in problems: the pod is an untrusted object.
func podScheduling(p *corev1.Pod) (s *tally.PodScheduling, problems []string) {
	s = &tally.PodScheduling{}
	if a := p.Spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		for i, t := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			key := topologyKey(t.TopologyKey)
			if key == "" || !ownNamespace(p.Namespace, t.Namespaces, t.NamespaceSelector) || mismatchesOwn(t.MismatchLabelKeys, p.Labels) {
				continue
			}
			own, err := selectsOwn(t.LabelSelector, p.Labels)
			if err != nil {
				problems = append(problems, fmt.Sprintf("podAntiAffinity required term %d: %v", i, err))
				continue
			}
			if own {
				s.AntiAffinity = append(s.AntiAffinity, key)
			}
		}
	}
	for i, c := range p.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable != corev1.DoNotSchedule {
			continue
		}
		key := topologyKey(c.TopologyKey)
		if key == "" {
			continue
		}
		own, err := selectsOwn(c.LabelSelector, p.Labels)
		if err != nil {
			problems = append(problems, fmt.Sprintf("topologySpreadConstraints[%d]: %v", i, err))
			continue
		}
		if !own {
			continue
		}
		ts := tally.TopologySpread{TopologyKey: key, MaxSkew: int(c.MaxSkew)}
		if c.MinDomains != nil {
			ts.MinDomains = int(*c.MinDomains)
		}
		if why := ts.Check(); why != "" {
			problems = append(problems, fmt.Sprintf("topologySpreadConstraints[%d]: %s", i, why))
			continue
		}
		s.Spread = append(s.Spread, ts)
	}
	s, dropped := s.Clean()
	return s, append(problems, dropped...)
}

// ownNamespace reports whether a pod affinity term's namespaces surely
// include the pod's own: none named and no selector (the pod's namespace),
// its namespace named, or an empty selector (every namespace).
func ownNamespace(ns string, names []string, sel *metav1.LabelSelector) bool {
	for _, n := range names {
		if n == ns {
			return true
		}
	}
	if sel != nil {
		// Every namespace, or the namespace's own name label.
		return len(sel.MatchExpressions) == 0 && (len(sel.MatchLabels) == 0 ||
			(len(sel.MatchLabels) == 1 && sel.MatchLabels[corev1.LabelMetadataName] == ns))
	}
	return len(names) == 0
}

// mismatchesOwn reports whether a term's mismatchLabelKeys leave out the
// pod's own workload: it selects only pods whose value of those labels
// differs from the pod's, which its replicas share.
func mismatchesOwn(keys []string, own map[string]string) bool {
	for _, k := range keys {
		if _, ok := own[k]; ok {
			return true
		}
	}
	return false
}

// selectsOwn reports whether the label selector selects the pod's own
// labels; a nil selector selects no pod.
func selectsOwn(sel *metav1.LabelSelector, own map[string]string) (bool, error) {
	if sel == nil {
		return false, nil
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, fmt.Errorf("label selector: %w", err)
	}
	return s.Matches(labels.Set(own)), nil
}

// warnScheduling logs, once per pod, the scheduling constraints of p left
// out because they are unusable.
func (m *Meta) warnScheduling(p *corev1.Pod, problems []string) {
	m.warnOnce(string(p.UID), "pod scheduling constraints ignored", "namespace", p.Namespace, "pod", p.Name, "problems", problems)
}

// warnOnce logs msg with args the first time it is called with key.
func (m *Meta) warnOnce(key, msg string, args ...any) {
	m.mu.Lock()
	seen := m.warned[key]
	m.warned[key] = true
	m.mu.Unlock()
	if !seen {
		m.log.Warn(msg, args...)
	}
}
