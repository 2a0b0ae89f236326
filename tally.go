// Package tally holds the shared vocabulary of Tally: exact money, hours and
// windows, references to the things costs are attributed to (clusters, nodes,
// pods, containers, workloads, functions), the FOCUS-shaped cost line every
// bill is normalized to, the agent wire format, and coded errors.
//
// It imports only the standard library. Everything else in the module
// (ingest, attribution, postgres, web, …) speaks in these types.
package tally

// Version is the build's version, set with -ldflags "-X github.com/tallyhq/tally.Version=…".
var Version = "dev"

// Reserved allocation names, as OpenCost uses them.
const (
	// IdleName names the part of a node's cost that no container used or requested.
	IdleName = "__idle__"
	// SharedName names costs spread over tenants by a sharing rule.
	SharedName = "__shared__"
	// UnallocatedName names billed costs that no tag, label or resource match assigns to an owner.
	UnallocatedName = "__unallocated__"
	// UnmountedName names volume costs not mounted by any pod.
	UnmountedName = "__unmounted__"
	// UnknownFunction names a stack frame that could not be symbolized, so totals still sum.
	UnknownFunction = "[unknown]"
)
