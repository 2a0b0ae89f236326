package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tallyhq/tally"
)

// AgentStore is what the agent ingest endpoint needs from storage.
type AgentStore interface {
	// StoreAgentData stores one batch in one transaction.
	StoreAgentData(ctx context.Context, in tally.AgentIngest) error
	AgentBuckets
}

// Agent ingest limits.
const (
	// MaxAgentBody bounds a compressed request body.
	MaxAgentBody = 16 << 20
	// MaxAgentDecoded bounds the decompressed JSON of a batch.
	MaxAgentDecoded = 128 << 20
	// MaxAgentValues bounds the JSON values of a decompressed batch
	// (jsonValues): decoding allocates for each, up to a whole AgentPod
	// (some 300 bytes) for the three bytes of an empty object, so 128 MiB
	// of them would take 13 GB. A node's batch holds a few thousand (the
	// demo's day of a node with its profiles at most 7,000), a node of
	// 250 pods some tens of thousands.
	MaxAgentValues = 1 << 19
	// MaxProfileDecoded bounds one decompressed pprof profile.
	MaxProfileDecoded = 32 << 20
	// MaxProfileEntries bounds the entries of a profile (protoEntries):
	// parsing allocates for each, a profile.Sample of some 150 bytes for
	// five bytes of protobuf. An agent's profile of a container holds its
	// distinct stacks, their locations, functions and names: thousands.
	MaxProfileEntries = 1 << 18
	// maxRatio bounds decompressed/compressed size: gzip's best is ~1030×,
	// real agent batches are < 20×; more is a decompression bomb.
	maxRatio = 200
	// maxClockSkew is how far in the future an interval may end.
	maxClockSkew = 10 * time.Minute
	// DefaultAgentMaxAge is how long before now an interval may start
	// (Config.AgentMaxAge). An agent uploads late only what its buffer held
	// while the backend was away: at the defaults (64 MiB, a 10 s interval)
	// that is at most 13 days even of the smallest batches (about 600 bytes
	// gzipped: one interval of a node running a single pod), 6 to 10 days
	// for a node with 5 to 30 containers, and less with profiles. A month
	// leaves room for agents run with a longer --interval or a larger
	// --buffer-bytes. It bounds what one batch costs the store: the first
	// batch of a day creates that day's partitions, so a batch dated 1970
	// would create some 20,000 of them per table.
	DefaultAgentMaxAge = 31 * 24 * time.Hour
	// maxBatchSpan bounds the time from a batch's first interval start to
	// its last interval end. tally-agent sends one interval per batch; a
	// backfill (tally demo) sends a UTC day of a node per batch.
	maxBatchSpan = 24 * time.Hour
)

// ingestAgent handles POST /api/v1/ingest/agent: a gzip-compressed JSON
// tally.AgentBatch from tally-agent. requireAgent has admitted only an agent
// token, which is bound to one cluster.
func (s *Server) ingestAgent(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	in, stats, err := decodeAgentBatch(r, p.Cluster, s.now(), s.agentMaxAge)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if len(stats.Ignored) > 0 {
		s.log.WarnContext(r.Context(), "agent batch: pod scheduling constraints or autoscaler values ignored", slog.String("cluster", string(p.Cluster)),
			slog.String("node", in.Node.Name), slog.Any("ignored", stats.Ignored))
	}
	s.dropKnownStacks(&in)
	if err := s.agents.StoreAgentData(r.Context(), in); err != nil {
		s.error(w, r, err)
		return
	}
	s.rememberStacks(in)
	writeJSON(w, http.StatusAccepted, stats)
}

// agentReply is the endpoint's answer.
type agentReply struct {
	Intervals  int   `json:"intervals"`
	Containers int   `json:"containers"`
	Stacks     int   `json:"stacks"`
	Samples    int64 `json:"samples"`
	// Ignored are the pods' scheduling constraints and autoscaler values
	// left out as unusable (stored without them; the batch is accepted).
	Ignored []string `json:"ignored,omitempty"`
}

