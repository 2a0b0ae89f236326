package rightsizing

import (
	"flag"
	"os"
	"testing"

	"github.com/tallyhq/tally"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestPatches(t *testing.T) {
	api := tally.WorkloadRef{Cluster: "prod", Namespace: "shop", Kind: tally.KindDeployment, Name: "api"}
	job := tally.WorkloadRef{Cluster: "prod", Namespace: "etl", Kind: tally.KindCronJob, Name: "nightly"}
	results := []ContainerResult{
		{Workload: api, Container: "envoy", Current: Resources{CPURequest: 0.1, MemoryRequest: 64 * MiB},
			Recommendation: Recommendation{Resources: Resources{CPURequest: 0.05, MemoryRequest: 48 * MiB, MemoryLimit: 64 * MiB}, Confidence: 1.0 / 24}, MonthlySavings: usd("1.5")},
		{Workload: api, Container: "api", Current: Resources{CPURequest: 2, CPULimit: 4, MemoryRequest: 4 * GiB, MemoryLimit: 4 * GiB},
			Recommendation: Recommendation{Resources: Resources{CPURequest: 0.35, MemoryRequest: 1100 * MiB, MemoryLimit: 1536 * MiB}, Confidence: 14}, MonthlySavings: usd("96.42")},
		{Workload: job, Container: "etl", Current: Resources{CPURequest: 1, MemoryRequest: 2 * GiB},
			Recommendation: Recommendation{Resources: Resources{CPURequest: 1.5, CPULimit: 3, MemoryRequest: 3 * GiB, MemoryLimit: 4 * GiB}, Confidence: 14}, MonthlySavings: usd("-20")},
		{Workload: tally.WorkloadRef{Cluster: "prod", Namespace: "x", Kind: tally.KindPod, Name: "bare"}, Container: "c"},
	}
	patches, err := Patches(results)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for _, p := range patches {
		got = append(got, "# "+p.Command+"\n"...)
		got = append(got, p.YAML...)
		got = append(got, "---\n"...)
	}
	const golden = "testdata/patches.golden.yaml"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("patches differ from %s (rerun with -update after checking):\n%s", golden, got)
	}
}

func TestQuantities(t *testing.T) {
	for _, tt := range []struct {
		cores float64
		want  string
	}{{2, "2"}, {0.25, "250m"}, {1.5, "1500m"}, {0.0105, "11m"}} {
		if got := FormatCPU(roundCPU(tt.cores)); got != tt.want {
			t.Errorf("FormatCPU(%v) = %s, want %s", tt.cores, got, tt.want)
		}
	}
	for _, tt := range []struct {
		bytes int64
		want  string
	}{{2 * GiB, "2Gi"}, {768 * MiB, "768Mi"}, {roundMemory(1e9), "954Mi"}, {1000, "1000"}} {
		if got := FormatMemory(tt.bytes); got != tt.want {
			t.Errorf("FormatMemory(%v) = %s, want %s", tt.bytes, got, tt.want)
		}
	}
}
