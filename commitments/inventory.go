package commitments

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// SourceBilling marks commitments found in the bill rather than through a
// provider's API.
const SourceBilling = "billing"

// BillingCommitment is what the bill says about one commitment: the lines
// carrying its CommitmentDiscountId (FOCUS, AWS CUR, GCP credits), or for
// the GCP export's fee SKUs ("Commitment v1: Cpu in Americas for 1 Year"),
// which carry no id, the fee lines of one SKU in one region.
type BillingCommitment struct {
	BillingAccountID string `json:"billingAccountId"`
	Provider         string `json:"provider"`
	ID               string `json:"id"`
	Type             string `json:"type"`     // CommitmentDiscountType, e.g. "Savings Plan"
	Category         string `json:"category"` // Spend or Usage
	Name             string `json:"name"`     // fee SKU description or commitment name
	Region           string `json:"region"`
	InstanceType     string `json:"instanceType"`               // a Reserved Instance's own (its RIFee lines'), else that of most of its Used lines ("" for none)
	Platform         string `json:"platform"`                   // the platform of most of its Used lines (Stream.Platform: "" for Linux/UNIX or none)
	Zone             string `json:"availabilityZone,omitempty"` // a zonal Reserved Instance's zone (CUR reservation/AvailabilityZone); "" for a regional one
	OfferingType     string `json:"offeringType,omitempty"`     // a Savings Plan's type as a CUR names it (savings_plan_offering_type: ComputeSavingsPlans, EC2InstanceSavingsPlans, …)
	PurchaseTerm     string `json:"purchaseTerm,omitempty"`     // as a CUR gives it: "1yr" or "3yr" (savings_plan_purchase_term, pricing_lease_contract_length)
	PaymentOption    string `json:"paymentOption,omitempty"`    // as a CUR gives it: "No Upfront", … (savings_plan_payment_option, pricing_purchase_option)
	// TermStart and TermEnd are the term as the bill dates it (a CUR's
	// savings_plan_start_time and _end_time, reservation_start_time and
	// _end_time); zero where it does not.
	TermStart time.Time      `json:"termStart,omitzero"`
	TermEnd   time.Time      `json:"termEnd,omitzero"`
	First     time.Time      `json:"first"` // first charge hour in the whole stored bill up to the window's end
	Last      time.Time      `json:"last"`  // end of the last charge seen
	Hours     int64          `json:"hours"` // distinct hours its charges cover
	Currency  tally.Currency `json:"currency"`
	Used      tally.Money    `json:"used"`   // Σ EffectiveCost of Used lines; GCP fee lines: BilledCost − EffectiveCost − their FEE_UTILIZATION_OFFSET credit
	Unused    tally.Money    `json:"unused"` // Σ EffectiveCost of Unused lines
	Fees      tally.Money    `json:"fees"`   // Σ EffectiveCost of fee lines without status
	// Latest is what its used, unused and fee lines charged in the latest
	// day its lines of a day or less charged in (a longer line its part of
	// that day), and LatestHours the hours of that day they cover: its
	// hourly commitment as it stands, whatever window of the bill is read.
	Latest      tally.Money `json:"latest"`
	LatestHours int64       `json:"latestHours"`
	// CoveredList and CoveredEffective are Σ ListCost and Σ EffectiveCost
	// of its Used lines with a list cost, the usage it covered (none in the
	// GCP billing export, whose lines do not show a commitment's own
	// discount).
	CoveredList      tally.Money `json:"coveredList"`
	CoveredEffective tally.Money `json:"coveredEffective"`
	// Covered splits them by the region, instance type and platform of
	// the usage: a Savings Plan's discount differs by instance type.
	Covered []CoveredStream `json:"covered,omitempty"`
	// Recurring is Σ BilledCost of its recurring fee lines (ChargeCategory
	// Purchase, ChargeFrequency Recurring: a CUR's SavingsPlanRecurringFee
	// and RIFee lines) and RecurringHours the hours they cover; Upfront is
	// Σ BilledCost of its one-time purchase lines. They tell its payment
	// option when the bill does not say it (paymentFromFees).
	Recurring      tally.Money `json:"recurring"`
	RecurringHours int64       `json:"recurringHours"`
	Upfront        tally.Money `json:"upfront"`
	// LatestRecurring and LatestRecurringHours are Recurring and
	// RecurringHours in the day of Latest (a longer line its part of the
	// day): the recurring fee beside the hourly commitment as it stands.
	LatestRecurring      tally.Money `json:"latestRecurring"`
	LatestRecurringHours int64       `json:"latestRecurringHours"`
	// Inferred says what IdentifyOffers inferred of it and from what; ""
	// when the bill said it (tally.Commitment.Inferred).
	Inferred string `json:"inferred,omitempty"`
}

