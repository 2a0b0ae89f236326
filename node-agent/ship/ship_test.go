package ship

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/logtest"
)

func TestBuildProfile(t *testing.T) {
	stacks := []StackCount{
		{Frames: []tally.Function{{Name: "main.leaf", Module: "/app"}, {Name: "main.mid", Module: "/app"}, {Name: "main.main", Module: "/app"}}, Count: 7},
		{Frames: []tally.Function{{Name: tally.UnknownFunction, Module: "/lib/x.so", Offset: 0x1234}, {Name: "main.main", Module: "/app"}}, Count: 3},
	}
	start := time.Unix(1_800_000_000, 0)
	p := BuildProfile(Labels{Namespace: "shop", Pod: "api-1", Container: "api", Node: "n1"}, start, start.Add(10*time.Second), int64(1e9)/19, stacks)
	data, err := EncodeProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := profile.ParseData(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.CheckValid(); err != nil {
		t.Fatal(err)
	}
	if len(q.SampleType) != 2 || q.SampleType[0].Type != "samples" || q.SampleType[1].Unit != "nanoseconds" {
		t.Fatalf("sample types %v", q.SampleType)
	}
	s := q.Sample[0]
	if s.Value[0] != 7 || s.Value[1] != 7*(int64(1e9)/19) || s.Label["namespace"][0] != "shop" || s.Label["pod"][0] != "api-1" || s.Label["container"][0] != "api" || s.Label["node"][0] != "n1" {
		t.Fatalf("sample %+v", s)
	}
	if got := q.Sample[1].Location[0].Line[0].Function.Name; got != "[unknown] /lib/x.so+0x1234" {
		t.Fatalf("unknown frame named %q", got)
	}
	if len(q.Function) != 4 || len(q.Mapping) != 2 {
		t.Fatalf("%d functions, %d mappings", len(q.Function), len(q.Mapping))
	}
}

func TestBufferBoundsAndSpill(t *testing.T) {
	dir := t.TempDir()
	b, err := NewBuffer(1000, 250, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		b.Push(bytes.Repeat([]byte{byte(i)}, 100))
	}
	mem, disk := b.Bytes()
	if mem > 250 || mem+disk > 1000 || b.Len() != 10 || b.Dropped() != 2 {
		t.Fatalf("mem %d disk %d len %d dropped %d", mem, disk, b.Len(), b.Dropped())
	}
	if _, got := b.Peek(); got[0] != 2 {
		t.Fatalf("oldest kept is %d, want 2 (0 and 1 dropped)", got[0])
	}
	// A restart picks up what was spilled, in order.
	b2, err := NewBuffer(1000, 250, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, got := b2.Peek(); got == nil || got[0] != 2 {
		t.Fatalf("after restart oldest = %v", got)
	}
	if _, err := NewBuffer(10, 10, ""); err != nil {
		t.Fatal(err)
	}
	if err := b.Push(make([]byte, 2000)); err == nil {
		t.Fatal("no error for an item larger than the buffer")
	}
}

func TestBackoff(t *testing.T) {
	for n := 1; n < 20; n++ {
		d := Backoff(n, time.Second, 30*time.Second)
		want := time.Second << min(n-1, 5)
		if want > 30*time.Second {
			want = 30 * time.Second
		}
		if d < want/2 || d > want {
			t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
		}
	}
}

// busyNodeBatch is one 10 s interval of a busy 16-core node at 19 Hz:
// 110 pods (kubelet's default maximum) sharing 3,040 samples. Each
// container runs a program of 400 functions; a sample's stack is 10–40
// frames deep, choosing one of 4 callees at each depth, so nearly every
// stack is distinct while stacks share their roots, as in real services. (With names
// drawn afresh for every frame, the worst case, an interval is ~1.6 MB and
// the default buffer holds ~40 intervals.)
func busyNodeBatch(t testing.TB, r *rand.Rand, seq int) *tally.AgentBatch {
	start := time.Unix(1_800_000_000, 0).Add(time.Duration(seq) * 10 * time.Second)
	b := &tally.AgentBatch{Version: tally.AgentBatchVersion, Cluster: "prod", Node: tally.AgentNode{Name: "node-1", CPUCapacity: 16}}
	iv := tally.AgentInterval{Start: start, End: start.Add(10 * time.Second)}
	for c := range 110 {
		names := make([]string, 400)
		for i := range names {
			names[i] = fmt.Sprintf("github.com/acme/svc%d/internal/pkg%d.(*Type%d).Method%d", c, i/20, i%7, i)
		}
		var stacks []StackCount
		for range 3040 / 110 {
			frames := make([]tally.Function, 10+r.IntN(31))
			for d := range frames { // root last
				frames[len(frames)-1-d] = tally.Function{Name: names[(d*10+r.IntN(4))%len(names)], Module: "/app/svc"}
			}
			stacks = append(stacks, StackCount{Frames: frames, Count: 1})
		}
		p := BuildProfile(Labels{Namespace: "ns", Pod: fmt.Sprintf("pod-%d", c), Container: "app", Node: "node-1"}, iv.Start, iv.End, int64(1e9)/19, stacks)
		data, err := EncodeProfile(p)
		if err != nil {
			t.Fatal(err)
		}
		iv.Containers = append(iv.Containers, tally.AgentUsage{PodUID: fmt.Sprintf("uid-%d", c), Container: "app", CPUCoreSeconds: 1.2, MemoryWorkingSet: 1 << 28, MemoryWorkingMax: 1 << 29, Profile: data})
	}
	b.Intervals = []tally.AgentInterval{iv}
	return b
}

// A 15-minute backend outage at the default buffer (64 MB, 8 MB in memory,
// the rest on disk) loses nothing: 90 intervals of a busy node wait, then
// all arrive, in order, with no drop counted.
func TestOutageOf15MinutesLosesNothing(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	var mu sync.Mutex
	var got []time.Time
	var attempts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		if r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, "token", http.StatusUnauthorized)
			return
		}
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var b tally.AgentBatch
		if err := json.NewDecoder(zr).Decode(&b); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		for _, iv := range b.Intervals {
			got = append(got, iv.Start)
		}
		if b.Dropped.Intervals != 0 {
			t.Errorf("batch reports %d dropped intervals", b.Dropped.Intervals)
		}
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	buf, err := NewBuffer(DefaultBufferBytes, DefaultMemoryBytes, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{URL: srv.URL, Token: func() (string, error) { return "secret", nil }, Buffer: buf,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)

	const intervals = 15 * 60 / 10
	r := rand.New(rand.NewPCG(1, 2))
	tmpl := busyNodeBatch(t, r, 0)
	var total int
	for i := range intervals {
		b := *tmpl
		iv := tmpl.Intervals[0]
		iv.Start = iv.Start.Add(time.Duration(i) * 10 * time.Second)
		iv.End = iv.Start.Add(10 * time.Second)
		b.Intervals = []tally.AgentInterval{iv}
		if err := s.Enqueue(&b); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	total = int(st.MemBytes + st.DiskBytes)
	t.Logf("15 min outage: %d batches, %.1f MB encoded (%.0f KB per interval), %.1f MB in memory, %.1f MB on disk, %d failed attempts",
		intervals, float64(total)/1e6, float64(total)/intervals/1e3, float64(st.MemBytes)/1e6, float64(st.DiskBytes)/1e6, st.Failures)
	if st.Dropped != 0 || st.Pending != intervals {
		t.Fatalf("during the outage: %+v", st)
	}
	if st.MemBytes > DefaultMemoryBytes {
		t.Fatalf("memory part %d > %d", st.MemBytes, DefaultMemoryBytes)
	}
	down.Store(false)
	deadline := time.Now().Add(2 * time.Minute)
	for s.Stats().Pending > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != intervals {
		t.Fatalf("delivered %d of %d intervals", len(got), intervals)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].After(got[i-1]) {
			t.Fatalf("interval %d delivered out of order", i)
		}
	}
	if st := s.Stats(); st.Dropped != 0 || st.Batches != intervals {
		t.Fatalf("after: %+v", st)
	}
}

// When the buffer is full the oldest batches go, counted, and the backend
// hears the count; bad batches (400) are dropped, not retried forever.
func TestDropOldestWhenFullAndRejects(t *testing.T) {
	var mu sync.Mutex
	var dropped []uint64
	status := atomic.Int64{}
	status.Store(503)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := int(status.Load()); c != 200 {
			w.WriteHeader(c)
			return
		}
		zr, _ := gzip.NewReader(r.Body)
		var b tally.AgentBatch
		json.NewDecoder(zr).Decode(&b)
		mu.Lock()
		dropped = append(dropped, b.Dropped.Intervals)
		mu.Unlock()
	}))
	defer srv.Close()
	one, _ := Encode(&tally.AgentBatch{Version: 1, Intervals: []tally.AgentInterval{{}}})
	buf, _ := NewBuffer(int64(len(one))*3+10, 1<<20, "")
	s := New(Config{URL: srv.URL, Buffer: buf, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Enqueued before Run, so no batch is in flight (one in flight is not
	// dropped to make room).
	for range 5 {
		s.Enqueue(&tally.AgentBatch{Version: 1, Intervals: []tally.AgentInterval{{}}})
	}
	if st := s.Stats(); st.Dropped != 2 || st.Pending != 3 {
		t.Fatalf("%+v", st)
	}
	go s.Run(ctx)
	status.Store(400)
	for s.Stats().Pending > 0 {
		time.Sleep(time.Millisecond)
	}
	if st := s.Stats(); st.Rejected != 3 {
		t.Fatalf("%+v", st)
	}
	// A conflict (another cluster's instance) is refused for good too: it
	// must not hold up the batches behind it.
	status.Store(409)
	s.Enqueue(&tally.AgentBatch{Version: 1, Intervals: []tally.AgentInterval{{}}})
	for s.Stats().Pending > 0 {
		time.Sleep(time.Millisecond)
	}
	if st := s.Stats(); st.Rejected != 4 {
		t.Fatalf("after a 409: %+v", st)
	}
	status.Store(200)
	s.Enqueue(&tally.AgentBatch{Version: 1})
	for s.Stats().Pending > 0 {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dropped) != 1 || dropped[0] != 2 {
		t.Fatalf("backend heard dropped=%v, want [2]", dropped)
	}
}

// The item being delivered is never dropped to make room and does not
// count against the bound; its delivery ends by sequence number, so a full
// buffer neither loses the next item nor counts a delivered one as dropped.
func TestBufferKeepsItemInFlight(t *testing.T) {
	item := func(tag byte) []byte { return bytes.Repeat([]byte{tag}, 100) }
	b, err := NewBuffer(300, 300, "")
	if err != nil {
		t.Fatal(err)
	}
	for tag := range byte(3) {
		b.Push(item(tag))
	}
	seq, got := b.Peek() // the shipper sends item 0
	if got[0] != 0 {
		t.Fatalf("oldest is %d", got[0])
	}
	b.Push(item(3)) // items 1-3 fit: nothing goes
	b.Push(item(4)) // full: item 1 goes, not item 0 in flight
	if b.Dropped() != 1 || b.Len() != 4 {
		t.Fatalf("dropped %d, len %d; want 1, 4", b.Dropped(), b.Len())
	}
	b.Pop(seq) // delivered
	b.Pop(seq) // a second Pop of the same item removes nothing
	var rest []byte
	for b.Len() > 0 {
		s, data := b.Peek()
		rest = append(rest, data[0])
		b.Pop(s)
	}
	if !bytes.Equal(rest, []byte{2, 3, 4}) || b.Dropped() != 1 {
		t.Fatalf("left %v, dropped %d; want [2 3 4], 1", rest, b.Dropped())
	}

	// A released item (its delivery failed) counts again and, the oldest,
	// is the first to go.
	for tag := range byte(3) {
		b.Push(item(tag))
	}
	seq, _ = b.Peek()
	b.Push(item(3))
	b.Release(seq)
	if _, got := b.Peek(); got[0] != 1 || b.Dropped() != 2 || b.Len() != 3 {
		t.Fatalf("after release: oldest %d, dropped %d, len %d; want 1, 2, 3", got[0], b.Dropped(), b.Len())
	}
}

// A batch pushed while the only other one is being delivered, when the two
// exceed the bound, waits (the bound is exceeded by the one in flight,
// whose bytes the shipper holds anyway) and is delivered next, from memory
// or from disk.
func TestShipperDeliversBatchPushedDuringSend(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  string
	}{{"memory", ""}, {"disk", t.TempDir()}} {
		t.Run(tc.name, func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			release := make(chan struct{})
			var mu sync.Mutex
			var got []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				buf := make([]byte, 1)
				r.Body.Read(buf)
				mu.Lock()
				got = append(got, buf[0])
				first := len(got) == 1
				mu.Unlock()
				if first {
					arrived <- struct{}{}
					<-release
				}
				w.WriteHeader(http.StatusAccepted)
			}))
			defer srv.Close()
			b, err := NewBuffer(300, 0, tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			s := New(Config{URL: srv.URL, Buffer: b})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go s.Run(ctx)
			b.Push(bytes.Repeat([]byte{'A'}, 200))
			s.wake <- struct{}{}
			<-arrived
			b.Push(bytes.Repeat([]byte{'B'}, 200))
			close(release)
			deadline := time.Now().Add(10 * time.Second)
			for s.Stats().Pending > 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			if st := s.Stats(); string(got) != "AB" || st.Dropped != 0 || st.Batches != 2 {
				t.Fatalf("backend received %q; stats %+v; want \"AB\", nothing dropped", got, st)
			}
		})
	}
}

