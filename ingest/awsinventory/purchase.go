package awsinventory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/savingsplans"
	sptypes "github.com/aws/aws-sdk-go-v2/service/savingsplans/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
)

// Operations a purchase sends.
const (
	OpCreateSavingsPlan                 = "CreateSavingsPlan"
	OpPurchaseReservedInstancesOffering = "PurchaseReservedInstancesOffering"
)

// ErrNoOffering is returned when AWS offers nothing matching a plan item.
var ErrNoOffering = errors.New("no matching offering")

// errCaptured stops a request after it is serialized: a dry run.
var errCaptured = errors.New("request captured, not sent")

// ErrOutcomeUnknown is a purchase sent whose answer was lost (a server
// error, a timeout, a connection closed after the request went out): AWS
// may have carried it out. A Reserved Instance purchase takes no
// idempotency token, so it is not sent again; a person checks
// (DescribeReservedInstances, tally commitments sync aws).
var ErrOutcomeUnknown = errors.New("the purchase may have been made: its answer was lost")

// refused reports whether err is AWS refusing a request (a client fault:
// a bad parameter, missing permission, an offering sold out), so that
// nothing was done.
func refused(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorFault() == smithy.FaultClient
}

// Payload is an API request exactly as the SDK serializes it.
type Payload struct {
	Operation   string `json:"operation"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"` // REST-JSON for Savings Plans; the EC2 Query protocol's form for EC2
	Region      string `json:"region,omitempty"`
}

// Request is one purchase of a plan, ready to send.
type Request struct {
	ItemID     string    `json:"itemId"`
	Date       time.Time `json:"date"`
	Due        bool      `json:"due"` // the item may be sent now (commitments.Plan.Due)
	OfferingID string    `json:"offeringId"`
	Quantity   int32     `json:"quantity,omitempty"` // Reserved Instances
	// ProductDescription is the platform of a Reserved Instance offering
	// as AWS describes it ("Windows"): the plan item's, or it is not built.
	ProductDescription string               `json:"productDescription,omitempty"`
	HourlyCost         tally.Money          `json:"hourlyCost"` // what the purchase costs an hour: the commitment sent; RIs: Quantity × the offering's price (upfront spread over the term)
	Upfront            tally.Money          `json:"upfront"`    // of it, what is charged at once when bought (Partial and All Upfront)
	Payload            Payload              `json:"payload"`
	Caller             *Caller              `json:"caller,omitempty"` // whose credentials send it (set by the caller of Prepare)
	Item               commitments.PlanItem `json:"-"`
	send               func(context.Context) (json.RawMessage, error)
}

// Send sends the request and returns AWS's answer as JSON.
func (r *Request) Send(ctx context.Context) (json.RawMessage, error) {
	if r.send == nil {
		return nil, fmt.Errorf("%s: not an AWS purchase", r.ItemID)
	}
	return r.send(ctx)
}

