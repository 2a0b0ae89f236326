package tally

import "strings"

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

// CatalogPlatforms maps the operating systems of the price catalog
// (prices.operating_system, as `pricing sync aws --os` names them; "" in
// catalogs older than the column) to platforms, each with its licences
// included: windows is the platform Windows, windows-sql-std Windows with
// SQL Server Standard.
var CatalogPlatforms = map[string]string{
	"":                "",
	"linux":           "",
	"windows":         "Windows",
	"rhel":            "Red Hat Enterprise Linux",
	"suse":            "SUSE Linux",
	"rhel-ha":         "Red Hat Enterprise Linux with HA",
	"ubuntu-pro":      "Ubuntu Pro",
	"windows-sql-std": "Windows with SQL Server Standard",
	"windows-sql-web": "Windows with SQL Server Web",
	"windows-sql-ent": "Windows with SQL Server Enterprise",
	"linux-sql-std":   "Linux with SQL Server Standard",
	"linux-sql-web":   "Linux with SQL Server Web",
	"linux-sql-ent":   "Linux with SQL Server Enterprise",
	"rhel-sql-std":    "Red Hat Enterprise Linux with SQL Server Standard",
	"rhel-sql-web":    "Red Hat Enterprise Linux with SQL Server Web",
	"rhel-sql-ent":    "Red Hat Enterprise Linux with SQL Server Enterprise",
}

// PlatformOperation returns the EC2 usage operation of a platform
// (OperationPlatforms' inverse): RunInstances for Linux/UNIX (""). ok is
// false for a platform OperationPlatforms does not name.
func PlatformOperation(platform string) (operation string, ok bool) {
	for op, p := range OperationPlatforms {
		if p == platform {
			return op, true
		}
	}
	return "", false
}

// CatalogOS returns the operating system of the price catalog a platform's
// usage is billed at the price of: CatalogPlatforms' inverse ("linux" for
// Linux/UNIX, ""), and Linux's for Red Hat BYOL, whose subscription is paid
// to Red Hat. ok is false for a platform the catalog has no prices of.
func CatalogOS(platform string) (os string, ok bool) {
	if platform == "Red Hat BYOL Linux" {
		platform = ""
	}
	for os, p := range CatalogPlatforms {
		if os != "" && p == platform {
			return os, true
		}
	}
	return "", false
}

// WithoutSQLServer returns the operating system of the price catalog that
// is os without its SQL Server licence (windows for windows-sql-std, linux
// for linux-sql-web), or "" for a system without SQL Server.
func WithoutSQLServer(os string) string {
	base, _, found := strings.Cut(os, "-sql-")
	if !found {
		return ""
	}
	return base
}

// OSLinux is the operating system of the price catalog of a node without
// a kubernetes.io/os label, and of a price without one.
const OSLinux = "linux"

// CatalogOS returns the operating system of the price catalog node n is
// priced as: that of its instance's usage operation's platform
// (UsageOperation, as `tally pricing platforms aws` reads it;
// OperationPlatforms, CatalogOS), else its kubernetes.io/os label's (linux,
// windows). priced is false for a usage operation the catalog has no
// prices of (Windows BYOL, Red Hat with SQL Server and HA, or one not
// listed); os is then the label's.
func (n *Node) CatalogOS() (os string, priced bool) {
	if platform, ok := OperationPlatforms[n.UsageOperation]; ok {
		if os, ok := CatalogOS(platform); ok {
			return os, true
		}
	}
	os = OSLinux
	if l := strings.ToLower(n.Labels["kubernetes.io/os"]); l != "" {
		os = l
	}
	return os, n.UsageOperation == ""
}

// CatalogOS returns the operating system of price p, lower case: linux
// for a price without one (catalogs older than the column).
func (p *InstancePrice) CatalogOS() string {
	if p.OperatingSystem == "" {
		return OSLinux
	}
	return strings.ToLower(p.OperatingSystem)
}
