// Command tally-agent is Tally's node agent. On every node (a DaemonSet) it
// samples every CPU with eBPF, symbolizes the stacks, attributes them to
// pods and containers, reads each container's exact CPU and memory from
// cgroup counters and ships one pprof profile plus a usage record per
// container per interval to the backend (POST /api/v1/ingest/agent).
//
// This file is the only one of the agent that reads flags and environment.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
)

type cli struct {
	Server       string        `env:"TALLY_SERVER" placeholder:"URL" help:"Backend base URL, e.g. https://tally.example.com (required unless --once)."`
	TokenFile    string        `name:"token-file" env:"TALLY_TOKEN_FILE" placeholder:"FILE" help:"File holding the agent's bearer token (re-read at every upload)."`
	Cluster      string        `env:"TALLY_CLUSTER" help:"Cluster id put in batches (the backend takes it from the token)."`
	NodeName     string        `name:"node-name" env:"NODE_NAME" help:"This node's Kubernetes name (default: the host name)."`
	Frequency    int           `default:"19" env:"TALLY_FREQUENCY" help:"Samples per second per CPU, 1–999."`
	Interval     time.Duration `default:"10s" env:"TALLY_INTERVAL" help:"Drain and ship interval."`
	BufferBytes  int64         `name:"buffer-bytes" default:"67108864" env:"TALLY_BUFFER_BYTES" help:"Bound of the upload buffer while the backend is away (memory and disk)."`
	BufferMemory int64         `name:"buffer-memory" default:"8388608" env:"TALLY_BUFFER_MEMORY" help:"Part of the buffer kept in memory; the rest spills to --buffer-dir."`
	BufferDir    string        `name:"buffer-dir" default:"/var/lib/tally-agent/buffer" env:"TALLY_BUFFER_DIR" help:"Directory for spilled batches (empty: memory only)."`
	MetricsAddr  string        `name:"metrics-addr" default:":9464" env:"TALLY_METRICS_ADDR" help:"Address of the Prometheus /metrics endpoint (empty: off)."`
	Pprof        bool          `env:"TALLY_PPROF" help:"Also serve Go's /debug/pprof/ on --metrics-addr (to profile the agent itself)."`
	Proc         string        `default:"/proc" env:"TALLY_PROC" help:"The host's procfs (hostPID)."`
	Kubeconfig   string        `env:"KUBECONFIG" help:"Kubeconfig outside a cluster (default: in-cluster config, else no pod names)."`
	MemoryLimit  int64         `name:"memory-limit" default:"50331648" env:"TALLY_MEMORY_LIMIT" help:"Go runtime soft memory limit in bytes (0: none)."`
	GCPercent    int           `name:"gc-percent" default:"50" env:"TALLY_GC_PERCENT" help:"Go GC target: heap growth over the live heap, in percent (Go's default is 100)."`
	Once         bool          `help:"Profile for --duration, write pprof files to --out and exit."`
	Duration     time.Duration `default:"10s" help:"How long --once profiles."`
	Out          string        `placeholder:"DIR" help:"Directory --once writes to."`
	LogLevel     string        `name:"log-level" env:"TALLY_LOG_LEVEL" enum:"debug,info,warn,error" default:"info" help:"Log level: ${enum}."`
}

func main() {
	var c cli
	kong.Parse(&c, kong.Name("tally-agent"),
		kong.Description("Tally's node agent: eBPF CPU profiles and exact cgroup usage per container, shipped to the Tally backend."),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}))
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(c.LogLevel))
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	if c.NodeName == "" {
		c.NodeName, _ = os.Hostname()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, config{
		server: c.Server, tokenFile: c.TokenFile, cluster: c.Cluster, node: c.NodeName, frequency: c.Frequency,
		interval: c.Interval, bufferBytes: c.BufferBytes, bufferMemory: c.BufferMemory, bufferDir: c.BufferDir,
		metricsAddr: c.MetricsAddr, pprof: c.Pprof, proc: c.Proc, kubeconfig: c.Kubeconfig, memoryLimit: c.MemoryLimit, gcPercent: c.GCPercent,
		once: c.Once, duration: c.Duration, out: c.Out, inCluster: os.Getenv("KUBERNETES_SERVICE_HOST") != "",
	}, log, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "tally-agent: %v\n", err)
		os.Exit(1)
	}
}

// config is the parsed command line, handed to run.
type config struct {
	server, tokenFile, cluster, node string
	frequency                        int
	interval                         time.Duration
	bufferBytes, bufferMemory        int64
	bufferDir, metricsAddr, proc     string
	pprof                            bool
	kubeconfig                       string
	inCluster                        bool
	memoryLimit                      int64
	gcPercent                        int
	once                             bool
	duration                         time.Duration
	out                              string
}