// decodedBound is the most n bytes of gzip may decompress to: maxRatio
// times them and some slack, within limit.
func decodedBound(n, limit int64) int64 { return min(limit, n*maxRatio+64<<10) }

// decodeAgentBatch reads, bounds, decompresses, decodes and validates a batch.
// Intervals may start at most maxAge before now.
func decodeAgentBatch(r *http.Request, cluster tally.ClusterID, now time.Time, maxAge time.Duration) (tally.AgentIngest, agentReply, error) {
	var reply agentReply
	if r.ContentLength > MaxAgentBody {
		return tally.AgentIngest{}, reply, tally.Errorf(tally.ETooLarge, "batch of %d bytes exceeds %d", r.ContentLength, MaxAgentBody)
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxAgentBody+1))
	if err != nil {
		return tally.AgentIngest{}, reply, tally.Errorf(tally.EInvalid, "read batch: %v", err)
	}
	if len(raw) > MaxAgentBody {
		return tally.AgentIngest{}, reply, tally.Errorf(tally.ETooLarge, "batch exceeds %d bytes", MaxAgentBody)
	}
	body := raw
	if r.Header.Get("Content-Encoding") == "gzip" || bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		body, err = gunzip(raw, decodedBound(int64(len(raw)), MaxAgentDecoded))
		if err != nil {
			return tally.AgentIngest{}, reply, err
		}
	}
	if jsonValues(body, MaxAgentValues) > MaxAgentValues {
		return tally.AgentIngest{}, reply, tally.Errorf(tally.ETooLarge, "batch: more than %d JSON values (objects, arrays, members and elements); "+
			"a node's batch holds some thousands", MaxAgentValues)
	}
	var b tally.AgentBatch
	if err := json.Unmarshal(body, &b); err != nil {
		return tally.AgentIngest{}, reply, tally.Errorf(tally.EInvalid, "decode batch: %v", jsonErrorText(err, body))
	}
	in, reply, err := convertBatch(&b, cluster, now, maxAge)
	return in, reply, err
}

// jsonValues counts the values of JSON text js as its structure shows
// them, without decoding it: each object and array, and each member and
// element after a first ('{', '[', ':' and ',' outside strings). It stops
// counting past limit.
func jsonValues(js []byte, limit int) int {
	n := 0
	inString, escaped := false, false
	for _, c := range js {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == '{' || c == '[' || c == ':' || c == ','):
			if n++; n > limit {
				return n
			}
		}
	}
	return n
}

// errBomb reports a body that decompresses beyond its bound.
var errBomb = errors.New("decompressed size exceeds its bound")

// gunzip decompresses data, failing beyond limit bytes.
func gunzip(data []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, tally.Errorf(tally.EInvalid, "gzip: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, tally.Errorf(tally.EInvalid, "gzip: %v", err)
	}
	if int64(len(out)) > limit {
		return nil, tally.Errorf(tally.ETooLarge, "gzip: %v (%d bytes)", errBomb, limit)
	}
	return out, nil
}

func jsonErrorText(err error, body []byte) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", err, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s: %s is not a %s (byte %d)", te.Field, te.Value, te.Type, te.Offset)
	}
	return err.Error()
}

// maxIgnored bounds the ignored constraints and autoscaler values an
// answer names.
const maxIgnored = 20

func invalid(format string, args ...any) error { return tally.Errorf(tally.EInvalid, format, args...) }

