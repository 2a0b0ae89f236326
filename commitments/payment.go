package commitments

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/tallyhq/tally"
)

// paymentTolerance is how far a recurring fee may be from none or the
// whole hourly commitment and still be read as All or No Upfront: the
// bill's amounts are rounded, and an hour's fee may be split over lines.
const paymentTolerance = 0.02

// setPayment sets c's payment option and fees from b: the option the bill's
// column says, else b's name ("3yr Partial Upfront Compute Savings Plan"),
// else what its purchase lines show (paymentFromFees), else No Upfront.
// No Upfront pays the hourly commitment as its recurring fee, All Upfront
// pays it for the whole term in advance; Partial Upfront pays the recurring
// fee b's bill shows and the rest of the term's commitment upfront, and
// without one its fees stay unset (zero, without a currency).
func setPayment(c *tally.Commitment, b BillingCommitment) {
	option, how := b.payment()
	c.PaymentOption = cmp.Or(option, NoUpfront)
	if how != "" {
		c.Inferred = strings.TrimPrefix(c.Inferred+"; "+option+" from its fees: "+how, "; ")
	}
	cur := c.HourlyCommitment.Currency()
	recurring := tally.Zero(cur)
	switch c.PaymentOption {
	case NoUpfront:
		c.UpfrontFee, c.RecurringHourlyFee = tally.Zero(cur), c.HourlyCommitment
		return
	case PartialUpfront:
		r, ok := recurringPerHour(b)
		if !ok {
			return
		}
		recurring = r
	case AllUpfront:
	default:
		return
	}
	rest, err := c.HourlyCommitment.Sub(recurring)
	if err != nil || rest.Sign() < 0 {
		return
	}
	upfront, err := rest.MulRatio(uint64(TermHours(c.TermMonths)), 1)
	if err != nil {
		return // out of range: left unset
	}
	c.UpfrontFee, c.RecurringHourlyFee = upfront.Round(2), recurring
}

// payment returns b's payment option: the one its bill or name says
// (paymentSaid), else the one its fees show (paymentFromFees) and how they
// show it; "" when none of them tells.
func (b BillingCommitment) payment() (option, how string) {
	if option = paymentSaid(b); option != "" {
		return option, ""
	}
	hourly, err := b.hourly()
	if err != nil {
		return "", ""
	}
	return paymentFromFees(b, hourly)
}

// paymentSaid returns the payment option b's bill column or name says, ""
// when neither does.
func paymentSaid(b BillingCommitment) string {
	for _, s := range []string{b.PaymentOption, b.Name} {
		switch s := strings.ToLower(s); {
		case strings.Contains(s, "all upfront"):
			return AllUpfront
		case strings.Contains(s, "partial upfront"):
			return PartialUpfront
		case strings.Contains(s, "no upfront"):
			return NoUpfront
		}
	}
	return ""
}

// paymentFromFees reads b's payment option from its purchase lines: a
// recurring fee of the whole hourly commitment is No Upfront, of none of
// it All Upfront, of part of it Partial Upfront (within paymentTolerance);
// without recurring fee lines, an upfront fee is All Upfront. It returns
// "" when b has no purchase lines that tell, and otherwise how they tell.
func paymentFromFees(b BillingCommitment, hourly tally.Money) (option, how string) {
	r, ok := recurringPerHour(b)
	if !ok {
		if b.Upfront.Sign() > 0 {
			return AllUpfront, fmt.Sprintf("an upfront fee of %s and no recurring fee", b.Upfront)
		}
		return "", ""
	}
	if hourly.Sign() <= 0 {
		return "", ""
	}
	share := r.Float64() / hourly.Float64()
	switch {
	case share >= 1-paymentTolerance:
		option = NoUpfront
	case share <= paymentTolerance:
		option = AllUpfront
	default:
		option = PartialUpfront
	}
	return option, fmt.Sprintf("a recurring fee of %s/h, %.0f%% of its %s/h commitment", r, 100*share, hourly)
}

// recurringPerHour returns b's recurring fee an hour, rounded to the
// micro-unit, and false when its bill has no recurring fee lines: that of
// the latest day its hourly commitment is read from (hourly), where that
// day has recurring fee lines, so that a commitment whose amount changed
// within the window compares a fee and a commitment of the same day, else
// the mean over the window.
func recurringPerHour(b BillingCommitment) (tally.Money, bool) {
	fee, hours := b.Recurring, b.RecurringHours
	if b.LatestHours > 0 && b.LatestRecurringHours > 0 {
		fee, hours = b.LatestRecurring, b.LatestRecurringHours
	}
	if hours <= 0 {
		return tally.Money{}, false
	}
	r, err := fee.MulRatio(1, uint64(hours))
	if err != nil {
		return tally.Money{}, false
	}
	return r.Round(6), true
}
