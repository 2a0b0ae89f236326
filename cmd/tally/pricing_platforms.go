package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/awsinventory"
)

// pricingPlatformsCmd is `tally pricing platforms aws`.
type pricingPlatformsCmd struct {
	AWS pricingPlatformsAWSCmd `cmd:"" name:"aws" help:"AWS: read each node's instance's platform (EC2 DescribeInstances UsageOperation and PlatformDetails: Red Hat, SUSE, Windows, Ubuntu Pro, BYOL) for the instances whose platform is not stored yet."`
}

type pricingPlatformsAWSCmd struct {
	Since       time.Duration `default:"48h" help:"Read the instances of nodes alive in this long before now (EC2 lists an instance until about an hour after it terminates)."`
	EC2Endpoint string        `name:"ec2-endpoint" env:"TALLY_AWS_EC2_ENDPOINT" placeholder:"URL" help:"EC2 API endpoint override (every region)."`
}

func (c *pricingPlatformsAWSCmd) Run(ctx context.Context, a *app) error {
	if c.Since <= 0 {
		return tally.Errorf(tally.EInvalid, "pricing platforms aws: --since %s: want a positive duration", c.Since)
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	now := time.Now().UTC()
	toRead, err := db.InstancesWithoutPlatform(ctx, now.Add(-c.Since))
	if err != nil {
		return err
	}
	if ids := toRead[""]; len(ids) > 0 {
		fmt.Fprintf(a.stderr, "aws: %d instances are of nodes without a region and are not read: %s\n", len(ids), strings.Join(ids, ", "))
		delete(toRead, "")
	}
	regions := slices.Sorted(maps.Keys(toRead))
	asked := 0
	for _, ids := range toRead {
		asked += len(ids)
	}
	if asked == 0 {
		fmt.Fprintf(a.stdout, "aws: the platform of every instance of the nodes alive in the last %s is stored\n", c.Since)
		return nil
	}
	if err := requireAWSCredentials(ctx, "pricing platforms aws", ""); err != nil {
		return err
	}
	cl, err := awsinventory.NewClients(ctx, awsinventory.Options{Regions: regions, EC2Endpoint: c.EC2Endpoint, Credentials: awsCredentials})
	if err != nil {
		return err
	}
	var read []tally.InstancePlatform
	for _, region := range regions {
		ps, err := awsinventory.InstancePlatforms(ctx, cl, region, toRead[region], now)
		if err != nil {
			return tally.Errorf(tally.EUnavailable, "pricing platforms aws: %w", err)
		}
		a.log.Info("aws instance platforms", "region", region, "asked", len(toRead[region]), "read", len(ps))
		read = append(read, ps...)
	}
	saved, err := db.SaveInstancePlatforms(ctx, read)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "aws: read the platform of %d of %d instances in %d regions (EC2 no longer lists the others)\n", len(read), asked, len(regions))
	byPlatform := map[string]int{}
	for _, p := range read {
		byPlatform[p.PlatformDetails+" ("+p.UsageOperation+")"]++
	}
	names := sortedKeys(byPlatform)
	sort.SliceStable(names, func(i, j int) bool { return byPlatform[names[i]] > byPlatform[names[j]] })
	for _, name := range names {
		fmt.Fprintf(a.stdout, "  %-50s %d\n", name, byPlatform[name])
	}
	n, err := a.reestimate(ctx, db, saved.Reestimate)
	fmt.Fprintf(a.stdout, "aws: stored %d new or changed platforms; re-estimated %d unbilled hours%s\n", saved.Stored, n, spansNote(saved.Reestimate))
	return err
}
