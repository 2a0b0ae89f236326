package main

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	billing "cloud.google.com/go/billing/apiv1"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/pricing"
	"github.com/tallyhq/tally/postgres"
)

// pricingCmd is `tally pricing sync aws|gcp` and `tally pricing platforms aws`.
type pricingCmd struct {
	Sync      pricingSyncCmd      `cmd:"" help:"Fetch compute prices (on-demand, spot, commitments, with vCPU/memory shapes) into the prices table."`
	Platforms pricingPlatformsCmd `cmd:"" help:"Read the platform (operating system and licence) each node's instance is billed as, so its hours before the bill are estimated at that platform's price (after pricing sync --os of it)."`
}

type pricingSyncCmd struct {
	AWS pricingAWSCmd `cmd:"" name:"aws" help:"AWS: Price List Query API (on-demand, Reserved Instances), Savings Plans offering rates and EC2 spot price history; --offline loads the shipped snapshot."`
	GCP pricingGCPCmd `cmd:"" name:"gcp" help:"GCP: Cloud Billing Catalog API, Compute Engine SKUs (on-demand, spot, CUDs) priced onto machine types, and every family's per-vCPU, per-GiB and per-GPU unit prices (custom machine types, families without known shapes)."`
}

type pricingAWSCmd struct {
	Region               []string `help:"Regions to fetch, repeated or comma-separated (default us-east-1; with --offline every region of the snapshot)."`
	InstanceType         []string `name:"instance-type" help:"Only these instance types (default: all)."`
	OS                   []string `name:"os" default:"linux" enum:"linux,windows,rhel,suse,rhel-ha,ubuntu-pro,windows-sql-std,windows-sql-web,windows-sql-ent,linux-sql-std,linux-sql-web,linux-sql-ent,rhel-sql-std,rhel-sql-web,rhel-sql-ent" help:"Operating systems to price, repeated or comma-separated: linux, windows, rhel, suse, rhel-ha (Red Hat Enterprise Linux with HA), ubuntu-pro, and windows-, linux- and rhel-sql-std, -sql-web, -sql-ent (with SQL Server Standard, Web, Enterprise); licences included. Spot prices only for the first four. Without a platform's own prices, its nodes are estimated at Linux's and a commitment on its usage is planned at Linux's discount on the compute part."`
	Offline              bool     `help:"Load the offline snapshot shipped in the binary instead of calling AWS (air-gapped installs, the demo)."`
	PricingEndpoint      string   `name:"pricing-endpoint" env:"TALLY_AWS_PRICING_ENDPOINT" placeholder:"URL" help:"Price List Query API endpoint override."`
	SavingsPlansEndpoint string   `name:"savings-plans-endpoint" env:"TALLY_AWS_SAVINGSPLANS_ENDPOINT" placeholder:"URL" help:"Savings Plans API endpoint override."`
	EC2Endpoint          string   `name:"ec2-endpoint" env:"TALLY_AWS_EC2_ENDPOINT" placeholder:"URL" help:"EC2 API endpoint override (every region), for the spot price history."`
	NoSpot               bool     `name:"no-spot" help:"Skip spot prices (credentials without ec2:DescribeSpotPriceHistory); spot nodes are then estimated at the on-demand price."`
}