// Prepare builds the API requests of the plan's AWS items: it resolves
// each item's offering (DescribeSavingsPlansOfferings,
// DescribeReservedInstancesOfferings), builds CreateSavingsPlan or
// PurchaseReservedInstancesOffering, and captures the request the SDK
// would send, without sending it. Requests of the items in due (IDs, from
// commitments.Plan.Due) have Due set. clientToken makes repeated sends of
// one item idempotent.
func Prepare(ctx context.Context, c *Clients, plan commitments.Plan, due map[string]bool) ([]*Request, error) {
	var out []*Request
	for _, it := range plan.Items {
		if it.Offer.Provider != tally.ProviderAWS {
			continue
		}
		var r *Request
		var err error
		switch it.Offer.Kind {
		case tally.CommitComputeSP, tally.CommitEC2SP:
			r, err = prepareSavingsPlan(ctx, c, it)
		case tally.CommitReserved:
			r, err = prepareReserved(ctx, c, it)
		default:
			err = fmt.Errorf("kind %s: not an AWS commitment", it.Offer.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("plan item %s: %w", it.ID, err)
		}
		r.ItemID, r.Date, r.Item = it.ID, it.Date, it
		r.Due = due[it.ID]
		out = append(out, r)
	}
	return out, nil
}

// errCurrency is the error of a plan item in a currency AWS does not sell
// the commitment in (an account billed in EUR has its plan in EUR): its
// amount would be read as another currency's.
func errCurrency(it commitments.PlanItem, sold string) error {
	return fmt.Errorf("the plan is in %s (its bill's currency), but AWS sells this commitment in %s and Tally does not convert currencies: "+
		"nothing is built; buy it in the AWS console at the %s amount", it.HourlyCommitment.Currency(), sold, sold)
}

func prepareSavingsPlan(ctx context.Context, c *Clients, it commitments.PlanItem) (*Request, error) {
	o := it.Offer
	// CurrencyCode is CNY or USD: an amount in another currency would be
	// sent as the same number of dollars.
	if cur := it.HourlyCommitment.Currency(); cur != "USD" && cur != "CNY" {
		return nil, errCurrency(it, "USD (CNY in China)")
	}
	planType := sptypes.SavingsPlanTypeCompute
	in := &savingsplans.DescribeSavingsPlansOfferingsInput{
		Durations:      []int64{int64(o.TermMonths) * 365 * 86400 / 12},
		PaymentOptions: []sptypes.SavingsPlanPaymentOption{sptypes.SavingsPlanPaymentOption(o.Payment)},
		Currencies:     []sptypes.CurrencyCode{sptypes.CurrencyCode(it.HourlyCommitment.Currency())},
		ProductType:    sptypes.SavingsPlanProductTypeEc2,
	}
	if o.Kind == tally.CommitEC2SP {
		planType = sptypes.SavingsPlanTypeEc2Instance
		in.Filters = []sptypes.SavingsPlanOfferingFilterElement{
			{Name: sptypes.SavingsPlanOfferingFilterAttributeRegion, Values: []string{o.Region}},
			{Name: sptypes.SavingsPlanOfferingFilterAttributeInstanceFamily, Values: []string{o.Family}},
		}
	}
	in.PlanTypes = []sptypes.SavingsPlanType{planType}
	offering := ""
	for {
		page, err := c.SavingsPlans.DescribeSavingsPlansOfferings(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describe savings plans offerings: %w", err)
		}
		for _, off := range page.SearchResults {
			if off.PlanType == planType && string(off.PaymentOption) == o.Payment && off.DurationSeconds == in.Durations[0] &&
				string(off.Currency) == string(it.HourlyCommitment.Currency()) &&
				(o.Kind != tally.CommitEC2SP || (property(off, "region") == o.Region && property(off, "instanceFamily") == o.Family)) {
				offering = aws.ToString(off.OfferingId)
				break
			}
		}
		if offering != "" || aws.ToString(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	if offering == "" {
		return nil, fmt.Errorf("%s: %w", commitments.Describe(o), ErrNoOffering)
	}
	// The commitment is sent to the thousandth, and must be at least 0.001
	// ("a value between 0.001 and 1 million"): rounded to 0 it was sent as
	// "0" and shown as due.
	commitment := it.HourlyCommitment.Round(3)
	if c, err := commitment.Cmp(tally.MustParseMoney("0.001", commitment.Currency())); err != nil || c < 0 {
		return nil, fmt.Errorf("%s/h is less than the 0.001/h a Savings Plan commits at least: remove the item from the plan, or raise it to 0.001",
			it.HourlyCommitment.Decimal())
	}
	create := &savingsplans.CreateSavingsPlanInput{
		SavingsPlanOfferingId: aws.String(offering),
		Commitment:            aws.String(commitment.Decimal()),
		ClientToken:           aws.String(clientToken(it.ID)),
		Tags:                  map[string]string{"tally:plan-item": it.ID},
	}
	upfront := tally.MustParseMoney("0", commitment.Currency())
	switch o.Payment {
	case commitments.PartialUpfront:
		var err error
		if upfront, err = partialUpfront(commitment, o.TermMonths); err != nil {
			return nil, err
		}
		create.UpfrontPaymentAmount = aws.String(upfront.Decimal())
	case commitments.AllUpfront: // the whole term, by the offering: not a request field
		var err error
		if upfront, err = commitment.MulRatio(uint64(commitments.TermHours(o.TermMonths)), 1); err != nil {
			return nil, fmt.Errorf("upfront payment of %s/h: %w", commitment, err)
		}
	}
	r := &Request{OfferingID: offering, HourlyCost: commitment, Upfront: upfront}
	call := func(ctx context.Context, send bool) (json.RawMessage, error) {
		var p Payload
		out, err := c.SavingsPlans.CreateSavingsPlan(ctx, create, func(o *savingsplans.Options) {
			o.APIOptions = append(o.APIOptions, capture(OpCreateSavingsPlan, &p, send))
		})
		r.Payload = p
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]string{"savingsPlanId": aws.ToString(out.SavingsPlanId)})
	}
	if _, err := call(ctx, false); !errors.Is(err, errCaptured) {
		return nil, fmt.Errorf("build CreateSavingsPlan: %w", err)
	}
	r.send = func(ctx context.Context) (json.RawMessage, error) { return call(ctx, true) }
	return r, nil
}

func prepareReserved(ctx context.Context, c *Clients, it commitments.PlanItem) (*Request, error) {
	o := it.Offer
	seconds := int64(o.TermMonths) * 365 * 86400 / 12
	cl := c.EC2(o.Region)
	page, err := cl.DescribeReservedInstancesOfferings(ctx, &ec2.DescribeReservedInstancesOfferingsInput{
		InstanceType:       ec2types.InstanceType(o.InstanceType),
		ProductDescription: ec2types.RIProductDescription(commitments.ProductDescription(o.Platform)),
		OfferingClass:      ec2types.OfferingClassTypeStandard,
		OfferingType:       ec2types.OfferingTypeValues(o.Payment),
		InstanceTenancy:    ec2types.TenancyDefault,
		MinDuration:        aws.Int64(seconds),
		MaxDuration:        aws.Int64(seconds),
		IncludeMarketplace: aws.Bool(false),
	})
	if err != nil {
		return nil, fmt.Errorf("describe reserved instances offerings in %s: %w", o.Region, err)
	}
	var off *ec2types.ReservedInstancesOffering
	for i := range page.ReservedInstancesOfferings {
		x := &page.ReservedInstancesOfferings[i]
		if string(x.InstanceType) == o.InstanceType && string(x.OfferingType) == o.Payment && aws.ToInt64(x.Duration) == seconds &&
			x.Scope != ec2types.ScopeAvailabilityZone && commitments.Platform(string(x.ProductDescription)) == o.Platform {
			off = x
			break
		}
	}
	if off == nil {
		return nil, fmt.Errorf("%s: %w", commitments.Describe(o), ErrNoOffering)
	}
	if sold := string(off.CurrencyCode); sold != string(it.HourlyCommitment.Currency()) {
		return nil, errCurrency(it, sold)
	}
	// What one instance costs an hour: recurring charges and usage price,
	// plus the fixed price spread over the term.
	per, err := instanceHourly(off, seconds, it.HourlyCommitment.Currency())
	if err != nil {
		return nil, err
	}
	// As many whole instances as the item's amount pays for, never more:
	// the amount is the risk-bounded level, and rounding up bought past it.
	n := int64(math.Floor(it.HourlyCommitment.Float64() / per.Float64()))
	cost := func(n int64) tally.Money { m, _ := per.MulRatio(uint64(max(n, 0)), 1); return m }
	for n > 0 {
		if c, _ := cost(n).Cmp(it.HourlyCommitment); c <= 0 {
			break
		}
		n--
	}
	for {
		if c, _ := cost(n + 1).Cmp(it.HourlyCommitment); c > 0 {
			break
		}
		n++
	}
	if n < 1 {
		return nil, fmt.Errorf("%s/h buys less than one %s Reserved Instance (%s/h each, upfront spread over the term): "+
			"nothing to buy; remove the item from the plan, or raise it to %s/h for one", it.HourlyCommitment.Format(3), o.InstanceType,
			per.Format(4), per.Format(4))
	}
	if n > math.MaxInt32 {
		return nil, fmt.Errorf("%s/h: %d %s Reserved Instances, too many for one purchase", it.HourlyCommitment.Format(3), n, o.InstanceType)
	}
	in := &ec2.PurchaseReservedInstancesOfferingInput{
		InstanceCount:               aws.Int32(int32(n)),
		ReservedInstancesOfferingId: off.ReservedInstancesOfferingId,
	}
	fixed, err := tally.ParseMoney(strconv.FormatFloat(float64(aws.ToFloat32(off.FixedPrice)), 'f', -1, 32), it.HourlyCommitment.Currency())
	if err != nil {
		return nil, fmt.Errorf("offering %s: fixed price: %w", aws.ToString(off.ReservedInstancesOfferingId), err)
	}
	if fixed, err = fixed.MulRatio(uint64(n), 1); err != nil {
		return nil, err
	}
	r := &Request{OfferingID: aws.ToString(off.ReservedInstancesOfferingId), Quantity: int32(n), HourlyCost: cost(n), Upfront: fixed,
		ProductDescription: string(off.ProductDescription)}
	call := func(ctx context.Context, send bool) (json.RawMessage, error) {
		var p Payload
		out, err := cl.PurchaseReservedInstancesOffering(ctx, in, func(eo *ec2.Options) {
			eo.APIOptions = append(eo.APIOptions, capture(OpPurchaseReservedInstancesOffering, &p, send))
			// The request takes no idempotency token: sent again, it
			// buys again. It is sent once.
			eo.RetryMaxAttempts = 1
		})
		p.Region = o.Region
		r.Payload = p
		if send && err != nil && !refused(err) {
			return nil, fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
		}
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]string{"reservedInstancesId": aws.ToString(out.ReservedInstancesId)})
	}
	if _, err := call(ctx, false); !errors.Is(err, errCaptured) {
		return nil, fmt.Errorf("build PurchaseReservedInstancesOffering: %w", err)
	}
	r.send = func(ctx context.Context) (json.RawMessage, error) { return call(ctx, true) }
	return r, nil
}

