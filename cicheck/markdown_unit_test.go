package cicheck_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tallyhq/tally/cicheck"
	"github.com/tallyhq/tally/internal/proftest"
)

// The unit of a profile's sample type is as much the pull request's as its
// function names: a profile whose cpu sample type has a unit that is not a
// time unit is read in that unit, and the unit is written into the table
// cells and the method notes of the comment. It must not be active there.
func TestMarkdownHostileSampleUnit(t *testing.T) {
	const unit = `x <img src=https://evil.example/u.png> [click](https://evil.example) @org/admins | y`
	rng := rand.New(rand.NewPCG(10, 10))
	runs := func(n int, planted float64) []*cicheck.Run {
		out := make([]*cicheck.Run, n)
		for i := range out {
			p := proftest.Profile(rng, planted, quiet)
			p.SampleType[1].Unit = unit // cpu/<unit>: not a time unit, so read as is
			var buf bytes.Buffer
			if err := p.WriteUncompressed(&buf); err != nil {
				t.Fatal(err)
			}
			r, err := cicheck.ReadProfile("pr.pprof", &buf, cicheck.ProfileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out[i] = r
		}
		return out
	}
	r, err := cicheck.DiffProfiles(runs(10, 0), runs(10, 0.10), cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := cicheck.RenderMarkdown(&md, r, cicheck.MarkdownOptions{Marker: "tally-ci"}); err != nil {
		t.Fatal(err)
	}
	text, _ := splitCodeSpans(md.String())
	for _, bad := range []string{"<img", "[click](", "@org", "https://"} {
		if strings.Contains(text, bad) {
			i := strings.Index(text, bad)
			t.Errorf("the profile's sample unit puts active %q into the pull-request comment outside any code span: ...%s...", bad, text[max(i-60, 0):min(i+60, len(text))])
		}
	}
}
