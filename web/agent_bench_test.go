package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// TestBenchIngest is `make bench-agent-ingest`: 100 agents, each POSTing
// one interval every TALLY_BENCH_PERIOD (default 1 s, 10× the real 10 s
// rate; the make target uses 10 s) for TALLY_BENCH_SECONDS (default 30),
// against a real PostgreSQL. It
// prints p50/p95/p99 of the ingest endpoint and, as the baseline measured
// in the same run at the same concurrency, of GET /healthz; and what
// compacting the appended samples meanwhile took.
func TestBenchIngest(t *testing.T) {
	if os.Getenv("TALLY_BENCH_INGEST") != "1" {
		t.Skip("set TALLY_BENCH_INGEST=1 (make bench-ingest)")
	}
	secs, period := 30, time.Second
	if s := os.Getenv("TALLY_BENCH_SECONDS"); s != "" {
		secs, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("TALLY_BENCH_PERIOD"); s != "" {
		period, _ = time.ParseDuration(s)
	}
	db := pgtest.New(t)
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Agents: db}))
	defer srv.Close()
	token := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "bench")
	const agents = 100
	start := time.Now().Add(-24 * time.Hour).Truncate(time.Hour)

	// Each agent: a node with 30 containers, each with a profile of 40 stacks.
	bodies := func(agent, seq int) []byte {
		b := testBatch(t, start.Add(time.Duration(seq)*10*time.Second))
		// Each node its own instance: batches of one instance take turns
		// (claimInstanceTx), so 100 nodes sharing testBatch's would time
		// that lock, not the endpoint.
		b.Node.Name, b.Node.UID = fmt.Sprintf("node-%03d", agent), fmt.Sprintf("uid-%03d", agent)
		b.Node.ProviderID = fmt.Sprintf("aws:///us-east-1a/i-%017x", agent)
		iv := &b.Intervals[0]
		iv.Containers = nil
		b.Pods = nil
		for c := range 30 {
			var stacks [][]string
			var counts []int64
			for s := range 40 {
				stacks = append(stacks, []string{fmt.Sprintf("svc%d.leaf%d", c%5, s%13), fmt.Sprintf("svc%d.mid%d", c%5, s%7), "main.main"})
				counts = append(counts, int64(1+s%5))
			}
			uid := fmt.Sprintf("pod-%03d-%02d", agent, c)
			iv.Containers = append(iv.Containers, tally.AgentUsage{PodUID: uid, Container: "app", CPUCoreSeconds: 1.5, MemoryWorkingSet: 1 << 27, MemoryWorkingMax: 1 << 28, Profile: pprofBytes(t, stacks, counts)})
			b.Pods = append(b.Pods, tally.AgentPod{UID: uid, Namespace: "ns", Name: uid, StartedAt: start, Containers: []tally.AgentContainer{{Name: "app", CPURequest: 0.25}}})
		}
		return gz(t, b)
	}
	perAgent := max(1, int(time.Duration(secs)*time.Second/period))
	payload := make([][][]byte, agents)
	for a := range agents {
		for s := range perAgent {
			payload[a] = append(payload[a], bodies(a, s))
		}
	}
	fmt.Printf("bench-ingest: %d agents × %d batches (%.0f KB each, 30 containers), one per %s each\n", agents, perAgent, float64(len(payload[0][0]))/1e3, period)

	run := func(name string, do func(a, s int) (int, error)) []time.Duration {
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		errs := 0
		for a := range agents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(a) * period / agents) // agents are not in lockstep
				tick := time.NewTicker(period)
				defer tick.Stop()
				for s := range perAgent {
					t0 := time.Now()
					code, err := do(a, s)
					d := time.Since(t0)
					mu.Lock()
					lat = append(lat, d)
					if err != nil || code/100 != 2 {
						errs++
					}
					mu.Unlock()
					<-tick.C
				}
			}()
		}
		wg.Wait()
		if errs > 0 {
			t.Errorf("%s: %d failed requests", name, errs)
		}
		slices.Sort(lat)
		return lat
	}
	// Compact the appended samples as tally serve does, each minute, while
	// the agents post: it is part of what storing them costs. The first
	// runs half a minute in, so that a 60 s run has one in its middle.
	compact := func(stop <-chan struct{}, done chan<- struct{}) {
		defer close(done)
		var sum postgres.Compaction
		var took time.Duration
		for wait := 30 * time.Second; ; wait = time.Minute {
			select {
			case <-stop:
				fmt.Printf("compaction each minute: %d appended rows moved into %d in %.1f s (%.1f µs a row)\n",
					sum.Appended, sum.Merged, took.Seconds(), float64(took.Microseconds())/float64(max(sum.Appended, 1)))
				return
			case <-time.After(wait):
			}
			t0 := time.Now()
			c, err := db.CompactFunctionSamples(context.Background())
			if err != nil {
				t.Error(err)
			}
			took += time.Since(t0)
			sum.Hours, sum.Appended, sum.Merged = sum.Hours+c.Hours, sum.Appended+c.Appended, sum.Merged+c.Merged
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: agents}}
	base := run("healthz", func(a, s int) (int, error) {
		resp, err := client.Get(srv.URL + "/healthz")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	})
	stop, compacted := make(chan struct{}), make(chan struct{})
	go compact(stop, compacted)
	ing := run("ingest", func(a, s int) (int, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/ingest/agent", bytes.NewReader(payload[a][s]))
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	})
	close(stop)
	<-compacted
	q := func(l []time.Duration, p float64) time.Duration { return l[int(p*float64(len(l)-1))] }
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("%-22s %8s %8s %8s %8s\n", "", "n", "p50 ms", "p95 ms", "p99 ms")
	fmt.Printf("%-22s %8d %8.2f %8.2f %8.2f\n", "GET /healthz (base)", len(base), ms(q(base, .5)), ms(q(base, .95)), ms(q(base, .99)))
	fmt.Printf("%-22s %8d %8.2f %8.2f %8.2f\n", "POST ingest/agent", len(ing), ms(q(ing, .5)), ms(q(ing, .95)), ms(q(ing, .99)))
	fmt.Printf("ratio ingest/base: p50 %.1f×, p95 %.1f×; target p95 ≤ 50 ms: %v\n",
		float64(q(ing, .5))/float64(q(base, .5)), float64(q(ing, .95))/float64(q(base, .95)), q(ing, .95) <= 50*time.Millisecond)
}
