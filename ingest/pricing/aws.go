package pricing

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	ptypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"
	"github.com/aws/aws-sdk-go-v2/service/savingsplans"
	sptypes "github.com/aws/aws-sdk-go-v2/service/savingsplans/types"

	"github.com/tallyhq/tally"
)

// Sources recorded in prices.source.
const (
	SourceAWSPriceList = "aws-price-list"
	SourceAWSSavings   = "aws-savings-plans"
	SourceAWSSpot      = "aws-spot-price-history"
	SourceGCPCatalog   = "gcp-catalog"
)

// AWSOptions select what SyncAWS fetches.
type AWSOptions struct {
	Regions       []string // e.g. us-east-1; required
	InstanceTypes []string // only these; empty: all
	// OperatingSystems are the operating systems to price
	// (OperatingSystems(): linux, windows, rhel, suse, windows-sql-std, …;
	// licences included). Default: linux.
	OperatingSystems []string
	// PricingEndpoint and SavingsPlansEndpoint override the API endpoints
	// (tests, proxies).
	PricingEndpoint      string
	SavingsPlansEndpoint string
	EC2Endpoint          string // every region's EC2 endpoint (tests)
	// NoSpot skips the spot prices (for credentials without
	// ec2:DescribeSpotPriceHistory).
	NoSpot bool
	Now    time.Time    // effective date of the prices; default now
	Log    *slog.Logger // progress, a line a page, and retries; nil: none
	// MaxBackoff is the longest wait before retrying a call AWS throttled
	// or failed (DefaultMaxBackoff when zero).
	MaxBackoff time.Duration
}

// AWSClients are the AWS APIs SyncAWS calls.
type AWSClients struct {
	Pricing      *awspricing.Client
	SavingsPlans *savingsplans.Client
	EC2          *ec2.Client // spot price history; SyncAWS sets the region per call
}

// NewAWSClients builds the clients from the default credential chain. The
// Price List Query API and Savings Plans live in us-east-1. A call AWS
// throttles or fails is retried, up to maxAttempts tries, waiting up to
// opt.MaxBackoff, each retry logged to opt.Log.
func NewAWSClients(ctx context.Context, opt AWSOptions) (AWSClients, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
	if err != nil {
		return AWSClients{}, fmt.Errorf("load AWS config: %w", err)
	}
	return AWSClients{
		Pricing: awspricing.NewFromConfig(cfg, func(o *awspricing.Options) {
			o.Retryer = newRetryer("pricing", opt)
			if opt.PricingEndpoint != "" {
				o.BaseEndpoint = aws.String(opt.PricingEndpoint)
			}
		}),
		SavingsPlans: savingsplans.NewFromConfig(cfg, func(o *savingsplans.Options) {
			o.Retryer = newRetryer("savingsplans", opt)
			if opt.SavingsPlansEndpoint != "" {
				o.BaseEndpoint = aws.String(opt.SavingsPlansEndpoint)
			}
		}),
		EC2: ec2.NewFromConfig(cfg, func(o *ec2.Options) {
			o.Retryer = newRetryer("ec2", opt)
			if opt.EC2Endpoint != "" {
				o.BaseEndpoint = aws.String(opt.EC2Endpoint)
			}
		}),
	}, nil
}

// DefaultMaxBackoff is the longest wait before retrying a call, by default.
const DefaultMaxBackoff = 20 * time.Second

// maxAttempts is how many times a call is tried. A sync makes hundreds of
// calls, any of which AWS may throttle, and a call given up fails the
// whole sync; the SDK's default is three.
const maxAttempts = 10

// newRetryer is the SDK's standard retryer with maxAttempts tries, no
// client-side retry quota (a long sync's throttled calls would drain it,
// and the attempts bound the retries anyway), and each retry logged as a
// call to api.
func newRetryer(api string, opt AWSOptions) aws.Retryer {
	std := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = cmp.Or(opt.MaxBackoff, DefaultMaxBackoff)
		o.RateLimiter = ratelimit.None
	})
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return loggedRetryer{RetryerV2: std, api: api, log: log}
}

// loggedRetryer logs each retry its RetryerV2 decides on, so a sync that
// waits on a throttled API says so.
type loggedRetryer struct {
	aws.RetryerV2
	api string
	log *slog.Logger
}

