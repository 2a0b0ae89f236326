package demo

import (
	"fmt"
	"time"

	"github.com/tallyhq/tally"
)

// commitment is a Savings Plan, Reserved Instance or Committed Use Discount
// of the portfolio, with what the billing needs to apply it.
type commitment struct {
	ID      string // ARN (AWS) or commitment name (GCP)
	Name    string
	Kind    string // tally.Commit*
	acct    *awsAccount
	start   time.Time
	end     time.Time
	term    string // 1yr, 3yr
	payment string // No Upfront, Partial Upfront, All Upfront
	subID   string // RI subscription id

	// Reserved Instances: per instance-hour.
	typ           *instanceType
	count         int
	recurring     tally.Money
	upfrontHourly tally.Money

	// Savings Plans: the hourly commitment, split into its recurring and
	// amortized upfront parts, and the discount by instance family.
	hourly    tally.Money
	discounts map[string]float64
	family    string // EC2 Instance Savings Plans: the one family they cover

	// Committed Use Discounts (resource-based): committed vCPUs and GiB.
	cudCPU, cudRAM          int
	cudCoreRate, cudRAMRate tally.Money

	// Utilization, filled in while the bill is generated.
	stats commitStats
}

type commitStats struct {
	total, used tally.Money   // over the window, at commitment rates
	usedUnits   map[int]int64 // RIs: quarter normalized unit-seconds used per hour of the window
	hourUsed    []tally.Money // Savings Plans: commitment used in each active hour
}

// upfront returns the total upfront payment.
func (c *commitment) upfront() tally.Money {
	hours := uint64(c.end.Sub(c.start) / time.Hour)
	if c.typ != nil {
		return mulRatio(c.upfrontHourly, hours*uint64(c.count), 1)
	}
	return mulRatio(c.upfrontHourly, hours, 1)
}

// spRate is the Savings Plan rate of an instance type, or false when the
// plan does not cover it.
func (c *commitment) spRate(t *instanceType) (tally.Money, bool) {
	if c.family != "" && c.family != t.Family {
		return zero, false
	}
	d, ok := c.discounts[t.Family]
	if !ok {
		return zero, false
	}
	return mulRatio(t.OnDemand, uint64(1_000_000-d*1_000_000+0.5), 1_000_000).Round(6), true
}

// activeAt reports whether the commitment covers the hour starting at t.
func (c *commitment) activeAt(t time.Time) bool { return !t.Before(c.start) && t.Before(c.end) }

