package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// pprofBytes builds a gzip-compressed CPU profile with the given stacks
// (function names, leaf first) and counts.
func pprofBytes(t testing.TB, stacks [][]string, counts []int64) []byte {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"}, Period: int64(1e9) / 19,
	}
	m := &profile.Mapping{ID: 1, File: "/app/server"}
	p.Mapping = []*profile.Mapping{m}
	fns := map[string]*profile.Function{}
	for i, st := range stacks {
		s := &profile.Sample{Value: []int64{counts[i], counts[i] * (int64(1e9) / 19)}}
		for _, name := range st {
			fn := fns[name]
			if fn == nil {
				fn = &profile.Function{ID: uint64(len(p.Function) + 1), Name: name, SystemName: name}
				if strings.HasPrefix(name, "[unknown]") {
					fn.SystemName = "[unknown]"
				}
				fns[name] = fn
				p.Function = append(p.Function, fn)
			}
			loc := &profile.Location{ID: uint64(len(p.Location) + 1), Mapping: m, Address: 0x1000 + uint64(len(p.Location)), Line: []profile.Line{{Function: fn}}}
			p.Location = append(p.Location, loc)
			s.Location = append(s.Location, loc)
		}
		p.Sample = append(p.Sample, s)
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testBatch(t testing.TB, start time.Time) *tally.AgentBatch {
	prof := pprofBytes(t, [][]string{{"main.hot", "main.mid", "main.main"}, {"[unknown]", "main.main"}}, []int64{150, 40})
	return &tally.AgentBatch{
		Version: tally.AgentBatchVersion,
		Node:    tally.AgentNode{Name: "node-1", UID: "n-uid-1", ProviderID: "aws:///us-east-1a/i-0abc", InstanceType: "m5.large", CPUCapacity: 2, MemoryCapacity: 8 << 30, CPUAllocatable: 1.9, MemoryAllocatable: 7 << 30},
		Intervals: []tally.AgentInterval{{Start: start, End: start.Add(10 * time.Second), Containers: []tally.AgentUsage{
			{PodUID: "pod-uid-1", Container: "api", CPUCoreSeconds: 9.5, MemoryWorkingSet: 100 << 20, MemoryWorkingMax: 120 << 20, Profile: prof},
			{PodUID: "", Container: "host/sshd", CPUCoreSeconds: 0.1},
		}}},
		Pods: []tally.AgentPod{{UID: "pod-uid-1", Namespace: "shop", Name: "api-7d9f-x", OwnerKind: "Deployment", OwnerName: "api", StartedAt: start.Add(-time.Hour),
			Containers: []tally.AgentContainer{{Name: "api", CPURequest: 0.5, MemoryRequest: 256 << 20}}}},
	}
}

func gz(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

func post(h http.Handler, token string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/ingest/agent", bytes.NewReader(body))
	req.Header.Set("Content-Encoding", "gzip")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// agentServer starts a server on a new database, its clock an hour after
// start, and returns them with the bearer secret of an agent token of
// cluster prod.
func agentServer(t testing.TB, start time.Time) (*postgres.DB, *web.Server, string) {
	t.Helper()
	db := pgtest.New(t)
	srv := web.NewServer(web.Config{Readiness: db, Auth: db, Agents: db, Now: func() time.Time { return start.Add(time.Hour) }})
	return db, srv, storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "prod")
}

// storeToken stores a token and returns its bearer secret.
func storeToken(t testing.TB, db *postgres.DB, kind, role string, cluster tally.ClusterID) string {
	secret, tok := web.NewToken()
	tok.Name, tok.Kind, tok.Role, tok.Cluster = "test", kind, role, cluster
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestIngestAgentStoresEverythingOnce(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 21, 10, 59, 55, 123456789, time.UTC)
	db, srv, token := agentServer(t, start)
	body := gz(t, testBatch(t, start))
	for i := range 2 { // the second is an agent retry: usage replaced, samples not added twice
		rec := post(srv, token, body)
		if rec.Code != http.StatusAccepted {
			t.Fatalf("POST %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	day := tally.Window{Start: start.Add(-24 * time.Hour), End: start.Add(24 * time.Hour)}
	usage, err := db.Usage(ctx, "prod", day)
	if err != nil || len(usage) != 2 {
		t.Fatalf("usage %+v, %v", usage, err)
	}
	if u := usage[1]; u.PodUID != "pod-uid-1" || u.CPUCoreSeconds != 9.5 || u.NodeName != "node-1" || u.MemoryWorkingSetMax != 120<<20 {
		t.Fatalf("usage row %+v", u)
	}
	samples, err := db.FunctionSamples(ctx, "prod", day)
	if err != nil || len(samples) != 2 {
		t.Fatalf("samples %+v, %v", samples, err)
	}
	var total int64
	ids := []int64{}
	for _, s := range samples {
		total += s.Samples
		ids = append(ids, s.StackID)
		if s.Hour != tally.HourOf(start) || s.Container != "api" {
			t.Fatalf("sample %+v", s)
		}
	}
	if total != 190 {
		t.Fatalf("samples sum to %d, want 190 (a retry must not add them again)", total)
	}
	stacks, err := db.Stacks(ctx, "prod", ids)
	if err != nil || len(stacks) != 2 {
		t.Fatalf("stacks %+v, %v", stacks, err)
	}
	found := false
	for _, s := range stacks {
		if len(s.Frames) == 3 && s.Frames[0].Name == "main.hot" && s.Frames[2].Name == "main.main" && s.Frames[0].Module == "/app/server" {
			found = true
		}
		if s.Frames[0].Name == tally.UnknownFunction && s.Frames[0].Offset == 0 {
			t.Fatalf("unknown frame without offset: %+v", s.Frames[0])
		}
	}
	if !found {
		t.Fatalf("no main.hot stack in %+v", stacks)
	}
	pods, _ := db.Pods(ctx, "prod", day)
	if len(pods) != 1 || pods[0].OwnerName != "api" || len(pods[0].Containers) != 1 || pods[0].Containers[0].CPURequest != 0.5 {
		t.Fatalf("pods %+v", pods)
	}
	nodes, _ := db.Nodes(ctx, "prod", day)
	if len(nodes) != 1 || nodes[0].InstanceID != "i-0abc" || nodes[0].CPUCores != 2 {
		t.Fatalf("nodes %+v", nodes)
	}
	// The next interval, in the next hour and on the next day's partition boundary.
	next := testBatch(t, start.Add(10*time.Second))
	if rec := post(srv, token, gz(t, next)); rec.Code != http.StatusAccepted {
		t.Fatalf("next interval: %d %s", rec.Code, rec.Body)
	}
}

// TestIngestAgentLifetimes: a node lives while its agent reports and a pod
// until the end of the time its containers ran (AgentUsage.Seconds), so a pod
// that stopped is not charged its requests afterwards.
func TestIngestAgentLifetimes(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	db, srv, token := agentServer(t, start)
	for i := range 3 {
		b := testBatch(t, start.Add(time.Duration(i)*10*time.Second))
		b.Pods[0].StartedAt = start.Add(3 * time.Second)
		if i == 0 { // started 3 s into the first interval, ran to its end
			b.Intervals[0].Containers[0].Seconds = 7
		}
		if i == 2 { // stopped 4 s into the third
			b.Intervals[0].Containers[0].Seconds = 4
		}
		if rec := post(srv, token, gz(t, b)); rec.Code != http.StatusAccepted {
			t.Fatalf("POST %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	hour := tally.Window{Start: start, End: start.Add(time.Hour)}
	pods, err := db.Pods(ctx, "prod", hour)
	if err != nil || len(pods) != 1 {
		t.Fatalf("pods %+v, %v", pods, err)
	}
	if p := pods[0]; !p.ValidFrom.Equal(start.Add(3*time.Second)) || !p.ValidTo.Equal(start.Add(24*time.Second)) {
		t.Fatalf("pod lives [%s, %s), want [10:00:03, 10:00:24)", p.ValidFrom.Format(time.TimeOnly), p.ValidTo.Format(time.TimeOnly))
	}
	if pods, _ := db.Pods(ctx, "prod", tally.Window{Start: start.Add(time.Minute), End: start.Add(time.Hour)}); len(pods) != 0 {
		t.Fatalf("the pod is alive after it stopped: %+v", pods)
	}
	nodes, err := db.Nodes(ctx, "prod", hour)
	if err != nil || len(nodes) != 1 || !nodes[0].ValidTo.Equal(start.Add(30*time.Second)) {
		t.Fatalf("nodes %+v, %v; want one valid to 10:00:30", nodes, err)
	}
	usage, err := db.Usage(ctx, "prod", hour)
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	for _, u := range usage {
		if u.PodUID != "" {
			ran = append(ran, u.Interval.Start.Format("05")+"-"+u.Interval.End.Format("05"))
		}
	}
	if got := strings.Join(ran, " "); got != "03-10 10-20 20-24" {
		t.Fatalf("usage intervals %s, want 03-10 10-20 20-24", got)
	}
}

func TestIngestAgentRejects(t *testing.T) {
	db := pgtest.New(t)
	srv := web.NewServer(web.Config{Readiness: db, Auth: db, Agents: db})
	agent := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "prod")
	api := storeToken(t, db, tally.TokenAPI, tally.RoleAdmin, "")
	unknown, _ := web.NewToken()
	now := time.Now().Add(-time.Minute)
	good := gz(t, testBatch(t, now))
	other := testBatch(t, now)
	other.Cluster = "staging"
	future := testBatch(t, now.Add(time.Hour))
	ancient := testBatch(t, time.Unix(0, 0).UTC())
	spread := testBatch(t, now.Add(-48*time.Hour))
	spread.Intervals = append(spread.Intervals, testBatch(t, now).Intervals...)
	badVersion := testBatch(t, now)
	badVersion.Version = 99
	negative := testBatch(t, now)
	negative.Intervals[0].Containers[0].CPUCoreSeconds = -1
	badProfile := testBatch(t, now)
	badProfile.Intervals[0].Containers[0].Profile = []byte("not a profile")
	// Batches the store would fail on with a server error (retried by the
	// agent for ever): one row written twice in a statement, a column's range.
	dupPod := testBatch(t, now)
	dupPod.Pods = append(dupPod.Pods, dupPod.Pods[0])
	dupContainer := testBatch(t, now)
	dupContainer.Pods[0].Containers = append(dupContainer.Pods[0].Containers, dupContainer.Pods[0].Containers[0])
	sameStart := testBatch(t, now)
	sameStart.Intervals = append(sameStart.Intervals, sameStart.Intervals[0])
	sameStart.Intervals[1].End = sameStart.Intervals[1].End.Add(time.Second)
	overlap := testBatch(t, now)
	overlap.Intervals = append(overlap.Intervals, testBatch(t, now.Add(5*time.Second)).Intervals...)
	gpus := testBatch(t, now)
	gpus.Node.GPUCapacity = 1 << 40
	gpuRequest := testBatch(t, now)
	gpuRequest.Pods[0].Containers[0].GPURequest = -1
	// A decompression bomb: 200 MB of zeros in a tiny gzip.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write(bytes.Repeat([]byte{' '}, 200<<20))
	zw.Close()
	tests := []struct {
		name   string
		token  string
		body   []byte
		status int
		msg    string
	}{
		{"no token", "", good, 401, "send the agent token"},
		{"malformed token", "abc", good, 401, "not a Tally token"},
		{"wrong secret", agent[:len(agent)-2] + "xx", good, 401, "unknown or revoked"},
		{"unknown token", unknown, good, 401, "unknown or revoked"},
		{"API token", api, good, 403, "only agent tokens"},
		{"other cluster", agent, gz(t, other), 403, "the token is bound to cluster"},
		{"future", agent, gz(t, future), 400, "in the future"},
		{"ancient", agent, gz(t, ancient), 400, "field intervals[0].start: 1970-01-01T00:00:00Z is more than 31 days before now"},
		{"spread", agent, gz(t, spread), 400, "field intervals: the batch spans"},
		{"version", agent, gz(t, badVersion), 400, "field version: 99"},
		{"negative", agent, gz(t, negative), 400, "intervals[0].containers[0]"},
		{"bad profile", agent, gz(t, badProfile), 400, "containers[0].profile"},
		{"pod twice", agent, gz(t, dupPod), 400, "field pods[1]: uid pod-uid-1 is also pods[0]'s"},
		{"container twice", agent, gz(t, dupContainer), 400, "appears twice"},
		{"interval twice", agent, gz(t, sameStart), 400, "overlaps intervals[0]"},
		{"intervals overlap", agent, gz(t, overlap), 400, "field intervals[1]"},
		{"gpus", agent, gz(t, gpus), 400, "field node.gpuCapacity"},
		{"gpu request", agent, gz(t, gpuRequest), 400, "field pods[0] container api"},
		{"bad json", agent, gz(t, json.RawMessage(`{"version": "one"}`)), 400, "field version"},
		{"bomb", agent, bomb.Bytes(), 413, "decompressed size exceeds"},
		{"too large", agent, make([]byte, web.MaxAgentBody+1), 413, "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(srv, tt.token, tt.body)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.msg) {
				t.Fatalf("%d %s; want %d containing %q", rec.Code, rec.Body, tt.status, tt.msg)
			}
		})
	}
	if rec := post(srv, agent, good); rec.Code != 202 {
		t.Fatalf("good batch after the bad ones: %d %s", rec.Code, rec.Body)
	}
	// What an agent's buffer held through a ten-day outage is accepted.
	if rec := post(srv, agent, gz(t, testBatch(t, now.Add(-10*24*time.Hour)))); rec.Code != 202 {
		t.Fatalf("batch ten days late: %d %s", rec.Code, rec.Body)
	}
}

func TestIngestAgentOffWithoutStore(t *testing.T) {
	srv := web.NewServer(web.Config{})
	if rec := post(srv, "", nil); rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("%d", rec.Code)
	}
}

// TestIngestAgentOverlapsAStoredInterval: a batch whose interval overlaps
// one an earlier batch stored for the node, with another start, is refused
// (409) and stores nothing; it was accepted and its time counted twice.
// A batch sent again (same start) is still accepted, and so are another
// node's intervals and the node's next one.
func TestIngestAgentOverlapsAStoredInterval(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	db, srv, token := agentServer(t, start)
	cpu := func() float64 {
		usage, err := db.Usage(ctx, "prod", tally.Window{Start: start.Add(-time.Hour), End: start.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for _, u := range usage {
			s += u.CPUCoreSeconds
		}
		return s
	}
	if rec := post(srv, token, gz(t, testBatch(t, start))); rec.Code != http.StatusAccepted { // [10:00:00, 10:00:10)
		t.Fatalf("first: %d %s", rec.Code, rec.Body)
	}
	before := cpu()
	for _, c := range []struct {
		name   string
		start  time.Time
		node   string
		status int
	}{
		{"sent again", start, "node-1", http.StatusAccepted},
		{"starts inside", start.Add(5 * time.Second), "node-1", http.StatusConflict},
		{"ends inside", start.Add(-5 * time.Second), "node-1", http.StatusConflict},
		{"another node", start.Add(5 * time.Second), "node-2", http.StatusAccepted},
		{"the next interval", start.Add(10 * time.Second), "node-1", http.StatusAccepted},
	} {
		b := testBatch(t, c.start)
		b.Node.Name, b.Node.UID = c.node, "uid-"+c.node
		if c.node != "node-1" {
			b.Node.ProviderID = ""
			b.Pods[0].UID, b.Intervals[0].Containers[0].PodUID = "pod-uid-2", "pod-uid-2"
		}
		rec := post(srv, token, gz(t, b))
		if rec.Code != c.status || (c.status == http.StatusConflict && !strings.Contains(rec.Body.String(), "overlaps")) {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.status)
		}
		if c.name == "ends inside" {
			if got := cpu(); got != before {
				t.Errorf("after the refused batches: %v CPU core-seconds stored, want %v", got, before)
			}
		}
	}
}
