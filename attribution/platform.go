package attribution

import (
	"strings"

	"github.com/tallyhq/tally"
)

// osLinux is the operating system of a node without a kubernetes.io/os
// label, and of a price without one.
const osLinux = "linux"

// operationOS names the catalog operating system (prices.operating_system,
// as `tally pricing sync aws --os` names them) of each EC2 usage operation
// whose licence the catalog prices, from the table "Usage operation by
// platform" of the EC2 User Guide's AMI billing information fields. Red Hat
// BYOL (RunInstances:00g0) is billed at Linux's price: its subscription is
// paid to Red Hat.
var operationOS = map[string]string{
	"RunInstances":      osLinux,
	"RunInstances:0002": "windows",
	"RunInstances:0010": "rhel",
	"RunInstances:1010": "rhel-ha",
	"RunInstances:000g": "suse",
	"RunInstances:0g00": "ubuntu-pro",
	"RunInstances:00g0": osLinux,
}

// nodeOS is the operating system a node is priced as: its instance's usage
// operation's (Node.UsageOperation, as `tally pricing platforms aws` reads
// it), else its kubernetes.io/os label's (linux, windows). priced is false
// for a usage operation the catalog has no prices of (SQL Server), which
// is priced as the label's.
func nodeOS(n *tally.Node) (os string, priced bool) {
	if os, ok := operationOS[n.UsageOperation]; ok {
		return os, true
	}
	os = osLinux
	if l := strings.ToLower(n.Labels["kubernetes.io/os"]); l != "" {
		os = l
	}
	return os, n.UsageOperation == ""
}
