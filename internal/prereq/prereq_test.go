package prereq

import "testing"

// TestRequire: a test with its prerequisites runs on; one without them
// stops there, skipped (CI is unset; with CI=true it would fail instead).
func TestRequire(t *testing.T) {
	t.Setenv("CI", "")
	have := func() (string, bool) { return "a compiler", true }
	lack := func() (string, bool) { return "a unicorn", false }
	var ranWith, ranWithout, skipped bool
	t.Run("with", func(t *testing.T) {
		Require(t, "this test", have)
		ranWith = true
	})
	t.Run("without", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Require(t, "this test", have, lack)
		ranWithout = true
	})
	if !ranWith || ranWithout || !skipped {
		t.Errorf("ran with its prerequisites: %v, without: %v (skipped: %v); want it to run only with them, and be skipped without", ranWith, ranWithout, skipped)
	}
}
