package forecast

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// SpendStore is what ForecastSpend needs from storage.
type SpendStore interface {
	// DailyCosts returns the daily cost of every member of group in w.
	DailyCosts(ctx context.Context, group tally.CostGroup, basis tally.CostBasis, w tally.Window) ([]tally.DailyCost, error)
	// SaveForecast stores a forecast.
	SaveForecast(ctx context.Context, f tally.Forecast) error
}

// ErrUnsupportedScope is returned for scopes ForecastSpend cannot forecast
// (yet): namespace spend and usage need attribution and usage data.
var ErrUnsupportedScope = errors.New("scope not forecast from the bill")

// DefaultLag is the number of most recent days of the bill usually left
// out of a spend forecast: providers restate the last ~48 hours.
const DefaultLag = 2

// MinSpendHistory is the fewest days of history ForecastSpend reads: two
// weekly seasons (DefaultSeasons of a day), the fewest its seasonal models
// fit. With fewer, only non-seasonal ones are left, which forecast
// weekdays and weekends alike.
var MinSpendHistory = 2 * DefaultSeasons(24 * time.Hour)[0]

// MinSpendHistoryWhy says why a history of fewer than MinSpendHistory
// days is refused.
const MinSpendHistoryWhy = "two weeks of daily spend, two of its weekly seasons: with fewer the models see no weekly rhythm and forecast weekdays and weekends alike"

// SpendOptions configures ForecastSpend.
type SpendOptions struct {
	// Scopes selects what to forecast: "spend" (every account and service),
	// a kind ("spend/account", "spend/service") for all its members, or
	// exact scopes ("spend/account/123456789012"). Empty: "spend".
	Scopes []string
	// Horizon in days (default 90).
	Horizon int
	// History in days read before the end (default 365, at least
	// MinSpendHistory).
	History int
	// Lag is the number of most recent days left out because the bill is
	// not final yet. Zero leaves none out; DefaultLag is the usual value.
	Lag int
	// Basis of the cost (default amortized: EffectiveCost).
	Basis tally.CostBasis
	// Now is the creation time; history ends Lag days before its UTC day.
	Now time.Time
	// NoStore leaves the stored forecasts as they are: a look back (a
	// large Lag) would replace the current ones.
	NoStore bool
	// Progress, when set, is told about each forecast made.
	Progress func(f tally.Forecast)
}

// Stored reports whether ForecastSpend stores the forecasts of opt: those
// of amortized cost alone, unless NoStore. A spend scope does not say its
// basis, and the dashboard and the weekly report read the stored forecasts
// as amortized.
func (opt SpendOptions) Stored() bool {
	return !opt.NoStore && (opt.Basis == "" || opt.Basis == tally.BasisAmortized)
}

// ForecastSpend forecasts daily spend per billing account and per service
// from the stored bill and, of amortized cost (Stored), stores each
// forecast with its model, parameters, 80/95% intervals and rolling-origin
// accuracy; an account's also with its validation (SumValidation), which
// SumRange calibrates a range of the sum of its days on. Days without cost
// lines count as zero spend. It returns the forecasts made.
func ForecastSpend(ctx context.Context, store SpendStore, opt SpendOptions) ([]tally.Forecast, error) {
	if opt.Horizon == 0 {
		opt.Horizon = 90
	}
	if opt.History == 0 {
		opt.History = 365
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Horizon < 1 || opt.Lag < 0 {
		return nil, tally.Errorf(tally.EInvalid, "horizon %d, lag %d: horizon must be at least 1, lag at least 0", opt.Horizon, opt.Lag)
	}
	if opt.History < MinSpendHistory {
		return nil, tally.Errorf(tally.EInvalid, "history %d days: want at least %d: %s", opt.History, MinSpendHistory, MinSpendHistoryWhy)
	}
	want, err := spendSelection(opt.Scopes)
	if err != nil {
		return nil, err
	}
	end := opt.Now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -opt.Lag)
	w := tally.Window{Start: end.AddDate(0, 0, -opt.History), End: end}
	var out []tally.Forecast
	for _, g := range []struct {
		group tally.CostGroup
		kind  string
	}{{tally.GroupBillingAccount, KindSpendAccount}, {tally.GroupService, KindSpendService}} {
		sel, ok := want[g.kind]
		if !ok {
			continue
		}
		costs, err := store.DailyCosts(ctx, g.group, opt.Basis, w)
		if err != nil {
			return out, err
		}
		gw, note := billedWindow(costs, w)
		billed := billedMonths(costs)
		for _, key := range sortedKeysOf(costs) {
			if sel != nil && !sel[key] {
				continue
			}
			scope := NewScope(g.kind, key)
			f, err := forecastDaily(scope, costs, billed, key, gw, note, opt)
			if err != nil {
				return out, fmt.Errorf("forecast %s: %w", scope, err)
			}
			if opt.Stored() {
				if err := store.SaveForecast(ctx, f); err != nil {
					return out, err
				}
			}
			if opt.Progress != nil {
				opt.Progress(f)
			}
			out = append(out, f)
		}
		for key := range sel {
			if !hasKey(costs, key) {
				return out, tally.Errorf(tally.ENotFound, "scope %s: no cost lines in %s", NewScope(g.kind, key), w)
			}
		}
	}
	return out, nil
}

