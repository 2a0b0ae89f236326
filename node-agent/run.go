package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/node-agent/cgroups"
	"github.com/tallyhq/tally/node-agent/collector"
	"github.com/tallyhq/tally/node-agent/podmeta"
	"github.com/tallyhq/tally/node-agent/profiler"
	"github.com/tallyhq/tally/node-agent/ship"
	"github.com/tallyhq/tally/node-agent/symbolize"
)

// run wires the agent's parts and runs until ctx ends (or, with --once,
// after one profile).
func run(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	if cfg.memoryLimit > 0 {
		debug.SetMemoryLimit(cfg.memoryLimit)
	}
	// The agent's live heap is small (about 10 MB: kernel symbols, the
	// symbol cache, one interval) and it allocates little between drains,
	// so a tighter GC target costs little CPU and keeps RSS down: at 50% the
	// heap peaks near 1.5× the live heap instead of 2×.
	if cfg.gcPercent > 0 {
		debug.SetGCPercent(cfg.gcPercent)
	}
	if err := cfg.check(); err != nil {
		return err
	}
	client := cfg.client
	if client == nil {
		var err error
		if client, err = kubeClient(cfg); err != nil {
			return err
		}
	}
	if client == nil {
		log.Warn("no Kubernetes API access: pods are known by UID only")
	}
	mounts, err := cgroups.DetectMounts(filepath.Join(cfg.proc, "1", "mountinfo"))
	if err != nil {
		if mounts, err = cgroups.DetectMounts(filepath.Join(cfg.proc, "self", "mountinfo")); err != nil {
			return fmt.Errorf("--proc %s: %w", cfg.proc, err)
		}
	}
	log.Info("cgroup hierarchies", "v2", mounts.V2, "v1", mounts.V1)
	// What run starts is stopped in reverse order, before run says
	// "stopped" (or returns early with an error).
	var down teardown
	defer down.run()
	meta := podmeta.New(podmeta.Config{Client: client, NodeName: cfg.node, Mounts: mounts, Proc: cfg.proc, Logger: log})
	down.push(meta.Stop)
	if err := meta.Start(ctx); err != nil {
		return err
	}
	prof, err := profiler.Open(cfg.frequency)
	if err != nil {
		return err
	}
	down.push(func() {
		if err := prof.Close(); err != nil {
			log.Warn("close the profiler", "err", err)
		}
	})
	log.Info("profiling", "cpus", len(prof.CPUs()), "hz", cfg.frequency)
	tracker := cgroups.NewTracker(mounts)
	tracker.Sample()
	sym := symbolize.New(symbolize.Config{Proc: cfg.proc, Logger: log, Programs: prof})
	if err := sym.LoadKernel(); err != nil {
		log.Warn("kernel frames will stay unknown", "err", err)
	}
	// Starting (kernel BTF for the BPF program, kernel symbols) leaves
	// megabytes of garbage the steady state never needs again: give the
	// pages back now rather than when the scavenger gets to them.
	debug.FreeOSMemory()
	col := collector.New(collector.Config{Cluster: tally.ClusterID(cfg.cluster), Source: prof, Symbolizer: sym, Meta: meta, Usage: tracker, Logger: log})
	// New processes are read as the profiler announces them (ended before
	// the profiler is closed).
	watchCtx, stopWatch := context.WithCancel(ctx)
	down.push(stopWatch)
	go func() {
		if err := col.Watch(watchCtx); err != nil {
			log.Warn("new processes are read only every few seconds", "err", err)
		}
	}()

	if cfg.once {
		return once(ctx, cfg, col, tracker, stdout)
	}

	buf, err := ship.NewBuffer(cfg.bufferBytes, cfg.bufferMemory, cfg.bufferDir)
	if err != nil {
		return err
	}
	shipper := ship.New(ship.Config{URL: strings.TrimRight(cfg.server, "/"), Token: tokenReader(cfg.tokenFile), Buffer: buf, Logger: log})
	m := newMetrics(prof, sym, col, shipper, buf)
	if cfg.metricsAddr != "" {
		ln, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr %s: %w", cfg.metricsAddr, err)
		}
		srv := &http.Server{Handler: m.handler(cfg.pprof), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		down.push(func() { srv.Close() })
		log.Info("metrics", "addr", ln.Addr().String())
	}
	delivering := make(chan struct{})
	go func() {
		shipper.Run(ctx)
		close(delivering)
	}()

	sample := time.NewTicker(cgroups.DefaultSampleEvery)
	defer sample.Stop()
	tick := time.NewTicker(cfg.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			// Stopped (SIGTERM: a rollout, a node drain): the interval so far
			// is collected and, with what the buffer holds, delivered or kept
			// on disk for the next start, within the pod's grace period.
			stopCtx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			if iv, err := col.Collect(stopCtx); err != nil {
				log.Error("collect the last interval", "err", err)
			} else if err := shipper.Enqueue(iv.Batch); err != nil {
				log.Error("buffer the last interval", "err", err)
			}
			<-delivering
			if err := shipper.Stop(stopCtx); err != nil {
				log.Error("stop delivering", "err", err)
			}
			down.run()
			log.Info("stopped", "pending", buf.Len())
			return nil
		case <-sample.C:
			tracker.Sample()
			if err := col.Prefetch(); err != nil {
				log.Debug("processes not prefetched", "err", err)
			}
		case <-tick.C:
			began := time.Now()
			iv, err := col.Collect(ctx)
			if err != nil {
				log.Error("collect interval", "err", err)
				continue
			}
			m.drain.Observe(time.Since(began).Seconds())
			if err := shipper.Enqueue(iv.Batch); err != nil {
				log.Error("buffer interval", "err", err)
			}
		}
	}
}

