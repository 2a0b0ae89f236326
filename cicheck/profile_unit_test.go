package cicheck_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/cicheck"
	"github.com/tallyhq/tally/internal/proftest"
)

// The unit of a profile's sample type is as much the pull request's as its
// function names, and was written raw into the comment's table cells and
// method notes: a cpu sample type of unit `x <img …> [click](…) @org | y`
// put live HTML, a link, a mention and a table break into the comment. A
// sample type or unit that is not a pprof name is now refused, naming the
// file.
func TestProfileRefusesAHostileSampleUnit(t *testing.T) {
	const unit = `x <img src=https://evil.example/u.png> [click](https://evil.example) @org/admins | y`
	p := proftest.Profile(rand.New(rand.NewPCG(10, 10)), 0, quiet)
	p.SampleType[1].Unit = unit // cpu/<unit>: not a time unit, so read as is
	var buf bytes.Buffer
	if err := p.WriteUncompressed(&buf); err != nil {
		t.Fatal(err)
	}
	_, err := cicheck.ReadProfile("pr.pprof", &buf, cicheck.ProfileOptions{})
	if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(tally.ErrorMessage(err), "pr.pprof: sample type") {
		t.Errorf("ReadProfile of a sample unit %q: %v; want an invalid-input error naming pr.pprof and its sample type", unit, err)
	}
	// Units pprof writes are read.
	for _, u := range []string{"nanoseconds", "count", "bytes", "alloc_space"} {
		p.SampleType[1].Unit = u
		buf.Reset()
		if err := p.WriteUncompressed(&buf); err != nil {
			t.Fatal(err)
		}
		if _, err := cicheck.ReadProfile("pr.pprof", &buf, cicheck.ProfileOptions{}); err != nil {
			t.Errorf("unit %s: %v", u, err)
		}
	}
}