// RetryDelay is the wait before retrying after attempt failed with err.
func (r loggedRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	wait, rerr := r.RetryerV2.RetryDelay(attempt, err)
	if rerr != nil {
		return wait, rerr
	}
	msg := "aws call failed; retrying"
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
		msg = "aws throttled the call; retrying"
	}
	r.log.Warn(msg, "api", r.api, "attempt", attempt, "of", maxAttempts, "wait", wait.Round(time.Millisecond), "error", err)
	return wait, nil
}

// SyncAWS fetches shared-tenancy EC2 prices for opt.Regions and
// opt.OperatingSystems (Linux by default; Windows with its licence):
// on-demand and Reserved Instance (standard; no, partial and all upfront,
// the upfront fee spread over the term's hours) hourly rates with each
// type's vCPU, memory and GPUs from the Price List, Compute and EC2 Instance
// Savings Plan rates of each payment option, and (unless opt.NoSpot) the
// current spot price of each zone from the EC2 spot price history, with
// their mean over the region's zones (Zone "").
func SyncAWS(ctx context.Context, c AWSClients, opt AWSOptions) ([]tally.InstancePrice, error) {
	if len(opt.Regions) == 0 {
		return nil, fmt.Errorf("aws pricing: no regions")
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	effective := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	want := map[string]bool{}
	for _, t := range opt.InstanceTypes {
		want[t] = true
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	oses := opt.OperatingSystems
	if len(oses) == 0 {
		oses = []string{tally.OSLinux}
	}
	var operations, spotDescriptions []string // Savings Plans usage operations and spot product descriptions
	for _, os := range oses {
		n, ok := awsOS[os]
		if !ok {
			return nil, fmt.Errorf("aws pricing: operating system %q: want one of %s", os, strings.Join(OperatingSystems(), ", "))
		}
		op, _ := tally.PlatformOperation(tally.CatalogPlatforms[os])
		operations = append(operations, op)
		if n.spot {
			spotDescriptions = append(spotDescriptions, descriptionOf(os))
		}
	}
	var out []tally.InstancePrice
	shapes := map[string]shape{} // region/type → shape
	for _, region := range opt.Regions {
		var regional []tally.InstancePrice
		for _, os := range oses {
			prices, err := priceList(ctx, c.Pricing, region, os, opt.InstanceTypes, want, shapes, effective, log)
			if err != nil {
				return nil, err
			}
			regional = append(regional, prices...)
		}
		if len(regional) == 0 {
			return nil, noPriceList(region, oses, opt.InstanceTypes)
		}
		out = append(out, regional...)
	}
	sp, err := savingsPlanRates(ctx, c.SavingsPlans, opt.Regions, operations, opt.InstanceTypes, shapes, want, effective, log)
	if err != nil {
		return nil, err
	}
	out = append(out, sp...)
	if !opt.NoSpot && len(spotDescriptions) > 0 { // none would ask for every one
		for _, region := range opt.Regions {
			spot, err := spotPrices(ctx, c.EC2, region, spotDescriptions, opt.InstanceTypes, shapes, now, effective)
			if err != nil {
				return nil, err
			}
			log.Info("aws spot prices", "region", region, "prices", len(spot))
			out = append(out, spot...)
		}
	}
	sortPrices(out)
	return out, nil
}

// priceList fetches the shared-tenancy on-demand and Reserved Instance
// prices of region and operating system os from the Price List (of types
// only, when given), and records each instance type's shape in shapes.
func priceList(ctx context.Context, c *awspricing.Client, region, os string, types []string, want map[string]bool, shapes map[string]shape,
	effective time.Time, log *slog.Logger) ([]tally.InstancePrice, error) {
	filters := []ptypes.Filter{
		{Type: ptypes.FilterTypeTermMatch, Field: aws.String("regionCode"), Value: aws.String(region)},
		{Type: ptypes.FilterTypeTermMatch, Field: aws.String("operatingSystem"), Value: aws.String(awsOS[os].priceList)},
		{Type: ptypes.FilterTypeTermMatch, Field: aws.String("licenseModel"), Value: aws.String("No License required")},
		{Type: ptypes.FilterTypeTermMatch, Field: aws.String("tenancy"), Value: aws.String("Shared")},
		{Type: ptypes.FilterTypeTermMatch, Field: aws.String("preInstalledSw"), Value: aws.String(awsOS[os].software)},
		{Type: ptypes.FilterTypeTermMatch, Field: aws.String("capacitystatus"), Value: aws.String("Used")},
	}
	if len(types) > 0 { // only their products, not the region's whole catalog
		filters = append(filters, ptypes.Filter{Type: ptypes.FilterTypeAnyOf, Field: aws.String("instanceType"),
			Value: aws.String(strings.Join(types, ","))})
	}
	p := awspricing.NewGetProductsPaginator(c, &awspricing.GetProductsInput{
		ServiceCode: aws.String("AmazonEC2"), FormatVersion: aws.String("aws_v1"), Filters: filters, MaxResults: aws.Int32(100),
	})
	var out []tally.InstancePrice
	products := 0
	for n := 1; p.HasMorePages(); n++ {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("aws price list %s, %s: page %d: %w", region, os, n, err)
		}
		for i, doc := range page.PriceList {
			prices, sh, err := parsePriceListProduct(doc, region, effective)
			if err != nil {
				return nil, fmt.Errorf("aws price list %s, %s: page %d, product %d: %w", region, os, n, i+1, err)
			}
			if sh.instanceType == "" || (len(want) > 0 && !want[sh.instanceType]) {
				continue
			}
			shapes[region+"/"+sh.instanceType] = sh
			out = append(out, prices...)
		}
		products += len(page.PriceList)
		log.Info("aws price list", "region", region, "os", os, "products", products)
	}
	return out, nil
}

// noPriceList is the error of a region the Price List has no price of for
// the operating systems and instance types asked for: most often a region
// code it does not know.
func noPriceList(region string, oses, types []string) error {
	what, hint := strings.Join(oses, ", "), ""
	switch {
	case len(types) == 1:
		what += " of instance type " + types[0]
		hint = ", and does the region offer the instance type"
	case len(types) > 1:
		what += " of instance types " + strings.Join(types, ", ")
		hint = ", and does the region offer the instance types"
	}
	return tally.Errorf(tally.ENotFound, "aws price list: region %q has no EC2 shared-tenancy price for %s: is the region code right (as in us-east-1)%s?",
		region, what, hint)
}

// spotPrices is the current spot price of each instance type and operating
// system (descriptions) in each zone of region that offers it
// (DescribeSpotPriceHistory from now returns each zone's price in effect
// now), and their mean over those zones, a price of the region (Zone ""),
// for nodes whose zone is unknown or has no price. Types the Price List
// did not return (no shape) are left out.
func spotPrices(ctx context.Context, c *ec2.Client, region string, descriptions, types []string, shapes map[string]shape, now, effective time.Time) ([]tally.InstancePrice, error) {
	in := &ec2.DescribeSpotPriceHistoryInput{ProductDescriptions: descriptions, StartTime: aws.Time(now), EndTime: aws.Time(now),
		MaxResults: aws.Int32(1000)}
	for _, t := range types {
		in.InstanceTypes = append(in.InstanceTypes, ec2types.InstanceType(t))
	}
	type zonePrices struct {
		itype, os string
		zones     map[string]tally.Money
		order     []string // zones as listed
		sum       tally.Money
	}
	byType := map[string]*zonePrices{} // type/os
	var order []string
	p := ec2.NewDescribeSpotPriceHistoryPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, func(o *ec2.Options) { o.Region = region })
		if err != nil {
			return nil, fmt.Errorf("aws spot price history %s: %w (--no-spot skips spot prices)", region, err)
		}
		for _, sp := range page.SpotPriceHistory {
			itype, zone := string(sp.InstanceType), aws.ToString(sp.AvailabilityZone)
			os, ok := osOfDescription(string(sp.ProductDescription), descriptions)
			if _, known := shapes[region+"/"+itype]; !known || !ok {
				continue
			}
			if zone == "" {
				return nil, fmt.Errorf("aws spot price history %s: %s: a price without an availability zone", region, itype)
			}
			m, err := tally.ParseMoney(aws.ToString(sp.SpotPrice), "USD")
			if err != nil || m.Sign() < 0 {
				return nil, fmt.Errorf("aws spot price history %s: %s in %s: price %q: want a decimal of at least 0", region, itype, zone, aws.ToString(sp.SpotPrice))
			}
			z := byType[itype+"/"+os]
			if z == nil {
				z = &zonePrices{itype: itype, os: os, zones: map[string]tally.Money{}}
				byType[itype+"/"+os] = z
				order = append(order, itype+"/"+os)
			}
			if _, seen := z.zones[zone]; seen {
				continue // an older price of the zone
			}
			z.zones[zone] = m
			z.order = append(z.order, zone)
			if z.sum, err = z.sum.Add(m); err != nil {
				return nil, fmt.Errorf("aws spot price history %s: %s: %w", region, itype, err)
			}
		}
	}
	var out []tally.InstancePrice
	for _, k := range order {
		z := byType[k]
		mean, err := z.sum.MulRatio(1, uint64(len(z.zones)))
		if err != nil {
			return nil, fmt.Errorf("aws spot price history %s: %s: %w", region, z.itype, err)
		}
		sh := shapes[region+"/"+z.itype]
		price := func(zone string, m tally.Money) tally.InstancePrice {
			return tally.InstancePrice{Provider: tally.ProviderAWS, Region: region, Zone: zone, InstanceType: z.itype, PurchaseOption: tally.PurchaseSpot,
				OperatingSystem: z.os, HourlyPrice: m, VCPUs: sh.vcpus, MemoryBytes: sh.memoryBytes, GPUs: sh.gpus,
				EffectiveFrom: effective, Source: SourceAWSSpot}
		}
		out = append(out, price("", mean))
		for _, zone := range z.order {
			out = append(out, price(zone, z.zones[zone]))
		}
	}
	return out, nil
}

