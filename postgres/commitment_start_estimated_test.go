package postgres_test

import (
	"maps"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestCommitmentStartEstimatedMigration: commitments stored before
// migration 044 from a bill of a provider other than AWS (a GCP CUD) had
// their start reckoned from their first charge, as no such bill dates a
// term, and read as estimated after it; those from AWS's APIs, or from a
// bill of AWS (a CUR dates its terms), do not.
func TestCommitmentStartEstimatedMigration(t *testing.T) {
	url := pgtest.NewURL(t, false)
	conn := migratedTo(t, url, 43)
	for _, c := range []struct{ id, provider, source string }{
		{"cud", tally.ProviderGCP, "billing"}, {"sp-api", tally.ProviderAWS, "aws-api"}, {"sp-bill", tally.ProviderAWS, "billing"},
	} {
		if _, err := conn.Exec(ctx, `INSERT INTO commitments (billing_account_id, commitment_id, provider, kind, term_months,
			starts_at, ends_at, currency, source) VALUES ('1', $1, $2, 'cud-flexible', 12, '2026-03-04', '2027-03-04', 'USD', $3)`,
			c.id, c.provider, c.source); err != nil {
			t.Fatal(err)
		}
	}
	db := migrated(t, url)
	cs, err := db.Commitments(ctx, "1", tally.Window{Start: mustTime(t, "2026-10-01T00:00:00Z"), End: mustTime(t, "2026-10-02T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range cs {
		got[c.ID] = c.StartEstimated
	}
	if want := map[string]bool{"cud": true, "sp-api": false, "sp-bill": false}; !maps.Equal(got, want) {
		t.Errorf("start estimated %v, want %v", got, want)
	}
}
