package web

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
)

// TestRequireAgent: the ingest endpoint's guard admits agent tokens only.
func TestRequireAgent(t *testing.T) {
	s := NewServer(Config{})
	var cluster tally.ClusterID
	s.router.With(s.requireAgent).Post("/test/ingest", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		cluster = p.Cluster
		w.WriteHeader(http.StatusAccepted)
	})
	tests := []struct {
		name   string
		p      *Principal
		status int
		body   string
	}{
		{"no auth configured", nil, 503, "not configured"},
		{"session", &Principal{Kind: "session", Role: tally.RoleAdmin, Email: "a@b"}, 403, "only agent tokens"},
		{"api token", &Principal{Kind: tally.TokenAPI, Role: tally.RoleAdmin}, 403, "only agent tokens"},
		{"agent token", &Principal{Kind: tally.TokenAgent, Role: tally.RoleAgent, Cluster: "prod"}, 202, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/test/ingest", nil)
			if tt.p != nil {
				req = req.WithContext(withPrincipal(req.Context(), tt.p))
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
				t.Fatalf("= %d %s, want %d containing %q", rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
	if cluster != "prod" {
		t.Fatalf("the handler sees the token's cluster: %q", cluster)
	}
}

// TestAgentProfileValidated: a profile whose samples do not match its
// sample types is a 400 naming the field, not a panic.
func TestAgentProfileValidated(t *testing.T) {
	types := []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}}
	fn := &profile.Function{ID: 1, Name: "main.work"}
	loc := &profile.Location{ID: 1, Line: []profile.Line{{Function: fn}}}
	tests := []struct {
		name   string
		sample *profile.Sample
		ok     bool
	}{
		{"valid", &profile.Sample{Location: []*profile.Location{loc}, Value: []int64{3, 3e7}}, true},
		{"one value for two types", &profile.Sample{Location: []*profile.Location{loc}, Value: []int64{3}}, false},
		{"no values", &profile.Sample{Location: []*profile.Location{loc}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &profile.Profile{SampleType: types, Sample: []*profile.Sample{tt.sample}, Location: []*profile.Location{loc},
				Function: []*profile.Function{fn}, Period: 1e7}
			var buf bytes.Buffer
			if err := p.WriteUncompressed(&buf); err != nil {
				t.Fatal(err)
			}
			body := fmt.Sprintf(`{"version":1,"node":{"name":"n"},"intervals":[{"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:10Z",`+
				`"containers":[{"podUID":"u","container":"c","cpuCoreSeconds":1,"profile":%q}]}]}`, base64.StdEncoding.EncodeToString(buf.Bytes()))
			r := httptest.NewRequest(http.MethodPost, "/api/v1/ingest/agent", strings.NewReader(body))
			_, _, err := decodeAgentBatch(r, "prod", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), DefaultAgentMaxAge)
			if tt.ok != (err == nil) || err != nil && (tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), "profile")) {
				t.Fatalf("decodeAgentBatch: %v, want ok %v or EInvalid naming the profile", err, tt.ok)
			}
		})
	}
}

// TestAgentIntervalTimes: intervals are bounded in the past as well as in
// the future, and a batch in its spread, so that one batch cannot make the
// store create partitions for decades; honest late uploads (an agent's
// buffer after an outage, a day of backfill) pass.
func TestAgentIntervalTimes(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	iv := func(start time.Time, d time.Duration) tally.AgentInterval {
		return tally.AgentInterval{Start: start, End: start.Add(d), Containers: []tally.AgentUsage{{Container: "kernel", CPUCoreSeconds: 1}}}
	}
	day := func(start time.Time) []tally.AgentInterval {
		var ivs []tally.AgentInterval
		for h := range 24 {
			ivs = append(ivs, iv(start.Add(time.Duration(h)*time.Hour), time.Hour))
		}
		return ivs
	}
	tests := []struct {
		name string
		ivs  []tally.AgentInterval
		msg  string // empty: accepted
	}{
		{"now", []tally.AgentInterval{iv(now.Add(-10*time.Second), 10*time.Second)}, ""},
		{"after a 12-day outage", []tally.AgentInterval{iv(now.Add(-12*24*time.Hour), 10*time.Second)}, ""},
		{"at the bound", []tally.AgentInterval{iv(now.Add(-DefaultAgentMaxAge), 10*time.Second)}, ""},
		{"a day of backfill", day(now.Add(-20 * 24 * time.Hour).Truncate(24 * time.Hour)), ""},
		{"1970", []tally.AgentInterval{iv(time.Unix(0, 0), 10*time.Second), iv(now.Add(-time.Minute), 10*time.Second)},
			"field intervals[0].start: 1970-01-01T00:00:00Z is more than 31 days before now (2026-06-01T12:00:00Z)"},
		{"past the bound", []tally.AgentInterval{iv(now.Add(-DefaultAgentMaxAge-time.Second), 10*time.Second)},
			"is more than 31 days before now"},
		{"spread over two days", []tally.AgentInterval{iv(now.Add(-26*time.Hour), 10*time.Second), iv(now.Add(-time.Minute), 10*time.Second)},
			"field intervals: the batch spans 2026-05-31T10:00:00Z to 2026-06-01T11:59:10Z, more than 24h0m0s"},
		{"future", []tally.AgentInterval{iv(now.Add(time.Hour), 10*time.Second)}, "is in the future"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &tally.AgentBatch{Version: tally.AgentBatchVersion, Node: tally.AgentNode{Name: "n1"}, Intervals: tt.ivs}
			in, _, err := convertBatch(b, "prod", now, DefaultAgentMaxAge)
			switch {
			case tt.msg == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tt.msg == "" && len(in.Intervals) != len(tt.ivs):
				t.Fatalf("%d intervals converted, want %d", len(in.Intervals), len(tt.ivs))
			case tt.msg != "" && (tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), tt.msg)):
				t.Fatalf("err %v, want EInvalid containing %q", err, tt.msg)
			}
		})
	}
}
