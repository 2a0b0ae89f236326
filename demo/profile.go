package demo

import (
	"bytes"
	"compress/gzip"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"
)

// profileSpec asks for CPU profiles of one container of a workload.
type profileSpec struct {
	Template  string // key of profileTemplates
	Container string // "" = the first container
}

// Sampling frequency of the agent's eBPF profiler (Hz) and its period.
const (
	profileHz     = 19
	profilePeriod = int64(time.Second) / profileHz
)

// stack is a call stack from the root to the leaf with its share of the
// container's CPU. Frames are Go symbols, "k:" kernel symbols, or "?" for a
// frame the symbolizer cannot name.
type stack struct {
	frames []string
	weight float64
}

// profileTemplate is the CPU profile of a service: its binary and stacks.
type profileTemplate struct {
	binary string
	stacks []stack
}

// Frame prefixes shared by Go HTTP services.
var (
	httpRoot = []string{"runtime.goexit", "net/http.(*conn).serve", "net/http.serverHandler.ServeHTTP",
		"github.com/go-chi/chi/v5.(*Mux).ServeHTTP", "github.com/go-chi/chi/v5.(*Mux).routeHTTP", "net/http.HandlerFunc.ServeHTTP"}
	sysWrite = []string{"net.(*conn).Write", "internal/poll.(*FD).Write", "syscall.Syscall",
		"k:entry_SYSCALL_64_after_hwframe", "k:do_syscall_64", "k:__x64_sys_write", "k:tcp_sendmsg"}
)

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func fr(s ...string) []string { return s }

// runtimeStacks are what every Go service spends outside its handlers.
func runtimeStacks(scale float64) []stack {
	return []stack{
		{fr("runtime.gcBgMarkWorker", "runtime.gcDrain", "runtime.scanobject"), 0.12 * scale},
		{fr("runtime.gcBgMarkWorker", "runtime.gcDrain", "runtime.markroot", "runtime.scanstack"), 0.03 * scale},
		{fr("runtime.bgsweep", "runtime.sweepone", "runtime.(*sweepLocked).sweep"), 0.02 * scale},
		{fr("runtime.mcall", "runtime.park_m", "runtime.schedule", "runtime.findRunnable", "runtime.netpoll",
			"k:entry_SYSCALL_64_after_hwframe", "k:do_syscall_64", "k:__x64_sys_epoll_wait"), 0.05 * scale},
		{fr("runtime.goexit", "net/http.(*conn).serve", "net/http.(*conn).readRequest", "net/textproto.(*Reader).ReadMIMEHeader"), 0.035 * scale},
		{fr("runtime.goexit", "net/http.(*conn).serve", "crypto/tls.(*Conn).Read", "crypto/tls.(*Conn).readRecordOrCCS", "crypto/aes.(*gcmAsm).Open"), 0.05 * scale},
		{fr("runtime.goexit", "go.opentelemetry.io/otel/sdk/trace.(*batchSpanProcessor).processQueue",
			"go.opentelemetry.io/otel/exporters/otlp/otlptrace.(*Exporter).ExportSpans", "google.golang.org/protobuf/proto.MarshalOptions.marshal"), 0.035 * scale},
		{fr("runtime.goexit", "github.com/prometheus/client_golang/prometheus.(*Registry).Gather", "github.com/prometheus/client_golang/prometheus.processMetric"), 0.015 * scale},
		{fr("runtime.goexit", "net.(*Resolver).lookupIPAddr", "net._C2func_getaddrinfo", "?", "?"), 0.015 * scale},
	}
}

// The regressed function of the demo: the checkout service's discount
// calculation, 30% of the service's CPU more expensive after the deploy.
const (
	RegressedFunction  = "github.com/acme/checkout/internal/pricing.(*Calculator).applyDiscounts"
	RegressedNamespace = "checkout"
	RegressedWorkload  = "checkout-api"
	RegressedContainer = "app"
	RegressionFactor   = 1.30
)