// Discount returns the discount the usage b covered shows: 1 −
// CoveredEffective ÷ CoveredList, or 0 when b covered nothing or the ratio
// is not a discount.
func (b BillingCommitment) Discount() float64 {
	return discountOf(b.CoveredList, b.CoveredEffective)
}

// StreamDiscounts returns the discount of each stream of usage b covered
// (b.Covered) that shows one, as Discount does of them all.
func (b BillingCommitment) StreamDiscounts() []tally.StreamDiscount {
	var out []tally.StreamDiscount
	for _, c := range b.Covered {
		if d := discountOf(c.List, c.Effective); d > 0 {
			out = append(out, tally.StreamDiscount{Region: c.Region, InstanceType: c.InstanceType, Platform: c.Platform, Discount: d})
		}
	}
	return out
}

// CoveredStream is the list and effective cost of the usage of one
// region, instance type and platform ("" for Linux/UNIX) a commitment
// covered.
type CoveredStream struct {
	Region       string      `json:"region"`
	InstanceType string      `json:"instanceType"`
	Platform     string      `json:"platform,omitempty"`
	List         tally.Money `json:"list"`
	Effective    tally.Money `json:"effective"`
}

// discountOf returns 1 − effective ÷ list, or 0 when list is not positive
// or the ratio is not a discount.
func discountOf(list, effective tally.Money) float64 {
	l := list.Float64()
	if l <= 0 {
		return 0
	}
	d := 1 - effective.Float64()/l
	if d <= 0 || d >= 1 {
		return 0
	}
	return d
}

var (
	termRE = regexp.MustCompile(`(?i)\b(1|one|3|three)[ -]?(year|yr)s?\b`)
)

// InventoryFromBilling turns what the bill says into commitments: kind from
// the Savings Plan offering type, else the commitment type, category and
// name; term from the bill's column for it, else from the name (1 year
// when neither says, 3 years when it has been charged for longer than
// one); payment option and fees as setPayment says; start and end as the
// bill dates the term (TermStart, TermEnd), else start at the first charge
// in the stored bill, whatever window of it was read, marked
// StartEstimated (the true start may be earlier than the bill Tally has);
// the hourly commitment as its latest day charged an hour (hourly); for
// Reserved Instances and EC2 Instance Savings Plans the instance type or
// family of most of the usage they covered, and for Reserved Instances
// its platform when it is not Linux/UNIX. end is the end
// of the bill Tally has: a commitment not charged in its last two days is
// expired (at its last charge), and one charged in them is in force past
// its last charge (charges spanning more than a term are renewals: the one
// in force started on the last term boundary).
func InventoryFromBilling(bcs []BillingCommitment, end time.Time) []tally.Commitment {
	var out []tally.Commitment
	for _, b := range mergeGCPFees(bcs) {
		if b.Hours <= 0 {
			continue
		}
		kind := billingKind(b)
		active := !b.Last.Before(end.Add(-48 * time.Hour))
		months := termMonths(b)
		hourly, err := b.hourly()
		if err != nil {
			continue
		}
		c := tally.Commitment{BillingAccountID: b.BillingAccountID, ID: b.ID, Provider: b.Provider, Kind: kind,
			Scope: map[string]string{}, TermMonths: months, Start: b.First.UTC().Truncate(time.Hour),
			HourlyCommitment: hourly, State: "active", Source: SourceBilling, Discount: b.Discount(), StreamDiscounts: b.StreamDiscounts(), Inferred: b.Inferred,
			StartEstimated: true}
		setPayment(&c, b)
		c.End = c.Start.Add(time.Duration(TermHours(months)) * time.Hour)
		for active && c.End.Before(b.Last) {
			c.Start, c.End = c.End, c.End.Add(time.Duration(TermHours(months))*time.Hour)
		}
		if b.TermEnd.After(b.TermStart) && !b.TermStart.IsZero() { // the bill dates it
			c.Start, c.End, c.StartEstimated = b.TermStart, b.TermEnd, false
		}
		if b.Region != "" && kind != tally.CommitComputeSP {
			c.Scope["region"] = b.Region
		}
		if f := seriesOf(b.Name); f != "" && kind == tally.CommitCUDResource {
			c.Scope["family"] = f
		}
		switch {
		case kind == tally.CommitReserved && b.InstanceType != "":
			c.Scope["instanceType"] = b.InstanceType
			if b.Platform != "" {
				c.Scope["platform"] = b.Platform
			}
			if b.Zone != "" {
				c.Scope["availabilityZone"] = b.Zone
			}
		case kind == tally.CommitEC2SP && b.InstanceType != "":
			c.Scope["family"] = Family(b.InstanceType)
		}
		if !active {
			c.State, c.End = "expired", b.Last
		}
		if !c.End.After(c.Start) {
			c.End = c.Start.Add(time.Hour)
		}
		out = append(out, c)
	}
	return out
}

