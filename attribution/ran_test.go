package attribution

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestAllocationsRecordWhenTheyRan: a container that ran part of the hour
// (its pod started or stopped in it, or its node did) records when, and a
// node's idle when its node ran; one that ran the whole hour, and rows of
// costs outside nodes, record nothing (the whole hour). What they cost is
// what the seconds they ran weigh, as before.
func TestAllocationsRecordWhenTheyRan(t *testing.T) {
	c := func(name string) tally.Container {
		return tally.Container{Name: name, CPURequest: 0.5, MemoryRequest: gib}
	}
	s := newScenario().
		node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
		node("n2", "i-2", 2, 8*gib, 0, t0.Add(-time.Hour), t0.Add(50*time.Minute)). // stopped at 10:50
		pod("shop", "whole", "n1", t0.Add(-time.Hour), time.Time{}, c("app")).
		pod("shop", "short", "n1", t0.Add(20*time.Minute), t0.Add(40*time.Minute), c("app")).
		pod("shop", "late", "n2", t0.Add(30*time.Minute), time.Time{}, c("app")). // until its node stopped
		line("BoxUsage:m5.large", "i-1", "0.10", "0.10", t0, t0.Add(time.Hour), nil).
		line("BoxUsage:m5.large", "i-2", "0.10", "0.10", t0, t0.Add(time.Hour), nil).
		line("NatGateway-Hours", "nat-1", "0.05", "0.05", t0, t0.Add(time.Hour), map[string]string{"kubernetes.io/cluster/prod": "owned"})
	at := func(m time.Duration) time.Time { return t0.Add(m * time.Minute) }
	want := map[string]tally.Window{
		"n1/whole":    {},
		"n1/short":    {Start: at(20), End: at(40)},
		"n2/late":     {Start: at(30), End: at(50)},
		"n1/__idle__": {},
		"n2/__idle__": {Start: t0, End: at(50)},
		"/":           {}, // the NAT gateway, on the cluster
	}
	seen := map[string]bool{}
	for _, a := range run(t, NewEngine(simplePolicy), s.in) {
		k := a.Node + "/" + a.Pod
		if a.Container == tally.IdleName {
			k = a.Node + "/" + a.Container
		}
		w, ok := want[k]
		if !ok {
			t.Errorf("unexpected allocation %s %s: %+v", k, a.CostKind, a)
			continue
		}
		seen[k] = true
		if a.Ran != w {
			t.Errorf("%s %s: ran %v, want %v", k, a.CostKind, a.Ran, w)
		}
		if a.Pod == "short" && a.CostKind == tally.CostCPU && a.CPURequestCoreHours != 0.5/3 {
			t.Errorf("short: %v CPU core-hours requested, want %v (20 minutes of half a core)", a.CPURequestCoreHours, 0.5/3)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("no allocation %s", k)
		}
	}
}