// instanceHourly returns what one instance of a Reserved Instance offering
// costs an hour in cur: its usage price and hourly recurring charges, plus
// its fixed price spread over the term's seconds. The SDK's float prices
// are read as the decimals AWS sent.
func instanceHourly(off *ec2types.ReservedInstancesOffering, seconds int64, cur tally.Currency) (tally.Money, error) {
	id := aws.ToString(off.ReservedInstancesOfferingId)
	price := func(what string, f float64, bits int) (tally.Money, error) {
		m, err := tally.ParseMoney(strconv.FormatFloat(f, 'f', -1, bits), cur)
		if err != nil {
			return tally.Money{}, fmt.Errorf("offering %s: %s %v: %w", id, what, f, err)
		}
		return m, nil
	}
	per, err := price("usage price", float64(aws.ToFloat32(off.UsagePrice)), 32)
	if err != nil {
		return tally.Money{}, err
	}
	fixed, err := price("fixed price", float64(aws.ToFloat32(off.FixedPrice)), 32)
	if err != nil {
		return tally.Money{}, err
	}
	if seconds >= 3600 {
		if fixed, err = fixed.MulRatio(1, uint64(seconds/3600)); err != nil {
			return tally.Money{}, err
		}
		if per, err = per.Add(fixed); err != nil {
			return tally.Money{}, err
		}
	}
	for _, rc := range off.RecurringCharges {
		if rc.Frequency == ec2types.RecurringChargeFrequencyHourly {
			m, err := price("recurring charge", aws.ToFloat64(rc.Amount), 64)
			if err != nil {
				return tally.Money{}, err
			}
			if per, err = per.Add(m); err != nil {
				return tally.Money{}, err
			}
		}
	}
	if per.Sign() <= 0 {
		return tally.Money{}, fmt.Errorf("offering %s: no hourly price", id)
	}
	return per, nil
}

