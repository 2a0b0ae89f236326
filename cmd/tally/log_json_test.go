package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestJSONLogDurations: with --log-format json every line is one JSON
// object, and a duration reads as the text format writes it ("took":"12ms"),
// not as a count of nanoseconds ("took":12000000), which said neither its
// unit nor anything a reader could take in at a glance.
func TestJSONLogDurations(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	code, out, errOut := runTally("--database-url", url, "--log-format", "json", "attribute", "--from", "2026-10-05", "--to", "2026-10-07")
	if code != 0 {
		t.Fatalf("attribute: exit %d\n%s\n%s", code, out, errOut)
	}
	var took any
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not one JSON object: %v", line, err)
		}
		if rec["msg"] == "attributed" {
			took = rec["took"]
		}
	}
	s, ok := took.(string)
	if d, err := time.ParseDuration(s); !ok || err != nil || d <= 0 {
		t.Errorf(`"attributed" took %#v, want a duration such as "12ms"; log:\n%s`, took, errOut)
	}
}
