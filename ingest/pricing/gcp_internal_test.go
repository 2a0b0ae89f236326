package pricing

import "testing"

// TestMachineTypeMemory: memory per machine type is Compute Engine's, in
// whole MiB, including n1-highcpu's 0.9 GiB per vCPU (1,843 MiB for 2).
func TestMachineTypeMemory(t *testing.T) {
	want := map[string]int64{"n1-highcpu-2": 1843, "n1-highcpu-96": 88473, "n1-standard-1": 3840, "n2-standard-4": 16384}
	for _, fam := range []string{"n1", "n2"} {
		for _, m := range machineTypes(fam) {
			if w, ok := want[m.name]; ok {
				if got := m.memoryBytes >> 20; got != w || m.memoryBytes%(1<<20) != 0 {
					t.Errorf("%s: %d bytes (%d MiB), want %d MiB", m.name, m.memoryBytes, got, w)
				}
				delete(want, m.name)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("not listed: %v", want)
	}
}
