package commitments

import (
	"fmt"
	"strings"

	"github.com/tallyhq/tally"
)

// Stream is one kind of eligible usage: an instance type (or machine type)
// in a region of a provider, and for AWS EC2 instances the platform (the
// operating system and licensed software) they run. Usage files, billing
// and the simulator speak in streams; commitments apply to the streams
// their scope covers.
type Stream struct {
	Provider     string `json:"provider"`
	Region       string `json:"region"`
	InstanceType string `json:"instanceType"`
	Platform     string `json:"platform,omitempty"` // "Windows", "Red Hat Enterprise Linux", …; "" for Linux/UNIX and usage without one (GCP, Fargate)
}

// Family returns the stream's instance family: "m5" for m5.xlarge, "n2"
// for n2-standard-4.
func (s Stream) Family() string { return Family(s.InstanceType) }

// String formats the stream as provider/region/instanceType, followed by
// /platform when it has one other than Linux/UNIX.
func (s Stream) String() string {
	if s.Platform != "" {
		return s.Provider + "/" + s.Region + "/" + s.InstanceType + "/" + s.Platform
	}
	return s.Provider + "/" + s.Region + "/" + s.InstanceType
}

// Family returns an instance type's family: the part before the first "."
// (AWS m5.xlarge → m5) or "-" (GCP n2-standard-4 → n2), lower-cased.
func Family(instanceType string) string {
	t := strings.ToLower(instanceType)
	if i := strings.IndexAny(t, ".-"); i >= 0 {
		return t[:i]
	}
	return t
}

// Offer is a commitment product: its kind, term and payment option, and the
// scope its discount applies to (empty scope fields match anything).
type Offer struct {
	Provider     string `json:"provider"`
	Kind         string `json:"kind"` // tally.CommitComputeSP, tally.CommitEC2SP, tally.CommitReserved, tally.CommitCUDFlexible, tally.CommitCUDResource
	TermMonths   int    `json:"termMonths"`
	Payment      string `json:"paymentOption"` // No Upfront, Partial Upfront, All Upfront
	Region       string `json:"region,omitempty"`
	Family       string `json:"family,omitempty"`
	InstanceType string `json:"instanceType,omitempty"`
	Platform     string `json:"platform,omitempty"`         // Reserved Instances: the platform they apply to ("Windows", …); "" for Linux/UNIX
	Zone         string `json:"availabilityZone,omitempty"` // zonal Reserved Instances: their zone; "" for regional ones
	Tenancy      string `json:"tenancy,omitempty"`          // Reserved Instances: "dedicated" or "host"; "" for default tenancy
}

// Payment options, as AWS names them.
const (
	NoUpfront      = "No Upfront"
	PartialUpfront = "Partial Upfront"
	AllUpfront     = "All Upfront"
)

// String names the offer, e.g. "ec2-instance-savings-plan 12m us-east-1/m5"
// or "reserved-instance 12m us-east-1/m5/m5.xlarge/Windows".
func (o Offer) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %dm", o.Kind, o.TermMonths)
	sep := " "
	for _, x := range []string{o.Region, o.Zone, o.Family, o.InstanceType, o.Platform, o.Tenancy} {
		if x != "" {
			b.WriteString(sep + x)
			sep = "/"
		}
	}
	return b.String()
}

// Covers reports whether the offer's discount applies to stream s.
func (o Offer) Covers(s Stream) bool {
	if o.Provider != s.Provider {
		return false
	}
	switch o.Kind {
	case tally.CommitComputeSP:
		return true // any region, family, size, OS, and Fargate/Lambda
	case tally.CommitEC2SP, tally.CommitCUDResource:
		return o.Region == s.Region && o.Family == s.Family()
	case tally.CommitReserved: // of one platform: a Linux/UNIX one never applies to Windows usage
		if o.Region != s.Region || o.Platform != s.Platform {
			return false
		}
		return strings.EqualFold(o.InstanceType, s.InstanceType) || o.SizeFlexible() && Family(o.InstanceType) == s.Family()
	case tally.CommitCUDFlexible: // one whose bill names no region is taken to apply anywhere
		return o.Region == "" || o.Region == s.Region
	}
	return false
}

// SizeFlexible reports whether o is a Reserved Instance that applies to
// every size of its family in its region, as AWS applies a regional
// Linux/UNIX one of default tenancy
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/reserved-instances-scope.html).
// It applies in normalized units, which are in proportion to the family's
// Linux/UNIX on-demand prices, so it covers as many on-demand dollars of
// any size as of its own. A zonal one, or one of another platform or
// tenancy, covers its own instance type only.
func (o Offer) SizeFlexible() bool {
	return o.Provider == tally.ProviderAWS && o.Kind == tally.CommitReserved && o.Platform == "" && o.Zone == "" && o.Tenancy == ""
}

// Rank is the order in which providers apply commitments in an hour: lower
// first. AWS applies Reserved Instances, then EC2 Instance Savings Plans,
// then Compute Savings Plans; GCP resource-based CUDs before spend-based ones.
func Rank(kind string) int {
	switch kind {
	case tally.CommitReserved, tally.CommitCUDResource:
		return 0
	case tally.CommitEC2SP:
		return 1
	}
	return 2
}

// appliedBefore reports whether AWS applies commitments of offer a before
// those of b in an hour: by Rank, and among Reserved Instances the zonal
// ones before the regional ones.
func appliedBefore(a, b Offer) bool {
	if ra, rb := Rank(a.Kind), Rank(b.Kind); ra != rb {
		return ra < rb
	}
	return a.Zone != "" && b.Zone == ""
}

// OfferOf returns the offer a stored commitment was bought as. A Reserved
// Instance whose scope names no platform is a Linux/UNIX one.
func OfferOf(c tally.Commitment) Offer {
	o := Offer{Provider: c.Provider, Kind: c.Kind, TermMonths: c.TermMonths, Payment: c.PaymentOption,
		Region: c.Scope["region"], Family: c.Scope["family"], InstanceType: c.Scope["instanceType"]}
	if o.Kind == tally.CommitReserved {
		o.Platform = Platform(c.Scope["platform"])
		o.Zone = c.Scope["availabilityZone"]
		if t := strings.ToLower(c.Scope["tenancy"]); t != "default" {
			o.Tenancy = t
		}
	}
	if o.Family == "" && o.InstanceType != "" && o.Kind != tally.CommitComputeSP && o.Kind != tally.CommitCUDFlexible {
		o.Family = Family(o.InstanceType)
	}
	if o.Kind == tally.CommitComputeSP {
		o.Region, o.Family, o.InstanceType = "", "", ""
	}
	return o
}

// Scope returns the offer's scope as stored in tally.Commitment.Scope.
func (o Offer) Scope() map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{"region": o.Region, "family": o.Family, "instanceType": o.InstanceType, "platform": o.Platform,
		"availabilityZone": o.Zone, "tenancy": o.Tenancy} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}
