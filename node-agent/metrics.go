package main

import (
	"net/http"
	httppprof "net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tallyhq/tally/node-agent/collector"
	"github.com/tallyhq/tally/node-agent/profiler"
	"github.com/tallyhq/tally/node-agent/ship"
	"github.com/tallyhq/tally/node-agent/symbolize"
)

// metrics is the agent's self-observation on /metrics.
type metrics struct {
	reg   *prometheus.Registry
	drain prometheus.Histogram
}

func newMetrics(prof *profiler.Profiler, sym *symbolize.Symbolizer, col *collector.Collector, sh *ship.Shipper, buf *ship.Buffer) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{reg: reg, drain: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "tally_agent_drain_seconds", Help: "Time to drain, symbolize, attribute and encode one interval.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})}
	counters := func() profiler.Counters { c, _ := prof.Counters(); return c }
	counter := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f)
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	reg.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), // own CPU seconds and RSS
		collectors.NewGoCollector(),
		m.drain,
		counter("tally_agent_samples_total", "CPU samples counted by the eBPF program.", func() float64 { return float64(counters().Samples) }),
		counter("tally_agent_idle_samples_total", "Samples of idle CPUs (not counted).", func() float64 { return float64(counters().Idle) }),
		counter("tally_agent_dropped_samples_total", "Samples lost or stack-less because a BPF map was full.", func() float64 { return float64(counters().Dropped()) }),
		counter("tally_agent_stack_errors_total", "Stacks the kernel could not read (samples kept as [unknown]).", func() float64 {
			c := counters()
			return float64(c.UserStackErrors + c.KernelStackErrors)
		}),
		counter("tally_agent_cpu_errors_total", "Failed attempts to sample a CPU (open its perf event, attach the program, read the online CPUs), retried at every drain.", func() float64 { return float64(counters().CPUErrors) }),
		counter("tally_agent_sent_bytes_total", "Compressed bytes delivered to the backend.", func() float64 { return float64(sh.Stats().Bytes) }),
		counter("tally_agent_sent_batches_total", "Batches delivered to the backend.", func() float64 { return float64(sh.Stats().Batches) }),
		counter("tally_agent_send_failures_total", "Upload attempts that failed and were retried.", func() float64 { return float64(sh.Stats().Failures) }),
		counter("tally_agent_rejected_batches_total", "Batches the backend refused as invalid.", func() float64 { return float64(sh.Stats().Rejected) }),
		counter("tally_agent_dropped_batches_total", "Batches dropped because the buffer was full.", func() float64 { return float64(buf.Dropped()) }),
		gauge("tally_agent_buffer_bytes", "Bytes waiting in the upload buffer (memory and disk).", func() float64 {
			mem, disk := buf.Bytes()
			return float64(mem + disk)
		}),
		gauge("tally_agent_buffer_fill_ratio", "Buffer fill, 0–1.", func() float64 {
			mem, disk := buf.Bytes()
			return float64(mem+disk) / float64(buf.MaxBytes())
		}),
		gauge("tally_agent_pending_batches", "Batches waiting for delivery.", func() float64 { return float64(buf.Len()) }),
		counter("tally_agent_intervals_total", "Intervals collected.", func() float64 { return float64(col.Stats().Intervals) }),
		counter("tally_agent_prefetched_processes_total", "Processes whose mappings and binaries were read while they ran, before the drain.",
			func() float64 { return float64(sym.Stats().Prefetched) }),
		counter("tally_agent_refreshed_processes_total", "Processes whose mappings were read again: 100 ms after they were announced (libraries, JIT code), or when they mapped a library later.",
			func() float64 { return float64(sym.Stats().Refreshed) }),
		counter("tally_agent_missed_programs_total", "Programs sampled whose mappings could not be read while they ran (they exited or exec'd another first): their frames are unknown.",
			func() float64 { return float64(sym.Stats().Missed) }),
		counter("tally_agent_announced_processes_total", "New processes the eBPF program announced and the agent looked up at once (those it did not know are read: tally_agent_prefetched_processes_total).",
			func() float64 { return float64(col.Stats().Learned) }),
		counter("tally_agent_skipped_processes_total", "New processes announced over the agent's rate, left to the next usage tick.",
			func() float64 { return float64(col.Stats().Skipped) }),
		counter("tally_agent_remapped_processes_total", "Processes read again because they mapped a file executable (a library dlopen'ed) after they were announced.",
			func() float64 { return float64(col.Stats().Remapped) }),
		counter("tally_agent_lost_mappings_total", "Executable mappings the kernel could not report (a CPU's ring was full): a library dlopen'ed then is read only at the drain.",
			func() float64 { return float64(counters().MappingsLost) }),
		counter("tally_agent_mapping_errors_total", "CPUs sampled without a ring of executable mappings (it could not be mapped).",
			func() float64 { return float64(counters().MappingErrors) }),
		counter("tally_agent_lost_process_events_total", "New processes the eBPF program could not announce (ring buffer full), left to the next usage tick.",
			func() float64 { return float64(counters().ProcessEventsLost) }),
	)
	frames := prometheus.NewDesc("tally_agent_symbolized_frames_total", "Stack frames looked up, by kind and result (resolved or unknown).", []string{"kind", "result"}, nil)
	reg.MustRegister(&symStats{sym: sym, desc: frames})
	return m
}

// handler serves /metrics and /healthz, and with pprof Go's profiles under
// /debug/pprof/.
func (m *metrics) handler(pprof bool) http.Handler {
	mux := http.NewServeMux()
	if pprof {
		mux.HandleFunc("/debug/pprof/", httppprof.Index)
		mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", httppprof.Symbol)
	}
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	return mux
}

// symStats exports the symbolizer's counters; success rate by kind =
// resolved / (resolved + unknown).
type symStats struct {
	sym  *symbolize.Symbolizer
	desc *prometheus.Desc
}

func (s *symStats) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

func (s *symStats) Collect(ch chan<- prometheus.Metric) {
	st := s.sym.Stats()
	for i, kind := range symbolize.KindNames() {
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.CounterValue, float64(st.Resolved[i]), kind, "resolved")
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.CounterValue, float64(st.Frames[i]-st.Resolved[i]), kind, "unknown")
	}
}