// portfolio returns the commitments the organization holds. Their expiry
// dates are spread over the months after the window; one RI and one Savings
// Plan are bought during the window.
func (o *org) portfolio() []*commitment {
	r := newStream(o.seed, "commitments")
	days := o.end.Sub(o.start) / (24 * time.Hour)
	bought := func(frac float64, hour int) time.Time {
		d := time.Duration(float64(days)*frac) * 24 * time.Hour
		return o.start.Add(d).Truncate(24 * time.Hour).Add(time.Duration(hour) * time.Hour)
	}
	expiring := func(daysAfterEnd int, term int) (time.Time, time.Time) {
		end := o.end.AddDate(0, 0, daysAfterEnd).Add(time.Duration(9) * time.Hour)
		return end.AddDate(-term, 0, 0), end
	}
	var cs []*commitment
	spDiscount1y := map[string]float64{"m5": 0.28, "m5a": 0.27, "c5": 0.27, "r5": 0.31, "m6g": 0.25}
	spDiscount3y := map[string]float64{"m5": 0.50, "m5a": 0.49, "c5": 0.49, "r5": 0.53, "m6g": 0.46}

	s, e := expiring(95, 1)
	cs = append(cs, &commitment{Name: "Compute Savings Plan (1yr, No Upfront)", Kind: tally.CommitComputeSP, acct: o.payer,
		start: s, end: e, term: "1yr", payment: "No Upfront", hourly: dollars("1.00"), recurring: dollars("1.00"), upfrontHourly: zero,
		discounts: spDiscount1y})

	s = bought(0.5, 14)
	cs = append(cs, &commitment{Name: "Compute Savings Plan (3yr, Partial Upfront)", Kind: tally.CommitComputeSP, acct: o.payer,
		start: s, end: s.AddDate(3, 0, 0), term: "3yr", payment: "Partial Upfront", hourly: dollars("0.40"), recurring: dollars("0.20"), upfrontHourly: dollars("0.20"),
		discounts: spDiscount3y})

	s, e = expiring(170, 3)
	cs = append(cs, &commitment{Name: "EC2 Instance Savings Plan m5 us-west-2 (3yr, No Upfront)", Kind: tally.CommitEC2SP, acct: o.payer,
		start: s, end: e, term: "3yr", payment: "No Upfront", hourly: dollars("0.42"), recurring: dollars("0.42"), upfrontHourly: zero,
		discounts: map[string]float64{"m5": 0.56}, family: "m5"})

	s, e = expiring(60, 1)
	cs = append(cs, &commitment{Name: "m5.xlarge ×5 (1yr Standard, No Upfront)", Kind: tally.CommitReserved, acct: o.payer,
		start: s, end: e, term: "1yr", payment: "No Upfront", typ: awsTypes["m5.xlarge"], count: 5, recurring: dollars("0.121"), upfrontHourly: zero})

	s, e = expiring(240, 3)
	cs = append(cs, &commitment{Name: "r5.xlarge ×3 (3yr Standard, All Upfront)", Kind: tally.CommitReserved, acct: o.payer,
		start: s, end: e, term: "3yr", payment: "All Upfront", typ: awsTypes["r5.xlarge"], count: 3, recurring: zero, upfrontHourly: dollars("0.1103")})

	// More than the c5 usage fills: the reservations' waste, now that they
	// apply to the linked account's usage too.
	s = bought(0.33, 10)
	cs = append(cs, &commitment{Name: "c5.2xlarge ×3 (1yr Standard, Partial Upfront)", Kind: tally.CommitReserved, acct: o.payer,
		start: s, end: s.AddDate(1, 0, 0), term: "1yr", payment: "Partial Upfront", typ: awsTypes["c5.2xlarge"], count: 3, recurring: dollars("0.114"), upfrontHourly: dollars("0.1")})

	s, e = expiring(120, 1)
	cs = append(cs, &commitment{Name: "n2 us-central1: 12 vCPU, 48 GiB (1yr)", Kind: tally.CommitCUDResource,
		start: s, end: e, term: "1yr", cudCPU: 12, cudRAM: 48, cudCoreRate: dollars("0.019915"), cudRAMRate: dollars("0.002669")})

	for _, c := range cs {
		c.start, c.end = c.start.Truncate(time.Hour), c.end.Truncate(time.Hour)
		switch c.Kind {
		case tally.CommitReserved:
			c.ID = "arn:aws:ec2:us-west-2:" + c.acct.ID + ":reserved-instances/" + randUUID(r)
			c.subID = fmt.Sprintf("%d", 1_000_000_000+r.IntN(8_999_999_999))
		case tally.CommitComputeSP, tally.CommitEC2SP:
			c.ID = "arn:aws:savingsplans::" + c.acct.ID + ":savingsplan/" + randUUID(r)
		case tally.CommitCUDResource:
			c.ID = "projects/" + o.gcp.ProjectID + "/regions/us-central1/commitments/n2-1yr-" + randSuffix(r, 6)
		}
	}
	return cs
}

// describe returns the commitment in the shared vocabulary.
func (c *commitment) describe() tally.Commitment {
	months := 12
	if c.term == "3yr" {
		months = 36
	}
	d := tally.Commitment{ID: c.ID, Kind: c.Kind, TermMonths: months, Start: c.start, End: c.end,
		PaymentOption: c.payment, State: "active", Source: "demo", Scope: map[string]string{}}
	switch c.Kind {
	case tally.CommitReserved:
		d.Provider, d.BillingAccountID = tally.ProviderAWS, c.acct.Payer.ID
		d.Scope["region"], d.Scope["instanceType"], d.Scope["account"] = "us-west-2", c.typ.Name, c.acct.ID
		d.Quantity = float64(c.count)
		d.UpfrontFee = c.upfront()
		d.RecurringHourlyFee = mulRatio(c.recurring, uint64(c.count), 1)
		d.HourlyCommitment = zero
	case tally.CommitComputeSP, tally.CommitEC2SP:
		d.Provider, d.BillingAccountID = tally.ProviderAWS, c.acct.Payer.ID
		if c.family != "" {
			d.Scope["region"], d.Scope["family"] = "us-west-2", c.family
		}
		d.HourlyCommitment = c.hourly
		d.UpfrontFee = c.upfront()
		d.RecurringHourlyFee = c.recurring
	case tally.CommitCUDResource:
		d.Provider, d.BillingAccountID = tally.ProviderGCP, GCPBillingID
		d.Scope["region"], d.Scope["family"] = "us-central1", "n2"
		d.Scope["vcpus"], d.Scope["memoryGiB"] = itoa(c.cudCPU), itoa(c.cudRAM)
		d.Quantity = float64(c.cudCPU)
		d.UpfrontFee = zero
		d.RecurringHourlyFee = add(mulRatio(c.cudCoreRate, uint64(c.cudCPU), 1), mulRatio(c.cudRAMRate, uint64(c.cudRAM), 1))
		d.HourlyCommitment = d.RecurringHourlyFee
	}
	return d
}
