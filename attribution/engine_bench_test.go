package attribution

import (
	"fmt"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// fleetInput is one hour of 1,000 eight-core nodes running 10,000 pods of two containers.
func fleetInput() Input {
	in := Input{
		Window:   tally.Window{Start: t0, End: t0.Add(time.Hour)},
		Clusters: []tally.Cluster{{ID: "c", Name: "c", Provider: "aws", BillingAccountID: "A"}},
	}
	for i := 0; i < 1000; i++ {
		name := fmt.Sprintf("n%d", i)
		in.Nodes = append(in.Nodes, tally.Node{Cluster: "c", UID: name, Name: name, InstanceID: "i-" + name, CPUCores: 8, MemoryBytes: 32 << 30, ValidFrom: t0.Add(-time.Hour)})
		in.Lines = append(in.Lines, tally.CostLine{BillingAccountID: "A", ChargeCategory: tally.ChargeUsage, ChargePeriodStart: t0, ChargePeriodEnd: t0.Add(time.Hour),
			ResourceID: "i-" + name, EffectiveCost: usd("0.384"), BilledCost: usd("0.384"), ListCost: usd("0.384")})
	}
	for p := 0; p < 10000; p++ {
		uid := fmt.Sprint("p", p)
		in.Pods = append(in.Pods, tally.Pod{Ref: tally.PodRef{Cluster: "c", Namespace: fmt.Sprint("ns", p%50), Name: uid, UID: uid},
			NodeName: fmt.Sprint("n", p%1000), OwnerKind: tally.KindDeployment, OwnerName: fmt.Sprint("w", p/5), ValidFrom: t0.Add(-time.Hour),
			Containers: []tally.Container{{Name: "app", CPURequest: 0.5, MemoryRequest: 1 << 30}, {Name: "sidecar", CPURequest: 0.1, MemoryRequest: 128 << 20}}})
		for _, c := range []string{"app", "sidecar"} {
			in.Usage = append(in.Usage, HourUsage{Cluster: "c", PodUID: uid, Container: c, Hour: tally.HourOf(t0), CPUCoreSeconds: 1000, MemoryByteSeconds: 3600 << 29})
		}
	}
	return in
}

// BenchmarkEngineHour is the engine's compute for one hour of a 1,000-node,
// 20,000-container fleet, without the database.
func BenchmarkEngineHour(b *testing.B) {
	in := fleetInput()
	e := NewEngine(Policy{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if _, err := e.Run(in, func(_ tally.Hour, as []tally.Allocation) error { n += len(as); return nil }); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "allocations/op")
	}
}
