package attribution

import (
	"time"

	"github.com/tallyhq/tally"
)

// CostView is a step's costs as JSON: money as exact decimal strings,
// and the resources behind them with their averages over the step.
type CostView struct {
	Start                 time.Time `json:"start"`
	End                   time.Time `json:"end"`
	CPUCost               string    `json:"cpuCost"`
	RAMCost               string    `json:"ramCost"`
	GPUCost               string    `json:"gpuCost"`
	PVCost                string    `json:"pvCost"`
	NetworkCost           string    `json:"networkCost"`
	LoadBalancerCost      string    `json:"loadBalancerCost"`
	SharedCost            string    `json:"sharedCost"`
	ExternalCost          string    `json:"externalCost"`
	OtherCost             string    `json:"otherCost"`
	IdleCost              string    `json:"idleCost"`
	TotalCost             string    `json:"totalCost"`
	CPUCoreHours          float64   `json:"cpuCoreHours"`
	CPUCoreRequestAverage float64   `json:"cpuCoreRequestAverage"`
	CPUCoreUsageAverage   float64   `json:"cpuCoreUsageAverage"`
	RAMByteHours          float64   `json:"ramByteHours"`
	RAMByteRequestAverage float64   `json:"ramByteRequestAverage"`
	RAMByteUsageAverage   float64   `json:"ramByteUsageAverage"`
	GPUHours              float64   `json:"gpuHours"`
	Efficiency            float64   `json:"efficiency"`
	Estimated             bool      `json:"estimated"`
}

// NewCostView returns c as JSON.
func NewCostView(c *StepCost) CostView {
	hours := c.Window.Duration().Hours()
	avg := func(v float64) float64 {
		if hours == 0 {
			return 0
		}
		return v / hours
	}
	return CostView{
		Start: c.Window.Start, End: c.Window.End,
		CPUCost: c.CPU.Decimal(), RAMCost: c.RAM.Decimal(), GPUCost: c.GPU.Decimal(), PVCost: c.PV.Decimal(),
		NetworkCost: c.Network.Decimal(), LoadBalancerCost: c.LoadBalancer.Decimal(), SharedCost: c.Shared.Decimal(),
		ExternalCost: c.External.Decimal(), OtherCost: c.Other.Decimal(), IdleCost: c.IdleShared.Decimal(), TotalCost: c.Total.Decimal(),
		CPUCoreHours: c.CPUCoreHours, CPUCoreRequestAverage: avg(c.CPURequestCoreHours), CPUCoreUsageAverage: avg(c.CPUUsageCoreHours),
		RAMByteHours: c.RAMByteHours, RAMByteRequestAverage: avg(c.RAMRequestByteHours), RAMByteUsageAverage: avg(c.RAMUsageByteHours),
		GPUHours: c.GPUHours, Efficiency: c.Efficiency(), Estimated: c.Estimated,
	}
}

// GroupView is a group as JSON, its keys [] when it has none.
type GroupView struct {
	Name  string     `json:"name"`
	Keys  []string   `json:"keys"`
	Total CostView   `json:"total"`
	Steps []CostView `json:"steps"`
}

// View is an aggregation as JSON, as GET /api/v1/allocations and tally
// costs --format json answer it: the query, the currency ("" when the
// groups have none), the total, and the groups.
type View struct {
	Window    tally.Window `json:"window"`
	Step      string       `json:"step"`
	Aggregate []string     `json:"aggregate"`
	Currency  string       `json:"currency"`
	Total     string       `json:"totalCost"`
	Groups    []GroupView  `json:"groups"`
}

// NewView returns the groups of q as JSON.
func NewView(q Query, groups []Group) View {
	v := View{Window: q.Window, Step: q.Step.String(), Groups: make([]GroupView, 0, len(groups))}
	if q.Step == 0 {
		v.Step = "window"
	}
	for _, d := range q.Aggregate {
		v.Aggregate = append(v.Aggregate, d.String())
	}
	var total tally.Money
	for i := range groups {
		g := &groups[i]
		// A reserved group has no keys: [], not null.
		keys := g.Keys
		if keys == nil {
			keys = []string{}
		}
		gv := GroupView{Name: g.Name, Keys: keys, Total: NewCostView(&g.Total), Steps: make([]CostView, 0, len(g.Steps))}
		for j := range g.Steps {
			gv.Steps = append(gv.Steps, NewCostView(&g.Steps[j]))
		}
		v.Groups = append(v.Groups, gv)
		total, _ = total.Add(g.Total.Total)
		if c := g.Total.Total.Currency(); c != "" {
			v.Currency = string(c)
		}
	}
	v.Total = total.Decimal()
	return v
}
