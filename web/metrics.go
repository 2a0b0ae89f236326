package web

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tallyhq/tally"
)

// MetricsStore gives the cost gauges their data: the latest attributed hour
// with costs on nodes; and the function samples compaction has yet to move.
type MetricsStore interface {
	AppendedFunctionSamples(ctx context.Context) (int64, error)
	LatestNodeHour(ctx context.Context) (tally.Hour, bool, error)
	Allocations(ctx context.Context, account string, w tally.Window) ([]tally.Allocation, error)
	Nodes(ctx context.Context, cluster tally.ClusterID, w tally.Window) ([]tally.Node, error)
	// DiskByteHours returns the storage the bill charged for each of
	// resources (disks) in w, in byte-hours, by resource and step start.
	DiskByteHours(ctx context.Context, w tally.Window, step time.Duration, resources []string) (map[string]map[time.Time]float64, error)
}

// OpenCost's gauge names and labels, so existing Grafana cost dashboards work.
var (
	nodeLabels         = []string{"cluster_id", "instance", "node", "instance_type", "region", "provider_id", "arch"}
	nodeTotalHourly    = prometheus.NewDesc("node_total_hourly_cost", "Total reconciled (amortized) cost of the node an hour, in the latest attributed hour (over the part of it the node ran).", nodeLabels, nil)
	nodeCPUHourly      = prometheus.NewDesc("node_cpu_hourly_cost", "Reconciled cost per CPU core-hour of the node.", nodeLabels, nil)
	nodeRAMHourly      = prometheus.NewDesc("node_ram_hourly_cost", "Reconciled cost per GiB-hour of the node's memory.", nodeLabels, nil)
	nodeGPUHourly      = prometheus.NewDesc("node_gpu_hourly_cost", "Reconciled cost per GPU-hour of the node.", nodeLabels, nil)
	nodeIsSpot         = prometheus.NewDesc("kubecost_node_is_spot", "1 if the node is a spot instance.", nodeLabels, nil)
	containerLabels    = []string{"cluster_id", "namespace", "pod", "container", "node", "instance"}
	containerCPUAlloc  = prometheus.NewDesc("container_cpu_allocation", "CPU cores allocated to the container: max(request, usage), averaged over the latest attributed hour.", containerLabels, nil)
	containerGPUAlloc  = prometheus.NewDesc("container_gpu_allocation", "GPUs allocated to the container, averaged over the latest attributed hour.", containerLabels, nil)
	nodeGPUCount       = prometheus.NewDesc("node_gpu_count", "GPUs of the node.", nodeLabels, nil)
	containerMemAlloc  = prometheus.NewDesc("container_memory_allocation_bytes", "Memory allocated to the container: max(request, usage), averaged over the latest attributed hour.", containerLabels, nil)
	pvHourly           = prometheus.NewDesc("pv_hourly_cost", "Reconciled cost per GiB-hour of the volume in the latest attributed hour (volumes whose size the bill gives).", []string{"cluster_id", "namespace", "volumename", "persistentvolume", "provider_id"}, nil)
	attributedHourDesc = prometheus.NewDesc("tally_attributed_hour_timestamp_seconds", "Start of the hour the cost gauges are of: the latest attributed hour with costs on nodes.", nil, nil)
	appendedSamples    = prometheus.NewDesc("tally_function_samples_appended_rows", "Function sample rows agent batches appended that compaction (each minute) has not moved yet; growing means it falls behind.", nil, nil)
)

// costCollector exposes the latest attributed hour as OpenCost's gauges,
// and the compaction backlog, reading the store at most once a minute.
type costCollector struct {
	store MetricsStore
	log   *slog.Logger

	mu      sync.Mutex
	cached  []prometheus.Metric
	fetched time.Time
}

func (c *costCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{nodeTotalHourly, nodeCPUHourly, nodeRAMHourly, nodeGPUHourly, nodeGPUCount, nodeIsSpot,
		containerCPUAlloc, containerGPUAlloc, containerMemAlloc, pvHourly, attributedHourDesc, appendedSamples} {
		ch <- d
	}
}

