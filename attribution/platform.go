package attribution

import (
	"strings"

	"github.com/tallyhq/tally"
)

// osLinux is the operating system of a node without a kubernetes.io/os
// label, and of a price without one.
const osLinux = "linux"

// nodeOS is the operating system a node is priced as: that of its
// instance's usage operation's platform (Node.UsageOperation, as `tally
// pricing platforms aws` reads it; tally.OperationPlatforms,
// tally.CatalogOS), else its kubernetes.io/os label's (linux, windows).
// priced is false for a usage operation the catalog has no prices of (SQL
// Server, or one not listed), which is priced as the label's.
func nodeOS(n *tally.Node) (os string, priced bool) {
	if platform, ok := tally.OperationPlatforms[n.UsageOperation]; ok {
		if os, ok := tally.CatalogOS(platform); ok {
			return os, true
		}
	}
	os = osLinux
	if l := strings.ToLower(n.Labels["kubernetes.io/os"]); l != "" {
		os = l
	}
	return os, n.UsageOperation == ""
}
