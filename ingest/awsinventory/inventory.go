package awsinventory

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/savingsplans"
	sptypes "github.com/aws/aws-sdk-go-v2/service/savingsplans/types"

	"github.com/tallyhq/tally"
)

// SourceAPI marks commitments read from the AWS APIs.
const SourceAPI = "aws-api"

// Options configure the clients.
type Options struct {
	// Regions whose Reserved Instances are read (default: the configured
	// region, else us-east-1). Savings Plans are global.
	Regions []string
	// SavingsPlansEndpoint and EC2Endpoint override the API endpoints
	// (tests, proxies); EC2Endpoint serves every region.
	SavingsPlansEndpoint string
	EC2Endpoint          string
	// STSEndpoint overrides the STS endpoint Caller asks.
	STSEndpoint string
	// Credentials, when set, replace the default credential chain.
	Credentials aws.CredentialsProvider
}

// Clients are the AWS APIs this package calls: Savings Plans and EC2, and
// STS to tell whose credentials they are (Caller).
type Clients struct {
	SavingsPlans *savingsplans.Client
	ec2          map[string]*ec2.Client // by region
	cfg          aws.Config
	opt          Options
}

// NewClients builds the clients from the default credential chain (or
// opt.Credentials).
func NewClients(ctx context.Context, opt Options) (*Clients, error) {
	var loads []func(*config.LoadOptions) error
	if opt.Credentials != nil {
		loads = append(loads, config.WithCredentialsProvider(opt.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if len(opt.Regions) == 0 {
		opt.Regions = []string{cfg.Region}
	}
	c := &Clients{cfg: cfg, opt: opt, ec2: map[string]*ec2.Client{}}
	spCfg := cfg.Copy()
	spCfg.Region = "us-east-1" // the Savings Plans API lives there
	c.SavingsPlans = savingsplans.NewFromConfig(spCfg, func(o *savingsplans.Options) {
		if opt.SavingsPlansEndpoint != "" {
			o.BaseEndpoint = aws.String(opt.SavingsPlansEndpoint)
		}
	})
	return c, nil
}

// EC2 returns the EC2 client of region.
func (c *Clients) EC2(region string) *ec2.Client {
	if cl, ok := c.ec2[region]; ok {
		return cl
	}
	cfg := c.cfg.Copy()
	cfg.Region = region
	cl := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if c.opt.EC2Endpoint != "" {
			o.BaseEndpoint = aws.String(c.opt.EC2Endpoint)
		}
	})
	c.ec2[region] = cl
	return cl
}

// Inventory reads every Savings Plan and the Reserved Instances of the
// configured regions. account is the billing (payer) account the
// commitments are stored under; owner is the account of the credentials
// (Caller), whose Reserved Instances EC2 lists and whose ARNs are built
// with it (the API returns ids; the bill names ARNs of the account that
// bought them, a member account's in an organization).
func Inventory(ctx context.Context, c *Clients, account, owner string) ([]tally.Commitment, error) {
	var out []tally.Commitment
	in := &savingsplans.DescribeSavingsPlansInput{MaxResults: aws.Int32(1000)}
	for {
		page, err := c.SavingsPlans.DescribeSavingsPlans(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describe savings plans: %w", err)
		}
		for _, sp := range page.SavingsPlans {
			cm, ok, err := savingsPlan(sp, account)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, cm)
			}
		}
		if aws.ToString(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	for _, region := range c.opt.Regions {
		page, err := c.EC2(region).DescribeReservedInstances(ctx, &ec2.DescribeReservedInstancesInput{})
		if err != nil {
			return nil, fmt.Errorf("describe reserved instances in %s: %w", region, err)
		}
		for _, ri := range page.ReservedInstances {
			cm, err := reservedInstance(ri, region, account, owner)
			if err != nil {
				return nil, err
			}
			out = append(out, cm)
		}
	}
	return out, nil
}

// savingsPlan maps a Savings Plan; ok is false for plans that do not cover
// compute (SageMaker, database).
func savingsPlan(sp sptypes.SavingsPlan, account string) (tally.Commitment, bool, error) {
	arn := aws.ToString(sp.SavingsPlanArn)
	bad := func(field, value string, err error) (tally.Commitment, bool, error) {
		return tally.Commitment{}, false, fmt.Errorf("savings plan %s: %s %q: %w", arn, field, value, err)
	}
	c := tally.Commitment{BillingAccountID: account, ID: arn, Provider: tally.ProviderAWS, Scope: map[string]string{},
		PaymentOption: string(sp.PaymentOption), State: string(sp.State), Source: SourceAPI}
	switch sp.SavingsPlanType {
	case sptypes.SavingsPlanTypeCompute:
		c.Kind = tally.CommitComputeSP
	case sptypes.SavingsPlanTypeEc2Instance:
		c.Kind = tally.CommitEC2SP
		c.Scope["region"], c.Scope["family"] = aws.ToString(sp.Region), aws.ToString(sp.Ec2InstanceFamily)
	default:
		return tally.Commitment{}, false, nil
	}
	if c.BillingAccountID == "" {
		c.BillingAccountID = arnAccount(arn)
	}
	if c.ID == "" {
		c.ID = aws.ToString(sp.SavingsPlanId)
	}
	cur := tally.Currency(sp.Currency)
	if cur == "" {
		cur = "USD"
	}
	var err error
	for _, f := range []struct {
		name string
		v    *string
		dst  *tally.Money
	}{{"commitment", sp.Commitment, &c.HourlyCommitment}, {"upfrontPaymentAmount", sp.UpfrontPaymentAmount, &c.UpfrontFee},
		{"recurringPaymentAmount", sp.RecurringPaymentAmount, &c.RecurringHourlyFee}} {
		v := aws.ToString(f.v)
		if v == "" {
			v = "0"
		}
		if *f.dst, err = tally.ParseMoney(v, cur); err != nil {
			return bad(f.name, v, err)
		}
	}
	if c.Start, err = time.Parse(time.RFC3339, aws.ToString(sp.Start)); err != nil {
		return bad("start", aws.ToString(sp.Start), err)
	}
	if c.End, err = time.Parse(time.RFC3339, aws.ToString(sp.End)); err != nil {
		return bad("end", aws.ToString(sp.End), err)
	}
	c.Start, c.End = c.Start.UTC(), c.End.UTC()
	c.TermMonths = monthsOf(sp.TermDurationInSeconds, c.Start, c.End)
	return c, true, nil
}

// reservedInstance maps a Reserved Instance of account owner, stored
// under the billing account account.
func reservedInstance(ri ec2types.ReservedInstances, region, account, owner string) (tally.Commitment, error) {
	id := aws.ToString(ri.ReservedInstancesId)
	arn := id
	if owner != "" {
		arn = "arn:aws:ec2:" + region + ":" + owner + ":reserved-instances/" + id
	}
	c := tally.Commitment{BillingAccountID: account, ID: arn, Provider: tally.ProviderAWS, Kind: tally.CommitReserved,
		Scope: map[string]string{"region": region, "instanceType": string(ri.InstanceType)}, PaymentOption: string(ri.OfferingType),
		State: string(ri.State), Source: SourceAPI}
	if ri.Scope == ec2types.ScopeAvailabilityZone && aws.ToString(ri.AvailabilityZone) != "" {
		c.Scope["availabilityZone"] = aws.ToString(ri.AvailabilityZone)
	}
	if p := string(ri.ProductDescription); p != "" {
		c.Scope["platform"] = p
	}
	if t := ri.InstanceTenancy; t != "" && t != ec2types.TenancyDefault {
		c.Scope["tenancy"] = string(t)
	}
	n := int64(aws.ToInt32(ri.InstanceCount))
	c.Quantity = float64(n)
	cur := tally.Currency(ri.CurrencyCode)
	if cur == "" {
		cur = "USD"
	}
	fixed, err := money32(aws.ToFloat32(ri.FixedPrice), cur)
	if err != nil {
		return c, fmt.Errorf("reserved instances %s: fixedPrice: %w", id, err)
	}
	hourly, err := money32(aws.ToFloat32(ri.UsagePrice), cur)
	if err != nil {
		return c, fmt.Errorf("reserved instances %s: usagePrice: %w", id, err)
	}
	for _, rc := range ri.RecurringCharges {
		if rc.Frequency != ec2types.RecurringChargeFrequencyHourly || rc.Amount == nil {
			continue
		}
		m, err := tally.ParseMoney(strconv.FormatFloat(*rc.Amount, 'g', -1, 64), cur)
		if err != nil {
			return c, fmt.Errorf("reserved instances %s: recurring charge: %w", id, err)
		}
		if hourly, err = hourly.Add(m); err != nil {
			return c, err
		}
	}
	if c.UpfrontFee, err = fixed.MulRatio(uint64(max(n, 0)), 1); err != nil {
		return c, err
	}
	if c.RecurringHourlyFee, err = hourly.MulRatio(uint64(max(n, 0)), 1); err != nil {
		return c, err
	}
	c.Start = aws.ToTime(ri.Start).UTC()
	c.End = aws.ToTime(ri.End).UTC()
	c.TermMonths = monthsOf(aws.ToInt64(ri.Duration), c.Start, c.End)
	if c.End.IsZero() || !c.End.After(c.Start) {
		c.End = c.Start.Add(time.Duration(aws.ToInt64(ri.Duration)) * time.Second)
	}
	return c, nil
}

// money32 converts a float32 price by its shortest float32 decimal form
// (0.1 stays 0.1, not 0.100000001490116).
func money32(f float32, cur tally.Currency) (tally.Money, error) {
	return tally.ParseMoney(strconv.FormatFloat(float64(f), 'g', -1, 32), cur)
}

// monthsOf returns a term in months from its seconds (365-day years), or
// from start and end.
func monthsOf(seconds int64, start, end time.Time) int {
	if seconds > 0 {
		return int((seconds + 365*86400/24) / (365 * 86400 / 12))
	}
	return int(end.Sub(start).Hours()/730 + 0.5)
}

// arnAccount returns the account of an ARN (arn:aws:savingsplans::123:…).
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}
