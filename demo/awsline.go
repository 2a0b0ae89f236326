package demo

import (
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// awsLine is one line item of the AWS bill with everything the CUR 2.0 and
// FOCUS writers need, and what the ground truth needs to attribute it.
type awsLine struct {
	seq        int
	acct       *awsAccount // usage account
	typ        string      // line_item_line_item_type
	billType   string      // Anniversary or Purchase
	start, end time.Time
	svc        *awsService
	usageType  string
	operation  string
	az         string
	resourceID string
	desc       string
	amount     float64 // line_item_usage_amount
	unblended  tally.Money
	rate       string // line_item_unblended_rate
	public     tally.Money
	publicRate string
	term       string // pricing_term: OnDemand, Reserved, Spot
	unit       string // pricing_unit
	purchase   string // pricing_purchase_option
	offering   string // pricing_offering_class
	lease      string // pricing_lease_contract_length
	family     string // product_product_family
	sku        string
	itype      *instanceType
	tags       [][2]string // canonical tag keys (team, k8s-namespace, …)
	taxType    string
	fromRegion string

	// Commitments: the reservation or Savings Plan of the line, with the
	// amounts only commitment lines carry.
	ri, sp *commitment
	*commitAmounts

	// Truth: the node whose compute this is, or the owner of the cost.
	node  *node
	owner string
}

// commitAmounts are the reservation and Savings Plan columns of a line.
type commitAmounts struct {
	riEffective         tally.Money
	riRecurringForUsage tally.Money
	riUpfrontForUsage   tally.Money
	riUnusedHours       float64
	riUnusedRecurring   tally.Money
	riUnusedUpfront     tally.Money
	riUpfrontForPeriod  tally.Money
	riReservedHours     float64

	spEffective       tally.Money
	spRate            tally.Money
	spTotal, spUsed   tally.Money
	spRecurringPeriod tally.Money
	spUpfrontPeriod   tally.Money
}

// AWS line item types.
const (
	ltUsage          = "Usage"
	ltDiscounted     = "DiscountedUsage"
	ltSPCovered      = "SavingsPlanCoveredUsage"
	ltSPNegation     = "SavingsPlanNegation"
	ltSPRecurringFee = "SavingsPlanRecurringFee"
	ltSPUpfrontFee   = "SavingsPlanUpfrontFee"
	ltRIFee          = "RIFee"
	ltFee            = "Fee"
	ltTax            = "Tax"
	ltCredit         = "Credit"
)

// awsService describes an AWS product code.
type awsService struct {
	Code     string // line_item_product_code, product_servicecode
	Name     string // product['product_name'], FOCUS ServiceName
	Category string // FOCUS ServiceCategory
}

var (
	svcEC2     = &awsService{"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute"}
	svcEBS     = &awsService{"AmazonEC2", "Amazon Elastic Compute Cloud", "Storage"}
	svcVPC     = &awsService{"AmazonEC2", "Amazon Elastic Compute Cloud", "Networking"}
	svcS3      = &awsService{"AmazonS3", "Amazon Simple Storage Service", "Storage"}
	svcRDS     = &awsService{"AmazonRDS", "Amazon Relational Database Service", "Databases"}
	svcELB     = &awsService{"AWSELB", "Elastic Load Balancing", "Networking"}
	svcEKS     = &awsService{"AmazonEKS", "Amazon Elastic Kubernetes Service", "Compute"}
	svcXfer    = &awsService{"AWSDataTransfer", "AWS Data Transfer", "Networking"}
	svcSP      = &awsService{"ComputeSavingsPlans", "Savings Plans for AWS Compute usage", "Compute"}
	svcSupport = &awsService{"AWSSupportBusiness", "AWS Support (Business)", "Other"}
)

// amortizedAWS is a line's amortized cost by DESIGN.md's rules (the
// standard CUR query library's): what Tally must compute from the bill.
func amortizedAWS(l *awsLine) tally.Money {
	switch l.typ {
	case ltSPCovered:
		return l.spEffective
	case ltSPRecurringFee:
		return sub(l.spTotal, l.spUsed)
	case ltSPNegation, ltSPUpfrontFee:
		return zero
	case ltDiscounted:
		return l.riEffective
	case ltRIFee:
		return add(l.riUnusedUpfront, l.riUnusedRecurring)
	case ltFee:
		if l.ri != nil {
			return zero
		}
	}
	return l.unblended
}

// regionPrefix is the usage type prefix of us-west-2.
const regionPrefix = "USW2-"

// lineID is a CUR-style identity_line_item_id (52 lowercase base32 chars).
func lineID(seed uint64, l *awsLine) string {
	var b [32]byte
	k := hashKey(seed, uint64(l.seq), strHash(l.resourceID), uint64(l.start.Unix()))
	for i := 0; i < 4; i++ {
		binary.BigEndian.PutUint64(b[i*8:], k)
		k = mix(k + uint64(i))
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:52]
}

// curTagKey is the key a resource tag has in CUR 2.0's resource_tags map:
// user-defined tags get the user_ prefix, and characters outside [a-z0-9]
// become underscores (as in the Athena-compatible legacy column names).
func curTagKey(k string) string {
	var b strings.Builder
	b.WriteString("user_")
	for _, r := range strings.ToLower(k) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Canonical tag keys the demo's owners use.
const (
	tagTeam      = "team"
	tagNamespace = "k8s-namespace"
	tagPVCNS     = "kubernetes.io/created-for/pvc/namespace"
	labelPDNS    = "kubernetes-io-created-for-pvc-namespace"
)

// ownerOf resolves a cost's owner from its tags or labels: a namespace tag
// wins, then a team tag; anything else is unallocated.
func ownerOf(tags [][2]string) string {
	for _, k := range []string{tagNamespace, tagPVCNS, labelPDNS} {
		for _, t := range tags {
			if t[0] == k && t[1] != "" {
				return "ns:" + t[1]
			}
		}
	}
	for _, t := range tags {
		if t[0] == tagTeam && t[1] != "" {
			return "team:" + t[1]
		}
	}
	return tally.UnallocatedName
}
