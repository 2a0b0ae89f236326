package commitments

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/csvtable"
	"github.com/tallyhq/tally/internal/jsonpos"
)

// Plan is a reviewable purchase plan: what to buy, when, and what it is
// expected to save. It is exported as JSON or CSV, and turned into the
// providers' API requests by the adapters.
type Plan struct {
	CreatedAt        time.Time  `json:"createdAt"`
	BillingAccountID string     `json:"billingAccountId"`
	Items            []PlanItem `json:"items"`
}

// PlanItem is one purchase.
type PlanItem struct {
	ID               string      `json:"id"`   // stable: ItemID, account/pool/term/payment/date
	Date             time.Time   `json:"date"` // the day to buy (tranches after the first are re-checked first)
	Offer            Offer       `json:"offer"`
	HourlyCommitment tally.Money `json:"hourlyCommitment"` // Savings Plans and CUDs: $/h; RIs: the hourly cost to buy
	ExpectedSavings  tally.Money `json:"expectedSavings"`  // over the term, this item's share of its pool's
	P10              tally.Money `json:"p10"`
	P90              tally.Money `json:"p90"`
	Reason           string      `json:"reason"`
}

// ErrBadPlan is wrapped by every error about the content of a plan file.
var ErrBadPlan = errors.New("bad purchase plan")

// NewPlan collects the tranches of pool plans into a purchase plan.
func NewPlan(account string, created time.Time, pools []PoolPlan) Plan {
	p := Plan{CreatedAt: created.UTC(), BillingAccountID: account, Items: []PlanItem{}}
	for _, pp := range pools {
		total := pp.PurchaseHourly.Float64()
		for _, t := range pp.Tranches {
			share := 0.0
			if total > 0 {
				share = t.HourlyCommitment.Float64() / total
			}
			cur := t.HourlyCommitment.Currency()
			p.Items = append(p.Items, PlanItem{
				ID: ItemID(account, pp.Offer, t.Date), Date: t.Date, Offer: pp.Offer,
				HourlyCommitment: t.HourlyCommitment,
				ExpectedSavings:  NanosOf(pp.Savings.ExpectedSavings * share).Money(cur).Round(2),
				P10:              NanosOf(pp.Savings.P10 * share).Money(cur).Round(2),
				P90:              NanosOf(pp.Savings.P90 * share).Money(cur).Round(2),
				Reason:           pp.Why,
			})
		}
	}
	return p
}

// ItemID names the purchase of offer o for a billing account on a day by
// everything that makes it distinct: account, pool, term, payment option
// and day, e.g. "111/aws/compute-savings-plan/36m/no-upfront/2026-11-23".
// It is the plan item's ID, from which the AWS idempotency token is made
// and by which the action log says an item was bought.
func ItemID(account string, o Offer, day time.Time) string {
	payment := strings.ToLower(strings.ReplaceAll(o.Payment, " ", "-"))
	return account + "/" + poolKey(o) + "/" + strconv.Itoa(o.TermMonths) + "m/" + payment + "/" + tally.FormatDay(day)
}

// LegacyItemID is the ID plans gave an item before IDs named the term and
// payment option: account/pool/day. Purchases logged under it bought one
// of the offers it names; LoggedPurchase.OfferingID says which.
func LegacyItemID(account string, o Offer, day time.Time) string {
	return account + "/" + poolKey(o) + "/" + tally.FormatDay(day)
}

// LoggedPurchase is a purchase the action log records as sent and accepted,
// or as sent with its answer lost (StatusUnknown).
type LoggedPurchase struct {
	ItemID     string
	OfferingID string // the provider's offering it bought; "" when the log does not say
}