// checkIntervalTimes checks, before anything is decoded, that every interval
// is a valid one of at most tally.MaxAgentInterval, ends no later than
// maxClockSkew after now and starts no earlier than maxAge before it, and
// that the batch spans at most maxBatchSpan. It returns the batch's first
// start and last end.
func checkIntervalTimes(ivs []tally.AgentInterval, now time.Time, maxAge time.Duration) (first, last time.Time, err error) {
	oldest := now.Add(-maxAge)
	for i, iv := range ivs {
		field := fmt.Sprintf("intervals[%d]", i)
		start, end := iv.Start.UTC().Truncate(time.Microsecond), iv.End.UTC().Truncate(time.Microsecond)
		if !end.After(start) || end.Sub(start) > tally.MaxAgentInterval {
			return first, last, invalid("field %s: [%s, %s) is not a valid interval (at most %s)", field, iv.Start.Format(time.RFC3339Nano), iv.End.Format(time.RFC3339Nano), tally.MaxAgentInterval)
		}
		if end.After(now.Add(maxClockSkew)) {
			return first, last, invalid("field %s.end: %s is in the future", field, iv.End.Format(time.RFC3339))
		}
		if start.Before(oldest) {
			return first, last, invalid("field %s.start: %s is more than %s before now (%s); older data is refused",
				field, start.Format(time.RFC3339), formatDays(maxAge), now.UTC().Format(time.RFC3339))
		}
		if i == 0 || start.Before(first) {
			first = start
		}
		if i == 0 || end.After(last) {
			last = end
		}
	}
	// The store keys an interval by its start: two that overlap would
	// count the time between them twice, two with one start are one row.
	order := make([]int, len(ivs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return ivs[order[a]].Start.Before(ivs[order[b]].Start) })
	for k := 1; k < len(order); k++ {
		i, j := order[k-1], order[k]
		if ivs[j].Start.UTC().Truncate(time.Microsecond).Before(ivs[i].End.UTC().Truncate(time.Microsecond)) {
			return first, last, invalid("field intervals[%d]: [%s, %s) overlaps intervals[%d] [%s, %s)", j,
				ivs[j].Start.Format(time.RFC3339Nano), ivs[j].End.Format(time.RFC3339Nano), i,
				ivs[i].Start.Format(time.RFC3339Nano), ivs[i].End.Format(time.RFC3339Nano))
		}
	}
	if last.Sub(first) > maxBatchSpan {
		return first, last, invalid("field intervals: the batch spans %s to %s, more than %s; send one batch per interval or per day",
			first.Format(time.RFC3339), last.Format(time.RFC3339), maxBatchSpan)
	}
	return first, last, nil
}

// formatDays writes d in days when it is a whole number of them.
func formatDays(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return fmt.Sprintf("%d days", d/day)
	}
	return d.String()
}