// awsOSNames is how the Price List names an operating system: its
// operatingSystem and preInstalledSw attributes. spot says whether
// DescribeSpotPriceHistory takes its product description (descriptionOf).
type awsOSNames struct {
	priceList string
	software  string
	spot      bool
}

// awsOS maps Tally's operating system names (prices.operating_system:
// Kubernetes' kubernetes.io/os for linux and windows; tally.CatalogPlatforms
// names their platforms) to AWS's.
var awsOS = map[string]awsOSNames{
	"linux":           {"Linux", "NA", true},
	"windows":         {"Windows", "NA", true},
	"rhel":            {"RHEL", "NA", true},
	"suse":            {"SUSE", "NA", true},
	"rhel-ha":         {"Red Hat Enterprise Linux with HA", "NA", false},
	"ubuntu-pro":      {"Ubuntu Pro", "NA", false},
	"windows-sql-std": {"Windows", "SQL Std", false},
	"windows-sql-web": {"Windows", "SQL Web", false},
	"windows-sql-ent": {"Windows", "SQL Ent", false},
	"linux-sql-std":   {"Linux", "SQL Std", false},
	"linux-sql-web":   {"Linux", "SQL Web", false},
	"linux-sql-ent":   {"Linux", "SQL Ent", false},
	"rhel-sql-std":    {"RHEL", "SQL Std", false},
	"rhel-sql-web":    {"RHEL", "SQL Web", false},
	"rhel-sql-ent":    {"RHEL", "SQL Ent", false},
}