func (c *pricingAWSCmd) Run(ctx context.Context, a *app) error {
	var prices []tally.InstancePrice
	var err error
	if c.Offline {
		prices, err = pricing.Snapshot()
		if err == nil {
			regions := distinct(prices, func(p tally.InstancePrice) string { return p.Region })
			oses := distinct(prices, func(p tally.InstancePrice) string { return p.OperatingSystem })
			if prices = filterPrices(prices, c.Region, c.InstanceType, c.OS); len(prices) == 0 {
				return tally.Errorf(tally.ENotFound, "aws pricing: the offline snapshot has no price for %s, %s (its regions: %s; operating systems: %s)",
					selection(c.Region, c.InstanceType), strings.Join(c.OS, ", "), strings.Join(regions, ", "), strings.Join(oses, ", "))
			}
		}
	} else {
		regions := c.Region
		if len(regions) == 0 {
			regions = []string{"us-east-1"}
		}
		opt := pricing.AWSOptions{Regions: regions, InstanceTypes: c.InstanceType, OperatingSystems: c.OS, PricingEndpoint: c.PricingEndpoint,
			SavingsPlansEndpoint: c.SavingsPlansEndpoint, EC2Endpoint: c.EC2Endpoint, NoSpot: c.NoSpot, Log: a.log}
		if err := requireAWSCredentials(ctx, "pricing sync aws", "; --offline loads the shipped snapshot without them"); err != nil {
			return err
		}
		var clients pricing.AWSClients
		if clients, err = pricing.NewAWSClients(ctx, opt); err == nil {
			prices, err = pricing.SyncAWS(ctx, clients, opt)
		}
		if err == nil && len(prices) == 0 {
			return tally.Errorf(tally.ENotFound, "aws pricing: the Price List has no shared-tenancy price of %s for %s", strings.Join(c.OS, ", "), selection(regions, c.InstanceType))
		}
	}
	if err != nil {
		return err
	}
	if err := a.storePrices(ctx, "aws", prices, nil); err != nil || !c.Offline {
		return err
	}
	first := slices.MinFunc(prices, func(p, q tally.InstancePrice) int { return p.EffectiveFrom.Compare(q.EffectiveFrom) }).EffectiveFrom
	fmt.Fprintf(a.stdout, "aws: the offline snapshot's prices are up to %d days old (of %s): pricing sync aws without --offline fetches current ones\n",
		daysOld(first), first.Format(time.DateOnly))
	return nil
}

type pricingGCPCmd struct {
	Region   []string `default:"us-central1" help:"Regions to price (repeat or comma-separate)."`
	Currency string   `default:"USD" help:"Currency to price in (ISO 4217): the currency of the billing account's invoice, so estimates are in the currency of its bill."`
	Endpoint string   `env:"TALLY_GCP_BILLING_ENDPOINT" placeholder:"HOST:PORT" help:"Cloud Billing Catalog endpoint override (plaintext gRPC, no credentials: for tests and proxies)."`
}

func (c *pricingGCPCmd) Run(ctx context.Context, a *app) error {
	cur, err := parseCurrencyFlag(c.Currency)
	if err != nil {
		return err
	}
	var opts []option.ClientOption
	if c.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(c.Endpoint), option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	}
	client, err := billing.NewCloudCatalogClient(ctx, opts...)
	if err != nil {
		return fmt.Errorf("gcp cloud catalog client: %w", err)
	}
	defer client.Close()
	cat, err := pricing.SyncGCP(ctx, client, pricing.GCPOptions{Regions: c.Region, Currency: string(cur), Log: a.log})
	if err != nil {
		return err
	}
	if len(cat.Prices) == 0 && len(cat.Units) == 0 {
		return tally.Errorf(tally.ENotFound, "gcp pricing: the Cloud Billing Catalog has no Compute Engine core and RAM price of a machine family for %s",
			selection(c.Region, nil))
	}
	return a.storePrices(ctx, "gcp", cat.Prices, cat.Units)
}

