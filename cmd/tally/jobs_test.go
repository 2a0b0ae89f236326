package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestJobFailedSaysShutdown: a scheduled job (attribution, compaction,
// retention, the daily plans) cut short by shutdown says so at info
// level; it said nothing, and the log read as if the job had finished. A
// job that fails otherwise is an error, with its cause.
func TestJobFailedSaysShutdown(t *testing.T) {
	var buf bytes.Buffer
	a := &app{globals: &globals{}, log: newLogger("info", "json", &buf)}
	ctx, cancel := context.WithCancel(context.Background())
	a.jobFailed(ctx, "scheduled attribution", errors.New("conn lost"))
	cancel()
	a.jobFailed(ctx, "scheduled attribution", context.Canceled)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"level":"ERROR","msg":"scheduled attribution","err":"conn lost"`) ||
		!strings.Contains(lines[1], `"level":"INFO","msg":"scheduled attribution: cut short by shutdown; it runs again after the next start"`) {
		t.Errorf("log:\n%s", buf.String())
	}
}