// convertBatch validates b and turns it into what the store writes.
// Intervals may start at most maxAge before now.
func convertBatch(b *tally.AgentBatch, cluster tally.ClusterID, now time.Time, maxAge time.Duration) (tally.AgentIngest, agentReply, error) {
	var reply agentReply
	if b.Version != tally.AgentBatchVersion {
		return tally.AgentIngest{}, reply, invalid("field version: %d is not supported (this server speaks %d)", b.Version, tally.AgentBatchVersion)
	}
	makeStorable(b)
	if b.Cluster != "" && b.Cluster != cluster {
		return tally.AgentIngest{}, reply, tally.Errorf(tally.EForbidden, "field cluster: %q, but the token is bound to cluster %q", b.Cluster, cluster)
	}
	if b.Node.Name == "" {
		return tally.AgentIngest{}, reply, invalid("field node.name: empty")
	}
	if len(b.Intervals) == 0 {
		return tally.AgentIngest{}, reply, invalid("field intervals: empty")
	}
	if bad(b.Node.CPUCapacity) || bad(b.Node.CPUAllocatable) || b.Node.MemoryCapacity < 0 || b.Node.MemoryAllocatable < 0 {
		return tally.AgentIngest{}, reply, invalid("field node: capacity or allocatable is negative or not finite")
	}
	if b.Node.GPUCapacity < 0 || b.Node.GPUCapacity > math.MaxInt32 {
		return tally.AgentIngest{}, reply, invalid("field node.gpuCapacity: %d is out of range", b.Node.GPUCapacity)
	}
	first, last, err := checkIntervalTimes(b.Intervals, now, maxAge)
	if err != nil {
		return tally.AgentIngest{}, reply, err
	}
	in := tally.AgentIngest{Cluster: cluster}
	started := make(map[string]time.Time, len(b.Pods))
	for _, p := range b.Pods {
		started[p.UID] = p.StartedAt.UTC()
	}
	podEnd := map[string]time.Time{}
	stacks := map[int64]tally.Stack{}
	var decoded int64
	for i, iv := range b.Intervals {
		field := fmt.Sprintf("intervals[%d]", i)
		start, end := iv.Start.UTC().Truncate(time.Microsecond), iv.End.UTC().Truncate(time.Microsecond)
		out := tally.AgentIngestInterval{Window: tally.Window{Start: start, End: end}}
		hour := tally.HourOf(start)
		seen := map[[2]string]bool{}
		for j, c := range iv.Containers {
			cf := fmt.Sprintf("%s.containers[%d]", field, j)
			if c.Container == "" {
				return tally.AgentIngest{}, reply, invalid("field %s.container: empty", cf)
			}
			key := [2]string{c.PodUID, c.Container}
			if seen[key] {
				return tally.AgentIngest{}, reply, invalid("field %s: container %s/%s appears twice in the interval", cf, c.PodUID, c.Container)
			}
			seen[key] = true
			if bad(c.CPUCoreSeconds) || bad(c.Throttled) || c.MemoryWorkingSet < 0 || c.MemoryWorkingMax < 0 || c.MemoryRSSMax < 0 || c.OOMKills < 0 {
				return tally.AgentIngest{}, reply, invalid("field %s: a usage value is negative or not finite", cf)
			}
			if bad(c.Seconds) || c.Seconds > end.Sub(start).Seconds()*1.01 {
				return tally.AgentIngest{}, reply, invalid("field %s.seconds: %g is not within the interval's %s", cf, c.Seconds, end.Sub(start))
			}
			ran := ranWithin(out.Window, started[c.PodUID], c.Seconds)
			if c.PodUID != "" && ran.End.After(podEnd[c.PodUID]) {
				podEnd[c.PodUID] = ran.End
			}
			out.Usage = append(out.Usage, tally.ContainerUsage{
				Cluster: cluster, Interval: ran, PodUID: c.PodUID, Container: c.Container, NodeName: b.Node.Name,
				CPUCoreSeconds: c.CPUCoreSeconds, MemoryWorkingSetAvg: c.MemoryWorkingSet, MemoryWorkingSetMax: c.MemoryWorkingMax,
				MemoryRSSMax: c.MemoryRSSMax, OOMKills: c.OOMKills, CPUThrottledSeconds: c.Throttled,
			})
			reply.Containers++
			if len(c.Profile) == 0 {
				continue
			}
			samples, err := profileSamples(c.Profile, &decoded)
			if err != nil {
				return tally.AgentIngest{}, reply, invalid("field %s.profile: %v", cf, err)
			}
			agg := map[int64]*tally.FunctionSample{}
			for _, s := range samples {
				id := StackID(s.frames)
				if _, ok := stacks[id]; !ok {
					stacks[id] = tally.Stack{Cluster: cluster, ID: id, Frames: s.frames}
				}
				fs := agg[id]
				if fs == nil {
					fs = &tally.FunctionSample{Cluster: cluster, Hour: hour, PodUID: c.PodUID, Container: c.Container, StackID: id}
					agg[id] = fs
				}
				fs.Samples += s.count
				fs.CPUNanos += s.nanos
				reply.Samples += s.count
			}
			for _, fs := range agg {
				out.Samples = append(out.Samples, *fs)
			}
		}
		in.Intervals = append(in.Intervals, out)
	}
	reply.Intervals, reply.Stacks = len(in.Intervals), len(stacks)
	for _, s := range stacks {
		in.Stacks = append(in.Stacks, s)
	}
	n := b.Node
	uid := n.UID
	if uid == "" {
		uid = n.Name
	}
	in.Node = tally.Node{
		Cluster: cluster, UID: uid, Name: n.Name, ProviderID: n.ProviderID, InstanceID: tally.InstanceIDFromProviderID(n.ProviderID),
		InstanceType: n.InstanceType, Region: n.Region, Zone: n.Zone, Lifecycle: n.Lifecycle,
		CPUCores: n.CPUCapacity, MemoryBytes: n.MemoryCapacity, GPUs: n.GPUCapacity,
		AllocatableCPU: n.CPUAllocatable, AllocatableMemory: n.MemoryAllocatable, Labels: n.Labels, ValidFrom: first, ValidTo: last,
	}
	if in.Node.Lifecycle != "" && in.Node.Lifecycle != tally.LifecycleOnDemand && in.Node.Lifecycle != tally.LifecycleSpot {
		return tally.AgentIngest{}, reply, invalid("field node.lifecycle: %q is not on-demand or spot", n.Lifecycle)
	}
	podAt := make(map[string]int, len(b.Pods))
	ignored := 0
	for i, p := range b.Pods {
		if p.UID == "" || p.Namespace == "" || p.Name == "" {
			return tally.AgentIngest{}, reply, invalid("field pods[%d]: uid, namespace and name are required", i)
		}
		if j, dup := podAt[p.UID]; dup {
			return tally.AgentIngest{}, reply, invalid("field pods[%d]: uid %s is also pods[%d]'s", i, p.UID, j)
		}
		podAt[p.UID] = i
		from := p.StartedAt.UTC()
		if from.IsZero() {
			from = first
		}
		pod := tally.Pod{Ref: tally.PodRef{Cluster: cluster, Namespace: p.Namespace, Name: p.Name, UID: p.UID}, NodeName: n.Name,
			OwnerKind: p.OwnerKind, OwnerName: p.OwnerName, Labels: p.Labels, Annotations: p.Annotations, ValidFrom: from, ValidTo: last}
		var dropped []string
		pod.Scheduling, dropped = p.Scheduling.Clean()
		for _, d := range dropped {
			ignored++
			if len(reply.Ignored) < maxIgnored {
				reply.Ignored = append(reply.Ignored, fmt.Sprintf("pods[%d].scheduling.%s", i, d))
			}
		}
		pod.Autoscaling, dropped = p.Autoscaling.Clean()
		for _, d := range dropped {
			ignored++
			if len(reply.Ignored) < maxIgnored {
				reply.Ignored = append(reply.Ignored, fmt.Sprintf("pods[%d].autoscaling.%s", i, d))
			}
		}
		if end, ok := podEnd[p.UID]; ok {
			pod.ValidTo = end // else listed without usage: alive through the batch
		}
		names := make(map[string]bool, len(p.Containers))
		at := map[specPlace]string{}
		for _, c := range p.Containers {
			if bad(c.CPURequest) || bad(c.CPULimit) || c.MemoryRequest < 0 || c.MemoryLimit < 0 || c.GPURequest < 0 || c.GPURequest > math.MaxInt32 {
				return tally.AgentIngest{}, reply, invalid("field pods[%d] container %s: a request or limit is negative, out of range or not finite", i, c.Name)
			}
			if !tally.ValidContainerKind(c.Kind) {
				return tally.AgentIngest{}, reply, invalid("field pods[%d] container %s: kind %q is not init, sidecar or empty", i, c.Name, c.Kind)
			}
			if names[c.Name] {
				return tally.AgentIngest{}, reply, invalid("field pods[%d]: container %q appears twice", i, c.Name)
			}
			names[c.Name] = true
			if err := takePlace(at, i, &c); err != nil {
				return tally.AgentIngest{}, reply, err
			}
			pod.Containers = append(pod.Containers, tally.Container{Name: c.Name, Kind: c.Kind, Position: c.Position, ContainerID: c.ID, Image: c.Image,
				CPURequest: c.CPURequest, CPULimit: c.CPULimit, MemoryRequest: c.MemoryRequest, MemoryLimit: c.MemoryLimit, GPURequest: c.GPURequest})
		}
		in.Pods = append(in.Pods, pod)
	}
	if ignored > len(reply.Ignored) {
		reply.Ignored = append(reply.Ignored, fmt.Sprintf("and %d more", ignored-len(reply.Ignored)))
	}
	return in, reply, nil
}