func (c *costCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.fetched) > time.Minute {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		metrics, err := c.fetch(ctx)
		cancel()
		if err != nil {
			c.log.Error("collect cost metrics", "err", err)
		} else {
			c.cached, c.fetched = metrics, time.Now()
		}
	}
	for _, m := range c.cached {
		ch <- m
	}
}

type nodeTotals struct {
	node          *tally.Node
	cpu, ram, gpu tally.Money
}

func (c *costCollector) fetch(ctx context.Context) ([]prometheus.Metric, error) {
	n, err := c.store.AppendedFunctionSamples(ctx)
	if err != nil {
		return nil, err
	}
	costs, err := c.costs(ctx)
	return append(costs, prometheus.MustNewConstMetric(appendedSamples, prometheus.GaugeValue, float64(n))), err
}

// costs returns the OpenCost gauges of the latest attributed hour with costs
// on nodes (none before one).
func (c *costCollector) costs(ctx context.Context) ([]prometheus.Metric, error) {
	h, ok, err := c.store.LatestNodeHour(ctx)
	if err != nil || !ok {
		return nil, err
	}
	allocs, err := c.store.Allocations(ctx, "", h.Window())
	if err != nil {
		return nil, err
	}
	nodes, err := c.store.Nodes(ctx, "", h.Window())
	if err != nil {
		return nil, err
	}
	byNode := map[[2]string]*nodeTotals{}
	for i := range nodes {
		byNode[[2]string{string(nodes[i].Cluster), nodes[i].Name}] = &nodeTotals{node: &nodes[i]}
	}
	var out []prometheus.Metric
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	gauge(attributedHourDesc, float64(h.Start().Unix()))
	// A series is the sum of the hour's rows of its labels: two pods of
	// one name on one node (one deleted and created again within the
	// hour) are one container's, and a series collected twice fails the
	// whole scrape.
	cpu, gpu, mem, pv := newSeries(containerCPUAlloc), newSeries(containerGPUAlloc), newSeries(containerMemAlloc), newSeries(pvHourly)
	for i := range allocs {
		a := &allocs[i]
		if t := byNode[[2]string{string(a.Cluster), a.Node}]; t != nil {
			switch a.CostKind {
			case tally.CostCPU:
				t.cpu, _ = t.cpu.Add(a.EffectiveCost)
			case tally.CostRAM:
				t.ram, _ = t.ram.Add(a.EffectiveCost)
			case tally.CostGPU:
				t.gpu, _ = t.gpu.Add(a.EffectiveCost)
			}
		}
		switch {
		case a.PodUID != "" && a.CostKind == tally.CostCPU:
			cpu.add(a.CPUCoreHours, string(a.Cluster), a.Namespace, a.Pod, a.Container, a.Node, a.Node)
		case a.PodUID != "" && a.CostKind == tally.CostGPU:
			gpu.add(a.GPUHours, string(a.Cluster), a.Namespace, a.Pod, a.Container, a.Node, a.Node)
		case a.PodUID != "" && a.CostKind == tally.CostRAM:
			mem.add(a.RAMByteHours, string(a.Cluster), a.Namespace, a.Pod, a.Container, a.Node, a.Node)
		case a.CostKind == tally.CostPV && a.ResourceID != "":
			name := cmp.Or(a.Labels[pvNameTag], a.ResourceID)
			pv.addMoney(a.EffectiveCost, string(a.Cluster), a.Namespace, name, name, a.ResourceID)
		}
	}
	pvs, err := c.perGiB(ctx, h, pv)
	if err != nil {
		return nil, err
	}
	for _, s := range []*series{cpu, gpu, mem} {
		out = append(out, s.metrics()...)
	}
	out = append(out, pvs...)
	for _, t := range byNode {
		n := t.node
		labels := []string{string(n.Cluster), n.Name, n.Name, n.InstanceType, n.Region, n.ProviderID, n.Labels["kubernetes.io/arch"]}
		total, _ := t.cpu.Add(t.ram)
		total, _ = total.Add(t.gpu)
		// Rates, an hour's cost: a node that ran part of the hour costs
		// what it was charged over the part it ran.
		hours := n.Lifetime(h.End()).Intersect(h.Window()).Duration().Hours()
		gauge(nodeTotalHourly, per(total, hours), labels...)
		gauge(nodeCPUHourly, per(t.cpu, n.CPUCores*hours), labels...)
		gauge(nodeRAMHourly, per(t.ram, float64(n.MemoryBytes)/(1<<30)*hours), labels...)
		gauge(nodeGPUHourly, per(t.gpu, float64(n.GPUs)*hours), labels...)
		gauge(nodeGPUCount, float64(n.GPUs), labels...)
		spot := 0.0
		if strings.EqualFold(n.Lifecycle, tally.LifecycleSpot) {
			spot = 1
		}
		gauge(nodeIsSpot, spot, labels...)
	}
	return out, nil
}

