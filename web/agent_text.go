package web

import (
	"strings"
	"unicode/utf8"

	"github.com/tallyhq/tally"
)

// storable returns s as PostgreSQL text and jsonb can hold it: invalid
// UTF-8 and NUL (which neither can) become U+FFFD. A batch carries names
// that nobody validated as text: pod annotations and images are free-form,
// a JIT's perf map and a binary's symbols are written by the workload. One
// the database refuses would fail the whole batch with a server error,
// which the agent retries for ever, holding up every later batch.
func storable(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// storableMap applies storable to the keys and values of m, returning m
// itself when they are all storable already.
func storableMap(m map[string]string) map[string]string {
	clean := true
	for k, v := range m {
		if storable(k) != k || storable(v) != v {
			clean = false
			break
		}
	}
	if clean {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[storable(k)] = storable(v)
	}
	return out
}

// makeStorable applies storable to every string of b that is stored, before
// b is validated (so two names that become one are found duplicate).
func makeStorable(b *tally.AgentBatch) {
	n := &b.Node
	for _, s := range []*string{&n.Name, &n.UID, &n.ProviderID, &n.InstanceType, &n.Region, &n.Zone, &n.Lifecycle} {
		*s = storable(*s)
	}
	n.Labels = storableMap(n.Labels)
	for i := range b.Intervals {
		for j := range b.Intervals[i].Containers {
			c := &b.Intervals[i].Containers[j]
			c.PodUID, c.Container = storable(c.PodUID), storable(c.Container)
		}
	}
	for i := range b.Pods {
		p := &b.Pods[i]
		for _, s := range []*string{&p.UID, &p.Namespace, &p.Name, &p.OwnerKind, &p.OwnerName} {
			*s = storable(*s)
		}
		p.Labels, p.Annotations = storableMap(p.Labels), storableMap(p.Annotations)
		if a := p.Autoscaling; a != nil && a.HPA != nil {
			a.HPA.Name = storable(a.HPA.Name)
		}
		for j := range p.Containers {
			c := &p.Containers[j]
			c.Name, c.ID, c.Image = storable(c.Name), storable(c.ID), storable(c.Image)
		}
	}
}
