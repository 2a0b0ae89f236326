package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/demo"
)

// demoGenerateCmd writes the demo organization's inputs without running
// anything else; `tally demo` folds it in as its first step.
type demoGenerateCmd struct {
	Out string `required:"" type:"path" placeholder:"DIR" help:"Directory to write into (must not exist or be empty)."`
	demoOrgFlags
	End string `placeholder:"YYYY-MM-DD" help:"First day after the window (UTC). Default: today, so the last generated day is yesterday."`

	end time.Time // End parsed by Validate; zero for the default
}

// Validate refuses bad flags before anything runs, so that a bad --end is
// a usage error as a bad --days is.
func (c *demoGenerateCmd) Validate() error {
	if err := c.demoOrgFlags.Validate(); err != nil {
		return err
	}
	if c.End == "" {
		return nil
	}
	end, err := time.Parse(time.DateOnly, c.End)
	if err != nil {
		return tally.Errorf(tally.EInvalid, "--end %q: want YYYY-MM-DD", c.End)
	}
	c.end = end
	return nil
}

// demoOrgFlags are the flags that say which organization `tally demo` and
// `tally demo-generate` generate: the same flags give the same one.
type demoOrgFlags struct {
	Days        int    `default:"90" help:"Days of history to generate (2–400)."`
	ProfileDays int    `default:"21" help:"Days before the end with CPU profiles in the agent batches (0: none; the weekly report compares two whole weeks)."`
	Seed        uint64 `default:"1" help:"Seed of the generated organization (same seed, same organization)."`
}

// Validate refuses out-of-range flags before anything runs: an explicit
// value out of range is an error, never taken for the default.
func (f demoOrgFlags) Validate() error {
	if f.Days < demo.MinDays || f.Days > demo.MaxDays {
		return tally.Errorf(tally.EInvalid, "--days %d: want %d to %d", f.Days, demo.MinDays, demo.MaxDays)
	}
	if f.ProfileDays < 0 {
		return tally.Errorf(tally.EInvalid, "--profile-days %d: want 0 (no profiles) or more", f.ProfileDays)
	}
	return nil
}

func (c *demoGenerateCmd) Run(ctx context.Context, a *app) error {
	cfg := demo.Config{Seed: c.Seed, Days: c.Days, ProfileDays: c.ProfileDays, End: c.end}
	started := time.Now()
	last := ""
	cfg.Progress = func(p demo.Progress) {
		// One line per stage, and the write stage every 10%.
		step := p.Total / 10
		if p.Stage != last || p.Done == p.Total || (step > 0 && p.Done%step == 0) {
			a.log.Info("demo generate", "stage", p.Stage, "done", p.Done, "total", p.Total)
			last = p.Stage
		}
	}
	m, err := demo.Generate(ctx, cfg, c.Out)
	if errors.Is(err, demo.ErrNotEmpty) {
		// The directory the user named is the problem, as with any other
		// flag value: a usage error (exit 2) naming the flag.
		return tally.Errorf(tally.EInvalid, "--out %s: not empty: demo-generate writes a new directory and never overwrites one; name a new or empty directory", c.Out)
	}
	if err != nil {
		return err
	}
	var bytes int64
	for _, f := range m.Files {
		bytes += f.Bytes
	}
	fmt.Fprintf(a.stdout, "generated %d days (%s – %s, seed %d) into %s: %d files, %.1f MB in %s\n",
		m.Days, m.Start.Format(time.DateOnly), m.End.Add(-time.Hour).Format(time.DateOnly), m.Seed, c.Out,
		len(m.Files)+1, float64(bytes)/1e6, time.Since(started).Round(100*time.Millisecond))
	// The paths are joined with --out, so the commands work from where this
	// one ran (they were relative to --out).
	for _, s := range m.Ingest {
		fmt.Fprintf(a.stdout, "  tally ingest %-11s %s  (%d files)\n", s.Source, c.path(s.Path), len(s.Files))
	}
	fmt.Fprintf(a.stdout, "  agent batches: %d under %s   truth: %s\n", len(m.Agent), c.path("agent")+string(filepath.Separator), c.path(m.Truth))
	return nil
}

// path returns the path of the manifest's rel (slash-separated, relative
// to --out).
func (c *demoGenerateCmd) path(rel string) string {
	return filepath.Join(c.Out, filepath.FromSlash(rel))
}