// series sums a gauge's values by their labels, in the order first seen;
// money exactly.
type series struct {
	desc   *prometheus.Desc
	labels [][]string
	values map[string]float64
	money  map[string]tally.Money
}

func newSeries(d *prometheus.Desc) *series {
	return &series{desc: d, values: map[string]float64{}, money: map[string]tally.Money{}}
}

// key returns the key of labels, noting labels when they are new.
func (s *series) key(labels []string) string {
	k := strings.Join(labels, "\x00")
	if _, ok := s.values[k]; !ok {
		s.labels = append(s.labels, labels)
		s.values[k] = 0
	}
	return k
}

func (s *series) add(v float64, labels ...string) {
	s.values[s.key(labels)] += v
}

// addMoney adds m; of two currencies, the sum keeps the first's.
func (s *series) addMoney(m tally.Money, labels ...string) {
	k := s.key(labels)
	sum, ok := s.money[k]
	if !ok {
		s.money[k] = m
		return
	}
	if t, err := sum.Add(m); err == nil {
		s.money[k] = t
	}
}

// metrics returns one gauge per label set of the values added.
func (s *series) metrics() []prometheus.Metric {
	out := make([]prometheus.Metric, 0, len(s.labels))
	for _, labels := range s.labels {
		v := s.values[strings.Join(labels, "\x00")]
		out = append(out, prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, v, labels...))
	}
	return out
}

// pvNameTag is the tag the Kubernetes CSI and in-tree provisioners give a
// disk: the name of its PersistentVolume.
const pvNameTag = "kubernetes.io/created-for/pv/name"

// perGiB returns pv_hourly_cost of the volumes in pv, each's cost in hour
// h over its size in GiB as the bill charged it then, as OpenCost's is a
// price per GiB-hour; a volume whose size the bill does not give has none.
func (c *costCollector) perGiB(ctx context.Context, h tally.Hour, pv *series) ([]prometheus.Metric, error) {
	var ids []string
	for _, l := range pv.labels {
		ids = append(ids, l[len(l)-1]) // provider_id
	}
	if len(ids) == 0 {
		return nil, nil
	}
	byteHours, err := c.store.DiskByteHours(ctx, h.Window(), time.Hour, ids)
	if err != nil {
		return nil, err
	}
	var out []prometheus.Metric
	for _, l := range pv.labels {
		gib := byteHours[l[len(l)-1]][h.Start()] / (1 << 30)
		if gib <= 0 {
			continue
		}
		cost := pv.money[strings.Join(l, "\x00")]
		out = append(out, prometheus.MustNewConstMetric(pvHourly, prometheus.GaugeValue, cost.Float64()/gib, l...))
	}
	return out, nil
}

func per(m tally.Money, units float64) float64 {
	if units <= 0 {
		return 0
	}
	return m.Float64() / units
}

// metricsHandler serves Prometheus metrics: the cost gauges, Go runtime and process.
func metricsHandler(store MetricsStore, log *slog.Logger) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if store != nil {
		reg.MustRegister(&costCollector{store: store, log: log})
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)})
}