// ranWithin is the part of interval iv a container ran: from the later of
// the interval's start and its pod's start, for seconds (0: to the end).
// Stored as the usage interval, it bounds the pod's lifetime and weights its
// memory by the time it was there.
func ranWithin(iv tally.Window, podStart time.Time, seconds float64) tally.Window {
	from := iv.Start
	if podStart.After(from) && podStart.Before(iv.End) {
		from = podStart
	}
	if seconds <= 0 {
		return tally.Window{Start: from, End: iv.End}
	}
	to := from.Add(time.Duration(seconds * float64(time.Second))).Truncate(time.Microsecond)
	if !to.After(from) || to.After(iv.End) {
		to = iv.End
	}
	return tally.Window{Start: from, End: to}
}

// specPlace is a place in a pod's spec: a list and a position in it.
type specPlace struct {
	list     string
	position int
}

// specList names the list of a pod's spec that declares a container of
// kind.
func specList(kind string) string {
	if kind == tally.ContainerRegular {
		return "spec.containers"
	}
	return "spec.initContainers"
}

// takePlace records in at the place in its pod's spec of c, a container of
// pods[i], when its agent sent its position; it refuses a position that is
// no place in a list or is another container's.
func takePlace(at map[specPlace]string, i int, c *tally.AgentContainer) error {
	if c.Position == 0 {
		return nil
	}
	place := specPlace{specList(c.Kind), c.Position}
	if c.Position < 0 || c.Position > math.MaxInt32 {
		return invalid("field pods[%d] container %s: position %d is not a place in %s (1 or more; 0 or none when not known)", i, c.Name, c.Position, place.list)
	}
	if other, ok := at[place]; ok {
		return invalid("field pods[%d] container %s: position %d of %s is also container %s's", i, c.Name, c.Position, place.list, other)
	}
	at[place] = c.Name
	return nil
}