// teardown is what run started and stops when it ends: functions run in
// the reverse of the order they were pushed, once.
type teardown []func()

// push adds stop, to run before those pushed earlier.
func (t *teardown) push(stop func()) { *t = append(*t, stop) }

// run runs the functions pushed, last first, and forgets them.
func (t *teardown) run() {
	for i := len(*t) - 1; i >= 0; i-- {
		(*t)[i]()
	}
	*t = nil
}

// stopTimeout bounds the agent's stop: the last interval's collection and
// the deliveries left, within the DaemonSet's grace period (15 s).
const stopTimeout = 5 * time.Second

// check refuses a configuration the agent cannot run with; main calls it
// on the command line, so that a bad value exits 2 before anything is
// loaded, and run again for its other callers.
func (cfg config) check() error {
	if cfg.frequency < 1 || cfg.frequency > profiler.MaxFrequency {
		return fmt.Errorf("--frequency %d: want samples per second per CPU from 1 to %d", cfg.frequency, profiler.MaxFrequency)
	}
	if cfg.once {
		if cfg.out == "" {
			return errors.New("--once needs --out DIR")
		}
		if cfg.duration <= 0 {
			return fmt.Errorf("--duration %s: want a positive duration", cfg.duration)
		}
		return nil
	}
	if cfg.server == "" {
		return errors.New("--server is required (or use --once --out DIR)")
	}
	if cfg.interval < time.Second {
		return fmt.Errorf("--interval %s: must be at least 1s", cfg.interval)
	}
	// Checked now: a URL the client cannot post to would otherwise be
	// retried forever as if the backend were down.
	if u, err := url.Parse(cfg.server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--server %q: want the backend's base URL, e.g. https://tally.example.com", cfg.server)
	}
	// Every batch goes through the buffer, even when the backend is up:
	// one of 0 bytes would refuse them all.
	if cfg.bufferBytes <= 0 {
		return fmt.Errorf("--buffer-bytes %d: want room for at least one batch (default 67108864)", cfg.bufferBytes)
	}
	if cfg.bufferMemory < 0 {
		return fmt.Errorf("--buffer-memory %d: want 0 or more bytes", cfg.bufferMemory)
	}
	if cfg.bufferMemory > cfg.bufferBytes {
		return fmt.Errorf("--buffer-memory %d: more than --buffer-bytes %d, the bound of the whole buffer", cfg.bufferMemory, cfg.bufferBytes)
	}
	return checkTokenFile(cfg.tokenFile)
}

// checkTokenFile refuses an agent that could not sign in: the backend takes
// no batch without an agent token, and uploads without one were retried
// forever. The file is read again at every upload, so a rotated Secret
// is picked up; it must hold a token at start.
func checkTokenFile(path string) error {
	const create = "tally token create --name NAME --kind agent --cluster CLUSTER"
	if path == "" {
		return fmt.Errorf("--token-file is required with --server: the backend takes batches only with an agent token (%s)", create)
	}
	token, err := tokenReader(path)()
	if err != nil {
		return fmt.Errorf("--token-file %s: %w", path, err)
	}
	if token == "" {
		return fmt.Errorf("--token-file %s is empty: want the agent token %s prints", path, create)
	}
	return nil
}

// once profiles for cfg.duration and writes one pprof file per container
// and the batch as JSON to cfg.out.
func once(ctx context.Context, cfg config, col *collector.Collector, tracker *cgroups.Tracker, stdout io.Writer) error {
	end := time.After(cfg.duration)
	sample := time.NewTicker(cgroups.DefaultSampleEvery)
	defer sample.Stop()
wait:
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sample.C:
			tracker.Sample()
			col.Prefetch() // an error leaves the interval's processes to the drain
		case <-end:
			break wait
		}
	}
	iv, err := col.Collect(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(iv.Profiles))
	for name := range iv.Profiles {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f, err := os.Create(filepath.Join(cfg.out, name))
		if err != nil {
			return err
		}
		if err := iv.Profiles[name].Write(f); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	batch := *iv.Batch
	for i := range batch.Intervals {
		for j := range batch.Intervals[i].Containers {
			batch.Intervals[i].Containers[j].Profile = nil // the .pb.gz files hold them
		}
	}
	data, _ := json.MarshalIndent(batch, "", "  ")
	if err := os.WriteFile(filepath.Join(cfg.out, "batch.json"), data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d profiles (%d samples) and batch.json to %s\n", len(names), iv.Samples, cfg.out)
	return nil
}

// kubeClient returns a client from --kubeconfig or the in-cluster config,
// or nil when neither is available.
func kubeClient(cfg config) (kubernetes.Interface, error) {
	var rc *rest.Config
	var err error
	switch {
	case cfg.kubeconfig != "":
		rc, err = clientcmd.BuildConfigFromFlags("", cfg.kubeconfig)
	case cfg.inCluster:
		rc, err = rest.InClusterConfig()
	default:
		return nil, nil
	}
	if err != nil && cfg.kubeconfig != "" {
		return nil, fmt.Errorf("--kubeconfig %s: %w", cfg.kubeconfig, err)
	}
	if err != nil {
		return nil, fmt.Errorf("in-cluster Kubernetes config: %w", err)
	}
	rc.UserAgent = "tally-agent/" + tally.Version
	return kubernetes.NewForConfig(rc)
}

func tokenReader(path string) func() (string, error) {
	if path == "" {
		return nil
	}
	return func() (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
}
