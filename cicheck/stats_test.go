package cicheck_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tallyhq/tally/cicheck"
)

// TestPValueAtMostOne: with tied values and unequal run counts, benchmath's
// U test returns p > 1 (1.1176 here). Profiles of a fixed amount of work at
// 100 Hz differ by a tick or two from run to run, so ties are the rule, and
// 10 base runs against 7 head runs is a normal input. The report's p-values
// (total, functions, the headline, the JSON) are at most 1.
func TestPValueAtMostOne(t *testing.T) {
	var base, head []*cicheck.Run
	for _, rare := range []int64{0, 0, 0, 0, 0, 0, 1, 0, 0, 1} { // 10 runs
		base = append(base, tickProfile(t, 200, rare))
	}
	for _, rare := range []int64{1, 0, 0, 1, 0, 0, 0} { // 7 runs
		head = append(head, tickProfile(t, 200, rare))
	}
	r, err := cicheck.DiffProfiles(base, head, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := cicheck.RenderJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Total struct{ P float64 } `json:"total"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if r.Total.P > 1 || doc.Total.P > 1 {
		t.Errorf("total p-value %v (JSON %v) is above 1; headline %q", r.Total.P, doc.Total.P, r.Headline)
	}
	if r.GateP > 1 {
		t.Errorf("p against the gate %v is above 1", r.GateP)
	}
	for _, f := range r.Functions {
		if f.Self.P > 1 || f.Total.P > 1 {
			t.Errorf("%s: self p %v, total p %v: above 1", f.Name, f.Self.P, f.Total.P)
		}
	}
}
