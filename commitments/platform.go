package commitments

import (
	"strings"

	"github.com/tallyhq/tally"
)

// LinuxUNIX is the platform of EC2 usage and Reserved Instances that name
// no other: Stream.Platform and Offer.Platform leave it empty, so that
// Linux/UNIX streams and pools keep the names they always had.
const LinuxUNIX = "Linux/UNIX"

// reservablePlatforms are the platforms DescribeReservedInstancesOfferings
// offers Reserved Instances for (its product-description filter's values),
// Linux/UNIX being "".
var reservablePlatforms = map[string]bool{
	"": true, "Linux with SQL Server Standard": true, "Linux with SQL Server Web": true, "Linux with SQL Server Enterprise": true,
	"SUSE Linux": true, "Red Hat Enterprise Linux": true, "Red Hat Enterprise Linux with HA": true, "Windows": true,
	"Windows with SQL Server Standard": true, "Windows with SQL Server Web": true, "Windows with SQL Server Enterprise": true,
}

// Reservable reports whether AWS sells Reserved Instances for platform p.
func Reservable(p string) bool { return reservablePlatforms[p] }

// Platform returns platform p as streams and offers carry it: "" for
// Linux/UNIX, and without the EC2-Classic era's " (Amazon VPC)" suffix
// that DescribeReservedInstances may still answer ("Windows (Amazon VPC)"
// is "Windows").
func Platform(p string) string {
	p = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(p), "(Amazon VPC)"))
	if strings.EqualFold(p, LinuxUNIX) {
		return ""
	}
	return p
}

// ProductDescription returns the name AWS gives platform p in Reserved
// Instance requests: Linux/UNIX for "".
func ProductDescription(p string) string {
	if p == "" {
		return LinuxUNIX
	}
	return p
}

// ProductDescriptionOf returns the platform of a Reserved Instance offer
// as AWS names it, and "" for other offers, which apply to every platform.
func ProductDescriptionOf(o Offer) string {
	if o.Kind != tally.CommitReserved {
		return ""
	}
	return ProductDescription(o.Platform)
}
