package rightsizing

import (
	"slices"
	"testing"

	"github.com/tallyhq/tally"
)

// The explanation says CPU in millicores and memory in one binary unit on
// both sides of an arrow, as the dashboard's Right-sizing page does
// (web/ui/src/format.ts: millicores, memoryIn).
func TestExplainUnits(t *testing.T) {
	for _, tt := range []struct {
		name     string
		kind     string
		cur, rec Resources
		want     string
	}{
		{"GiB and less", "", Resources{CPURequest: 1, MemoryRequest: GiB}, Resources{CPURequest: 1.087, MemoryRequest: 710 * MiB, MemoryLimit: 1229 * MiB},
			"CPU request 1000m → 1087m, memory request 1.00 GiB → 0.69 GiB, memory limit none → 1.20 GiB (balanced, 14.0 days of history)"},
		{"tens of GiB", "", Resources{CPURequest: 6, MemoryRequest: 20 * GiB, MemoryLimit: 24 * GiB}, Resources{CPURequest: 3.9, MemoryRequest: 19883 * MiB, MemoryLimit: 19660 * MiB},
			"CPU request 6000m → 3900m, memory request 20.0 GiB → 19.4 GiB, memory limit 24.0 GiB → 19.2 GiB (balanced, 14.0 days of history)"},
		{"MiB", "", Resources{CPURequest: 0.25, MemoryRequest: 512 * MiB, MemoryLimit: 512 * MiB}, Resources{CPURequest: 0.1, MemoryRequest: 384 * MiB, MemoryLimit: 666 * MiB},
			"CPU request 250m → 100m, memory request 512 MiB → 384 MiB, memory limit 512 MiB → 666 MiB (balanced, 14.0 days of history)"},
		// A CPU limit the patch removes (cpu: null) is said, as is one it sets.
		{"CPU limit removed", "", Resources{CPURequest: 0.25, CPULimit: 0.5, MemoryRequest: 256 * MiB, MemoryLimit: 512 * MiB},
			Resources{CPURequest: 0.194, MemoryRequest: 615 * MiB, MemoryLimit: 666 * MiB},
			"CPU request 250m → 194m, CPU limit 500m → none, memory request 256 MiB → 615 MiB, memory limit 512 MiB → 666 MiB (balanced, 14.0 days of history)"},
		{"CPU limit set", "", Resources{CPURequest: 0.25, MemoryRequest: 256 * MiB}, Resources{CPURequest: 0.2, CPULimit: 0.4, MemoryRequest: 256 * MiB, MemoryLimit: 300 * MiB},
			"CPU request 250m → 200m, CPU limit none → 400m, memory request 256 MiB → 256 MiB, memory limit none → 300 MiB (balanced, 14.0 days of history)"},
		// 1.125 GiB to two places rounds up, as JavaScript's toFixed does.
		{"a half rounds up", tally.ContainerSidecar, Resources{MemoryRequest: 1152 * MiB}, Resources{CPURequest: 0.05, MemoryRequest: 1152 * MiB, MemoryLimit: 1152 * MiB},
			"native sidecar (initContainers): CPU request none → 50m, memory request 1.13 GiB → 1.13 GiB, memory limit none → 1.13 GiB (balanced, 14.0 days of history)"},
	} {
		c := ContainerResult{ContainerKind: tt.kind, Strategy: "balanced", Current: tt.cur,
			Recommendation: Recommendation{Resources: tt.rec, Confidence: 14}}
		if got := c.Explain(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// The notes that name amounts say them as the explanation does.
func TestNotesUnits(t *testing.T) {
	p := Balanced
	p.MinCPU, p.MinMemory = 1, 64*MiB
	h := steadyHistory(7, 0.001, 1*MiB)
	r := p.Recommend(h, end(h))
	for _, want := range []string{"CPU request raised to the minimum 1000m", "memory request raised to the minimum 64.0 MiB"} {
		if !slices.Contains(r.Notes, want) {
			t.Errorf("notes %q; want %q", r.Notes, want)
		}
	}
}
