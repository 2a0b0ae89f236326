package main

import "context"

type demoCmd struct {
	Addr string `env:"TALLY_ADDR" default:":8080" help:"Address to serve the dashboard on."`
	Days int    `default:"90" help:"Days of history to generate."`
	Seed uint64 `default:"1" help:"Seed of the generated organization (same seed, same organization)."`
}

func (c *demoCmd) Run(ctx context.Context, a *app) error { return nil }
