package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// mixedTeam is a team running on a USD cluster and on a EUR one.
type mixedTeam struct{ Store }

func (mixedTeam) AllocationRows(_ context.Context, q attribution.Query) ([]attribution.Row, error) {
	start := q.Window.Start.Add(week)
	return []attribution.Row{
		{Start: start, Cluster: "aws", Keys: []string{"payments"}, Cost: tally.MustParseMoney("700", "USD")},
		{Start: start, Cluster: "gke", Keys: []string{"payments"}, Cost: tally.MustParseMoney("300", "EUR")},
	}, nil
}

// A team's spend in two currencies is an error, not a sum that silently
// drops one of them.
func TestTeamsRefuseMixedCurrencies(t *testing.T) {
	b := &Builder{Store: mixedTeam{}, Top: 5}
	start := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	ts, _, err := b.teams(context.Background(), tally.Window{Start: start, End: start.Add(2 * week)}, []int{0, 1, 2, 3, 4, 5, 6}, linker{base: DefaultDashboardURL})
	if tally.ErrorCode(err) != tally.EInvalid {
		t.Fatalf("teams: %+v, %v; want an EInvalid error", ts, err)
	}
	if !strings.Contains(err.Error(), "USD, EUR") {
		t.Errorf("error %q does not name the currencies", err)
	}
}