var profileTemplates = func() map[string]*profileTemplate {
	api := "github.com/acme/checkout/internal/api.(*Server).handleCheckout"
	pr := "github.com/acme/checkout/internal/pricing."
	t := map[string]*profileTemplate{}
	t["checkout"] = &profileTemplate{binary: "/app/checkout-api", stacks: append([]stack{
		{cat(httpRoot, fr(api, pr+"(*Calculator).Total", RegressedFunction, pr+"(*RuleSet).Match", "regexp.(*Regexp).doExecute", "regexp.(*Regexp).doOnePass")), 0.10},
		{cat(httpRoot, fr(api, pr+"(*Calculator).Total", RegressedFunction)), 0.02},
		{cat(httpRoot, fr(api, pr+"(*Calculator).Total", pr+"taxFor", "math/big.(*Float).Mul")), 0.05},
		{cat(httpRoot, fr(api, "github.com/acme/checkout/internal/store.(*Orders).Insert", "github.com/jackc/pgx/v5.(*Conn).Exec",
			"github.com/jackc/pgx/v5/pgconn.(*PgConn).ExecParams"), sysWrite), 0.08},
		{cat(httpRoot, fr(api, "encoding/json.Marshal", "encoding/json.(*encodeState).reflectValue", "encoding/json.structEncoder.encode")), 0.08},
		{cat(httpRoot, fr(api, "encoding/json.Marshal", "runtime.mallocgc")), 0.03},
		{cat(httpRoot, fr("github.com/acme/checkout/internal/api.(*Server).handleCart", "encoding/json.(*Decoder).Decode", "encoding/json.(*decodeState).object")), 0.05},
		{cat(httpRoot, fr(api, "github.com/acme/checkout/internal/inventory.(*Client).Reserve", "google.golang.org/grpc.(*ClientConn).Invoke",
			"google.golang.org/grpc.(*clientStream).SendMsg", "google.golang.org/protobuf/proto.MarshalOptions.marshal")), 0.05},
		{cat(httpRoot, fr("github.com/acme/checkout/internal/api.(*Server).handleHealth")), 0.01},
	}, runtimeStacks(1)...)}
	t["payments"] = goService("/app/payment-api", "github.com/acme/payments/internal/", []stack{
		{fr("api.(*Server).handleAuthorize", "charge.(*Service).Authorize", "crypto/ecdsa.SignASN1", "crypto/internal/fips140/nistec.(*P256Point).ScalarMult"), 0.14},
		{fr("api.(*Server).handleAuthorize", "charge.(*Service).Authorize", "github.com/stripe/stripe-go/v79.(*BackendImplementation).Do", "net/http.(*Client).Do"), 0.10},
		{fr("api.(*Server).handleAuthorize", "ledger.(*Ledger).Record", "github.com/jackc/pgx/v5.(*Conn).Exec"), 0.12},
		{fr("api.(*Server).handleRefund", "charge.(*Service).Refund", "encoding/json.Marshal"), 0.05},
		{fr("api.(*Server).handleAuthorize", "fraud.(*Client).Score", "google.golang.org/grpc.(*ClientConn).Invoke"), 0.08},
	})
	t["catalog"] = goService("/app/catalog-api", "github.com/acme/catalog/internal/", []stack{
		{fr("api.(*Server).listProducts", "products.(*Repo).List", "github.com/redis/go-redis/v9.(*baseClient).process", "bufio.(*Reader).ReadSlice"), 0.12},
		{fr("api.(*Server).listProducts", "encoding/json.Marshal", "encoding/json.(*encodeState).reflectValue"), 0.16},
		{fr("api.(*Server).getProduct", "products.(*Repo).Get", "github.com/jackc/pgx/v5.(*Conn).Query"), 0.08},
		{fr("api.(*Server).getProduct", "pricing.Localize", "golang.org/x/text/currency.Amount.Format"), 0.04},
	})
	t["search"] = goService("/app/search-api", "github.com/acme/search/internal/", []stack{
		{fr("api.(*Server).search", "query.(*Engine).Search", "github.com/elastic/go-elasticsearch/v8/esapi.SearchRequest.Do", "net/http.(*Transport).roundTrip"), 0.12},
		{fr("api.(*Server).search", "query.(*Engine).Search", "rank.Score", "rank.bm25"), 0.18},
		{fr("api.(*Server).search", "query.Parse", "query.(*lexer).next", "unicode.IsLetter"), 0.06},
		{fr("api.(*Server).suggest", "suggest.(*Trie).Walk"), 0.07},
	})
	t["consumer"] = goService("/app/ingest-consumer", "github.com/acme/pipeline/internal/", []stack{
		{fr("consumer.(*Consumer).Run", "github.com/segmentio/kafka-go.(*Reader).FetchMessage", "github.com/segmentio/kafka-go.(*Conn).ReadBatch"), 0.10},
		{fr("consumer.(*Consumer).Run", "consumer.(*Consumer).handle", "github.com/klauspost/compress/zstd.(*Decoder).DecodeAll", "github.com/klauspost/compress/zstd.(*blockDec).decodeSequences"), 0.17},
		{fr("consumer.(*Consumer).Run", "consumer.(*Consumer).handle", "schema.(*Registry).Decode", "github.com/hamba/avro/v2.(*Reader).ReadString"), 0.14},
		{fr("consumer.(*Consumer).Run", "consumer.(*Consumer).handle", "sink.(*Writer).Append", "github.com/parquet-go/parquet-go.(*GenericWriter[...]).Write"), 0.09},
	})
	t["query"] = goService("/app/query-api", "github.com/acme/analytics/internal/", []stack{
		{fr("api.(*Server).runQuery", "query.(*Planner).Plan", "query.(*Planner).pushDownFilters"), 0.07},
		{fr("api.(*Server).runQuery", "github.com/ClickHouse/clickhouse-go/v2.(*clickhouse).Query", "github.com/ClickHouse/ch-go/proto.(*Block).DecodeBlock"), 0.16},
		{fr("api.(*Server).runQuery", "results.(*Encoder).WriteRows", "encoding/json.(*Encoder).Encode"), 0.12},
		{fr("api.(*Server).runQuery", "cache.(*LRU).Get", "sync.(*Mutex).Lock"), 0.03},
	})
	t["bff"] = goService("/app/bff", "github.com/acme/bff/internal/", []stack{
		{fr("graph.(*Handler).ServeHTTP", "github.com/99designs/gqlgen/graphql/executor.(*Executor).DispatchOperation", "graph.(*queryResolver).Product"), 0.15},
		{fr("graph.(*Handler).ServeHTTP", "github.com/99designs/gqlgen/graphql/executor.(*Executor).DispatchOperation", "graph.(*queryResolver).Cart", "google.golang.org/grpc.(*ClientConn).Invoke"), 0.10},
		{fr("graph.(*Handler).ServeHTTP", "github.com/vektah/gqlparser/v2/parser.ParseQuery"), 0.08},
	})
	return t
}()