// KeepStoredStarts returns fresh (InventoryFromBilling's) with the start,
// whether it was estimated, and while in force the end, of the stored
// commitment of the same account and id kept where the stored term began earlier and holds the fresh
// start: a bill read over a shorter window sees the first charge of a
// commitment whose bill does not date its term (a GCP CUD, a FOCUS
// commitment) later than a longer read did. A fresh start at or past the
// stored term's end is a renewal, and is kept.
func KeepStoredStarts(fresh, stored []tally.Commitment) []tally.Commitment {
	byID := make(map[string]tally.Commitment, len(stored))
	for _, s := range stored {
		byID[s.BillingAccountID+"/"+s.ID] = s
	}
	out := slices.Clone(fresh)
	for i, c := range out {
		s, ok := byID[c.BillingAccountID+"/"+c.ID]
		if !ok || !s.Start.Before(c.Start) || !c.Start.Before(s.End) {
			continue
		}
		out[i].Start, out[i].StartEstimated = s.Start, s.StartEstimated
		if c.State != "expired" { // an expired one ends at its last charge
			out[i].End = s.End
		}
	}
	return out
}

// hourly returns b's hourly commitment, rounded to the micro-unit: what its
// latest day charged an hour (Latest over LatestHours), else, when it has
// no line of a day or less, the mean of its hourly charges (used, unused
// and fees over its hours).
func (b BillingCommitment) hourly() (tally.Money, error) {
	if b.LatestHours > 0 {
		h, err := b.Latest.MulRatio(1, uint64(b.LatestHours))
		return h.Round(6), err
	}
	total, err := b.Used.Add(b.Unused)
	if err != nil {
		return total, err
	}
	if total, err = total.Add(b.Fees); err != nil {
		return total, err
	}
	h, err := total.MulRatio(1, uint64(max(b.Hours, 1)))
	return h.Round(6), err
}

// termMonths returns b's term: the one the bill's term column says, else
// its name, else 1 year, unless it has been charged for longer than a year,
// which a 1-year commitment cannot be.
func termMonths(b BillingCommitment) int {
	if m := termRE.FindStringSubmatch(cmp.Or(b.PurchaseTerm, b.Name)); m != nil {
		if m[1] == "3" || strings.EqualFold(m[1], "three") {
			return 36
		}
		return 12
	}
	if chargedOverAYear(b) {
		return 36
	}
	return 12
}

// chargedOverAYear reports whether b has been charged for longer than a
// 1-year commitment can be.
func chargedOverAYear(b BillingCommitment) bool {
	return b.Last.Sub(b.First.Truncate(time.Hour)) > time.Duration(TermHours(12))*time.Hour
}