// OperatingSystems returns the operating systems SyncAWS prices, sorted:
// the values of AWSOptions.OperatingSystems.
func OperatingSystems() []string {
	return slices.Sorted(maps.Keys(awsOS))
}

// descriptionOf is the product description spot prices name operating
// system os by: its platform (tally.CatalogPlatforms), Linux/UNIX for
// Linux.
func descriptionOf(os string) string {
	if p := tally.CatalogPlatforms[os]; p != "" {
		return p
	}
	return "Linux/UNIX"
}

// osOfPriceList is the operating system the Price List's operatingSystem
// and preInstalledSw attributes name: Linux without either, and one not in
// awsOS in lower case, with its software.
func osOfPriceList(name, software string) string {
	if software == "" {
		software = "NA"
	}
	if name == "" && software == "NA" {
		return tally.OSLinux
	}
	for os, n := range awsOS {
		if strings.EqualFold(n.priceList, name) && strings.EqualFold(n.software, software) {
			return os
		}
	}
	if software != "NA" {
		name += " " + software
	}
	return strings.ToLower(name)
}

// osOfDescription is the operating system of a spot product description
// ("Linux/UNIX", "Windows") among those asked for; with none, the one
// asked for when only one was.
func osOfDescription(d string, asked []string) (string, bool) {
	return osAsked(d, asked, descriptionOf)
}

