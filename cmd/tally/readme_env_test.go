package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestServeEnvDocumented: every variable tally serve reads (its --help
// names them) has its row in the README's Configuration table, which an
// operator writing a Deployment's environment reads.
func TestServeEnvDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "### Configuration\n")
	if !ok {
		t.Fatal("README.md has no Configuration section")
	}
	table, _, _ = strings.Cut(table, "\n### ")
	code, help, errOut := runTally("serve", "--help")
	if code != 0 {
		t.Fatalf("tally serve --help: exit %d\n%s", code, errOut)
	}
	vars := regexp.MustCompile(`\$(TALLY_[A-Z_]+)`).FindAllStringSubmatch(help, -1)
	if len(vars) < 10 {
		t.Fatalf("tally serve --help names %d variables:\n%s", len(vars), help)
	}
	for _, v := range vars {
		if !strings.Contains(table, "`"+v[1]+"`") {
			t.Errorf("README's Configuration table has no row for %s, which tally serve reads", v[1])
		}
	}
}