// capture records the serialized HTTP request at the end of the build
// step (before signing) and, unless send is set, stops it there.
func capture(op string, into *Payload, send bool) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Build.Add(middleware.BuildMiddlewareFunc("TallyCapture",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				req, ok := in.Request.(*smithyhttp.Request)
				if !ok {
					return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("capture: unexpected request type %T", in.Request)
				}
				var body []byte
				if s := req.GetStream(); s != nil {
					b, err := io.ReadAll(s)
					if err != nil {
						return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("capture: read body: %w", err)
					}
					body = b
					if req, err = req.SetStream(bytes.NewReader(b)); err != nil {
						return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("capture: %w", err)
					}
					in.Request = req
				}
				*into = Payload{Operation: op, Method: req.Method, Path: req.URL.Path, ContentType: req.Header.Get("Content-Type"), Body: string(body)}
				if !send {
					return middleware.BuildOutput{}, middleware.Metadata{}, errCaptured
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}

// property returns an offering's property.
func property(o sptypes.SavingsPlanOffering, name string) string {
	for _, p := range o.Properties {
		if string(p.Name) == name {
			return aws.ToString(p.Value)
		}
	}
	return ""
}

// partialUpfront returns what a Partial Upfront Savings Plan of hourly
// commitment over months pays upfront: CreateSavingsPlan's
// upfrontPaymentAmount, "a whole number between 50 and 99 percent of the
// total value of the Savings Plan" (and taken for Partial Upfront only: an
// All Upfront plan pays its whole term by its offering). Half the total,
// rounded up to a whole unit of the currency.
func partialUpfront(hourly tally.Money, months int) (tally.Money, error) {
	half, err := hourly.MulRatio(uint64(commitments.TermHours(months)), 2)
	if err != nil {
		return tally.Money{}, fmt.Errorf("upfront payment of %s/h: %w", hourly, err)
	}
	whole := half.Round(0)
	if c, err := whole.Cmp(half); err != nil {
		return tally.Money{}, err
	} else if c < 0 {
		return whole.Add(tally.FromInt(1, half.Currency()))
	}
	return whole, nil
}

// clientToken derives an idempotency token from the plan item id.
func clientToken(id string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return "tally-" + strconv.FormatUint(h, 36)
}