func bad(f float64) bool { return f < 0 || math.IsNaN(f) || math.IsInf(f, 0) }

type stackSample struct {
	frames       []tally.Function
	count, nanos int64
}

// profileSamples decodes a (gzip-compressed) pprof profile within the
// decompression budget and returns its samples with symbolized frames.
func profileSamples(data []byte, decoded *int64) ([]stackSample, error) {
	raw := data
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		var err error
		raw, err = gunzip(data, decodedBound(int64(len(data)), MaxProfileDecoded))
		if err != nil {
			return nil, err
		}
	}
	*decoded += int64(len(raw))
	if *decoded > MaxAgentDecoded {
		return nil, fmt.Errorf("profiles decompress beyond %d bytes in total", MaxAgentDecoded)
	}
	if protoEntries(raw, MaxProfileEntries) > MaxProfileEntries {
		return nil, fmt.Errorf("more than %d entries (samples, locations, functions, strings)", MaxProfileEntries)
	}
	p, err := profile.ParseUncompressed(raw)
	if err != nil {
		return nil, fmt.Errorf("parse pprof: %v", err)
	}
	// ParseUncompressed does not check that samples have a value per sample
	// type or that their locations exist; CheckValid does.
	if err := p.CheckValid(); err != nil {
		return nil, fmt.Errorf("parse pprof: %v", err)
	}
	countIdx, nanosIdx := -1, -1
	for i, st := range p.SampleType {
		switch {
		case st.Type == "samples" && st.Unit == "count":
			countIdx = i
		case st.Type == "cpu" && st.Unit == "nanoseconds":
			nanosIdx = i
		}
	}
	if countIdx < 0 && nanosIdx < 0 {
		return nil, errors.New("no samples/count or cpu/nanoseconds sample type")
	}
	period := p.Period
	if period <= 0 {
		period = int64(time.Second) / 19
	}
	out := make([]stackSample, 0, len(p.Sample))
	for _, s := range p.Sample {
		var ss stackSample
		if countIdx >= 0 {
			ss.count = s.Value[countIdx]
		}
		if nanosIdx >= 0 {
			ss.nanos = s.Value[nanosIdx]
		}
		if countIdx < 0 {
			ss.count = ss.nanos / period
		}
		if nanosIdx < 0 {
			ss.nanos = ss.count * period
		}
		if ss.count < 0 || ss.nanos < 0 {
			return nil, errors.New("negative sample value")
		}
		for _, loc := range s.Location {
			module := ""
			if loc.Mapping != nil {
				module = storable(loc.Mapping.File)
			}
			if len(loc.Line) == 0 {
				ss.frames = append(ss.frames, tally.Function{Name: tally.UnknownFunction, Module: module, Offset: loc.Address})
				continue
			}
			for _, line := range loc.Line { // leaf (innermost inlined) first
				f := line.Function
				if f == nil {
					ss.frames = append(ss.frames, tally.Function{Name: tally.UnknownFunction, Module: module, Offset: loc.Address})
					continue
				}
				m := module
				if m == "" {
					m = storable(f.Filename)
				}
				if f.SystemName == tally.UnknownFunction || strings.HasPrefix(f.Name, tally.UnknownFunction) {
					ss.frames = append(ss.frames, tally.Function{Name: tally.UnknownFunction, Module: m, Offset: loc.Address})
				} else {
					ss.frames = append(ss.frames, tally.Function{Name: storable(f.Name), Module: m})
				}
			}
		}
		if len(ss.frames) == 0 {
			ss.frames = []tally.Function{{Name: tally.UnknownFunction}}
		}
		out = append(out, ss)
	}
	return out, nil
}

