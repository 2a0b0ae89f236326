package attribution

import (
	"sort"
	"time"

	"github.com/tallyhq/tally"
)

// StackSpend is what a workload spent on one stack over a window.
type StackSpend struct {
	Frames  []tally.Function // leaf first
	Cost    tally.Money
	Samples int64
}

// ProfiledWorkload is a workload whose CPU profiles were costed over a
// window, with what its profiled CPU cost.
type ProfiledWorkload struct {
	Namespace string      `json:"namespace"`
	Workload  string      `json:"workload"`
	Cost      tally.Money `json:"cost"`
}

// ProfiledContainer is a workload's container, in one cluster, whose CPU
// profiles were costed over a window.
type ProfiledContainer struct {
	Cluster   tally.ClusterID
	Container string
}

// FunctionCost is a function's cost over a window: self (samples where it is
// the leaf) and total (samples where it is anywhere on the stack, counted
// once per stack even when recursive), and the same annualized.
type FunctionCost struct {
	Name         string      `json:"name"`
	Self         tally.Money `json:"self"`
	Total        tally.Money `json:"total"`
	SelfAnnual   tally.Money `json:"selfAnnual"`
	TotalAnnual  tally.Money `json:"totalAnnual"`
	SelfSamples  int64       `json:"selfSamples"`
	TotalSamples int64       `json:"totalSamples"`
}

// Functions sums stacks per function, largest total first.
func Functions(stacks []StackSpend, window time.Duration) ([]FunctionCost, error) {
	byName := map[string]*FunctionCost{}
	get := func(name string, cur tally.Currency) *FunctionCost { // zero in the stack's currency
		f := byName[name]
		if f == nil {
			f = &FunctionCost{Name: name, Self: tally.Zero(cur), Total: tally.Zero(cur)}
			byName[name] = f
		}
		return f
	}
	for _, s := range stacks {
		if len(s.Frames) == 0 {
			continue
		}
		leaf := get(s.Frames[0].String(), s.Cost.Currency())
		var err error
		if leaf.Self, err = leaf.Self.Add(s.Cost); err != nil {
			return nil, err
		}
		leaf.SelfSamples += s.Samples
		seen := map[string]bool{}
		for _, fr := range s.Frames {
			name := fr.String()
			if seen[name] {
				continue
			}
			seen[name] = true
			f := get(name, s.Cost.Currency())
			if f.Total, err = f.Total.Add(s.Cost); err != nil {
				return nil, err
			}
			f.TotalSamples += s.Samples
		}
	}
	out := make([]FunctionCost, 0, len(byName))
	for _, f := range byName {
		f.SelfAnnual, f.TotalAnnual = Annualize(f.Self, window), Annualize(f.Total, window)
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool {
		if c, _ := out[i].Total.Cmp(out[j].Total); c != 0 {
			return c > 0
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Annualize scales the cost of a window to a year (8,760 hours).
func Annualize(m tally.Money, window time.Duration) tally.Money {
	if window <= 0 {
		return m
	}
	a, err := m.MulRatio(uint64(365*24*time.Hour/time.Second), uint64(window/time.Second))
	if err != nil {
		return m
	}
	return a
}

// FlameNode is a flamegraph frame in d3-flame-graph's JSON shape: its value is
// the dollars of the stacks through it (a float for drawing; Cost is exact).
// In a differential graph Delta is head − base in dollars.
type FlameNode struct {
	Name     string       `json:"name"`
	Value    float64      `json:"value"`
	Cost     string       `json:"cost"`
	Delta    float64      `json:"delta,omitempty"`
	Samples  int64        `json:"samples"`
	Children []*FlameNode `json:"children,omitempty"`

	cost     tally.Money
	base     tally.Money
	children map[string]*FlameNode
}

// Flame builds the flamegraph of stacks (root "all").
func Flame(stacks []StackSpend) (*FlameNode, error) {
	root := newFlameNode("all")
	for _, s := range stacks {
		if err := root.addStack(s, false); err != nil {
			return nil, err
		}
	}
	root.finish(false)
	return root, nil
}

// FlameDiff builds head's flamegraph with each frame's change from base:
// widths are head's dollars, Delta is head − base (positive is more expensive).
// Frames only in base appear with zero width so removed cost stays visible.
func FlameDiff(base, head []StackSpend) (*FlameNode, error) {
	root := newFlameNode("all")
	for _, s := range head {
		if err := root.addStack(s, false); err != nil {
			return nil, err
		}
	}
	for _, s := range base {
		if err := root.addStack(s, true); err != nil {
			return nil, err
		}
	}
	root.finish(true)
	return root, nil
}

func newFlameNode(name string) *FlameNode {
	return &FlameNode{Name: name, children: map[string]*FlameNode{}}
}

func (n *FlameNode) addStack(s StackSpend, base bool) error {
	node := n
	if err := node.addCost(s, base); err != nil {
		return err
	}
	for i := len(s.Frames) - 1; i >= 0; i-- {
		name := s.Frames[i].String()
		child := node.children[name]
		if child == nil {
			child = newFlameNode(name)
			node.children[name] = child
		}
		if err := child.addCost(s, base); err != nil {
			return err
		}
		node = child
	}
	return nil
}

func (n *FlameNode) addCost(s StackSpend, base bool) error {
	var err error
	if base {
		n.base, err = n.base.Add(s.Cost)
		return err
	}
	n.cost, err = n.cost.Add(s.Cost)
	n.Samples += s.Samples
	return err
}

func (n *FlameNode) finish(diff bool) {
	n.Value, n.Cost = n.cost.Float64(), n.cost.Decimal()
	if diff {
		d, _ := n.cost.Sub(n.base)
		n.Delta = d.Float64()
	}
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := n.children[name]
		c.finish(diff)
		n.Children = append(n.Children, c)
	}
}

// StackFilter selects a workload's stack costs.
type StackFilter struct {
	Window    tally.Window // whole days
	Cluster   tally.ClusterID
	Namespace string
	Workload  string
	Container string // "" for all containers
	Image     string // "" for all images
}

// ImageSpan is a container image a workload ran, and when.
type ImageSpan struct {
	Container string    `json:"container"`
	Image     string    `json:"image"`
	First     time.Time `json:"first"` // the first day it was profiled
	Last      time.Time `json:"last"`  // the last day it was profiled
	// From and To are when the workload's pods running it in those days
	// ran: the first start and the last end (To zero while one runs, From
	// and To zero when the pods are not known).
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
}