// osOfOperation is the operating system of a Savings Plans rate's usage
// operation ("RunInstances", "RunInstances:0002") among those asked for;
// with none, the one asked for when only one was.
func osOfOperation(op string, asked []string) (string, bool) {
	return osAsked(op, asked, func(os string) string {
		op, _ := tally.PlatformOperation(tally.CatalogPlatforms[os])
		return op
	})
}

// osAsked is the operating system whose name is name, if name was asked
// for; with none, the one asked for when only one was.
func osAsked(name string, asked []string, nameOf func(os string) string) (string, bool) {
	if name == "" && len(asked) == 1 {
		name = asked[0]
	}
	if !slices.Contains(asked, name) {
		return "", false
	}
	for os := range awsOS {
		if nameOf(os) == name {
			return os, true
		}
	}
	return "", false
}

// sortPrices orders prices by region, instance type, operating system,
// purchase option and zone (a region's price before its zones').
func sortPrices(ps []tally.InstancePrice) {
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		if a.InstanceType != b.InstanceType {
			return a.InstanceType < b.InstanceType
		}
		if a.OperatingSystem != b.OperatingSystem {
			return a.OperatingSystem < b.OperatingSystem
		}
		if a.PurchaseOption != b.PurchaseOption {
			return a.PurchaseOption < b.PurchaseOption
		}
		return a.Zone < b.Zone
	})
}

type shape struct {
	instanceType string
	vcpus        float64
	memoryBytes  int64
	gpus         int
}

// priceListProduct is the part of a Price List product document Tally reads.
type priceListProduct struct {
	Product struct {
		Attributes map[string]string `json:"attributes"`
	} `json:"product"`
	Terms map[string]map[string]struct {
		PriceDimensions map[string]priceDimension `json:"priceDimensions"`
		TermAttributes  map[string]string         `json:"termAttributes"`
	} `json:"terms"`
}

// priceDimension is one price of a Price List term: an hourly rate (unit
// Hrs) or an upfront fee (unit Quantity).
type priceDimension struct {
	Unit         string            `json:"unit"`
	PricePerUnit map[string]string `json:"pricePerUnit"`
}

// parsePriceListProduct reads one GetProducts document: the instance shape,
// its on-demand rate and its standard RI rates of each purchase option
// (reservedPrice).
func parsePriceListProduct(doc, region string, effective time.Time) ([]tally.InstancePrice, shape, error) {
	var p priceListProduct
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, shape{}, fmt.Errorf("document %s (%d bytes): %w", excerpt(doc), len(doc), err)
	}
	a := p.Product.Attributes
	sh := shape{instanceType: a["instanceType"]}
	if sh.instanceType == "" {
		return nil, sh, nil
	}
	var err error
	if sh.vcpus, err = strconv.ParseFloat(a["vcpu"], 64); err != nil || !(sh.vcpus > 0) || math.IsInf(sh.vcpus, 0) {
		return nil, sh, fmt.Errorf("%s: vcpu %q: want a positive number", sh.instanceType, a["vcpu"])
	}
	if sh.memoryBytes, err = parseMemory(a["memory"]); err != nil {
		return nil, sh, fmt.Errorf("%s: %w", sh.instanceType, err)
	}
	if g := a["gpu"]; g != "" {
		sh.gpus, _ = strconv.Atoi(g) // not a number (none seen): no GPUs
		if sh.gpus < 0 {
			return nil, sh, fmt.Errorf("%s: gpu %q: negative", sh.instanceType, g)
		}
	}
	os := osOfPriceList(a["operatingSystem"], a["preInstalledSw"])
	mk := func(option string, usd string) (tally.InstancePrice, error) {
		m, err := tally.ParseMoney(usd, "USD")
		if err != nil {
			return tally.InstancePrice{}, fmt.Errorf("%s %s: price %q", sh.instanceType, option, usd)
		}
		if m.Sign() < 0 {
			return tally.InstancePrice{}, fmt.Errorf("%s %s: price %q: negative", sh.instanceType, option, usd)
		}
		return tally.InstancePrice{Provider: tally.ProviderAWS, Region: region, InstanceType: sh.instanceType, PurchaseOption: option,
			OperatingSystem: os, HourlyPrice: m, VCPUs: sh.vcpus, MemoryBytes: sh.memoryBytes, GPUs: sh.gpus,
			EffectiveFrom: effective, Source: SourceAWSPriceList}, nil
	}
	var out []tally.InstancePrice
	for kind, terms := range p.Terms {
		for _, t := range terms {
			switch kind {
			case "OnDemand":
				for _, d := range t.PriceDimensions {
					if d.Unit != "Hrs" || d.PricePerUnit["USD"] == "" {
						continue
					}
					ip, err := mk(tally.PurchaseOnDemand, d.PricePerUnit["USD"])
					if err != nil {
						return nil, sh, err
					}
					out = append(out, ip)
				}
			case "Reserved":
				ip, ok, err := reservedPrice(t.TermAttributes, t.PriceDimensions, mk)
				if err != nil {
					return nil, sh, err
				}
				if ok {
					out = append(out, ip)
				}
			}
		}
	}
	return out, sh, nil
}

