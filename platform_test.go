package tally

import "testing"

// TestNodeCatalogOS: a node is priced as its instance's platform when the
// catalog prices it (SQL Server on Windows, Linux and Red Hat included),
// else as its kubernetes.io/os label, not priced for a platform the catalog
// has no prices of.
func TestNodeCatalogOS(t *testing.T) {
	for _, tt := range []struct {
		operation, label string
		os               string
		priced           bool
	}{
		{"", "", "linux", true},
		{"", "Windows", "windows", true},
		{"RunInstances", "windows", "linux", true},
		{"RunInstances:0002", "", "windows", true},
		{"RunInstances:0010", "linux", "rhel", true},
		{"RunInstances:00g0", "linux", "linux", true}, // Red Hat BYOL: Linux's price
		{"RunInstances:0006", "windows", "windows-sql-std", true},
		{"RunInstances:0202", "windows", "windows-sql-web", true},
		{"RunInstances:0102", "windows", "windows-sql-ent", true},
		{"RunInstances:0004", "linux", "linux-sql-std", true},
		{"RunInstances:0200", "linux", "linux-sql-web", true},
		{"RunInstances:0100", "linux", "linux-sql-ent", true},
		{"RunInstances:0014", "linux", "rhel-sql-std", true},
		{"RunInstances:0210", "linux", "rhel-sql-web", true},
		{"RunInstances:0110", "linux", "rhel-sql-ent", true},
		{"RunInstances:1014", "linux", "linux", false}, // Red Hat with SQL Server Standard and HA
		{"RunInstances:0800", "windows", "windows", false},
		{"RunInstances:9999", "", "linux", false},
	} {
		n := Node{UsageOperation: tt.operation, Labels: map[string]string{"kubernetes.io/os": tt.label}}
		if os, priced := n.CatalogOS(); os != tt.os || priced != tt.priced {
			t.Errorf("%s labelled %q: CatalogOS() = %s, %v; want %s, %v", tt.operation, tt.label, os, priced, tt.os, tt.priced)
		}
	}
}

// TestPlatformOperation: every platform the catalog prices has the usage
// operation of OperationPlatforms that names it, Linux plain RunInstances.
func TestPlatformOperation(t *testing.T) {
	for os, platform := range CatalogPlatforms {
		op, ok := PlatformOperation(platform)
		if !ok || OperationPlatforms[op] != platform {
			t.Errorf("%s (%q): PlatformOperation = %q, %v", os, platform, op, ok)
		}
	}
	if op, _ := PlatformOperation(""); op != "RunInstances" {
		t.Errorf("Linux: PlatformOperation = %q, want RunInstances", op)
	}
	if _, ok := PlatformOperation("Plan 9"); ok {
		t.Error("an unknown platform has an operation")
	}
}