// TestShipperWarnsOfConfigurationFailures: a 401 or 403, or a token file
// that cannot be read, was logged at INFO as "backend unavailable", hidden
// at the usual log level while nothing was shipped; it is a warning about
// the token. So is a 404 or 405 (--server with a path, or another server
// at that address) a warning about the URL, which named neither. The
// batch is kept.
func TestShipperWarnsOfConfigurationFailures(t *testing.T) {
	token := func() (string, error) { return "x", nil }
	for _, tc := range []struct {
		name   string
		status int
		token  func() (string, error)
		want   string
	}{
		{"401", http.StatusUnauthorized, token, "token"},
		{"403", http.StatusForbidden, token, "token"},
		{"unreadable token file", http.StatusAccepted, func() (string, error) { return "", fmt.Errorf("open /var/run/token: no such file") }, "token"},
		{"404", http.StatusNotFound, token, `msg="no Tally ingest endpoint at this URL; retrying (check --server: the backend's base URL, without a path)" url=http://127.0.0.1`},
		{"405", http.StatusMethodNotAllowed, token, "no Tally ingest endpoint at this URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.status) }))
			defer srv.Close()
			b, _ := NewBuffer(1<<20, 1<<20, "")
			var logs logtest.Buffer
			s := New(Config{URL: srv.URL, Buffer: b, Token: tc.token, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.Push([]byte("batch"))
			go s.Run(ctx)
			s.wake <- struct{}{}
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(logs.String(), "level=WARN") && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			cancel()
			if out := logs.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, tc.want) {
				t.Errorf("logs at WARN: %q, want a warning with %q", out, tc.want)
			}
			if st := s.Stats(); st.Pending != 1 || st.Rejected != 0 {
				t.Errorf("stats %+v: want the batch kept", st)
			}
		})
	}
}