// reservedPrice is the effective hourly price of a standard Reserved
// Instance term of the Price List, under its purchase option
// ("reserved-1y-partial-upfront"): its upfront fee (the dimension of unit
// Quantity) over the term's hours plus its hourly rate. It returns false
// for a convertible term, a term of a purchase option or length it does not
// know, and a term without a price.
func reservedPrice(ta map[string]string, dims map[string]priceDimension, mk func(option, usd string) (tally.InstancePrice, error)) (tally.InstancePrice, bool, error) {
	payment, ok := paymentOptions[ta["PurchaseOption"]]
	years := map[string]int{"1yr": 1, "3yr": 3}[ta["LeaseContractLength"]]
	if !ok || years == 0 || ta["OfferingClass"] != "standard" {
		return tally.InstancePrice{}, false, nil
	}
	option := fmt.Sprintf("reserved-%dy-%s", years, payment) // 1yr, No Upfront → reserved-1y-no-upfront
	upfront, hourly := tally.Zero("USD"), tally.Zero("USD")
	var ip tally.InstancePrice
	for _, d := range dims {
		usd := d.PricePerUnit["USD"]
		if usd == "" || (d.Unit != "Hrs" && d.Unit != "Quantity") {
			continue
		}
		p, err := mk(option, usd)
		if err != nil {
			return tally.InstancePrice{}, false, err
		}
		sum := &hourly
		if d.Unit == "Quantity" {
			sum = &upfront
		}
		if *sum, err = sum.Add(p.HourlyPrice); err != nil {
			return tally.InstancePrice{}, false, fmt.Errorf("%s %s: %w", p.InstanceType, option, err)
		}
		ip = p
	}
	if ip.PurchaseOption == "" {
		return tally.InstancePrice{}, false, nil
	}
	perHour, err := upfront.MulRatio(1, uint64(years*hoursPerYear))
	if err == nil {
		ip.HourlyPrice, err = perHour.Add(hourly)
	}
	if err != nil {
		return tally.InstancePrice{}, false, fmt.Errorf("%s %s: upfront %s, hourly %s: %w", ip.InstanceType, option, upfront, hourly, err)
	}
	return ip, true, nil
}

// hoursPerYear is the hours of a year of an AWS commitment's term: 365 days
// (a 1-year Savings Plan lasts 31,536,000 seconds).
const hoursPerYear = 365 * 24

// paymentOptions names the payment options of the Price List's Reserved
// Instance terms (their PurchaseOption) and of Savings Plans offerings as
// the catalog's purchase options end ("reserved-1y-all-upfront").
var paymentOptions = map[string]string{"No Upfront": "no-upfront", "Partial Upfront": "partial-upfront", "All Upfront": "all-upfront"}

// excerpt quotes the beginning of a document, for an error.
func excerpt(doc string) string {
	const runes = 60
	if utf8.RuneCountInString(doc) <= runes {
		return strconv.Quote(doc)
	}
	return fmt.Sprintf("%.*q…", runes, doc)
}

// parseMemory reads "8 GiB", "0.5 GiB", "1,024 GiB".
func parseMemory(s string) (int64, error) {
	f := strings.Fields(strings.ReplaceAll(s, ",", ""))
	if len(f) != 2 {
		return 0, fmt.Errorf("memory %q", s)
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0, fmt.Errorf("memory %q", s)
	}
	mult := map[string]float64{"GiB": 1 << 30, "MiB": 1 << 20, "TiB": 1 << 40}[f[1]]
	if mult == 0 {
		return 0, fmt.Errorf("memory %q: unknown unit", s)
	}
	// Beyond 2⁶³ bytes the conversion to int64 would wrap to a negative size.
	if b := v * mult; !(b >= 0 && b < 1<<63) {
		return 0, fmt.Errorf("memory %q: not a size from 0 to 8 EiB", s)
	}
	return int64(v * mult), nil
}

