package commitments

import (
	"cmp"
	"slices"

	"github.com/tallyhq/tally"
)

// Pool is what one commitment offer can be bought for: its streams of
// eligible usage. Pools are decided in the providers' application order
// (Rank), each on the usage the earlier ones leave uncovered.
type Pool struct {
	Offer   Offer `json:"offer"`
	Streams []int `json:"-"` // indexes of the usage streams the offer covers
}

// Key names the pool as recommendations target it, e.g.
// "aws/ec2-instance-savings-plan/us-east-1/m5", "aws/compute-savings-plan"
// or "aws/reserved-instance/us-east-1/m5/m5.xlarge/Windows" (a Linux/UNIX
// Reserved Instance names no platform).
func (p Pool) Key() string { return poolKey(p.Offer) }

func poolKey(o Offer) string {
	k := o.Provider + "/" + o.Kind
	for _, s := range []string{o.Region, o.Family, o.InstanceType, o.Platform} {
		if s != "" {
			k += "/" + s
		}
	}
	return k
}

// sameScope reports whether a and b are the same kind of commitment over the
// same scope (terms and payment options may differ). Size-flexible
// Reserved Instances of one region and family are, whatever their size.
func sameScope(a, b Offer) bool {
	if a.Provider != b.Provider || a.Kind != b.Kind || a.Region != b.Region || a.Family != b.Family {
		return false
	}
	if a.SizeFlexible() && b.SizeFlexible() {
		return true
	}
	return a.InstanceType == b.InstanceType && a.Platform == b.Platform && a.Zone == b.Zone && a.Tenancy == b.Tenancy
}

// OtherInstanceType names the stream of eligible usage without an instance
// type (EligibleUsage's "other").
const OtherInstanceType = "other"

// PoolOptions choose which commitments pools are built for.
type PoolOptions struct {
	TermMonths  int    // 12 or 36 (0: 12)
	Payment     string // "" : No Upfront
	EC2Instance bool   // EC2 Instance Savings Plans per region and family
	Compute     bool   // Compute Savings Plans
	Reserved    bool   // Reserved Instances (regional, default tenancy) per region and family for Linux/UNIX, per instance type and platform for the others AWS sells them for (Reservable)
	GCPFlexible bool   // GCP spend-based (flexible) CUDs per region
}

// DefaultPoolOptions buys 1-year no-upfront EC2 Instance and Compute Savings
// Plans and GCP flexible CUDs. Reserved Instances earn what EC2 Instance
// Savings Plans earn with less flexibility, so they are off by default.
var DefaultPoolOptions = PoolOptions{TermMonths: 12, Payment: NoUpfront, EC2Instance: true, Compute: true, GCPFlexible: true}

// termMonths returns the term of the commitments the pools buy.
func (opt PoolOptions) termMonths() int {
	if opt.TermMonths == 0 {
		return 12
	}
	return opt.TermMonths
}

// Pools returns the pools of streams under opt, in application order.
func Pools(streams []Stream, opt PoolOptions) []Pool {
	opt.TermMonths = opt.termMonths()
	if opt.Payment == "" {
		opt.Payment = NoUpfront
	}
	smallest := smallestSizes(streams)
	byKey := map[Offer]*Pool{}
	var order []Offer
	add := func(o Offer, i int) {
		p, ok := byKey[o]
		if !ok {
			p = &Pool{Offer: o}
			byKey[o] = p
			order = append(order, o)
		}
		p.Streams = append(p.Streams, i)
	}
	for i, s := range streams {
		base := Offer{Provider: s.Provider, TermMonths: opt.TermMonths, Payment: opt.Payment}
		switch s.Provider {
		case tally.ProviderAWS:
			if s.InstanceType == OtherInstanceType { // usage without an instance type (Fargate, Lambda): Compute Savings Plans only
				if opt.Compute {
					o := base
					o.Kind = tally.CommitComputeSP
					add(o, i)
				}
				continue
			}
			if opt.Reserved && Reservable(s.Platform) {
				o := base
				o.Kind, o.Region, o.Family, o.InstanceType, o.Platform = tally.CommitReserved, s.Region, s.Family(), s.InstanceType, s.Platform
				if o.SizeFlexible() {
					o.InstanceType = smallest[familyIn{s.Region, s.Family()}]
				}
				add(o, i)
			}
			if opt.EC2Instance {
				o := base
				o.Kind, o.Region, o.Family = tally.CommitEC2SP, s.Region, s.Family()
				add(o, i)
			}
			if opt.Compute {
				o := base
				o.Kind = tally.CommitComputeSP
				add(o, i)
			}
		case tally.ProviderGCP:
			if opt.GCPFlexible {
				o := base
				o.Kind, o.Region = tally.CommitCUDFlexible, s.Region
				add(o, i)
			}
		}
	}
	out := make([]Pool, 0, len(order))
	for _, o := range order {
		out = append(out, *byKey[o])
	}
	slices.SortStableFunc(out, func(a, b Pool) int {
		if c := cmp.Compare(Rank(a.Offer.Kind), Rank(b.Offer.Kind)); c != 0 {
			return c
		}
		return cmp.Compare(a.Key(), b.Key())
	})
	return out
}

// familyIn is an instance family in a region.
type familyIn struct{ region, family string }

// smallestSizes returns the smallest instance type of each AWS region and
// family among the Linux/UNIX streams: the size Reserved Instances of the
// family's pool are bought in, since a size-flexible one covers every size
// and the smallest buys the capacity in the finest steps.
func smallestSizes(streams []Stream) map[familyIn]string {
	out := map[familyIn]string{}
	for _, s := range streams {
		if s.Provider != tally.ProviderAWS || s.Platform != "" || s.InstanceType == OtherInstanceType {
			continue
		}
		k := familyIn{s.Region, s.Family()}
		if cur, ok := out[k]; !ok || smaller(s.InstanceType, cur) {
			out[k] = s.InstanceType
		}
	}
	return out
}

// smaller orders instance types by normalization factor; types whose size
// has none (metal) after the others; by name on a tie.
func smaller(a, b string) bool {
	fa, fb := NormalizationFactor(a), NormalizationFactor(b)
	switch {
	case fa != fb && fa > 0 && fb > 0:
		return fa < fb
	case (fa > 0) != (fb > 0):
		return fa > 0
	}
	return a < b
}