// protoEntries counts the top-level fields of protobuf message pb (a
// profile's samples, locations, functions, strings…), without decoding
// them; it stops past limit, or where pb is not protobuf (parsing says why).
func protoEntries(pb []byte, limit int) int {
	n := 0
	for len(pb) > 0 && n <= limit {
		_, typ, k := protowire.ConsumeTag(pb)
		if k < 0 {
			return n
		}
		m := protowire.ConsumeFieldValue(0, typ, pb[k:])
		if m < 0 {
			return n
		}
		pb = pb[k+m:]
		n++
	}
	return n
}

// StackID is the 64-bit FNV-1a hash of a stack's frames, as a signed integer
// (PostgreSQL bigint).
func StackID(frames []tally.Function) int64 {
	h := fnv.New64a()
	var off [8]byte
	for _, f := range frames {
		h.Write([]byte(f.Name))
		h.Write([]byte{0})
		h.Write([]byte(f.Module))
		h.Write([]byte{0})
		if f.Name == tally.UnknownFunction {
			for i := range off {
				off[i] = byte(f.Offset >> (8 * i))
			}
			h.Write(off[:])
		}
		h.Write([]byte{1})
	}
	return int64(h.Sum64())
}

// knownStacks remembers stacks already stored, per cluster, so a batch
// sends only new ones to the database (bounded; cleared when full).
type knownStacks struct {
	mu sync.Mutex
	m  map[tally.ClusterID]map[int64]struct{}
	n  int
}

const maxKnownStacks = 1 << 20

func (s *Server) dropKnownStacks(in *tally.AgentIngest) {
	s.stacks.mu.Lock()
	defer s.stacks.mu.Unlock()
	known := s.stacks.m[in.Cluster]
	kept := in.Stacks[:0]
	for _, st := range in.Stacks {
		if _, ok := known[st.ID]; !ok {
			kept = append(kept, st)
		}
	}
	in.Stacks = kept
}

func (s *Server) rememberStacks(in tally.AgentIngest) {
	s.stacks.mu.Lock()
	defer s.stacks.mu.Unlock()
	if s.stacks.n+len(in.Stacks) > maxKnownStacks {
		s.stacks.m, s.stacks.n = nil, 0
	}
	if s.stacks.m == nil {
		s.stacks.m = map[tally.ClusterID]map[int64]struct{}{}
	}
	known := s.stacks.m[in.Cluster]
	if known == nil {
		known = map[int64]struct{}{}
		s.stacks.m[in.Cluster] = known
	}
	for _, st := range in.Stacks {
		if _, ok := known[st.ID]; !ok {
			known[st.ID] = struct{}{}
			s.stacks.n++
		}
	}
}
