package cicheck_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/tallyhq/tally/cicheck"
	"github.com/tallyhq/tally/internal/proftest"
)

const target = proftest.Target

var quiet, noisy = proftest.Quiet, proftest.Noisy

// synthRuns writes n synthetic profiles to the pprof wire format and reads
// them back as Runs, as tally ci diff does with files.
func synthRuns(t testing.TB, rng *rand.Rand, n int, planted float64, nz proftest.Noise) []*cicheck.Run {
	t.Helper()
	runs := make([]*cicheck.Run, n)
	for i := range runs {
		var buf bytes.Buffer
		if err := proftest.Profile(rng, planted, nz).WriteUncompressed(&buf); err != nil {
			t.Fatal(err)
		}
		r, err := cicheck.ReadProfile("synthetic.pprof", &buf, cicheck.ProfileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = r
	}
	return runs
}