// mergeGCPFees folds the GCP export's fee SKUs of one commitment (its Cpu
// and Ram SKUs) into one entry per account, region, machine series and
// term, named after the commitment its CUD credits name when the region has
// exactly one; credit-only entries without money (the export's covered
// lines) are dropped.
func mergeGCPFees(bcs []BillingCommitment) []BillingCommitment {
	type key struct{ account, region, family, term string }
	credits := map[string][]string{} // account/region → commitment names from credits
	merged := map[key]*BillingCommitment{}
	var order []key
	var out []BillingCommitment
	for _, b := range bcs {
		isFee := strings.HasPrefix(b.ID, "gcp-fee:")
		if b.Provider == tally.ProviderGCP && !isFee && b.Used.IsZero() && b.Unused.IsZero() && b.Fees.IsZero() {
			if i := strings.Index(b.ID, "projects/"); i >= 0 {
				name := b.ID[i:]
				region := b.Region
				if r := regionOf(name); r != "" {
					region = r
				}
				k := b.BillingAccountID + "/" + region
				if !slices.Contains(credits[k], name) {
					credits[k] = append(credits[k], name)
				}
			}
			continue
		}
		if !isFee {
			out = append(out, b)
			continue
		}
		term := "1"
		if m := termRE.FindStringSubmatch(b.Name); m != nil && (m[1] == "3" || strings.EqualFold(m[1], "three")) {
			term = "3"
		}
		k := key{b.BillingAccountID, b.Region, seriesOf(b.Name), term}
		m, ok := merged[k]
		if !ok {
			c := b
			c.ID = "gcp-cud:" + b.Region + ":" + k.family + ":" + term + "y"
			c.Name = b.Name
			merged[k] = &c
			order = append(order, k)
			continue
		}
		m.Fees, _ = m.Fees.Add(b.Fees)
		m.Used, _ = m.Used.Add(b.Used)
		m.Unused, _ = m.Unused.Add(b.Unused)
		m.Hours = max(m.Hours, b.Hours)
		m.Latest, _ = m.Latest.Add(b.Latest)
		m.LatestHours = max(m.LatestHours, b.LatestHours)
		if b.First.Before(m.First) {
			m.First = b.First
		}
		if b.Last.After(m.Last) {
			m.Last = b.Last
		}
	}
	for _, k := range order {
		m := merged[k]
		if names := credits[k.account+"/"+k.region]; len(names) == 1 {
			m.ID = names[0]
		}
		out = append(out, *m)
	}
	return out
}

// seriesOf reads the machine series of a GCP commitment SKU: "Commitment
// v1: N2 Cpu in Americas for 1 Year" → n2; "" for the general-purpose ones.
func seriesOf(name string) string {
	_, rest, _ := strings.Cut(name, ":")
	f := strings.Fields(strings.ToLower(rest))
	for i, w := range f {
		if (w == "cpu" || w == "ram" || w == "memory" || w == "core") && i > 0 {
			return f[i-1]
		}
	}
	return ""
}

// regionOf reads the region of a GCP commitment resource name.
func regionOf(name string) string {
	_, rest, ok := strings.Cut(name, "/regions/")
	if !ok {
		return ""
	}
	r, _, _ := strings.Cut(rest, "/")
	return r
}

// billingKind maps FOCUS and provider vocabularies to Tally's kinds: a
// CUR's Savings Plan offering type when the bill has it (other types, such
// as SageMaker's, never get here: their lines are not compute), else the
// commitment type, category and name.
func billingKind(b BillingCommitment) string {
	switch b.OfferingType {
	case "ComputeSavingsPlans":
		return tally.CommitComputeSP
	case "EC2InstanceSavingsPlans":
		return tally.CommitEC2SP
	}
	t, n := strings.ToLower(b.Type), strings.ToLower(b.Name)
	switch {
	case strings.Contains(t, "reserv") || strings.Contains(n, "reserved instance"):
		return tally.CommitReserved
	case strings.Contains(t, "savings plan") || strings.Contains(n, "savings plan"):
		if strings.Contains(n, "ec2") || strings.Contains(n, "instance savings") {
			return tally.CommitEC2SP
		}
		return tally.CommitComputeSP
	case strings.Contains(n, "dollar based") || strings.Contains(n, "spend") || strings.EqualFold(b.Category, "Spend"):
		return tally.CommitCUDFlexible
	}
	if b.Provider == tally.ProviderGCP {
		return tally.CommitCUDResource
	}
	return tally.CommitComputeSP
}

// TermString formats a term of months as AWS does: "1yr", "3yr".
func TermString(months int) string {
	if months%12 == 0 {
		return strconv.Itoa(months/12) + "yr"
	}
	return strconv.Itoa(months) + "mo"
}
