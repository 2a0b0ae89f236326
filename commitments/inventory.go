package commitments

import (
	"regexp"
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
	BillingAccountID string         `json:"billingAccountId"`
	Provider         string         `json:"provider"`
	ID               string         `json:"id"`
	Type             string         `json:"type"`     // CommitmentDiscountType, e.g. "Savings Plan"
	Category         string         `json:"category"` // Spend or Usage
	Name             string         `json:"name"`     // fee SKU description or commitment name
	Region           string         `json:"region"`
	First            time.Time      `json:"first"` // first charge hour seen
	Last             time.Time      `json:"last"`  // end of the last charge seen
	Hours            int64          `json:"hours"` // distinct charge hours seen
	Currency         tally.Currency `json:"currency"`
	Used             tally.Money    `json:"used"`   // Σ EffectiveCost of Used lines
	Unused           tally.Money    `json:"unused"` // Σ EffectiveCost of Unused lines
	Fees             tally.Money    `json:"fees"`   // Σ EffectiveCost of fee lines without status
}

var (
	termRE = regexp.MustCompile(`(?i)\b(1|one|3|three)[ -]?(year|yr)s?\b`)
)

// InventoryFromBilling turns what the bill says into commitments: kind from
// the commitment type, category and name; term from the name (1 year when
// it does not say); start at the first charge seen (the true start may be
// earlier than the bill Tally has); the hourly commitment as the mean of
// the commitment's hourly charges. end is the end of the bill Tally has: a
// commitment not charged in its last two days is expired.
func InventoryFromBilling(bcs []BillingCommitment, end time.Time) []tally.Commitment {
	var out []tally.Commitment
	for _, b := range bcs {
		if b.Hours <= 0 {
			continue
		}
		kind := billingKind(b)
		months := 12
		if m := termRE.FindStringSubmatch(b.Name); m != nil && (m[1] == "3" || strings.EqualFold(m[1], "three")) {
			months = 36
		}
		total, err := b.Used.Add(b.Unused)
		if err != nil {
			continue
		}
		if total, err = total.Add(b.Fees); err != nil {
			continue
		}
		hourly, err := total.MulRatio(1, uint64(b.Hours))
		if err != nil {
			continue
		}
		c := tally.Commitment{BillingAccountID: b.BillingAccountID, ID: b.ID, Provider: b.Provider, Kind: kind,
			Scope: map[string]string{}, TermMonths: months, Start: b.First.UTC().Truncate(time.Hour),
			PaymentOption: NoUpfront, HourlyCommitment: hourly.Round(6), State: "active", Source: SourceBilling}
		c.End = c.Start.AddDate(0, months, 0)
		if b.Region != "" && kind != tally.CommitComputeSP {
			c.Scope["region"] = b.Region
		}
		if r := resourceOf(b.Name); r != "" && kind == tally.CommitCUDResource {
			c.Scope["resource"] = r
		}
		if b.Last.Before(end.Add(-48 * time.Hour)) {
			c.State = "expired"
			if c.End.After(b.Last) {
				c.End = b.Last
			}
		}
		if !c.End.After(c.Start) {
			c.End = c.Start.Add(time.Hour)
		}
		out = append(out, c)
	}
	return out
}

// billingKind maps FOCUS and provider vocabularies to Tally's kinds.
func billingKind(b BillingCommitment) string {
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

// resourceOf reads the resource of a GCP resource-based commitment SKU:
// "Commitment v1: Cpu in Americas for 1 Year" → cpu.
func resourceOf(name string) string {
	_, rest, ok := strings.Cut(name, ":")
	if !ok {
		return ""
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(f[0])
}

// TermString formats a term of months as AWS does: "1yr", "3yr".
func TermString(months int) string {
	if months%12 == 0 {
		return strconv.Itoa(months/12) + "yr"
	}
	return strconv.Itoa(months) + "mo"
}
