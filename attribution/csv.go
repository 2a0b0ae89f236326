package attribution

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/tallyhq/tally/internal/csvtable"
)

// WriteCSV writes one row per group and step, its amounts in the row's
// currency (the bill's: a group is never in two). Names come from clusters and
// bills, so a cell a spreadsheet would run as a formula is prefixed with a quote.
func WriteCSV(w io.Writer, q Query, groups []Group) error {
	cw := csv.NewWriter(w)
	head := []string{"name"}
	for _, d := range q.Aggregate {
		head = append(head, d.String())
	}
	head = append(head, "start", "end", "currency", "cpu_cost", "ram_cost", "gpu_cost", "pv_cost", "network_cost", "load_balancer_cost",
		"shared_cost", "external_cost", "other_cost", "idle_cost", "total_cost", "cpu_core_hours", "cpu_core_request_average",
		"cpu_core_usage_average", "ram_byte_hours", "ram_byte_request_average", "ram_byte_usage_average", "gpu_hours", "efficiency", "estimated")
	if err := cw.Write(head); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
	for i := range groups {
		g := &groups[i]
		for j := range g.Steps {
			c := &g.Steps[j]
			hours := c.Window.Duration().Hours()
			avg := func(v float64) string {
				if hours == 0 {
					return "0"
				}
				return f(v / hours)
			}
			rec := []string{csvtable.Text(g.Name)}
			for k := range q.Aggregate {
				key := ""
				if k < len(g.Keys) {
					key = g.Keys[k]
				}
				rec = append(rec, csvtable.Text(key))
			}
			rec = append(rec, c.Window.Start.Format(time.RFC3339), c.Window.End.Format(time.RFC3339),
				string(c.Currency()), c.CPU.Decimal(), c.RAM.Decimal(), c.GPU.Decimal(), c.PV.Decimal(), c.Network.Decimal(), c.LoadBalancer.Decimal(),
				c.Shared.Decimal(), c.External.Decimal(), c.Other.Decimal(), c.IdleShared.Decimal(), c.Total.Decimal(),
				f(c.CPUCoreHours), avg(c.CPURequestCoreHours), avg(c.CPUUsageCoreHours), f(c.RAMByteHours),
				avg(c.RAMRequestByteHours), avg(c.RAMUsageByteHours), f(c.GPUHours), f(c.Efficiency()), strconv.FormatBool(c.Estimated))
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
