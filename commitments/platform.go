package commitments

import (
	"strings"

	"github.com/tallyhq/tally"
)

// LinuxUNIX is the platform of EC2 usage and Reserved Instances that name
// no other: Stream.Platform and Offer.Platform leave it empty, so that
// Linux/UNIX streams and pools keep the names they always had.
const LinuxUNIX = "Linux/UNIX"

// OperationPlatforms names the platform of EC2 instance usage by its bill
// line's operation (CUR lineItem/Operation, stored as the extra
// x_Operation), from the table "Usage operation by platform" of the EC2
// User Guide's "AMI billing information fields"
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/billing-info-fields.html).
// The platforms AWS sells Reserved Instances for are named as
// DescribeReservedInstancesOfferings' ProductDescription names them
// (SQL Server on Linux is "Linux with SQL Server Standard", not the
// table's "SQL Server Standard"); the others keep the table's name.
// Plain RunInstances is Linux/UNIX (""); an operation not listed here
// ("RunInstances:…") is a platform of its own, named by the operation.
var OperationPlatforms = map[string]string{
	"RunInstances":      "",
	"RunInstances:0002": "Windows",
	"RunInstances:0006": "Windows with SQL Server Standard",
	"RunInstances:0102": "Windows with SQL Server Enterprise",
	"RunInstances:0202": "Windows with SQL Server Web",
	"RunInstances:0800": "Windows BYOL",
	"RunInstances:0004": "Linux with SQL Server Standard",
	"RunInstances:0100": "Linux with SQL Server Enterprise",
	"RunInstances:0200": "Linux with SQL Server Web",
	"RunInstances:0010": "Red Hat Enterprise Linux",
	"RunInstances:1010": "Red Hat Enterprise Linux with HA",
	"RunInstances:0014": "Red Hat Enterprise Linux with SQL Server Standard",
	"RunInstances:0110": "Red Hat Enterprise Linux with SQL Server Enterprise",
	"RunInstances:0210": "Red Hat Enterprise Linux with SQL Server Web",
	"RunInstances:1014": "Red Hat Enterprise Linux with SQL Server Standard and HA",
	"RunInstances:1110": "Red Hat Enterprise Linux with SQL Server Enterprise and HA",
	"RunInstances:00g0": "Red Hat BYOL Linux",
	"RunInstances:000g": "SUSE Linux",
	"RunInstances:0g00": "Ubuntu Pro",
}

// DescriptionPlatforms names the platform of EC2 instance usage by the
// words of the line's AWS price description ("$0.376 per On Demand Windows
// m5.xlarge Instance Hour": Windows), for bills whose lines have no
// operation: FOCUS files from AWS, whose ChargeDescription is that
// description for covered usage too. The names are OperationPlatforms';
// words not listed are a platform of their own, named by them.
var DescriptionPlatforms = map[string]string{
	"Linux":                              "",
	"Windows":                            "Windows",
	"Windows with SQL Std":               "Windows with SQL Server Standard",
	"Windows with SQL Server Enterprise": "Windows with SQL Server Enterprise",
	"Windows with SQL Web":               "Windows with SQL Server Web",
	"Windows BYOL":                       "Windows BYOL",
	"Linux with SQL Std":                 "Linux with SQL Server Standard",
	"Linux with SQL Server Enterprise":   "Linux with SQL Server Enterprise",
	"Linux with SQL Web":                 "Linux with SQL Server Web",
	"RHEL":                               "Red Hat Enterprise Linux",
	"Red Hat Enterprise Linux with HA":   "Red Hat Enterprise Linux with HA",
	"SUSE":                               "SUSE Linux",
	"Ubuntu Pro":                         "Ubuntu Pro",
}

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