// stdlib are the standard packages handler stacks name without a path.
var stdlib = map[string]bool{"runtime": true, "sync": true, "unicode": true, "bufio": true, "math": true,
	"regexp": true, "strings": true, "bytes": true, "sort": true, "time": true, "strconv": true}

// goService builds a template from handler stacks under an HTTP server;
// frames not starting with a module path get the service's own prefix.
func goService(binary, module string, handlers []stack) *profileTemplate {
	t := &profileTemplate{binary: binary}
	for _, h := range handlers {
		frames := append([]string(nil), httpRoot...)
		for _, f := range h.frames {
			if pkg, _, _ := strings.Cut(f, "."); !strings.Contains(f, "/") && !stdlib[pkg] {
				f = module + f
			}
			frames = append(frames, f)
		}
		t.stacks = append(t.stacks, stack{frames, h.weight})
	}
	t.stacks = append(t.stacks, runtimeStacks(1)...)
	return t
}

// templateStacks returns the stacks of a pod's profile: for the regressed
// version, the regressed function's own time grows by the regression.
func (o *org) templateStacks(p *pod) []stack {
	t := profileTemplates[p.w.Profile.Template]
	if !o.regressed(p) || p.w != o.regression.w {
		return t.stacks
	}
	var total float64
	for _, s := range t.stacks {
		total += s.weight
	}
	out := append([]stack(nil), t.stacks...)
	for i, s := range out {
		if s.frames[len(s.frames)-1] == o.regression.Function {
			out[i].weight += (o.regression.Factor - 1) * total
		}
	}
	return out
}

// gzipPool reuses gzip writers: profiles and batches are many and small.
// BestSpeed: the demo's volume matters more than the last 10% of size.
var gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

// podProfile is a pod container's profile skeleton: mappings, functions,
// locations and one sample per stack, built once and reused for every
// interval (only the sample values and the times change).
type podProfile struct {
	prof   *profile.Profile
	stacks []stack
	byIdx  []*profile.Sample // sample of stacks[i]
}