// savingsPlanRates fetches the Compute and EC2 Instance Savings Plan rates
// of each payment option (savings-plan-compute-1y-partial-upfront, …: a
// rate is the commitment an hour of usage takes, whatever was paid upfront) for shared-tenancy instances of the operating systems whose usage
// operations are asked for (RunInstances for Linux, RunInstances:0002 for
// Windows, …: each rate is of one operation).
func savingsPlanRates(ctx context.Context, c *savingsplans.Client, regions, operations, types []string, shapes map[string]shape, want map[string]bool, effective time.Time, log *slog.Logger) ([]tally.InstancePrice, error) {
	in := &savingsplans.DescribeSavingsPlansOfferingRatesInput{
		ServiceCodes: []sptypes.SavingsPlanRateServiceCode{sptypes.SavingsPlanRateServiceCodeEc2},
		Products:     []sptypes.SavingsPlanProductType{sptypes.SavingsPlanProductTypeEc2},
		SavingsPlanPaymentOptions: []sptypes.SavingsPlanPaymentOption{sptypes.SavingsPlanPaymentOptionNoUpfront,
			sptypes.SavingsPlanPaymentOptionPartialUpfront, sptypes.SavingsPlanPaymentOptionAllUpfront},
		SavingsPlanTypes: []sptypes.SavingsPlanType{sptypes.SavingsPlanTypeCompute, sptypes.SavingsPlanTypeEc2Instance},
		Operations:       operations,
		Filters: []sptypes.SavingsPlanOfferingRateFilterElement{
			{Name: sptypes.SavingsPlanRateFilterAttributeRegion, Values: regions},
			{Name: sptypes.SavingsPlanRateFilterAttributeTenancy, Values: []string{"shared"}},
		},
		MaxResults: 1000,
	}
	if len(types) > 0 { // only their rates, not every EC2 rate of the regions
		in.Filters = append(in.Filters, sptypes.SavingsPlanOfferingRateFilterElement{Name: sptypes.SavingsPlanRateFilterAttributeInstanceType, Values: types})
	}
	var out []tally.InstancePrice
	read := 0
	for {
		page, err := c.DescribeSavingsPlansOfferingRates(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("aws savings plans offering rates: %w", err)
		}
		read += len(page.SearchResults)
		log.Info("aws savings plans rates", "rates", read)
		for _, r := range page.SearchResults {
			props := map[string]string{}
			for _, p := range r.Properties {
				props[aws.ToString(p.Name)] = aws.ToString(p.Value)
			}
			itype, region := props["instanceType"], props["region"]
			os, ok := osOfOperation(aws.ToString(r.Operation), operations)
			if !ok || itype == "" || (len(want) > 0 && !want[itype]) || r.Unit != sptypes.SavingsPlanRateUnitHours || r.SavingsPlanOffering == nil {
				continue
			}
			rate, err := tally.ParseMoney(aws.ToString(r.Rate), tally.Currency(string(r.SavingsPlanOffering.Currency)))
			if err != nil {
				return nil, fmt.Errorf("aws savings plans %s %s: rate %q", region, itype, aws.ToString(r.Rate))
			}
			years := r.SavingsPlanOffering.DurationSeconds / (365 * 86400)
			plan := "compute"
			if r.SavingsPlanOffering.PlanType == sptypes.SavingsPlanTypeEc2Instance {
				plan = "ec2-instance"
			}
			sh, known := shapes[region+"/"+itype]
			payment, paid := paymentOptions[string(r.SavingsPlanOffering.PaymentOption)]
			if !known || !paid {
				continue // not in the Price List read (no shape, and no on-demand price to discount, as for spot), or an unknown payment option
			}
			out = append(out, tally.InstancePrice{Provider: tally.ProviderAWS, Region: region, InstanceType: itype,
				PurchaseOption: fmt.Sprintf("savings-plan-%s-%dy-%s", plan, years, payment), OperatingSystem: os,
				HourlyPrice: rate, VCPUs: sh.vcpus, MemoryBytes: sh.memoryBytes, GPUs: sh.gpus, EffectiveFrom: effective, Source: SourceAWSSavings})
		}
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}
