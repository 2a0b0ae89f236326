package report_test

import (
	"net/url"
	"testing"
)

// The dashboard aggregates by cluster, namespace, workload, pod, container
// and label, not by cloud service: a service's link with aggregate=service
// opened the Allocations page with a blank "Aggregate by". It shows the
// service's costs by namespace, in the report week.
func TestServiceLinksAggregateByNamespace(t *testing.T) {
	r := build(t, weeklyDB(t), weeklyConfig(t), "org")
	n := 0
	for _, set := range r.Movers {
		if set.Dimension != "service" {
			continue
		}
		for _, m := range set.Movers {
			n++
			u, err := url.Parse(m.Link)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("aggregate") != "namespace" || q.Get("filter") != `service:"`+m.Name+`"` || q.Get("window") != "2026-10-12T00:00:00Z,2026-10-19T00:00:00Z" {
				t.Errorf("%s: link %s; want aggregate namespace, filter service:%q and the report week", m.Name, m.Link, m.Name)
			}
		}
	}
	if n == 0 {
		t.Fatal("no service movers")
	}
}