func (o *org) newPodProfile(p *pod, ctrName string, n *node) *podProfile {
	stacks := o.templateStacks(p)
	t := profileTemplates[p.w.Profile.Template]
	prof := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     profilePeriod,
	}
	binID := hashKey(p.w.id, uint64(p.Version))
	mBin := &profile.Mapping{ID: 1, Start: 0x400000, Limit: 0x2000000, File: t.binary, BuildID: hex64(binID) + hex64(mix(binID)), HasFunctions: true}
	mLibc := &profile.Mapping{ID: 2, Start: 0x7f3a10000000, Limit: 0x7f3a10200000, File: "/lib/x86_64-linux-gnu/libc.so.6", BuildID: "c289da5071a3399de893d2af81d6a30c62646e1e"}
	mKern := &profile.Mapping{ID: 3, Start: 0xffffffff81000000, Limit: 0xffffffffa0000000, File: "[kernel.kallsyms]", HasFunctions: true}
	prof.Mapping = []*profile.Mapping{mBin, mLibc, mKern}
	locs := map[string]*profile.Location{}
	var unknownPC uint64 = 0x7f3a10029d90
	location := func(frame string) *profile.Location {
		if frame == "?" {
			unknownPC += 0x1a3
			l := &profile.Location{ID: uint64(len(prof.Location) + 1), Mapping: mLibc, Address: unknownPC}
			prof.Location = append(prof.Location, l)
			return l
		}
		if l, ok := locs[frame]; ok {
			return l
		}
		name, m, file := frame, mBin, ""
		if strings.HasPrefix(frame, "k:") {
			name, m = frame[2:], mKern
		} else {
			file = sourceFile(frame)
		}
		f := &profile.Function{ID: uint64(len(prof.Function) + 1), Name: name, SystemName: name, Filename: file}
		prof.Function = append(prof.Function, f)
		addr := m.Start + 0x1000 + (strHash(frame) % (m.Limit - m.Start - 0x2000))
		l := &profile.Location{ID: uint64(len(prof.Location) + 1), Mapping: m, Address: addr,
			Line: []profile.Line{{Function: f, Line: int64(20 + strHash(frame)%400)}}}
		locs[frame] = l
		prof.Location = append(prof.Location, l)
		return l
	}
	labels := map[string][]string{"namespace": {p.w.Namespace}, "pod": {p.Name}, "container": {ctrName}, "node": {n.Name}}
	pp := &podProfile{prof: prof, stacks: stacks, byIdx: make([]*profile.Sample, len(stacks))}
	for i, s := range stacks {
		ls := make([]*profile.Location, len(s.frames))
		for j, f := range s.frames {
			ls[len(s.frames)-1-j] = location(f) // leaf first
		}
		pp.byIdx[i] = &profile.Sample{Location: ls, Value: []int64{0, 0}, Label: labels}
	}
	return pp
}

// cpuProfile returns the gzipped pprof profile of a container's CPU over an
// interval: samples at 19 Hz split by stack in proportion to the stacks'
// weights, with a little sampling noise.
func (o *org) cpuProfile(pp *podProfile, p *pod, start, end time.Time, cpuSec float64) ([]byte, error) {
	stacks := pp.stacks
	total := int64(math.Round(cpuSec * profileHz))
	if total <= 0 {
		return nil, nil
	}
	h := uint64(start.Unix())
	var wsum float64
	ws := make([]float64, len(stacks))
	for i, s := range stacks {
		ws[i] = s.weight * noise(0.1, o.seed, p.hash, h, uint64(i), 9)
		wsum += ws[i]
	}
	counts := make([]int64, len(stacks))
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(stacks))
	var given int64
	for i := range ws {
		exact := float64(total) * ws[i] / wsum
		counts[i] = int64(exact)
		given += counts[i]
		rems[i] = rem{i, exact - float64(counts[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].f > rems[b].f })
	for k := 0; given < total; k++ {
		counts[rems[k%len(rems)].i]++
		given++
	}
	prof := pp.prof
	prof.TimeNanos, prof.DurationNanos = start.UnixNano(), int64(end.Sub(start))
	prof.Sample = prof.Sample[:0]
	for i, c := range counts {
		if c == 0 {
			continue
		}
		s := pp.byIdx[i]
		s.Value[0], s.Value[1] = c, c*profilePeriod
		prof.Sample = append(prof.Sample, s)
	}
	var raw bytes.Buffer
	if err := prof.WriteUncompressed(&raw); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := gzipPool.Get().(*gzip.Writer)
	defer gzipPool.Put(zw)
	zw.Reset(&out)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// sourceFile is a plausible source path for a Go symbol.
func sourceFile(sym string) string {
	pkg := sym
	if i := strings.LastIndexByte(sym, '/'); i >= 0 {
		if j := strings.IndexByte(sym[i:], '.'); j >= 0 {
			pkg = sym[:i+j]
		}
	} else if j := strings.IndexByte(sym, '.'); j >= 0 {
		pkg = sym[:j]
	}
	base := pkg[strings.LastIndexByte(pkg, '/')+1:]
	if !strings.Contains(pkg, ".") {
		return "/usr/local/go/src/" + pkg + "/" + base + ".go"
	}
	return pkg + "/" + base + ".go"
}

func hex64(v uint64) string {
	b := make([]byte, 16)
	for i := 15; i >= 0; i-- {
		b[i] = hexDigits[v&15]
		v >>= 4
	}
	return string(b)
}