// storePrices stores a sync's prices and unit prices (GCP's per-vCPU,
// per-GiB and per-GPU prices of each family, which estimate nodes of
// machine types without a price) and re-estimates the hours they reprice.
func (a *app) storePrices(ctx context.Context, provider string, prices []tally.InstancePrice, units []tally.UnitPrice) error {
	if len(prices) == 0 && len(units) == 0 {
		return tally.Errorf(tally.ENotFound, "%s pricing: no prices matched", provider)
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	synced, err := db.SyncCatalog(ctx, prices, units)
	if err != nil {
		return err
	}
	types, regions := map[string]bool{}, map[string]bool{}
	options, sources := map[string]int{}, map[string]int{}
	oldest := map[string]time.Time{} // by source
	for _, p := range prices {
		types[p.InstanceType], regions[p.Region] = true, true
		if p.Zone != "" {
			options[p.PurchaseOption+" per zone"]++
		} else {
			options[p.PurchaseOption]++
		}
		sources[p.Source]++
		if o, ok := oldest[p.Source]; !ok || p.EffectiveFrom.Before(o) {
			oldest[p.Source] = p.EffectiveFrom
		}
	}
	fmt.Fprintf(a.stdout, "%s: synced %d prices for %d instance types in %d regions (a price is stored again only when it changed)\n",
		provider, len(prices), len(types), len(regions))
	for _, o := range sortedKeys(options) {
		fmt.Fprintf(a.stdout, "  %-50s %d\n", o, options[o])
	}
	for _, src := range sortedKeys(sources) {
		fmt.Fprintf(a.stdout, "  source %-43s %d%s\n", src, sources[src], pricesOf(oldest[src]))
	}
	if len(units) > 0 {
		families := map[string]bool{}
		for _, u := range units {
			families[u.Family] = true
		}
		fmt.Fprintf(a.stdout, "%s: synced %d unit prices (per vCPU, GiB, GPU) of %d machine families and GPU models, "+
			"for nodes of machine types without a price (custom, shapes not listed)\n", provider, len(units), len(families))
	}
	n, err := a.reestimate(ctx, db, synced.Reestimate)
	fmt.Fprintf(a.stdout, "%s: stored %d new or changed prices, %d of them changing estimates; re-estimated %d unbilled hours%s\n",
		provider, synced.Stored, synced.Repriced, n, spansNote(synced.Reestimate))
	return err
}

// reestimate attributes again the hours of spans (whole hours) whose
// estimates a pricing sync made stale, with the stored share basis, as
// tally attribute does (each hour atomically; billed hours are not in
// spans), and returns how many hours it saved.
func (a *app) reestimate(ctx context.Context, db *postgres.DB, spans []tally.Window) (int, error) {
	if len(spans) == 0 {
		return 0, nil
	}
	share, err := db.ShareBasis(ctx)
	if err != nil {
		return 0, err
	}
	job := a.attributionJob(db, share)
	saved := 0
	err = a.attributeLocked(ctx, db, func(ctx context.Context) error {
		for _, w := range spans {
			sum, err := job.Attribute(ctx, w, false)
			saved += sum.Saved
			for _, msg := range sum.Warnings {
				a.log.Warn(msg)
			}
			if err != nil {
				return fmt.Errorf("re-estimate the hours of %v at the new prices: %w", w, err)
			}
		}
		return nil
	})
	return saved, err
}

// pricesOf says how old prices taking effect on from are, for a sync's
// summary (a snapshot's): "" for prices of today.
func pricesOf(from time.Time) string {
	days := daysOld(from)
	if days <= 0 {
		return ""
	}
	return fmt.Sprintf(", prices of %s (%d days old)", from.Format(time.DateOnly), days)
}

// daysOld is how many whole days before today (UTC) from is.
func daysOld(from time.Time) int {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	return int(today.Sub(from.UTC().Truncate(24*time.Hour)).Hours() / 24)
}

// spansNote names the time spans re-estimated, for pricing sync's summary.
func spansNote(spans []tally.Window) string {
	if len(spans) == 0 {
		return ""
	}
	const layout = "2006-01-02 15:04"
	what := spans[0].Start.Format(layout) + " to " + spans[len(spans)-1].End.Format(layout) + " UTC"
	if len(spans) > 1 {
		what = fmt.Sprintf("in %d spans from %s", len(spans), what)
	}
	return " (" + what + ", each at the price in effect in it; billed hours unchanged)"
}

// selection names the regions and instance types a sync asked for.
func selection(regions, types []string) string {
	s := "region " + strings.Join(regions, ", ")
	if len(regions) != 1 {
		s = "regions " + strings.Join(regions, ", ")
	}
	if len(regions) == 0 {
		s = "any region"
	}
	if len(types) == 1 {
		s += ", instance type " + types[0]
	} else if len(types) > 1 {
		s += ", instance types " + strings.Join(types, ", ")
	}
	return s
}

// distinct returns the sorted distinct values of field over prices.
func distinct(prices []tally.InstancePrice, field func(tally.InstancePrice) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range prices {
		if v := field(p); !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func filterPrices(prices []tally.InstancePrice, regions, types, oses []string) []tally.InstancePrice {
	in := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	out := prices[:0]
	for _, p := range prices {
		if in(regions, p.Region) && in(types, p.InstanceType) && in(oses, p.OperatingSystem) {
			out = append(out, p)
		}
	}
	return out
}