// CheckSpendScopes reports whether ForecastSpend accepts scopes, without
// touching storage.
func CheckSpendScopes(scopes []string) error {
	_, err := spendSelection(scopes)
	return err
}

// spendSelection maps each kind to forecast to nil (all members) or the set
// of selected keys.
func spendSelection(scopes []string) (map[string]map[string]bool, error) {
	if len(scopes) == 0 {
		scopes = []string{"spend"}
	}
	want := map[string]map[string]bool{}
	all := func(kind string) { want[kind] = nil }
	for _, s := range scopes {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "*"), "/")
		switch s {
		case "spend":
			all(KindSpendAccount)
			all(KindSpendService)
			continue
		case KindSpendAccount, KindSpendService:
			all(s)
			continue
		}
		sc, err := ParseScope(s)
		if err != nil {
			return nil, tally.Errorf(tally.EInvalid, "%v", err)
		}
		if sc.Kind != KindSpendAccount && sc.Kind != KindSpendService {
			return nil, tally.Errorf(tally.EInvalid, "scope %s: %v (namespace spend needs attribution, usage scopes need usage data)", s, ErrUnsupportedScope)
		}
		if m, ok := want[sc.Kind]; ok && m == nil {
			continue // already all
		}
		if want[sc.Kind] == nil {
			want[sc.Kind] = map[string]bool{}
		}
		want[sc.Kind][sc.Keys[0]] = true
	}
	return want, nil
}

// billedWindow ends w where the bill ends: after the last day with a line of
// any series. Days after it are not billed yet (an ingest that stopped
// running, a bill exported late), not days of zero spend, which would read
// as every series dropping to zero. A series that stops while others go on
// still ends in zeros. note says so when the window was cut, else "".
func billedWindow(costs []tally.DailyCost, w tally.Window) (tally.Window, string) {
	var last time.Time
	for _, c := range costs {
		if c.Day.After(last) {
			last = c.Day
		}
	}
	end := last.AddDate(0, 0, 1)
	if last.IsZero() || !end.Before(w.End) {
		return w, ""
	}
	note := fmt.Sprintf("the bill has no line after %s: the history ends there, not on %s (today less the lag); the %d days between are not billed yet, not zero spend",
		last.Format(time.DateOnly), w.End.Format(time.DateOnly), int(w.End.Sub(end)/(24*time.Hour)))
	return tally.Window{Start: w.Start, End: end}, note
}

func forecastDaily(scope Scope, costs []tally.DailyCost, billed map[time.Time]bool, key string, w tally.Window, note string, opt SpendOptions) (tally.Forecast, error) {
	var cur tally.Currency
	var first time.Time
	byDay, byMonth := map[time.Time]float64{}, map[time.Time]float64{}
	for _, c := range costs {
		if c.Key != key {
			continue
		}
		if cur == "" {
			cur = c.Cost.Currency()
		} else if c.Cost.Currency() != cur && !c.Cost.IsZero() {
			return tally.Forecast{}, tally.Errorf(tally.EInvalid, "%s is billed in %s and %s: forecast one currency at a time", scope, cur, c.Cost.Currency())
		}
		if first.IsZero() || c.Day.Before(first) {
			first = c.Day
		}
		if c.Period {
			byMonth[tally.MonthStart(c.Day)] += c.Cost.Float64()
		} else {
			byDay[c.Day] += c.Cost.Float64()
		}
	}
	n := int(w.End.Sub(first) / (24 * time.Hour))
	s := Series{Start: first, Step: 24 * time.Hour, Values: make([]float64, n)}
	for i := range s.Values {
		s.Values[i] = byDay[first.AddDate(0, 0, i)] // no cost lines: zero spend
	}
	r, err := Forecast(s, Options{Horizon: opt.Horizon, Amount: scope.Amount(cur)})
	if err != nil {
		return tally.Forecast{}, err
	}
	if note != "" {
		r.Notes = append(r.Notes, note)
	}
	basis := opt.Basis
	if basis == "" {
		basis = tally.BasisAmortized
	}
	extra := map[string]any{"currency": cur, "basis": basis, "historyStart": first, "historyDays": n, "lagDays": opt.Lag}
	if scope.Kind == KindSpendAccount {
		extra["sumValidation"] = r.SumValidation() // the weekly report's month range (SumRange)
	}
	pc, ok := periodCharges(byMonth, billed, first, w.End)
	if ok {
		r.Notes = append(r.Notes, pc.note(cur))
		extra["periodCharges"] = pc
	}
	f, err := r.Record(scope.String(), opt.Now, extra)
	if err != nil || !ok {
		return f, err
	}
	pc.addTo(&f)
	return f, nil
}

func sortedKeysOf(costs []tally.DailyCost) []string {
	seen := map[string]bool{}
	var keys []string
	for _, c := range costs {
		if !seen[c.Key] {
			seen[c.Key] = true
			keys = append(keys, c.Key)
		}
	}
	sort.Strings(keys)
	return keys
}

func hasKey(costs []tally.DailyCost, key string) bool {
	for _, c := range costs {
		if c.Key == key {
			return true
		}
	}
	return false
}