// Bought returns the IDs of the plan's items that logged purchases bought:
// those logged under the item's ID, and, for a purchase logged under the
// item's LegacyItemID, which does not tell terms and payment options
// apart, the item whose offering (offering, by item ID) is the one the
// purchase was sent for. A legacy purchase of an unknown offering, or an
// item whose offering is unknown, counts as bought: an item is never
// bought twice.
func (p Plan) Bought(logged []LoggedPurchase, offering map[string]string) map[string]bool {
	byID := map[string][]string{}
	for _, l := range logged {
		byID[l.ItemID] = append(byID[l.ItemID], l.OfferingID)
	}
	bought := map[string]bool{}
	for _, it := range p.Items {
		legacy := LegacyItemID(p.BillingAccountID, it.Offer, it.Date)
		if it.ID != legacy && len(byID[it.ID]) > 0 {
			bought[it.ID] = true
			continue
		}
		for _, off := range byID[legacy] {
			if off == "" || offering[it.ID] == "" || off == offering[it.ID] {
				bought[it.ID] = true
			}
		}
	}
	return bought
}

// PlanCSVColumns are the columns of a plan in CSV. The amounts' names say
// their unit, in the row's currency: the commitment is an hour's, the
// savings (expected, P10, P90) the item's over its whole term.
var PlanCSVColumns = []string{"id", "date", "provider", "kind", "region", "family", "instance_type", "term_months",
	"payment_option", "hourly_commitment_per_hour", "currency", "expected_savings_per_term", "p10_savings_per_term",
	"p90_savings_per_term", "reason", "platform"}

