package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBadAliasLabelNamesItsFlag: a bad alias label is refused naming the
// flag (or variable) that set it, as serve's other flag errors do
// ("--agent-rate 0: want …"): "product label \"app name\"" does not say
// where to fix it, and the value may come from TALLY_PRODUCT_LABEL, read
// by serve, report weekly and costs alike.
func TestBadAliasLabelNamesItsFlag(t *testing.T) {
	for _, args := range [][]string{
		{"--log-format", "text", "serve", "--product-label", "app name"},
		{"--log-format", "text", "costs", "--team-label", "squad,team"},
	} {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		flag := args[3]
		if code != exitUsage || !strings.Contains(errb.String(), flag) {
			t.Errorf("%s: exit %d, %q; want %d naming %s", strings.Join(args[2:], " "), code, strings.TrimSpace(errb.String()), exitUsage, flag)
		}
	}
}
