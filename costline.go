package tally

import (
	"fmt"
	"time"
)

// Providers Tally ingests bills from.
const (
	ProviderAWS    = "aws"
	ProviderGCP    = "gcp"
	ProviderAzure  = "azure"
	ProviderOracle = "oracle"
)

// ChargeCategory is FOCUS's ChargeCategory: the highest-level kind of charge.
type ChargeCategory string

// FOCUS 1.0–1.2 charge categories.
const (
	ChargeUsage      ChargeCategory = "Usage"
	ChargePurchase   ChargeCategory = "Purchase"
	ChargeTax        ChargeCategory = "Tax"
	ChargeCredit     ChargeCategory = "Credit"
	ChargeAdjustment ChargeCategory = "Adjustment"
)

// ParseChargeCategory validates a FOCUS ChargeCategory.
func ParseChargeCategory(s string) (ChargeCategory, error) {
	switch c := ChargeCategory(s); c {
	case ChargeUsage, ChargePurchase, ChargeTax, ChargeCredit, ChargeAdjustment:
		return c, nil
	}
	return "", fmt.Errorf("charge category %q: want Usage, Purchase, Tax, Credit or Adjustment", s)
}

// CommitmentStatus is FOCUS's CommitmentDiscountStatus.
type CommitmentStatus string

// Commitment discount statuses; empty when the line is not about a commitment.
const (
	CommitmentUsed   CommitmentStatus = "Used"
	CommitmentUnused CommitmentStatus = "Unused"
)

// CostBasis selects which of a line's costs a question is about.
type CostBasis string

// Cost bases. Amortized is the default everywhere.
const (
	BasisAmortized CostBasis = "amortized" // FOCUS EffectiveCost: upfront fees spread, discounts applied
	BasisBilled    CostBasis = "billed"    // FOCUS BilledCost: what the invoice charges for the line
	BasisList      CostBasis = "list"      // FOCUS ListCost: public on-demand price
)

// ParseCostBasis validates a cost basis name ("" means amortized).
func ParseCostBasis(s string) (CostBasis, error) {
	switch b := CostBasis(s); b {
	case "":
		return BasisAmortized, nil
	case BasisAmortized, BasisBilled, BasisList:
		return b, nil
	}
	return "", Errorf(EInvalid, "basis %q: want amortized, billed or list", s)
}

// CostLine is one line of a bill, normalized to FOCUS's columns whatever the
// source (FOCUS, AWS CUR, GCP export). Money fields share BillingCurrency.
type CostLine struct {
	Provider           string    // ProviderAWS, ProviderGCP, … (FOCUS ProviderName, lower-cased)
	BillingAccountID   string    // payer account, GCP billing account, …
	BillingAccountName string    //
	SubAccountID       string    // linked account, GCP project, subscription
	SubAccountName     string    //
	BillingPeriodStart time.Time // first instant of the billing period (a month)
	BillingPeriodEnd   time.Time //
	ChargePeriodStart  time.Time // the charge's own interval, usually an hour
	ChargePeriodEnd    time.Time //
	ChargeCategory     ChargeCategory
	ChargeClass        string // "Correction" or empty
	ChargeDescription  string
	ChargeFrequency    string // One-Time, Recurring, Usage-Based

	BilledCost     Money // the invoiced amount
	EffectiveCost  Money // amortized: what the line really cost
	ListCost       Money // at public on-demand prices
	ContractedCost Money // at the negotiated rates before commitment discounts

	PricingQuantity  float64 // quantities are measurements, not money: float64 is fine
	PricingUnit      string
	ConsumedQuantity float64
	ConsumedUnit     string
	PricingCategory  string // Standard, Dynamic (spot), Committed, Other

	ServiceName      string
	ServiceCategory  string
	SkuID            string
	SkuPriceID       string
	RegionID         string
	AvailabilityZone string
	ResourceID       string // e.g. i-0abc… for an EC2 instance: matched with a node's providerID
	ResourceName     string
	ResourceType     string

	CommitmentDiscountID       string
	CommitmentDiscountCategory string // Spend or Usage
	CommitmentDiscountType     string // e.g. "Savings Plan", "Reserved Instance", "Committed Use Discount"
	CommitmentDiscountStatus   CommitmentStatus

	Tags   map[string]string // resource tags / labels, as the bill has them
	Extras map[string]string // provider columns FOCUS lacks (x_…, CUR columns kept for reference)
}

// Cost returns the line's cost on basis b.
func (l *CostLine) Cost(b CostBasis) Money {
	switch b {
	case BasisBilled:
		return l.BilledCost
	case BasisList:
		return l.ListCost
	}
	return l.EffectiveCost
}

// Currency returns the billing currency the line's money is in.
func (l *CostLine) Currency() Currency { return l.BilledCost.Currency() }

// BillingAccount is an account a bill is issued to (AWS payer account, GCP
// billing account). It is the distribution column of the billing tables.
type BillingAccount struct {
	ID       string `json:"id"`
	Provider string `json:"provider"`
	Name     string `json:"name"`
}

// BillingPeriodKey names one billing period of one account from one source:
// the unit that ingest replaces atomically.
type BillingPeriodKey struct {
	BillingAccountID string    `json:"billingAccountId"`
	Start            time.Time `json:"billingPeriodStart"` // first instant of the month, UTC
	Source           string    `json:"source"`             // focus, aws-cur, gcp-billing
}

// CostGroup is a dimension that daily costs are summed by.
type CostGroup string

// Cost groups.
const (
	GroupBillingAccount CostGroup = "account" // BillingAccountId
	GroupService        CostGroup = "service" // ServiceName
)

// DailyCost is the cost of one member of a group (an account id, a service
// name) on one UTC day.
type DailyCost struct {
	Key  string    `json:"key"`
	Day  time.Time `json:"day"`
	Cost Money     `json:"cost"`
	// Period marks the cost of lines charged for more than a day at once
	// (a month's support fee, its tax, a reservation's monthly fee), on the
	// day their charge period starts. A day can have a row of each kind.
	Period bool `json:"period,omitempty"`
}