// WriteCSV writes the plan as CSV with a header; text from the bill that a
// spreadsheet would run as a formula is quoted (csvtable.Text).
func (p Plan) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(PlanCSVColumns); err != nil {
		return err
	}
	for _, it := range p.Items {
		o := it.Offer
		text := csvtable.Text // ids, regions and families come from the bill
		if err := cw.Write([]string{text(it.ID), tally.FormatDay(it.Date), o.Provider, o.Kind, text(o.Region), text(o.Family), text(o.InstanceType),
			strconv.Itoa(o.TermMonths), o.Payment, it.HourlyCommitment.Decimal(), string(it.HourlyCommitment.Currency()),
			it.ExpectedSavings.Decimal(), it.P10.Decimal(), it.P90.Decimal(), text(it.Reason), text(ProductDescriptionOf(o))}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// regionalOnly says why a plan may not name an availability zone or a
// tenancy: the purchase asks AWS for regional offerings of default tenancy.
const regionalOnly = "Tally buys regional Reserved Instances of default tenancy only"

// maxPlanBytes bounds a plan file.
const maxPlanBytes = 64 << 20

// ReadPlan parses a plan written as JSON and checks every item: name is
// used in errors, which say where (name:line:column), which item and field
// is wrong, as the file spells it, and wrap ErrBadPlan. A file holds one
// plan. Every amount is in one currency, an ISO 4217 code (returned
// upper-case); expectedSavings, p10 and p90 may be left out.
func ReadPlan(r io.Reader, name string) (Plan, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxPlanBytes+1))
	if err != nil {
		return Plan{}, fmt.Errorf("%s: %w: %v", name, ErrBadPlan, err)
	}
	if len(b) > maxPlanBytes {
		return Plan{}, fmt.Errorf("%s: %w: larger than %d MiB", name, ErrBadPlan, maxPlanBytes>>20)
	}
	p, err := decodePlan(b, name)
	if err != nil {
		return Plan{}, err
	}
	offs := jsonpos.Offsets(b)
	where := func(path string) string {
		return jsonpos.Position(name, b, offs[path])
	}
	if p.BillingAccountID == "" {
		return Plan{}, fmt.Errorf("%s: %w: billingAccountId: empty", where("billingAccountId"), ErrBadPlan)
	}
	seen := map[string]bool{}
	var planCur tally.Currency
	for i, it := range p.Items {
		bad := func(field, value, why string) error {
			at := fmt.Sprintf("items[%d]", i)
			if _, ok := offs[at+"."+field]; ok {
				at += "." + field
			}
			return fmt.Errorf("%s: items[%d] (%s): %w: %s: value %q: %s", where(at), i, it.ID, ErrBadPlan, field, value, why)
		}
		if it.ID == "" || seen[it.ID] {
			return Plan{}, bad("id", it.ID, "empty or repeated")
		}
		seen[it.ID] = true
		if it.Date.IsZero() {
			return Plan{}, bad("date", "", "missing")
		}
		o := it.Offer
		switch o.Provider {
		case tally.ProviderAWS, tally.ProviderGCP:
		default:
			return Plan{}, bad("offer.provider", o.Provider, "want aws or gcp")
		}
		if _, ok := kindNames[o.Kind]; !ok {
			return Plan{}, bad("offer.kind", o.Kind, "want compute-savings-plan, ec2-instance-savings-plan, reserved-instance, cud-flexible or cud-resource")
		}
		if o.TermMonths != 12 && o.TermMonths != 36 {
			return Plan{}, bad("offer.termMonths", strconv.Itoa(o.TermMonths), "want 12 or 36")
		}
		switch o.Payment {
		case NoUpfront, PartialUpfront, AllUpfront:
		default:
			return Plan{}, bad("offer.paymentOption", o.Payment, "want No Upfront, Partial Upfront or All Upfront")
		}
		if (o.Kind == tally.CommitEC2SP || o.Kind == tally.CommitCUDResource) && (o.Region == "" || o.Family == "") {
			return Plan{}, bad("offer.region/family", o.Region+"/"+o.Family, "this kind needs both")
		}
		if o.Kind == tally.CommitReserved && (o.Region == "" || o.InstanceType == "") {
			return Plan{}, bad("offer.region/instanceType", o.Region+"/"+o.InstanceType, "a Reserved Instance needs both")
		}
		if o.Zone != "" {
			return Plan{}, bad("offer.availabilityZone", o.Zone, regionalOnly)
		}
		if o.Tenancy != "" {
			return Plan{}, bad("offer.tenancy", o.Tenancy, regionalOnly)
		}
		if o.Platform != "" && (o.Kind != tally.CommitReserved || !Reservable(o.Platform)) {
			return Plan{}, bad("offer.platform", o.Platform, "only Reserved Instances have a platform, one AWS sells them for "+
				"(Windows, Red Hat Enterprise Linux, SUSE Linux, …); Linux/UNIX is written as none")
		}
		cur, err := tally.ParseCurrency(string(it.HourlyCommitment.Currency()))
		if err != nil {
			return Plan{}, bad("hourlyCommitment.currency", string(it.HourlyCommitment.Currency()), "want a three-letter ISO 4217 code")
		}
		if i == 0 {
			planCur = cur
		} else if cur != planCur {
			return Plan{}, bad("hourlyCommitment.currency", string(it.HourlyCommitment.Currency()),
				fmt.Sprintf("items[0] is in %s: a plan has one currency", planCur))
		}
		for _, m := range []struct {
			field string
			m     *tally.Money
		}{{"hourlyCommitment", &p.Items[i].HourlyCommitment}, {"expectedSavings", &p.Items[i].ExpectedSavings},
			{"p10", &p.Items[i].P10}, {"p90", &p.Items[i].P90}} {
			if m.m.Currency() == "" && m.m.IsZero() {
				continue // left out
			}
			if c, err := tally.ParseCurrency(string(m.m.Currency())); err != nil || c != planCur {
				return Plan{}, bad(m.field+".currency", string(m.m.Currency()), "want "+string(planCur)+", the plan's currency")
			}
			// Exact: the same decimal in the code's canonical (upper) case.
			*m.m = tally.MustParseMoney(m.m.Decimal(), planCur)
		}
		it = p.Items[i]
		if it.HourlyCommitment.Sign() <= 0 {
			return Plan{}, bad("hourlyCommitment", it.HourlyCommitment.Decimal(), "must be positive")
		}
		if c, _ := it.HourlyCommitment.Cmp(tally.FromInt(1_000_000, it.HourlyCommitment.Currency())); c > 0 {
			return Plan{}, bad("hourlyCommitment", it.HourlyCommitment.Decimal(), "more than 1,000,000 an hour")
		}
	}
	return p, nil
}

