package report

import (
	"net/url"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// TestAllocationsLinkFilter: an allocations link ANDs its clause with
// the whole of the audience's filter, one of alternatives (a|b) too,
// which it had joined to the last alternative (a|b+clause: a 400).
func TestAllocationsLinkFilter(t *testing.T) {
	w := tally.Window{Start: time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct{ audience, want string }{
		{``, `namespace:"shop"`},
		{`label[team]:"payments"`, `label[team]:"payments"+namespace:"shop"`},
		{`label[team]:"a"|label[team]:"b"`, `(label[team]:"a"|label[team]:"b")+namespace:"shop"`},
	} {
		link := linker{base: DefaultDashboardURL, filter: tc.audience}.allocations(w, "controller", `namespace:"shop"`)
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		got := u.Query().Get("filter")
		if got != tc.want {
			t.Errorf("audience %s: filter %s, want %s", tc.audience, got, tc.want)
		}
		if _, err := attribution.ParseFilter(got); err != nil {
			t.Errorf("audience %s: %v", tc.audience, err)
		}
	}
}
