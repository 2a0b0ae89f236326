package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/forecast"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
)

// plansLock is the advisory lock of the daily plans: one replica at a time
// refreshes them.
const plansLock = "tally-daily-plans"

// settingPlansRefreshed is the settings key of when the daily plans last
// ran to the end without an error.
const settingPlansRefreshed = "plans.refreshed"

// plansRetry is how long a failed refresh waits to be tried again.
var plansRetry = time.Hour

// plansAt is the --plans-at flag: the time of day (UTC) the plans are
// refreshed, or off.
type plansAt struct {
	Off   bool
	After time.Duration // past midnight UTC
}

// UnmarshalText implements encoding.TextUnmarshaler for kong.
func (p *plansAt) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "off" {
		*p = plansAt{Off: true}
		return nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return fmt.Errorf("%q: want a UTC time of day such as 03:00, or off", s)
	}
	*p = plansAt{After: time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute}
	return nil
}

// lastDue returns the latest scheduled time at or before now.
func (p plansAt) lastDue(now time.Time) time.Time {
	at := now.UTC().Truncate(24 * time.Hour).Add(p.After)
	if at.After(now) {
		at = at.AddDate(0, 0, -1)
	}
	return at
}

// schedulePlans refreshes the plans (refreshPlans) every day at the time
// of at, and at start when the last refresh is older than the latest
// scheduled time: a server started after a missed run, or for the first
// time, does not leave the dashboard without recommendations until the
// next day. A refresh that fails is tried again after plansRetry.
func (a *app) schedulePlans(ctx context.Context, db *postgres.DB, at plansAt) {
	for {
		now := time.Now().UTC()
		due := at.lastDue(now)
		next := due.AddDate(0, 0, 1)
		var skipped bool
		ran, err := db.TryLock(ctx, plansLock, func(ctx context.Context) error {
			var last time.Time
			if _, err := db.Setting(ctx, settingPlansRefreshed, &last); err != nil {
				return err
			}
			if !last.Before(due) {
				skipped = true
				return nil
			}
			t := time.Now()
			if err := a.refreshPlans(ctx, db, now); err != nil {
				return err
			}
			if err := db.PutSetting(ctx, settingPlansRefreshed, now, "tally serve"); err != nil {
				return err
			}
			// Logged once recorded: what reads the log (a test, an
			// operator) then finds the refresh recorded.
			a.log.Info("refreshed forecasts and recommendations", "took", time.Since(t).Round(time.Millisecond), "next", next)
			return nil
		})
		switch {
		case err != nil:
			a.jobFailed(ctx, "daily plans (forecasts, right-sizing, commitments)", err, "retry", plansRetry)
			next = now.Add(plansRetry)
		case !ran:
			a.log.Debug("daily plans run on another replica")
		case skipped:
			a.log.Debug("daily plans are current", "next", next)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
	}
}

// refreshPlans computes and stores what the dashboard and the weekly
// report read, as of now, with the defaults of the commands that do it by
// hand: spend forecasts (tally forecast run), right-sizing (tally
// rightsize) and commitment recommendations (tally commitments recommend).
// A step that fails does not stop the others; their errors are joined.
func (a *app) refreshPlans(ctx context.Context, db *postgres.DB, now time.Time) error {
	var errs []error
	if _, err := forecast.ForecastSpend(ctx, db, scheduledForecast(now)); err != nil {
		errs = append(errs, fmt.Errorf("forecast spend: %w", err))
	}
	if err := a.refreshRightsizing(ctx, db, now); err != nil {
		errs = append(errs, fmt.Errorf("right-size: %w", err))
	}
	if _, err := commitments.RecommendAccounts(ctx, db, scheduledCommitments(now)); err != nil {
		errs = append(errs, fmt.Errorf("recommend commitments: %w", err))
	}
	return errors.Join(errs...)
}

// refreshRightsizing right-sizes every cluster's workloads over the last
// two weeks and stores the recommendations; with no usage in them, the
// stored ones are left as they were, as tally rightsize leaves them.
func (a *app) refreshRightsizing(ctx context.Context, db *postgres.DB, now time.Time) error {
	o, err := scheduledRightsize(now)
	if err != nil {
		return err
	}
	o.Log = a
	res, err := rightsize(ctx, db, o)
	if err != nil || len(res.Containers) == 0 {
		return err
	}
	return res.store(ctx, db, now)
}

// scheduledForecast is tally forecast run's defaults at now.
func scheduledForecast(now time.Time) forecast.SpendOptions {
	return forecast.SpendOptions{Horizon: 90, History: 365, Lag: forecast.DefaultLag, Basis: tally.BasisAmortized, Now: now}
}

// scheduledRightsize is tally rightsize's defaults, ending at now.
func scheduledRightsize(now time.Time) (rightsizeOptions, error) {
	fallback, err := defaultPriceFlags.prices()
	if err != nil {
		return rightsizeOptions{}, err
	}
	return rightsizeOptions{Window: tally.Window{Start: now.AddDate(0, 0, -14), End: now}, Profile: rightsizing.Balanced,
		Fallback: fallback, Nodes: true}, nil
}

// scheduledCommitments is tally commitments recommend's defaults at now.
func scheduledCommitments(now time.Time) commitments.AccountsOptions {
	return commitments.AccountsOptions{RecommendOptions: commitments.RecommendOptions{Now: now, Seed: 1,
		Pools: commitments.DefaultPoolOptions, Risk: commitments.DefaultRisk}}
}
