package attribution_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// A function that is never a leaf costs nothing of its own, and that zero
// is in the currency of its stacks: the functions view said
// {"amount":"0","currency":""} beside its USD amounts.
func TestFunctionsZeroSelfInTheStacksCurrency(t *testing.T) {
	stacks := []attribution.StackSpend{{
		Frames: []tally.Function{{Name: "main.hot"}, {Name: "main.main"}},
		Cost:   tally.MustParseMoney("2", "EUR"), Samples: 4,
	}}
	fs, err := attribution.Functions(stacks, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"currency":""`) {
			t.Errorf("%s: an amount without its currency: %s", f.Name, b)
		}
	}
}