// decodePlan decodes the plan file b, one JSON object with no member the
// plan does not have.
func decodePlan(b []byte, name string) (Plan, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return Plan{}, fmt.Errorf("%s: %w: the file is empty: want the JSON plan 'tally commitments recommend --plan-out plan.json' writes", name, ErrBadPlan)
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Plan{}, decodeError(b, name, err)
	}
	// A second plan, or anything else, after the first was ignored.
	if rest := bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return Plan{}, fmt.Errorf("%s: %w: more after the plan's closing brace: a plan file holds one plan",
			jsonpos.Position(name, b, int64(len(b)-len(rest)+1)), ErrBadPlan)
	}
	return p, nil
}

// decodeError says where and what err, an error decoding the plan file b,
// is.
func decodeError(b []byte, name string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: %w: the file ends inside the plan (truncated?)", jsonpos.Position(name, b, int64(len(b))), ErrBadPlan)
	case errors.As(err, &se):
		return fmt.Errorf("%s: %w: not JSON: %v", jsonpos.Position(name, b, se.Offset), ErrBadPlan, se)
	case errors.As(err, &te):
		path, start := valueBefore(jsonpos.Offsets(b), te.Offset)
		return fmt.Errorf("%s: %w: %s: value %s: a JSON %s, want %s", jsonpos.Position(name, b, start), ErrBadPlan, path,
			clip(b[start-1:max(start-1, te.Offset)]), te.Value, jsonpos.Kind(te.Type))
	}
	// An amount, a time or a member the plan does not have: the errors
	// name no place. The first member that fails alone is the one.
	offs := jsonpos.Offsets(b)
	path, raw, ferr := failingMember(b, offs, "", func() any { return &Plan{} })
	if path == "items" {
		var items []json.RawMessage
		_ = json.Unmarshal(raw, &items)
		for i, it := range items {
			if path, raw, ferr = failingMember(it, offs, fmt.Sprintf("items[%d].", i), func() any { return &PlanItem{} }); path != "" {
				break
			}
		}
	}
	if path == "" {
		return fmt.Errorf("%s: %w: %v", name, ErrBadPlan, err)
	}
	return fmt.Errorf("%s: %w: %s: value %s: %v", jsonpos.Position(name, b, offs[path]), ErrBadPlan, path, clip(raw), ferr)
}

// failingMember returns the path (prefix and name), value and error of the
// first member of the JSON object b, in the order offs (the file's
// offsets) says, that fails to decode alone into a new value of the type
// newValue returns; "" when none does.
func failingMember(b []byte, offs map[string]int64, prefix string, newValue func() any) (string, json.RawMessage, error) {
	var members map[string]json.RawMessage
	if json.Unmarshal(b, &members) != nil {
		return "", nil, nil
	}
	keys := slices.SortedFunc(maps.Keys(members), func(x, y string) int { return cmp.Compare(offs[prefix+x], offs[prefix+y]) })
	for _, k := range keys {
		one, err := json.Marshal(map[string]json.RawMessage{k: members[k]})
		if err != nil {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(one))
		dec.DisallowUnknownFields()
		if err := dec.Decode(newValue()); err != nil {
			return prefix + k, members[k], err
		}
	}
	return "", nil, nil
}

// valueBefore returns the path and offset of the value that starts last
// before the 1-based offset off: the one whose decoding failed there.
func valueBefore(offs map[string]int64, off int64) (string, int64) {
	var path string
	var start int64 = 1
	for p, o := range offs {
		if o <= off && (o > start || o == start && len(p) > len(path)) {
			path, start = p, o
		}
	}
	return path, start
}

// clip returns the JSON value b on one line, cut to 120 bytes.
func clip(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		buf.Reset()
		buf.Write(bytes.Join(bytes.Fields(b), []byte(" ")))
	}
	if s := buf.String(); len(s) > 120 {
		return strings.ToValidUTF8(s[:120], "") + "…"
	}
	return buf.String()
}
