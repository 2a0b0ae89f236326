package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/csvtable"
	"github.com/tallyhq/tally/rightsizing"
)

// writeRecommendations prints the container recommendations (and node plans).
func writeRecommendations(a *app, res *rightsizeResult, format string) error {
	switch format {
	case "json":
		out := *res // empty lists as [], not null
		if out.Containers == nil {
			out.Containers = []rightsizing.ContainerResult{}
		}
		if out.Nodes == nil {
			out.Nodes = []rightsizing.NodePlan{}
		}
		return writeJSON(a.stdout, &out)
	case "yaml":
		patches, err := rightsizing.Patches(res.Containers)
		if err != nil {
			return err
		}
		for i, p := range patches {
			if i > 0 {
				fmt.Fprintln(a.stdout, "---")
			}
			// Its command names the file --patch-dir would write it to.
			fmt.Fprintf(a.stdout, "# save this document as %s (--patch-dir DIR writes each patch to its file), then:\n# %s\n%s", p.File, p.Command, p.YAML)
		}
		return nil
	case "csv":
		cw := csv.NewWriter(a.stdout)
		cw.Write([]string{"cluster", "namespace", "kind", "workload", "container", "replicas", "cpu_request", "cpu_request_recommended",
			"memory_request", "memory_request_recommended", "memory_limit", "memory_limit_recommended", "confidence_days", "monthly_savings", "currency", "container_kind", "oom_kills",
			"cpu_limit", "cpu_limit_recommended"})
		for _, c := range res.Containers {
			r := c.Recommendation.Resources
			cw.Write([]string{csvtable.Text(string(c.Workload.Cluster)), csvtable.Text(c.Workload.Namespace), csvtable.Text(c.Workload.Kind), csvtable.Text(c.Workload.Name),
				csvtable.Text(c.Container), f64(c.Replicas),
				f64(c.Current.CPURequest), f64(r.CPURequest), strconv.FormatInt(c.Current.MemoryRequest, 10), strconv.FormatInt(r.MemoryRequest, 10),
				strconv.FormatInt(c.Current.MemoryLimit, 10), strconv.FormatInt(r.MemoryLimit, 10), f64(c.Recommendation.Confidence),
				c.MonthlySavings.Decimal(), string(c.MonthlySavings.Currency()), c.ContainerKind, strconv.Itoa(c.Recommendation.OOMKills),
				f64(c.Current.CPULimit), f64(r.CPULimit)})
		}
		cw.Flush()
		if n := len(res.Nodes); n > 0 {
			// A CSV has one shape of row: the node plans would be another.
			fmt.Fprintf(a.stderr, "the CSV has the containers only: %s are in the table and in --format json\n", countText(n, "node plan"))
		}
		return cw.Error()
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tWORKLOAD\tCONTAINER\tREPLICAS\tCPU REQUEST\tMEMORY REQUEST\tMEMORY LIMIT\tCONFIDENCE\tSAVES/MONTH")
	var totals savingTotals // per currency, as the API totals
	low := 0
	for _, c := range res.Containers {
		r := c.Recommendation.Resources
		name := c.Container
		if c.ContainerKind == tally.ContainerSidecar {
			name += " (sidecar)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", tableCell(string(c.Workload.Cluster)), tableCell(c.Workload.String()),
			tableCell(name), replicasText(c.Replicas), rightsizing.CPUChange(c.Current.CPURequest, r.CPURequest),
			rightsizing.MemoryChange(c.Current.MemoryRequest, r.MemoryRequest), rightsizing.MemoryChange(c.Current.MemoryLimit, r.MemoryLimit),
			confidenceText(&c.Recommendation), moneyText(c.MonthlySavings))
		if c.Recommendation.LowConfidence() {
			low++
		}
		if err := totals.add(c.MonthlySavings); err != nil {
			return fmt.Errorf("saving of %s: %w", c.Workload, err)
		}
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "\n%s; total saving %s a month%s\n", countText(len(res.Containers), "container"), totalsText(&totals.saved),
		totals.addedText("it needs more than it requests", "they need more than they request"))
	if low > 0 {
		fmt.Fprintf(a.stdout, "%d recommended from less than %d days of history: low confidence, their bounds are wide (--format json shows them and the notes)\n",
			low, rightsizing.MinConfidentDays)
	}
	var oom []string
	for _, c := range res.Containers {
		if n := c.Recommendation.OOMKills; n > 0 {
			oom = append(oom, fmt.Sprintf("%s/%s/%s (%d kills, memory limit %s)", c.Workload.Cluster, c.Workload, c.Container, n,
				rightsizing.MemoryChange(c.Current.MemoryLimit, c.Recommendation.Resources.MemoryLimit)))
		}
	}
	if len(oom) > 0 {
		// Listed apart: their saving may be small, their risk is not.
		fmt.Fprintf(a.stdout, "%s: %s\n", byCount(len(oom), "1 container was OOM-killed in the history; apply its recommendation first, it raises memory",
			"%d containers were OOM-killed in the history; apply these first, they raise memory"), strings.Join(oom, "; "))
	}
	if unlimited := cpuLimitsRemoved(res.Containers); len(unlimited) > 0 {
		fmt.Fprintf(a.stdout, "%s; a CPU limit throttles a container even when its node has CPU to spare): %s\n",
			byCount(len(unlimited), "1 container's CPU limit is removed (its patch sets cpu: null", "%d containers' CPU limits are removed (their patches set cpu: null"),
			strings.Join(unlimited, "; "))
	}
	var scaled []string
	seen := map[tally.WorkloadRef]bool{}
	for _, c := range res.Containers {
		if r := c.ReplicasVary; len(r) == 2 && !seen[c.Workload] {
			seen[c.Workload] = true
			scaled = append(scaled, fmt.Sprintf("%s/%s (%d–%d)", c.Workload.Cluster, c.Workload, r[0], r[1]))
		}
	}
	if len(scaled) > 0 {
		slices.Sort(scaled)
		fmt.Fprintf(a.stdout, "%d workloads' replica counts varied as an autoscaler's do, with no HPA known (their agents reported none, or could not list HPAs); "+
			"if an HPA scales one, name it with --hpa NS/KIND/NAME=cpu:PCT (a smaller request makes an HPA on CPU add replicas): %s\n", len(scaled), strings.Join(scaled, "; "))
	}
	if hpas := agentHPAs(res.Containers); len(hpas) > 0 {
		fmt.Fprintf(a.stdout, "%d workloads right-sized for the HPA their agents reported (--hpa overrides one): %s\n", len(hpas), strings.Join(hpas, "; "))
	}
	if n := len(res.Skipped); n > 0 {
		var names []string
		for _, s := range res.Skipped {
			mem := rightsizing.MemoryIn(s.Current.MemoryRequest, s.PeakMemory) // one unit for both
			names = append(names, fmt.Sprintf("%s/%s/%s (requests %s, %s; peak %s, %s)", s.Workload.Cluster, s.Workload, s.Container,
				rightsizing.Millicores(s.Current.CPURequest), mem[0], rightsizing.Millicores(s.PeakCPU), mem[1]))
		}
		fmt.Fprintf(a.stdout, "%s not right-sized (they run to completion before the pod's containers start; VPA and KRR leave them alone too): %s\n",
			countText(n, "init container"), strings.Join(names, "; "))
	}
	if len(res.Nodes) > 0 {
		var nodeTotals savingTotals
		fmt.Fprintln(a.stdout)
		tw = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CLUSTER\tNODE GROUP\tNOW\tPLANNED\tNOW/MONTH\tPLANNED/MONTH\tSAVES/MONTH")
		for _, n := range res.Nodes {
			now, planned := nodeCounts(n.Current), plannedCounts(n.Planned)
			if a := n.Averaged; a != nil {
				// The amounts are averages over the history: say how many nodes ran.
				now += fmt.Sprintf(" (avg %.2f)", a.CurrentNodes)
				planned += fmt.Sprintf(" at peak (avg %.2f)", a.PlannedNodes)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", tableCell(string(n.Cluster)), tableCell(n.Group), now, planned,
				moneyText(n.CurrentMonthly), moneyText(n.PlannedMonthly), moneyText(n.MonthlySavings))
			if err := nodeTotals.add(n.MonthlySavings); err != nil {
				return fmt.Errorf("saving of node group %s/%s: %w", n.Cluster, n.Group, err)
			}
		}
		tw.Flush()
		// The plans pack the pods at the recommended requests: their saving
		// includes the containers' (it is where the containers' is paid).
		fmt.Fprintf(a.stdout, "\n%s; total saving %s a month with the pods at the recommended requests above: "+
			"it includes the containers' saving, do not add the two%s\n", countText(len(res.Nodes), "node group"), totalsText(&nodeTotals.saved),
			nodeTotals.addedText("", ""))
		writeNodesKept(a.stdout, res.Nodes)
		writeCommittedNotes(a.stdout, res.Nodes)
	}
	return nil
}

// cpuLimitsRemoved names the containers whose CPU limit the
// recommendation drops, with the limit: "prod/shop/Deployment/api/api (500m)".
func cpuLimitsRemoved(cs []rightsizing.ContainerResult) []string {
	var out []string
	for _, c := range cs {
		if c.Current.CPULimit > 0 && c.Recommendation.Resources.CPULimit == 0 {
			out = append(out, fmt.Sprintf("%s/%s/%s (%s)", c.Workload.Cluster, c.Workload, c.Container, rightsizing.Millicores(c.Current.CPULimit)))
		}
	}
	return out
}

// savingTotals total the recommendations that save apart from what those
// that cost more add, per currency, as the API's monthlySavings do: netted,
// a saving reads less than the others save.
type savingTotals struct {
	saved, added currencyTotals
	costlier     int // recommendations that cost more
}

func (t *savingTotals) add(m tally.Money) error {
	if m.Sign() < 0 {
		// A saving of zero in its currency when nothing else saves.
		t.costlier++
		return errors.Join(t.saved.add(tally.Zero(m.Currency())), t.added.add(m.Neg()))
	}
	return t.saved.add(m)
}

// addedText says what the recommendations that cost more add, with why
// (one's or several's), or "" when none does: "; 1 costs $4.53 a month
// more (it needs more than it requests)".
func (t *savingTotals) addedText(whyOne, whyMany string) string {
	if t.costlier == 0 {
		return ""
	}
	verb, why := "cost", whyMany
	if t.costlier == 1 {
		verb, why = "costs", whyOne
	}
	if why != "" {
		why = " (" + why + ")"
	}
	return fmt.Sprintf("; %d %s %s a month more%s", t.costlier, verb, totalsText(&t.added), why)
}

// agentHPAs names the workloads right-sized for an HPA their agents
// reported, with its targets: "prod/shop/Deployment/api (cpu 70%, 2–10
// replicas)".
func agentHPAs(cs []rightsizing.ContainerResult) []string {
	var out []string
	seen := map[tally.WorkloadRef]bool{}
	for _, c := range cs {
		h := c.HPA
		if h == nil || c.HPASource != rightsizing.HPASourceAgent || seen[c.Workload] {
			continue
		}
		seen[c.Workload] = true
		var on []string
		if h.CPUTargetUtilization > 0 {
			on = append(on, fmt.Sprintf("cpu %.0f%%", h.CPUTargetUtilization*100))
		}
		if h.MemoryTargetUtilization > 0 {
			on = append(on, fmt.Sprintf("memory %.0f%%", h.MemoryTargetUtilization*100))
		}
		if h.OtherMetrics {
			on = append(on, "other metrics")
		}
		if h.MaxReplicas > 0 {
			on = append(on, fmt.Sprintf("%d–%d replicas", h.MinReplicas, h.MaxReplicas))
		}
		out = append(out, fmt.Sprintf("%s/%s (%s)", c.Workload.Cluster, c.Workload, strings.Join(on, ", ")))
	}
	slices.Sort(out)
	return out
}

// countText counts n of noun: "1 node group", "3 node groups".
func countText(n int, noun string) string {
	return byCount(n, "1 "+noun, "%d "+noun+"s")
}

// byCount is one when n is 1, else many with n written in its %d.
func byCount(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf(many, n)
}

// replicasText is the REPLICAS column: the average replicas to one decimal,
// or two when they round below one (a CronJob running an hour a day
// averages 0.04, not 0.0; a pod that ran all but seconds of the history,
// 0.9999983, is 1.0 as a whole one is).
func replicasText(r float64) string {
	if s := strconv.FormatFloat(r, 'f', 2, 64); strings.HasPrefix(s, "0.") {
		return s
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// confidenceText is the CONFIDENCE column: the history in days ("14.0d"),
// or hours below a day ("1.0h"), marked "low" below
// rightsizing.MinConfidentDays.
func confidenceText(r *rightsizing.Recommendation) string {
	s := rightsizing.FormatHistoryShort(r.Confidence)
	if r.LowConfidence() {
		s += " low"
	}
	return s
}

// totalsText lists one total per currency, in currency order: "€50.00, $110.00".
func totalsText(totals *currencyTotals) string {
	var sums []tally.Money
	totals.each(func(m tally.Money) { sums = append(sums, m) })
	if len(sums) == 0 {
		return "0"
	}
	slices.SortFunc(sums, func(a, b tally.Money) int { return strings.Compare(string(a.Currency()), string(b.Currency())) })
	parts := make([]string, len(sums))
	for i, m := range sums {
		parts[i] = moneyText(m)
	}
	return strings.Join(parts, ", ")
}

func nodeCounts(ns []rightsizing.NodeCount) string {
	if len(ns) == 0 {
		return "none"
	}
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprintf("%d×%s/%s", n.Count, n.Type, n.Purchase))
	}
	return strings.Join(parts, " ")
}

// plannedCounts is the PLANNED column: the nodes planned, or "none (remove
// the group)" for a group the plan empties.
func plannedCounts(ns []rightsizing.PlannedNodes) string {
	if len(ns) == 0 {
		return "none (remove the group)"
	}
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprintf("%d×%s/%s", n.Count, n.Type, n.Purchase))
	}
	return strings.Join(parts, " ")
}

// writePatchDir writes one patch file per workload.
func writePatchDir(dir string, results []rightsizing.ContainerResult) error {
	patches, err := rightsizing.Patches(results)
	if err != nil {
		return err
	}
	if err := mkdirOutput("--patch-dir", dir); err != nil {
		return err
	}
	for _, p := range patches {
		if err := writeOutput(filepath.Join(dir, p.File), append([]byte("# "+p.Command+"\n"), p.YAML...)); err != nil {
			return fmt.Errorf("write patch: %w", err)
		}
	}
	return nil
}
